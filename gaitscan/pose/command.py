"""``gaitscan pose VIDEO -o OUT.npz``: run the pose model and save the runner's PoseSeries."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from .landmarker import run_pose
from .overlay import write_overlay


@click.command(name="pose")
@click.argument("video", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PoseSeries (.npz, format gaitscan.pose/1).")
@click.option("--overlay", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the video with the skeleton drawn (H.264 MP4).")
@click.option("--model", type=click.Path(dir_okay=False, path_type=Path), default=None, envvar="GAITSCAN_MODEL",
              help="A pose_landmarker_{lite,full,heavy}.task bundle (default: BlazePose full, built in).")
@click.option("--start", "start_s", type=click.FloatRange(min=0), default=None, help="Start time in seconds.")
@click.option("--end", "end_s", type=click.FloatRange(min=0), default=None, help="End time in seconds.")
@click.option("--stride", type=click.IntRange(min=1), default=1, show_default=True, help="Use every n-th frame.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar.")
def command(video: Path, output: Path, overlay: Optional[Path], model: Optional[Path], start_s: Optional[float],
            end_s: Optional[float], stride: int, progress: bool) -> None:
    """Find the runner's 33 BlazePose landmarks in every frame of VIDEO and save them."""
    series = run_pose(video, model=model, start_s=start_s, end_s=end_s, stride=stride, progress=progress)
    series.save(output)
    if overlay is not None:
        write_overlay(video, series, overlay)
    src = series.source
    click.echo(f"{src['file']}: {len(series)} frames, {series.duration_s:.2f} s, {series.fps:.2f} fps (from timestamps)")
    click.echo(f"runner found in {100 * src['detected_fraction']:.1f}% of frames; another person in view in "
               f"{100 * src['other_person_fraction']:.1f}%")
    for warning in src.get("warnings", []):
        click.echo(f"warning: {warning}")
    click.echo(f"wrote {output}" + (f" and {overlay}" if overlay is not None else ""))
