"""``gaitscan report`` and ``gaitscan compare``: thin click layers over the report package."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Optional

import click

from ..errors import UsageError
from .analysis import load_analysis, resolve_analysis_path
from .compare import IMPROVED, WORSE, compare_sessions, format_measure_short, write_compare
from .html import write_report
from .kb import KnowledgeBase, load_kb
from .pdf import print_pdf
from .symptoms import Symptoms, ask_symptoms, load_symptoms

VERDICT_STYLE = {IMPROVED: "green", WORSE: "red"}


def report_options(command: Callable) -> Callable:
    """The ``--symptoms/--ask-symptoms/--kb/--pdf/--runner`` options of ``gaitscan report``, shared
    with ``gaitscan analyze``; resolve them with :func:`report_inputs`."""
    options = (
        click.option("--symptoms", "symptoms_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="YAML/JSON file with the runner's symptoms (see the knowledge base's 'symptoms')."),
        click.option("--ask-symptoms", "ask", is_flag=True, help="Ask the symptom and red-flag questions in the terminal."),
        click.option("--kb", "kb_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Use this knowledge-base file instead of the built-in one."),
        click.option("--pdf", is_flag=True, help="Also print report.pdf with headless Chromium."),
        click.option("--runner", "runner_name", default=None, help="Runner's name for the report header."),
    )
    for option in reversed(options):
        command = option(command)
    return command


def report_inputs(symptoms_file: Optional[Path], ask: bool, kb_file: Optional[Path]) -> tuple[KnowledgeBase, Optional[Symptoms]]:
    """The knowledge base and the validated symptoms (from the file, or asked in the terminal)."""
    if ask and symptoms_file is not None:
        raise UsageError("give either --symptoms FILE or --ask-symptoms, not both")
    if ask and not sys.stdin.isatty():
        raise UsageError("--ask-symptoms needs an interactive terminal; use --symptoms FILE instead")
    kb = load_kb(kb_file)
    return kb, load_symptoms(symptoms_file, kb) if symptoms_file else ask_symptoms(kb) if ask else None


@click.command("report")
@click.argument("analysis", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for report.html (default: the folder of ANALYSIS).")
@report_options
def report_command(analysis: Path, out: Optional[Path], symptoms_file: Optional[Path], ask: bool,
                   kb_file: Optional[Path], pdf: bool, runner_name: Optional[str]) -> None:
    """Write report.html from ANALYSIS (an analysis.json, or a folder holding one)."""
    kb, symptoms = report_inputs(symptoms_file, ask, kb_file)
    path = resolve_analysis_path(analysis)
    data = load_analysis(path)
    html = write_report(data, out if out is not None else path.parent, symptoms=symptoms, kb=kb,
                        runner_name=runner_name)
    click.echo(f"report: {html}")
    if pdf:
        click.echo(f"pdf: {print_pdf(html, html.with_suffix('.pdf'))}")


@click.command("compare")
@click.argument("before", type=click.Path(path_type=Path))
@click.argument("after", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for compare.html (default: the folder of AFTER).")
@click.option("--kb", "kb_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Use this knowledge-base file (its 'sdd' section) instead of the built-in one.")
def compare_command(before: Path, after: Path, out: Optional[Path], kb_file: Optional[Path]) -> None:
    """Compare two sessions (analysis.json files or folders holding one): improved, no detectable change, worse."""
    before_path, after_path = resolve_analysis_path(before), resolve_analysis_path(after)
    kb = load_kb(kb_file)
    changes = compare_sessions(load_analysis(before_path), load_analysis(after_path), kb)
    html = write_compare(changes, out if out is not None else after_path.parent,
                         before_name=str(before), after_name=str(after), kb=kb)
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{before} → {after}")
    for col in ("measure", "side", "before [95% CI]", "after [95% CI]", "change", "verdict"):
        table.add_column(col, no_wrap=col != "verdict")
    for c in changes:
        table.add_row(f"{c.metric} ({c.unit.strip()})", c.side or "whole", format_measure_short(c.before, c.unit, True),
                      format_measure_short(c.after, c.unit, True), "—" if c.delta is None else f"{c.delta:+.2f}",
                      f"[{VERDICT_STYLE[c.verdict]}]{c.verdict}[/]" if c.verdict in VERDICT_STYLE else c.verdict)
    Console(highlight=False, width=None if sys.stdout.isatty() else 140).print(table)
    click.echo(f"compare: {html}")
