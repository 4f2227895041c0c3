"""``gaitscan live``: the CLI over :func:`gaitscan.live.loop.run_live` (opens the parts, prints the result)."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Optional

import click


@click.command("live")
@click.option("--camera", type=int, default=None, help="Camera number (0 = /dev/video0; the default source).")
@click.option("--source", "source", default=None, metavar="FILE_OR_URL",
              help="A video file played as if live, or a stream URL (rtsp://, http://).")
@click.option("--realtime/--no-realtime", default=True, show_default=True,
              help="File sources: release frames at their real times and drop what the model cannot keep up "
                   "with, or process every frame as fast as possible.")
@click.option("--record", "record_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Keep the video and PoseSeries here and write analysis.json + report when the session ends.")
@click.option("--no-window", is_flag=True, help="Run headless, printing the rolling numbers.")
@click.option("--no-cues", is_flag=True, help="Hide the visual feedback cues.")
@click.option("--no-audio", is_flag=True, help="No metronome or fault cue (toggle with 'a' in the window).")
@click.option("--max-drop", "max_drop_deg", type=float, default=None, help="Pelvic-drop target maximum, degrees.")
@click.option("--cadence-increase", type=(float, float), default=None, metavar="LO HI",
              help="Cadence target band, percent over the baseline (default 5 10).")
@click.option("--window-steps", type=click.IntRange(min=2), default=10, show_default=True,
              help="Steps per side in the rolling numbers.")
@click.option("--height-cm", type=float, default=None, help="Runner's height in cm (for cm values in the report).")
@click.option("--camera-roll", "camera_roll_deg", type=float, default=None,
              help="Known camera roll in degrees (+ when a level line's right end is lower in the image).")
@click.option("--model", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="A pose_landmarker_*.task bundle (default: the embedded BlazePose full).")
def command(camera: Optional[int], source: Optional[str], realtime: bool, record_dir: Optional[Path], no_window: bool,
            no_cues: bool, no_audio: bool, max_drop_deg: Optional[float], cadence_increase: Optional[tuple[float, float]],
            window_steps: int, height_cm: Optional[float], camera_roll_deg: Optional[float], model: Optional[Path]) -> None:
    """Live gait feedback from a camera (or a file played in real time): skeleton, hip line coloured
    by pelvic drop, midline and landing points, rolling per-side numbers, cadence target and
    metronome. Keys: q quit, p pause, b reset baseline, a audio on/off. Ctrl-C ends the session too.

    The newest frame is always the one analysed; older ones are dropped, never queued. At the end
    it reports the frames per second processed, the share dropped and the capture-to-display latency.
    """
    from ..errors import UsageError
    from ..pose.landmarker import Landmarker
    from .audio import open_audio
    from .display import Window
    from .feedback import Feedback, load_targets
    from .loop import run_live
    from .record import Recorder
    from .session import LiveSession
    from .source import open_source

    if camera is not None and source is not None:
        raise UsageError("give either --camera or --source, not both")
    if height_cm is not None and not 50 <= height_cm <= 250:
        raise UsageError(f"--height-cm {height_cm:g} is not a plausible human height (50–250 cm)")
    targets = load_targets(max_drop_deg=max_drop_deg, cadence_increase_pct=cadence_increase)
    with contextlib.ExitStack() as stack:
        window = None if no_window else Window()
        if window is not None:
            stack.callback(window.close)
        src = open_source(camera=camera, source=source, realtime=realtime)
        stack.callback(src.close)
        landmarker = stack.enter_context(Landmarker(model))
        audio = None
        if not no_audio:
            audio, how = open_audio()
            click.echo(f"gaitscan live: {how}", err=True)
            if audio is not None:
                stack.callback(audio.close)
        recorder = None
        if record_dir is not None:
            recorder = Recorder(record_dir, width=src.width, height=src.height, fps_hint=src.fps, source_name=src.name,
                                height_cm=height_cm, camera_roll_deg=camera_roll_deg)
        session = LiveSession(width=src.width, height=src.height, window_steps=window_steps, camera_roll_deg=camera_roll_deg,
                              height_cm=height_cm)
        click.echo(f"gaitscan live: {src.name} ({src.width}x{src.height}); "
                   + ("q quits" if window is not None else "Ctrl-C ends the session"), err=True)
        report = run_live(src.start(), landmarker.detect, session, Feedback(targets, visual=not no_cues), targets,
                          window=window, audio=audio, recorder=recorder, echo=None if window is not None else click.echo)
        click.echo(f"session: {report.summary_line()}")
        if report.rolling is not None:
            r = report.rolling
            click.echo(f"last {window_steps} steps per side: pelvic drop L {_f(r.left.pelvic_drop_deg, '+.1f')} / "
                       f"R {_f(r.right.pelvic_drop_deg, '+.1f')} deg, cadence {_f(r.cadence_spm, '.0f')} steps/min")
        if recorder is not None:
            _finish_recording(recorder, report)


def _f(v: Optional[float], spec: str) -> str:
    return "--" if v is None else format(v, spec)


def _finish_recording(recorder, report) -> None:
    from rich.console import Console

    from ..analyze_command import summary_table

    analysis = recorder.finish(report.to_dict())
    console = Console()
    console.print(summary_table(analysis))
    written = sorted(p.name for p in recorder.out_dir.iterdir() if not p.name.startswith("."))
    console.print(f"wrote {', '.join(written)} in {recorder.out_dir}")
