"""The real-time loop: newest frame → pose → session → feedback → sound, window or text → record.

:func:`run_live` owns no device and no model: it is given a started
:class:`~gaitscan.live.source.FrameSource`, a ``detect(rgb, t) -> People`` function (the
landmarker), and optional window, audio and recorder. It measures what the issue asks to be
honest about — processed frames per second, the share of captured frames dropped, and the latency
from capture to display (after the window painted the frame, or the frame was fully processed when
headless) — and returns them in a :class:`LiveReport`. The session ends at the end of a file, when
a stream stops (no frame for ``stall_s``), on the quit key, or on Ctrl-C; every way out leaves the
recording analysed.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from ..metrics.steps import Step
from ..pose.landmarker import People
from .audio import AudioOut
from .display import Status, Window, render
from .feedback import Feedback, FeedbackState, Targets
from .session import FrameUpdate, LiveSession, Rolling, rolling_stats
from .source import FrameSource

Detect = Callable[[np.ndarray, float], People]


@dataclass
class LiveReport:
    """What a live session measured.

    Counts of frames ``captured`` by the source, ``processed`` by the model, ``dropped`` (replaced
    by a newer frame before the model was free) and ``paused`` (taken while paused);
    ``dropped_share`` = dropped / captured; ``fps`` processed frames per second of wall time;
    capture→display ``latency_ms`` median, 95th percentile and maximum; ``end_reason``; the
    session's ``steps``, final ``rolling`` numbers and ``baseline_spm``.
    """

    captured: int = 0
    processed: int = 0
    dropped: int = 0
    paused: int = 0
    wall_s: float = 0.0
    latency_s: list[float] = field(default_factory=list)
    end_reason: str = ""
    steps: list[Step] = field(default_factory=list)
    rolling: Optional[Rolling] = None
    baseline_spm: Optional[float] = None
    audio: str = ""

    @property
    def fps(self) -> Optional[float]:
        return self.processed / self.wall_s if self.wall_s > 0 else None

    @property
    def dropped_share(self) -> Optional[float]:
        return self.dropped / self.captured if self.captured else None

    def latency_ms(self, q: float) -> Optional[float]:
        """The ``q``-quantile (0..1) of the capture→display latency in ms."""
        return float(np.quantile(self.latency_s, q) * 1000) if self.latency_s else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready session numbers (``live.json``)."""
        return {
            "schema": "gaitscan.live/1",
            "frames_captured": self.captured, "frames_processed": self.processed, "frames_dropped": self.dropped,
            "frames_skipped_paused": self.paused, "dropped_share": self.dropped_share,
            "fps_processed": self.fps, "wall_s": self.wall_s,
            "latency_ms": {"median": self.latency_ms(0.5), "p95": self.latency_ms(0.95), "max": self.latency_ms(1.0)},
            "end_reason": self.end_reason, "baseline_cadence_spm": self.baseline_spm, "audio": self.audio,
            "rolling": None if self.rolling is None else asdict(self.rolling),
            "steps": [s.to_dict() for s in self.steps],
        }

    def summary_line(self) -> str:
        lat = self.latency_ms(0.5)
        share = self.dropped_share
        return (f"{self.captured} frames captured, {self.processed} processed"
                f" ({'--' if self.fps is None else f'{self.fps:.1f}'} fps), "
                f"{'--' if share is None else f'{100 * share:.0f}'}% dropped, capture→display latency "
                f"median {'--' if lat is None else f'{lat:.0f}'} ms (95th pct "
                f"{'--' if self.latency_ms(0.95) is None else f'{self.latency_ms(0.95):.0f}'} ms); ended: {self.end_reason}")


def numbers_line(update: FrameUpdate, fb: FeedbackState, report: LiveReport) -> str:
    """One headless line of rolling numbers."""
    r = update.rolling

    def f(v: Optional[float], spec: str) -> str:
        return "--" if v is None else format(v, spec)

    def pct(v: Optional[float]) -> str:
        return "--" if v is None else f"{100 * v:.0f}%"

    target = f" (target {fb.target_spm[0]:.0f}-{fb.target_spm[1]:.0f})" if fb.target_spm else ""
    lat = report.latency_ms(0.5)
    return (f"t {update.t:6.1f}s | cadence {f(r.cadence_spm, '.0f')}{target} | pelvic drop L {f(r.left.pelvic_drop_deg, '+.1f')} "
            f"R {f(r.right.pelvic_drop_deg, '+.1f')} deg | landing L {f(r.left.foot_offset_hipw, '+.2f')} "
            f"R {f(r.right.foot_offset_hipw, '+.2f')} hipw | crossover L {pct(r.left.crossover_rate)} "
            f"R {pct(r.right.crossover_rate)} | {f(report.fps, '.1f')} fps, {pct(report.dropped_share)} dropped, "
            f"latency {f(lat, '.0f')} ms" + (f" | pelvis from hip landmarks: {update.pelvis_reason}" if update.pelvis_reason else ""))


def run_live(source: FrameSource, detect: Detect, session: LiveSession, feedback: Feedback, targets: Targets, *,
             window: Optional[Window] = None, audio: Optional[AudioOut] = None, recorder=None,
             echo: Optional[Callable[[str], None]] = None, print_every_s: float = 1.0, stall_s: float = 2.0,
             process_hook: Optional[Callable[[FrameUpdate], None]] = None,
             clock: Callable[[], float] = time.monotonic) -> LiveReport:
    """Run the session until the source ends, the quit key or Ctrl-C; return the measurements.

    ``echo``: where headless lines go (every ``print_every_s`` and on each new cue); ``recorder``:
    a :class:`~gaitscan.live.record.Recorder` fed every processed frame; ``process_hook``: called
    with each frame's update after it is shown (tests use it to slow the consumer down).
    """
    rep = LiveReport(audio="none" if audio is None else "on")
    paused, last_bgr, last_print, last_cues = False, None, -float("inf"), ()
    start: Optional[float] = None
    try:
        while True:
            frame = source.next(timeout=stall_s)
            if frame is None:
                rep.end_reason = source.end_reason or "source ended"
                break
            start = clock() if start is None else start
            action = None
            if paused:
                rep.paused += 1
                if window is not None and last_bgr is not None:
                    action = window.show(last_bgr)
            else:
                update = session.add(frame.t, detect(frame.rgb, frame.t), frame.rgb)
                fb = feedback.update(update, session.steps)
                if audio is not None:
                    audio.set_tempo(fb.metronome_spm)
                    if fb.repeated_faults:
                        audio.cue()
                if recorder is not None and update.row is not None:
                    recorder.add(frame, update.row)
                rep.captured, rep.dropped = source.delivered, source.dropped
                status = Status(rep.fps, rep.dropped_share, rep.latency_ms(0.5), paused,
                                rep.audio if audio is None else ("on" if audio.enabled else "off"))
                if window is not None:
                    last_bgr = render(frame.rgb, update, fb, max_drop_deg=targets.max_drop_deg, status=status)
                    action = window.show(last_bgr)
                elif echo is not None:
                    now = clock()
                    if now - last_print >= print_every_s or fb.cues != last_cues:
                        echo(numbers_line(update, fb, rep))
                        for cue in fb.cues if fb.cues != last_cues else ():
                            echo(f"  [{cue.level}] {cue.text}")
                        last_print, last_cues = now, fb.cues
                rep.latency_s.append(clock() - frame.captured)
                rep.processed += 1
                rep.wall_s = clock() - start
                if process_hook is not None:
                    process_hook(update)
            if action == "quit":
                rep.end_reason = "quit key"
                break
            if action == "pause":
                paused = not paused
            elif action == "baseline":
                feedback.reset_baseline(len(session.steps))
            elif action == "audio" and audio is not None:
                audio.enabled = not audio.enabled
    except KeyboardInterrupt:
        rep.end_reason = "interrupted (Ctrl-C)"
    finally:
        source.close()
        if audio is not None:
            audio.set_tempo(None)
    rep.captured, rep.dropped = source.delivered, source.dropped
    session.finish()
    rep.steps, rep.baseline_spm = list(session.steps), feedback.baseline_spm
    rep.rolling = rolling_stats(session.steps, session.window_steps, session.view)
    return rep
