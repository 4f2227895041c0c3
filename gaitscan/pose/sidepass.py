"""The frame work that follows the pose model, run beside it on the second core (issue 8).

``gaitscan analyze`` of a rear or front view looks at the frames three times: the pose model; the
pelvis image estimator (:mod:`gaitscan.pelvis`: a patch around the hip landmarks of every frame);
and, for the camera roll, the scene's level and plumb lines in one frame a second with the runner
left out. One after the other, the last two decoded the whole video again after the model had
finished.

:class:`SidePass` does them *during* the pose pass, on a thread of its own: it decodes the video a
second time, right behind the model — frame ``k`` waits until the model has placed the runner in
it — and makes the same :meth:`~gaitscan.pelvis.PelvisEstimator.update` calls with the same
arguments as :func:`gaitscan.pelvis.offline.measure_video`, and the same
:func:`~gaitscan.pelvis.roll.scene_roll` votes as :func:`gaitscan.pelvis.offline.video_scene_roll`.
MediaPipe, PyAV and OpenCV release the GIL, so on two cores the model runs undisturbed while the
other core decodes and measures. (A second decode rather than frames handed over by the model:
with two model threads the frames come back as the model's answers, not as pictures, and decoding
once more only costs time on the core the model does not use.)

Its answers are used only when they provably equal the sequential passes — the same frames with
the same timestamps as the pose series' rows, the same hip landmarks; otherwise
:meth:`SidePass.pelvis_result` and :meth:`SidePass.scene_roll` return None with the reason in
:attr:`SidePass.failure`, and the caller runs the sequential pass.
"""
from __future__ import annotations

import threading
from collections import deque
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from . import landmarks as lm
from .series import PoseSeries
from .video import FrameStream

PathLike = Union[str, Path]

#: frames the side pass's decoder runs ahead of it (it waits for the model anyway); the decoder runs
#: on one thread: it has the core the model does not use to itself, and needs fewer frame buffers
QUEUE_FRAMES = 2
#: the landmarks the pelvis estimator reads
_HIPS = [lm.L_HIP, lm.R_HIP]


class SidePass:
    """The pelvis patches (and scene-roll votes) of ``video``, measured while the pose model runs.

    Give the instance to :func:`gaitscan.pose.run_pose` as ``on_frame`` (same ``start_s``,
    ``end_s``, ``stride``), call :meth:`finish` after it returns (or :meth:`close` when it
    failed), then :meth:`pelvis_result` and :meth:`scene_roll` (they wait for the last frames). ``pelvis``: feed a
    :class:`~gaitscan.pelvis.PelvisEstimator`; ``roll_every_s``: collect scene-roll votes one frame
    every so many seconds (None: none). Scene-roll votes need the whole video at stride 1 (as
    :func:`~gaitscan.pelvis.offline.video_scene_roll` reads it); with a time range or a stride
    none are collected.
    """

    def __init__(self, video: PathLike, *, start_s: Optional[float] = None, end_s: Optional[float] = None,
                 stride: int = 1, pelvis: bool = True, roll_every_s: Optional[float] = 1.0) -> None:
        from ..pelvis.estimate import PelvisEstimator

        self.video, self.start_s, self.end_s, self.stride = Path(video), start_s, end_s, int(stride)
        self.estimator = PelvisEstimator() if pelvis else None
        whole = start_s is None and end_s is None and self.stride == 1
        self.roll_every_s = roll_every_s if whole else None
        #: why the side pass's answers cannot be used (None while they can)
        self.failure: Optional[str] = None
        self._cond = threading.Condition()
        self._pending: deque[tuple[float, np.ndarray]] = deque()   # rows the worker has not reached: (t, xy)
        self._hips: list[np.ndarray] = []     # the hip landmarks given to the estimator, per frame (2, 2) px
        self._votes: list[float] = []
        self._frames = 0
        self._pose_done = self._stop = False
        self._thread = threading.Thread(target=self._work, name=f"sidepass:{self.video.name}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ the pose pass's side
    def __call__(self, t: float, xy_row: np.ndarray) -> None:
        """``on_frame`` of :func:`~gaitscan.pose.run_pose`: the time ``t`` (s) and the runner's
        landmarks ``(33, 2)`` px of one row, rows in time order."""
        with self._cond:
            self._pending.append((float(t), xy_row))
            self._cond.notify()

    def finish(self) -> None:
        """The pose pass is over: let the worker take the last frames (it does not wait for them,
        so the caller can go on with other work meanwhile)."""
        with self._cond:
            self._pose_done = True
            self._cond.notify()

    def close(self) -> None:
        """Stop the worker without waiting for its answers (the pose pass failed)."""
        with self._cond:
            self._stop = self._pose_done = True
            self.failure = self.failure or "stopped"
            self._cond.notify()
        self._thread.join()

    # ------------------------------------------------------------------ answers
    def pelvis_result(self, series: PoseSeries) -> Optional[Any]:
        """The :class:`~gaitscan.pelvis.PelvisTrace` of ``series`` (the pose pass's series, any clock),
        as :func:`~gaitscan.pelvis.offline.measure_video` would give it; None (see :attr:`failure`)
        when this pass cannot vouch for that."""
        if self.estimator is None or not self._consistent(series):
            return None
        if not np.array_equal(np.asarray(self._hips).reshape(-1, 2, 2), series.xy[:, _HIPS], equal_nan=True):
            self.failure = "the hip landmarks used differ from the final series'"
            return None
        return self.estimator.result()

    def scene_roll(self, series: PoseSeries) -> Optional[tuple[Optional[float], int]]:
        """``(roll in degrees or None, frames that voted)`` as
        :func:`~gaitscan.pelvis.offline.video_scene_roll` gives it for ``series``; None when not collected."""
        if self.roll_every_s is None or not self._consistent(series):
            return None
        return (float(np.median(self._votes)) if self._votes else None), len(self._votes)

    def _consistent(self, series: PoseSeries) -> bool:
        """Wait for the worker; True when it took exactly the series' frames and nothing failed."""
        if not self._pose_done:
            raise RuntimeError("SidePass: call finish() after the pose pass before asking for answers")
        self._thread.join()
        if self.failure is None and self._frames != len(series):
            self.failure = f"the second decode gave {self._frames} frames, the pose series has {len(series)}"
        return self.failure is None

    # ------------------------------------------------------------------ the worker
    def _next_row(self) -> Optional[tuple[float, np.ndarray]]:
        """The next row's (t, xy) once the model has placed the runner in it; None when the pass
        has stopped or the model is done without another row."""
        with self._cond:
            while not self._stop and not self._pose_done and not self._pending:
                self._cond.wait()
            if self._stop or not self._pending:
                return None
            return self._pending.popleft()

    def _work(self) -> None:
        from ..pelvis.roll import runner_box, scene_roll

        next_t = -np.inf
        try:
            with FrameStream(self.video, start_s=self.start_s, end_s=self.end_s, stride=self.stride,
                             queue_frames=QUEUE_FRAMES, decoder_threads=1) as frames:
                for k, frame in enumerate(frames):
                    row = self._next_row()
                    if row is None:
                        if not self._stop:
                            self.failure = f"the second decode has a frame {k} the pose pass did not"
                        return
                    t, xy = row
                    if t != frame.t:
                        self.failure = f"frame {k} of the second decode is at {frame.t:.6f} s, the pose row at {t:.6f} s"
                        return
                    if self.estimator is not None:
                        self.estimator.update(frame.rgb, xy, match=False)
                        self._hips.append(xy[_HIPS])
                    if self.roll_every_s is not None and frame.t >= next_t:
                        next_t = frame.t + self.roll_every_s
                        roll, _ = scene_roll(frame.rgb, runner_box(xy))
                        if roll is not None:
                            self._votes.append(roll)
                    self._frames = k + 1
        except Exception as exc:  # noqa: BLE001 - any failure only sends the caller back to the sequential pass
            self.failure = f"{type(exc).__name__}: {exc}"
