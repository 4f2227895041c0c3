"""Clinic outputs of a batch: ``summary.csv``, ``index.html`` and one history page per runner.

Written from the index's rows for the current run (every video found in FOLDER this time), each
file atomically (:mod:`gaitscan.atomic`). The HTML is self-contained — inline CSS, no scripts, no
fonts or images from anywhere — and every text that comes from a user (runner names, file names,
reasons) is escaped by Jinja2's autoescape. Links to each video's report are relative, so OUT can
be moved or shared as a whole.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import jinja2

from .. import __version__
from ..atomic import atomic_open, write_text
from ..report.compare import Change, compare_sessions, format_measure_short
from ..report.kb import KnowledgeBase
from .keymetrics import KEY_METRICS, METRIC_NAMES
from .outdir import OutputFolder, runner_page

SUMMARY_CSV = "summary.csv"
INDEX_HTML = "index.html"

#: which finding's level colours which metric cell (finding ids from the report's knowledge base)
CELL_FLAGS: Mapping[str, str] = {
    "cadence_spm": "low_cadence",
    "pelvic_drop_left_deg": "pelvic_drop.left",
    "pelvic_drop_right_deg": "pelvic_drop.right",
    "crossover_rate_left": "crossover.left",
    "crossover_rate_right": "crossover.right",
    "foot_offset_left_hipw": "crossover.left",
    "foot_offset_right_hipw": "crossover.right",
}

_SUMMARY_COLUMNS = ("runner", "session_date", "date_source", "file", "status", "reason", "sha256",
                    *METRIC_NAMES, "flags", "report", "analysis", "output_folder")


@dataclass
class Session:
    """One video of one runner, as shown on the pages."""

    row: dict[str, Any]
    report: Optional[str]  # relative to OUT
    changes: list[Change] = field(default_factory=list)


def write_outputs(out: OutputFolder, rows: Sequence[dict[str, Any]], kb: KnowledgeBase) -> None:
    """Write ``summary.csv``, ``index.html`` and ``runners/*.html`` for the run's ``rows``."""
    rows = sorted(rows, key=lambda r: (r["runner"].casefold(), r["runner"], r["session_date"], r["rel"]))
    sessions = [Session(r, _report_link(out.root, r)) for r in rows]
    write_summary(out.root / SUMMARY_CSV, sessions)
    by_runner = {name: list(group) for name, group in groupby(sessions, key=lambda s: s.row["runner"])}
    for group in by_runner.values():
        add_changes(out.root, group, kb)
    env = _environment()
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in ("done", "failed", "skipped", "pending")}
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    common = {"version": __version__, "generated": generated, "metrics": dict((n, d) for n, _, d in KEY_METRICS),
              "cell_flags": CELL_FLAGS, "sdd": kb.sdd,
              "measure": format_measure_short}
    write_text(out.root / INDEX_HTML, env.get_template("index.html.j2").render(
        runners=[(name, runner_page(name), group) for name, group in by_runner.items()], counts=counts,
        prefix="", **common))
    for runner, group in by_runner.items():
        write_text(out.inside(runner_page(runner)), env.get_template("runner.html.j2").render(
            runner=runner, sessions=group, prefix="../", **common))


def write_summary(path: Path, sessions: Sequence[Session]) -> None:
    """One CSV row per video, every key metric; empty cell for a missing value."""
    with atomic_open(path, "w") as fh:
        writer = csv.writer(fh)
        writer.writerow(_SUMMARY_COLUMNS)
        for s in sessions:
            r = s.row
            out_dir = r["out_dir"] if r["status"] == "done" else None
            writer.writerow([
                r["runner"], r["session_date"].isoformat(), r["date_source"], r["rel"], r["status"],
                r["reason"] or "", r["sha256"] or "",
                *[_cell(r[name]) for name in METRIC_NAMES],
                ";".join(f"{k}={v}" for k, v in sorted(r["flags"].items())),
                s.report or "", f"{out_dir}/analysis.json" if out_dir else "", out_dir or "",
            ])


def add_changes(root: Path, sessions: Sequence[Session], kb: KnowledgeBase) -> None:
    """Attach to each done session its changes since the runner's previous done session.

    The comparison is the report's (:func:`gaitscan.report.compare.compare_sessions`): a change
    counts only beyond the smallest detectable difference of the knowledge base and the noise of
    the two sessions' confidence intervals.
    """
    previous: Optional[dict] = None
    for s in sessions:
        analysis = _load_analysis(root, s.row)
        if analysis is None:
            continue
        if previous is not None:
            s.changes = compare_sessions(previous, analysis, kb)
        previous = analysis


def _load_analysis(root: Path, row: Mapping[str, Any]) -> Optional[dict]:
    if row["status"] != "done" or not row["out_dir"]:
        return None
    try:
        return json.loads((root / row["out_dir"] / "analysis.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _report_link(root: Path, row: Mapping[str, Any]) -> Optional[str]:
    if row["status"] != "done" or not row["out_dir"]:
        return None
    for name in ("report.html", "analysis.json"):
        if (root / row["out_dir"] / name).is_file():
            return f"{row['out_dir']}/{name}"
    return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("gaitscan.batch", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = _fmt
    return env
