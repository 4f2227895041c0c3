"""``gaitscan batch FOLDER --out OUT``: the CLI over :func:`gaitscan.batch.driver.run_batch`."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click

from ..errors import GaitscanError
from .driver import run_batch


@click.command("batch")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder: index, summary.csv, index.html, one folder per video.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Local worker processes [default: the number of CPU cores].")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="Run on this Dask distributed scheduler instead (workers need gaitscan and read "
                   "access to the videos at the same paths).")
@click.option("--manifest", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="CSV with columns file, runner, date (YYYY-MM-DD) and optionally height_cm.")
@click.option("--retry-failed", is_flag=True, help="Analyse videos that failed in earlier runs again.")
@click.option("--height-cm", type=click.FloatRange(50, 250), default=None,
              help="Runner height for centimetre values, where the manifest gives none.")
@click.option("--camera-roll-deg", type=float, default=None, help="Known camera roll to correct (deg).")
@click.option("--model", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A pose_landmarker_*.task bundle instead of the embedded model.")
@click.option("--stride", type=click.IntRange(min=1), default=1, help="Analyse every Nth frame.")
@click.option("--markers", is_flag=True,
              help="Also track skin markers (as gaitscan analyze --markers); then see gaitscan agreement OUT.")
@click.option("--marker-color", default=None, metavar="NAME|H,S,V",
              help="Marker colour for --markers: a name (green, magenta, orange, yellow, blue) or H,S,V.")
@click.option("--progress/--no-progress", default=None,
              help="Show the progress bar [default: when stderr is a terminal].")
def command(folder: Path, out: Path, jobs: Optional[int], scheduler: Optional[str], manifest: Optional[Path],
            retry_failed: bool, height_cm: Optional[float], camera_roll_deg: Optional[float],
            model: Optional[Path], stride: int, markers: bool, marker_color: Optional[str],
            progress: Optional[bool]) -> None:
    """Analyse every video under FOLDER (recursively), resumably, into OUT.

    Runner and session date come from --manifest, else from the path (FOLDER/RUNNER/…/DATE….mp4
    or FOLDER/RUNNER_DATE….mp4, DATE as YYYY-MM-DD), else from the file's date. Videos already
    analysed with the same settings (recognised by content, even renamed) are not analysed again.

    Exit status: 0 when every video is done, 1 when some failed (reasons in OUT/summary.csv and
    OUT/index.html).
    """
    outcome = run_batch(folder, out=out, jobs=jobs, scheduler=scheduler, manifest=manifest,
                        retry_failed=retry_failed, height_cm=height_cm, camera_roll_deg=camera_roll_deg,
                        model=model, stride=stride, markers=markers, marker_color=marker_color,
                        progress=sys.stderr.isatty() if progress is None else progress)
    click.echo(f"{outcome.found} videos: {outcome.done} done ({outcome.analysed} analysed now, "
               f"{outcome.already_done} already done), {outcome.failed} failed, {outcome.skipped} skipped "
               f"as duplicates. See {outcome.out / 'index.html'}")
    if outcome.failed:  # GaitscanError's exit code is 1: "finished, but some inputs failed"
        raise GaitscanError(f"{outcome.failed} of {outcome.found} videos failed; the reasons are in "
                            f"{outcome.out / 'summary.csv'}")
