"""``gaitscan synth OUT.mp4``: render a synthetic runner clip and its ground truth."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import UsageError
from .camera import VIEWS, Camera
from .params import RunnerParams
from .render import render_video, truth_path


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--view", type=click.Choice(VIEWS), default="rear", show_default=True)
@click.option("--fps", type=float, default=60.0, show_default=True)
@click.option("--duration", type=float, default=4.0, show_default=True, help="seconds")
@click.option("--width", type=int, default=1280, show_default=True)
@click.option("--height", type=int, default=720, show_default=True)
@click.option("--drop-left", type=float, default=5.0, show_default=True,
              help="pelvic drop (deg) in LEFT stance: right hip lower by this at midstance")
@click.option("--drop-right", type=float, default=5.0, show_default=True, help="pelvic drop (deg) in RIGHT stance")
@click.option("--offset-left", type=float, default=4.0, show_default=True,
              help="left heel landing offset from the midline (cm), + lateral, <= 0 crossover")
@click.option("--offset-right", type=float, default=4.0, show_default=True, help="right heel landing offset (cm)")
@click.option("--trunk-lean", type=float, default=0.0, show_default=True, help="lateral lean toward stance side (deg)")
@click.option("--cadence", type=float, default=170.0, show_default=True, help="steps per minute")
@click.option("--speed", type=float, default=3.2, show_default=True, help="belt speed (m/s)")
@click.option("--runner-height", type=float, default=1.75, show_default=True, help="stature (m)")
@click.option("--roll", type=float, default=0.0, show_default=True, help="camera roll (deg)")
@click.option("--distance", type=float, default=3.5, show_default=True, help="camera distance (m)")
@click.option("--camera-height", type=float, default=1.0, show_default=True, help="lens height above floor (m)")
@click.option("--rails/--no-rails", default=True, show_default=True, help="treadmill handrails")
@click.option("--seed", type=int, default=0, show_default=True, help="step-to-step variation")
def command(out: Path, view: str, fps: float, duration: float, width: int, height: int, drop_left: float,
            drop_right: float, offset_left: float, offset_right: float, trunk_lean: float, cadence: float,
            speed: float, runner_height: float, roll: float, distance: float, camera_height: float,
            rails: bool, seed: int) -> None:
    """Render a synthetic treadmill runner to OUT.mp4 with exact ground truth in OUT.truth.json."""
    if out.suffix.lower() != ".mp4":
        raise UsageError(f"output must end in .mp4, got {out.name!r}")
    try:
        params = RunnerParams(cadence_spm=cadence, speed_mps=speed, drop_left_deg=drop_left, drop_right_deg=drop_right,
                              offset_left_m=offset_left / 100, offset_right_m=offset_right / 100,
                              trunk_lean_deg=trunk_lean, height_m=runner_height, seed=seed)
        camera = Camera(view=view, distance_m=distance, height_m=camera_height, roll_deg=roll,
                        width=width, height=height, rails=rails)
        if not 0 < duration <= 600 or not 1 <= fps <= 480:
            raise ValueError(f"--duration {duration} / --fps {fps}: allowed 0..600 s and 1..480 fps")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    truth = render_video(params, camera, fps=fps, duration_s=duration, out=out)
    click.echo(f"video: {out}")
    click.echo(f"truth: {truth_path(out)}  ({len(truth['steps'])} steps, cadence {truth['cadence_spm']} spm)")
