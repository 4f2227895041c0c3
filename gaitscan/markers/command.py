"""``gaitscan agreement FOLDER``: markerless vs marker pelvic drop across many analyses.

Reads every ``analysis.json`` under FOLDER written by ``gaitscan analyze --markers``, pools the
per-step pairs and prints (and with ``--out`` writes) the Bland–Altman agreement overall and per
stance side, per video too, with the plot as a PNG.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Optional

import click

from ..errors import InputError
from .agreement import agreement, bland_altman_png


def pooled_agreement(folder: Path) -> dict[str, Any]:
    """Per-video and pooled agreement of the ``analysis.json`` files under ``folder`` (recursive)."""
    videos, pairs, skipped = [], [], []
    for path in sorted(Path(folder).rglob("analysis.json")):
        try:
            a = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            skipped.append({"file": str(path), "reason": f"unreadable: {exc}"})
            continue
        mk = a.get("markers")
        if mk is None or not mk.get("found"):
            skipped.append({"file": str(path), "reason": "no markers" if mk is None else mk.get("message")})
            continue
        vp = [(s["stance"], s.get("pelvic_drop_deg"), s.get("pelvic_drop_markers_deg")) for s in a["steps"]]
        ag = agreement(vp)
        videos.append({"file": str(path.parent), "video": (a.get("source") or {}).get("file"), "all": ag["all"],
                       "left": ag["left"], "right": ag["right"]})
        pairs += vp
    if not videos:
        raise InputError("no analysis.json made with --markers (and markers found) in this folder", folder)
    pooled = agreement(pairs)
    return {"videos": videos, "skipped": skipped, "pooled": pooled}


@click.command("agreement")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Also write agreement.json and bland_altman.png here.")
def command(folder: Path, out_dir: Optional[Path]) -> None:
    """Markerless vs marker pelvic drop over every analysis.json in FOLDER (made with --markers)."""
    from rich.console import Console
    from rich.table import Table

    from ..atomic import write_bytes, write_text

    res = pooled_agreement(folder)
    tab = Table(title="pelvic drop: markerless − marker (deg)")
    for col in ("video", "n", "bias", "SD", "limits of agreement"):
        tab.add_column(col)
    fmt = lambda s: ("—", "—", "—") if s["mean_diff"] is None else (  # noqa: E731
        f"{s['mean_diff']:+.2f}", f"{s['sd_diff']:.2f}", f"{s['loa'][0]:+.2f}…{s['loa'][1]:+.2f}")
    for v in res["videos"]:
        tab.add_row(str(v["video"] or v["file"]), str(v["all"]["n"]), *fmt(v["all"]))
    for key in ("all", "left", "right"):
        s = res["pooled"][key]
        tab.add_row(f"[bold]pooled {key}[/bold]", str(s["n"]), *fmt(s))
    console = Console()
    console.print(tab)
    for s in res["skipped"]:
        console.print(f"[yellow]skipped[/yellow] {s['file']}: {s['reason']}")
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_text(out_dir / "agreement.json", json.dumps(res, indent=1) + "\n")
        png = bland_altman_png(res["pooled"]["pairs"], res["pooled"]["all"], title=f"{len(res['videos'])} videos")
        if png is not None:
            write_bytes(out_dir / "bland_altman.png", base64.b64decode(png))
        console.print(f"wrote agreement.json, bland_altman.png in {out_dir}")
