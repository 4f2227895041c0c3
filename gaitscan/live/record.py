"""``--record DIR``: keep what live mode processed, and analyse it like ``gaitscan analyze``.

The recording holds exactly the frames the pose model processed (not the dropped ones), so the
video and the PoseSeries match frame for frame: ``live.mp4`` (H.264, each frame at its real
capture/media time, starting at 0 s) and, when the session ends — by a key, Ctrl-C, the end of a
file or a stream that stops — :func:`gaitscan.pipeline.analyze` on the recorded PoseSeries
writes ``pose.npz``, ``analysis.json``, ``steps.csv`` and ``report.html`` (with keyframes from
``live.mp4``). ``live.json`` adds the session's own numbers (throughput, drops, latency, the live
steps and targets).
"""
from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from ..atomic import write_text
from ..errors import NotMeasurableError, OutputError
from ..metrics.analysis import jsonable
from ..videowriter import open_writer
from .session import PoseRow, rows_to_series
from .source import Captured

PathLike = Union[str, Path]
VIDEO_NAME = "live.mp4"
STATS_NAME = "live.json"


class Recorder:
    """Writes ``live.mp4`` as frames come and the analysis at :meth:`finish` (see module docstring).

    ``out_dir`` is created; an unwritable folder raises :class:`~gaitscan.errors.OutputError`.
    ``fps_hint``: the nominal frame rate stored in the MP4 header (every frame keeps its own time).
    """

    def __init__(self, out_dir: PathLike, *, width: int, height: int, fps_hint: float, source_name: str,
                 height_cm: Optional[float] = None, camera_roll_deg: Optional[float] = None) -> None:
        self.out_dir = Path(out_dir)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the recording folder ({exc.strerror or exc})", self.out_dir) from None
        self.width, self.height, self.source_name = width, height, source_name
        self.height_cm, self.camera_roll_deg = height_cm, camera_roll_deg
        fps = fps_hint if fps_hint and math.isfinite(fps_hint) else 30.0
        self._stack = contextlib.ExitStack()
        self._writer = self._stack.enter_context(open_writer(self.out_dir / VIDEO_NAME, fps, width, height))
        self.rows: list[PoseRow] = []
        self._t0: Optional[float] = None

    def add(self, frame: Captured, row: PoseRow) -> None:
        """Keep one processed frame and its pose (times re-based so the recording starts at 0 s)."""
        if self._t0 is None:
            self._t0 = frame.t
        t = frame.t - self._t0
        self._writer.write(np.ascontiguousarray(frame.rgb), t)
        self.rows.append(PoseRow(t, row.xy, row.visibility, row.presence, row.world, row.detected, row.n_people))

    def finish(self, session_stats: dict[str, Any]) -> Optional[dict]:
        """Close the video and write the analysis of the recorded part; return the analysis dict.

        With no frame recorded the (empty) video is discarded and
        :class:`~gaitscan.errors.NotMeasurableError` raised; a recording where nothing is
        measurable also raises it, after ``analysis.json`` says why.
        """
        from ..pipeline import analyze

        if not self.rows:
            with contextlib.suppress(_Discard):
                self._stack.__exit__(_Discard, _Discard(), None)  # atomic writer: nothing is left behind
            write_text(self.out_dir / STATS_NAME, json.dumps(jsonable(session_stats), indent=1, allow_nan=False) + "\n")
            raise NotMeasurableError("no frame was processed, nothing recorded", self.out_dir)
        self._stack.close()
        series = rows_to_series(self.rows, self.width, self.height)
        series.source.update({"file": VIDEO_NAME, "live_source": self.source_name, "frames": len(series),
                              "detected_fraction": float(np.mean(series.detected)),
                              "other_person_fraction": float(np.mean(series.n_people >= 2))})
        write_text(self.out_dir / STATS_NAME, json.dumps(jsonable(session_stats), indent=1, allow_nan=False) + "\n")
        return analyze(series, out_dir=self.out_dir, height_cm=self.height_cm, camera_roll_deg=self.camera_roll_deg,
                       video=self.out_dir / VIDEO_NAME)


class _Discard(Exception):
    """Raised into the video writer's context so its atomic file is not committed."""
