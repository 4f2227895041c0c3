"""``gaitscan analyze``: the CLI over :func:`gaitscan.pipeline.analyze` (a short table, where it wrote)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import click

from .report.command import report_inputs, report_options


def _fmt(summary: dict[str, Any], key: str, unit: str, digits: int = 1) -> str:
    s = summary.get(key)
    if not s:
        return "—"
    if s.get("mean") is None:
        return f"— ({s.get('reason', 'not measured')})"
    lo, hi = s["ci95"]
    return f"{s['mean']:.{digits}f}{unit} (95% CI {lo:.{digits}f}…{hi:.{digits}f}, n={s['n']})"


def summary_table(analysis: dict[str, Any]):
    """A rich Table with the headline numbers of one analysis."""
    from rich.table import Table

    tab = Table(title=f"gaitscan — {analysis['source'].get('file') or 'series'}", show_header=True)
    tab.add_column("")
    tab.add_column("left stance")
    tab.add_column("right stance")
    tab.add_row("view", f"{analysis['view']} (confidence {analysis['view_confidence']:.2f})", "")
    cad = analysis["cadence_spm"]
    ci = analysis.get("cadence_ci95")
    tab.add_row("cadence", "—" if cad is None else f"{cad:.1f} steps/min" + (f" (95% CI {ci[0]:.1f}…{ci[1]:.1f})" if ci else ""), "")
    L, R = analysis["summary"]["left"], analysis["summary"]["right"]
    tab.add_row(f"pelvic drop [{analysis['pelvic_drop_method']}]", _fmt(L, "pelvic_drop_deg", "°"), _fmt(R, "pelvic_drop_deg", "°"))
    tab.add_row("foot offset (hip widths)", _fmt(L, "foot_offset_hipw", "", 2), _fmt(R, "foot_offset_hipw", "", 2))
    rate = lambda x: "—" if x is None else f"{x:.0%}"  # noqa: E731
    tab.add_row("crossover rate", rate(L.get("crossover_rate")), rate(R.get("crossover_rate")))
    tab.add_row("steps", str(L.get("n_steps", 0)), str(R.get("n_steps", 0)))
    return tab


@click.command("analyze")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Output folder (default ./<name>_gaitscan).")
@click.option("--height-cm", type=float, default=None, help="Runner's height in cm, for offsets and widths in cm.")
@click.option("--camera-roll", "camera_roll_deg", type=float, default=None,
              help="Known camera roll in degrees (+ when a level line's right end is lower in the image).")
@click.option("--model", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="A pose_landmarker_*.task bundle (default: the embedded BlazePose full).")
@click.option("--start", "start_s", type=float, default=None, help="Start time in seconds.")
@click.option("--end", "end_s", type=float, default=None, help="End time in seconds.")
@click.option("--stride", type=click.IntRange(min=1), default=1, help="Analyse every n-th frame.")
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
@click.option("--overlay", is_flag=True,
              help="Also write overlay.mp4: skeleton, hip line coloured by drop, midline, landing points, step numbers.")
@report_options
@click.option("--markers", is_flag=True,
              help="Also track skin markers over the PSIS and heel counters (docs/capture-guide.md).")
@click.option("--marker-color", default=None, metavar="NAME|H,S,V",
              help="Marker colour: green (default), magenta, orange, yellow, blue, or H,S,V (0-360, 0-100, 0-100).")
@click.option("--capture-fps", type=float, default=None,
              help="Slow-motion file: the frame rate the phone filmed at (e.g. 240); times become real time.")
@click.option("--slowmo", type=float, default=None,
              help="Slow-motion file: how many times slower than real it plays (e.g. 8); instead of --capture-fps.")
def command(source: Path, out_dir: Optional[Path], height_cm: Optional[float], camera_roll_deg: Optional[float],
            overlay: bool, symptoms_file: Optional[Path], ask: bool, kb_file: Optional[Path], pdf: bool,
            runner_name: Optional[str],
            model: Optional[Path], start_s: Optional[float], end_s: Optional[float], stride: int, no_report: bool,
            capture_fps: Optional[float], slowmo: Optional[float],
            markers: bool = False, marker_color: Optional[str] = None) -> None:
    """Analyse a treadmill video (or a saved pose .npz): gait events, pelvic drop, crossover, cadence.

    Writes analysis.json, steps.csv and pose.npz (and report.html, overlay.mp4, report.pdf) into the output folder.
    """
    from rich.console import Console

    from .pipeline import analyze, default_out_dir

    kb, symptoms = report_inputs(symptoms_file, ask, kb_file)  # a bad file fails before the pose pass
    console = Console()
    out = out_dir if out_dir is not None else default_out_dir(source)
    analysis = analyze(source, out_dir=out, height_cm=height_cm, camera_roll_deg=camera_roll_deg, model=model,
                       overlay=overlay, symptoms=symptoms, kb=kb, runner_name=runner_name, pdf=pdf,
                       start_s=start_s, end_s=end_s, stride=stride, progress=True, write_report=not no_report,
                       capture_fps=capture_fps, slowmo=slowmo,
                       markers=markers, marker_color=marker_color)
    console.print(summary_table(analysis))
    if markers:
        from .markers.metrics import terminal_lines

        for line in terminal_lines(analysis):
            console.print(line)
    for check in analysis["quality"]["checks"]:
        if not check["ok"]:
            console.print(f"[yellow]warning[/yellow] ({check['id']}): {check['message']}")
    for key, why in analysis["not_measurable"].items():
        console.print(f"[yellow]not measured[/yellow] {key}: {why}")
    written = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    console.print(f"wrote {', '.join(written)} in {out}")
