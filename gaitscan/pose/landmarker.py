"""The MediaPipe adapter: upright frames in, one runner's :class:`PoseSeries` out.

This is the only module that touches MediaPipe results. It runs the Tasks ``PoseLandmarker`` in
VIDEO mode (timestamps in ms, strictly increasing) with room for several people, converts each
person's normalised landmarks once to pixels of the upright frame (``x·W``, ``y·H``), and picks
the runner with :class:`RunnerTracker` — by continuity of hip centre and body size, not by the
model's output order, so a clinician walking past is not mistaken for the runner.
"""
from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

import numpy as np

from ..errors import ModelError
from .landmarks import L_HIP, L_SHOULDER, N_LANDMARKS, R_HIP, R_SHOULDER
from .model import model_label, resolve_model
from .series import PoseSeries
from .video import Frame, iter_frames

PathLike = Union[str, Path]

#: people the model looks for in each frame: the runner plus passers-by
NUM_POSES = 3
#: a second pose overlapping the runner's landmark box by more than this IoU is the runner again
DUPLICATE_IOU = 0.3


@dataclass(frozen=True)
class People:
    """Everyone the model found in one frame, in pixels of the upright frame.

    ``xy (N, 33, 2)`` pixels, ``visibility``/``presence (N, 33)`` 0..1, ``world (N, 33, 3)``
    metres (hip-centred).
    """

    xy: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray

    def __len__(self) -> int:
        return int(self.xy.shape[0])

    @property
    def hip_centre(self) -> np.ndarray:
        """``(N, 2)`` midpoint of the two hip landmarks, pixels."""
        return 0.5 * (self.xy[:, L_HIP] + self.xy[:, R_HIP])

    @property
    def torso_px(self) -> np.ndarray:
        """``(N,)`` shoulder-centre to hip-centre distance in pixels: a body-size scale."""
        shoulders = 0.5 * (self.xy[:, L_SHOULDER] + self.xy[:, R_SHOULDER])
        return np.linalg.norm(shoulders - self.hip_centre, axis=1)

    def count_distinct(self, runner: Optional[int], max_iou: float = DUPLICATE_IOU) -> int:
        """People in the frame, counting a pose whose landmark box overlaps the runner's by more
        than ``max_iou`` (intersection over union) as the runner again, not as another person —
        the model sometimes returns a second, partial pose on the same body."""
        if runner is None:
            return len(self)
        lo, hi = np.nanmin(self.xy, axis=1), np.nanmax(self.xy, axis=1)  # (N, 2) landmark boxes
        inter = np.clip(np.minimum(hi, hi[runner]) - np.maximum(lo, lo[runner]), 0, None).prod(axis=1)
        area = (hi - lo).prod(axis=1)
        iou = inter / np.maximum(area + area[runner] - inter, 1e-9)
        return 1 + int(np.sum(iou <= max_iou))


class Landmarker:
    """MediaPipe ``PoseLandmarker`` in VIDEO mode; :meth:`detect` returns :class:`People`.

    Use as a context manager (or call :meth:`close`). ``model`` is resolved with
    :func:`~gaitscan.pose.model.resolve_model`; a file MediaPipe cannot load raises
    :class:`~gaitscan.errors.ModelError`.
    """

    def __init__(self, model: Optional[PathLike] = None, *, num_poses: int = NUM_POSES) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self.model_path = resolve_model(model)
        self.model_name = model_label(self.model_path)
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO, num_poses=int(num_poses))
        try:
            with _sigint_deferred(), _native_stderr_silenced():
                self._task = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"MediaPipe cannot load this model: {first_line}", self.model_path) from None
        self._last_ms = -1
        self._first = True

    def detect(self, rgb: np.ndarray, t: float) -> People:
        """Find the people in one upright RGB frame ``(H, W, 3) uint8`` shown at ``t`` seconds."""
        import mediapipe as mp

        ms = max(int(round(t * 1000.0)), self._last_ms + 1)
        self._last_ms = ms
        h, w = rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._first:
            with _native_stderr_silenced():  # MediaPipe logs start-up chatter on its first frame
                result = self._task.detect_for_video(image, ms)
            self._first = False
        else:
            result = self._task.detect_for_video(image, ms)
        n = len(result.pose_landmarks)
        raw = np.array([[(p.x, p.y, p.visibility, p.presence) for p in person] for person in result.pose_landmarks],
                       dtype=np.float64).reshape(n, N_LANDMARKS, 4)
        world = np.array([[(p.x, p.y, p.z) for p in person] for person in result.pose_world_landmarks],
                         dtype=np.float64).reshape(n, N_LANDMARKS, 3)
        xy = raw[:, :, :2] * np.array([w, h], dtype=np.float64)
        return People(xy=xy, visibility=raw[:, :, 2], presence=raw[:, :, 3], world=world)

    def close(self) -> None:
        self._task.close()

    def __enter__(self) -> "Landmarker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold a Ctrl-C until the block ends, then raise it as KeyboardInterrupt.

    A KeyboardInterrupt raised inside MediaPipe's pybind11 argument conversion surfaces as a
    ``TypeError: create(): incompatible function arguments`` with a traceback; deferring it lets
    the CLI report the interrupt as such. Only the main thread can set signal handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the duration: MediaPipe's C++ start-up logging
    (GPU/EGL probing, XNNPACK, feedback-tensor notices) is not for the user and cannot be
    turned off through its Python API."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class RunnerTracker:
    """Follow one runner through frames that may hold several people (streaming).

    ``update(hips, sizes, t)`` gets every candidate's hip centre ``(N, 2)`` px and body size
    ``(N,)`` px (torso length) and returns the index of the runner, or ``None`` when no
    candidate is plausibly the runner. The first runner is the largest person (nearest the
    camera); afterwards a candidate must stay within ``max_jump`` body sizes of where the runner
    was last seen and within a factor ``max_scale`` of its size; among those, the lowest cost
    ``distance / size + |log(size ratio)|`` wins. After ``reacquire_s`` seconds with no match
    the tracker starts over, so a runner who really did move (a tracking camera, a cut) is found
    again. ``reset()`` forgets everything.
    """

    def __init__(self, *, max_jump: float = 1.5, max_scale: float = 1.6, reacquire_s: float = 1.0) -> None:
        self.max_jump, self.max_log_scale, self.reacquire_s = max_jump, math.log(max_scale), reacquire_s
        self.reset()

    def reset(self) -> None:
        self._hip: Optional[np.ndarray] = None
        self._size = float("nan")
        self._last_t = float("-inf")

    def update(self, hips: np.ndarray, sizes: np.ndarray, t: float) -> Optional[int]:
        hips, sizes = np.asarray(hips, float).reshape(-1, 2), np.asarray(sizes, float).reshape(-1)
        ok = np.isfinite(hips).all(axis=1) & np.isfinite(sizes) & (sizes > 0)
        if not ok.any():
            return None
        if self._hip is not None and t - self._last_t > self.reacquire_s:
            self.reset()
        if self._hip is None:
            choice = int(np.argmax(np.where(ok, sizes, -np.inf)))
        else:
            dist = np.linalg.norm(hips - self._hip, axis=1) / self._size
            scale = np.abs(np.log(np.where(ok, sizes, 1.0) / self._size))
            cost = np.where(ok & (dist <= self.max_jump) & (scale <= self.max_log_scale), dist + scale, np.inf)
            if not np.isfinite(cost).any():
                return None
            choice = int(np.argmin(cost))
        self._hip, self._size, self._last_t = hips[choice].copy(), float(sizes[choice]), float(t)
        return choice


def run_pose(video: PathLike, *, model: Optional[PathLike] = None, start_s: Optional[float] = None,
             end_s: Optional[float] = None, stride: int = 1, progress: bool = False,
             on_frame: Optional[Callable[[Frame, np.ndarray], None]] = None) -> PoseSeries:
    """Run the pose model over ``video`` and return the runner's :class:`PoseSeries`.

    ``start_s``/``end_s`` (seconds) bound the time range, ``stride`` keeps every n-th frame;
    ``progress`` shows a rich progress bar on stderr. ``on_frame(frame, xy_row)`` is called after
    each frame's runner is picked, with the runner's landmarks ``(33, 2)`` in pixels (NaN when no
    runner) — row ``frame``'s of the returned series — so work on the same frames can follow
    the model (:class:`gaitscan.pose.sidepass.SidePass`). ``source`` records the file name, codec,
    nominal fps, rotation, model, frame count, the fraction of frames with another person in
    view (``other_person_fraction``) and whether the file was ``truncated``.
    Raises :class:`~gaitscan.errors.InputError` for unreadable video and
    :class:`~gaitscan.errors.ModelError` for an unusable model.
    """
    tracker = RunnerTracker()
    with iter_frames(video, start_s=start_s, end_s=end_s, stride=stride) as frames, Landmarker(model) as landmarker, \
            _progress(progress, frames.info) as advance:
        rows = _Rows(frames.info.n_frames // stride + 2)
        for frame in frames:
            people = landmarker.detect(frame.rgb, frame.t)
            pick = tracker.update(people.hip_centre, people.torso_px, frame.t) if len(people) else None
            rows.add(frame.t, people.count_distinct(pick), people, pick)
            if on_frame is not None:
                on_frame(frame, rows.last_xy())
            advance(frame.t)
    info = frames.info
    series = rows.series(info.width, info.height)
    T = len(series)
    series.source.update({
        "file": info.name, "codec": info.codec, "fps_nominal": info.fps, "rotation": info.rotation,
        "model": landmarker.model_name, "frames": T, "stride": int(stride),
        "start_s": start_s, "end_s": end_s, "truncated": frames.truncated, "warnings": list(frames.warnings),
        "other_person_fraction": float(np.mean(series.n_people >= 2)) if T else 0.0,
        "detected_fraction": float(np.mean(series.detected)) if T else 0.0,
    })
    return series


class _Rows:
    """The runner's landmarks frame by frame, straight into arrays (grown by half when the
    header's frame count was short), so memory is the PoseSeries' own whatever the video's length:
    no per-frame Python objects, and no frame keeps the other people's arrays alive."""

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self._a = PoseSeries.empty_like(np.arange(max(int(capacity), 16), dtype=float), 1, 1)

    def add(self, t: float, n_people: int, people: People, pick: Optional[int]) -> None:
        if self.n == len(self._a.t):
            old, grown = self._a, int(len(self._a.t) * 1.5) + 16
            self._a = PoseSeries.empty_like(np.arange(grown, dtype=float), 1, 1)
            for name in ("xy", "visibility", "presence", "world", "t", "detected", "n_people"):
                getattr(self._a, name)[:self.n] = getattr(old, name)
        a, i = self._a, self.n
        a.t[i], a.n_people[i] = t, n_people
        if pick is not None:
            a.detected[i] = True
            a.xy[i], a.visibility[i], a.presence[i], a.world[i] = \
                people.xy[pick], people.visibility[pick], people.presence[pick], people.world[pick]
        self.n += 1

    def last_xy(self) -> np.ndarray:
        """The last row's runner landmarks ``(33, 2)`` px (NaN when no runner), a copy."""
        return self._a.xy[self.n - 1].copy()

    def series(self, width: int, height: int) -> PoseSeries:
        a, n = self._a, self.n
        return PoseSeries(a.xy[:n], a.visibility[:n], a.presence[:n], a.world[:n], a.t[:n], a.detected[:n],
                          a.n_people[:n], width, height)


class _progress:
    """Context manager yielding ``advance(t)``: a rich progress bar over the video's duration."""

    def __init__(self, enabled: bool, info) -> None:
        self.enabled, self.info = enabled, info
        self._bar = None

    def __enter__(self):
        if not self.enabled:
            return lambda t: None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                             TextColumn("{task.completed:.1f}/{task.total:.1f} s"), TimeRemainingColumn(),
                             console=Console(stderr=True), transient=True)
        self._bar.__enter__()
        total = self.info.duration_s if math.isfinite(self.info.duration_s) else None
        task = self._bar.add_task(f"pose {self.info.name}", total=total)
        return lambda t: self._bar.update(task, completed=t)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
