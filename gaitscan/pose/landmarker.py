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
import queue
import sys
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Union

import numpy as np

from ..cores import usable_cores
from ..errors import ModelError, UsageError
from ..interrupts import sigint_deferred
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

    def __init__(self, model: Optional[PathLike] = None, *, num_poses: Optional[int] = None) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        num_poses = NUM_POSES if num_poses is None else num_poses  # read now: benchmarks/one_pose.py sets it

        self.model_path = resolve_model(model)
        self.model_name = model_label(self.model_path)
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO, num_poses=int(num_poses))
        try:
            with sigint_deferred(), _native_stderr_silenced():
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
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the duration: MediaPipe's C++ start-up logging
    (GPU/EGL probing, XNNPACK, feedback-tensor notices) is not for the user and cannot be
    turned off through its Python API.

    Process-wide and so serialised: two model threads silencing at once would each save the other's
    /dev/null as "the" stderr, and the last to restore would leave the process mute."""
    with _STDERR_LOCK:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


_STDERR_LOCK = threading.Lock()


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


#: environment variable: ``1`` runs the pose model on one thread, ``2`` on two whatever the video's length
THREADS_ENV = "GAITSCAN_POSE_THREADS"
#: below this many frames the model runs on one thread: a second Landmarker takes ~0.3 s and ~110 MB
#: to build, and on fewer frames the second core would save about a second at most
MIN_THREADED_FRAMES = 60
#: frames handed to the model threads and not yet taken back, per thread: one being detected, one waiting
_IN_FLIGHT_PER_WORKER = 2


def pose_threads(info, *, start_s: Optional[float] = None, end_s: Optional[float] = None, stride: int = 1,
                 threads: Optional[int] = None) -> int:
    """How many model threads :func:`run_pose` uses: ``threads`` when given, else
    ``$GAITSCAN_POSE_THREADS`` when set, else 2 when this process may run on at least 2 cores
    (:func:`~gaitscan.cores.usable_cores`) and the frames to analyse are expected to number at least
    :data:`MIN_THREADED_FRAMES` (from ``info``, the :class:`~gaitscan.pose.video.VideoInfo`; an
    unknown length counts as long), otherwise 1."""
    if threads is None:
        env = os.environ.get(THREADS_ENV, "").strip()
        if env:
            try:
                threads = int(env)
            except ValueError:
                raise UsageError(f"{THREADS_ENV} must be 1 or 2, got {env!r}") from None
    if threads is not None:
        if threads not in (1, 2):
            raise UsageError(f"pose threads must be 1 or 2, got {threads}")
        return int(threads)
    if usable_cores() < 2:
        return 1
    span = info.duration_s if math.isfinite(info.duration_s) else float("inf")
    if end_s is not None:
        span = min(span, end_s)
    span -= start_s or 0.0
    fps = info.fps if math.isfinite(info.fps) and info.fps > 0 else 30.0
    return 2 if span * fps / max(int(stride), 1) >= MIN_THREADED_FRAMES else 1


def run_pose(video: PathLike, *, model: Optional[PathLike] = None, start_s: Optional[float] = None,
             end_s: Optional[float] = None, stride: int = 1, progress: bool = False,
             on_frame: Optional[Callable[[float, np.ndarray], None]] = None,
             threads: Optional[int] = None) -> PoseSeries:
    """Run the pose model over ``video`` and return the runner's :class:`PoseSeries`.

    ``start_s``/``end_s`` (seconds) bound the time range, ``stride`` keeps every n-th frame;
    ``progress`` shows a rich progress bar on stderr. ``on_frame(t, xy_row)`` is called after
    each frame's runner is picked, in time order, with the frame's time ``t`` (seconds, the
    series' ``t``) and the runner's landmarks ``(33, 2)`` in pixels (NaN when no runner) — row
    ``t``'s of the returned series — so work on the same frames can follow the model
    (:class:`gaitscan.pose.sidepass.SidePass`). ``source`` records the file name, codec,
    nominal fps, rotation, model, frame count, the fraction of frames with another person in
    view (``other_person_fraction``) and whether the file was ``truncated``.

    ``threads``: the model runs on one or two threads (None: :func:`pose_threads` decides; the
    environment variable ``GAITSCAN_POSE_THREADS=1`` forces one). With two, the frames of the one
    decoder go to two Landmarkers, each on its own thread (MediaPipe releases the GIL), and come
    back in time order to this thread, which picks the runner exactly as with one: with
    ``NUM_POSES`` > 1 the model's answer for a frame does not depend on the frames it saw before,
    so the series is identical (tests/test_pose_threads.py holds that on renders). Every way out
    stops and joins the model threads and closes every Landmarker.
    Raises :class:`~gaitscan.errors.InputError` for unreadable video and
    :class:`~gaitscan.errors.ModelError` for an unusable model.
    """
    tracker = RunnerTracker()
    with iter_frames(video, start_s=start_s, end_s=end_s, stride=stride) as frames, Landmarker(model) as landmarker, \
            _progress(progress, frames.info) as advance:
        rows = _Rows(frames.info.n_frames // stride + 2)

        def take(t: float, people: People) -> None:
            pick = tracker.update(people.hip_centre, people.torso_px, t) if len(people) else None
            rows.add(t, people.count_distinct(pick), people, pick)
            if on_frame is not None:
                on_frame(t, rows.last_xy())
            advance(t)

        if pose_threads(frames.info, start_s=start_s, end_s=end_s, stride=stride, threads=threads) == 1:
            for frame in frames:
                take(frame.t, landmarker.detect(frame.rgb, frame.t))
        else:
            with _ModelThreads(landmarker, model, frames.info.name) as pool:
                pool.run(frames, take)
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


class _ModelThreads:
    """Two model threads fed with the frames of one :class:`~gaitscan.pose.video.FrameStream`.

    :meth:`run` hands each frame to the thread with fewer frames in flight (at most
    :data:`_IN_FLIGHT_PER_WORKER` each, so at most a handful of decoded frames are held whatever
    the video's length) and gives each frame's :class:`People` to ``take(t, people)`` in time order
    on the calling thread. The first thread uses the caller's Landmarker, the second builds its own
    (while the first is already working). Leaving the ``with`` block — normally, on an exception,
    a model error in a thread or a KeyboardInterrupt — stops both threads, joins them, and then
    closes the second Landmarker (the caller closes the first).
    """

    def __init__(self, first: Landmarker, model: Optional[PathLike], name: str) -> None:
        self._model, self._name = model, name
        self._stop = threading.Event()
        self._workers = [_Worker(self, first, 0), _Worker(self, None, 1)]

    def __enter__(self) -> "_ModelThreads":
        for w in self._workers:
            w.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        for w in self._workers:
            w.inbox.put(None)
        interrupted = False
        for w in self._workers:  # a Ctrl-C during the join must not leave a thread running at exit
            while w.thread.is_alive():
                try:
                    w.thread.join()
                except KeyboardInterrupt:
                    interrupted = True
        for w in self._workers:
            if w.owned is not None:
                w.owned.close()
        if interrupted and exc[0] is None:
            raise KeyboardInterrupt

    def run(self, frames: Iterator[Frame], take: Callable[[float, People], None]) -> None:
        pending: deque[tuple[float, _Worker]] = deque()   # frames in flight, in time order
        limit = _IN_FLIGHT_PER_WORKER * len(self._workers)
        for frame in frames:
            w = min(self._workers, key=lambda x: x.in_flight)
            w.in_flight += 1
            w.inbox.put((frame.rgb, frame.t))
            pending.append((frame.t, w))
            del frame
            if len(pending) >= limit:
                self._take_oldest(pending, take)
        while pending:
            self._take_oldest(pending, take)

    @staticmethod
    def _take_oldest(pending: deque, take: Callable[[float, People], None]) -> None:
        t, w = pending.popleft()
        got = w.outbox.get()
        w.in_flight -= 1
        if isinstance(got, BaseException):
            raise got
        take(t, got)


class _Worker:
    """One model thread of :class:`_ModelThreads`: ``(rgb, t)`` from ``inbox``, :class:`People` (or
    the exception that stopped it) to ``outbox`` in the same order; ``None`` in ``inbox`` ends it."""

    def __init__(self, pool: _ModelThreads, landmarker: Optional[Landmarker], k: int) -> None:
        self.pool, self.landmarker, self.owned = pool, landmarker, None
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.outbox: queue.SimpleQueue = queue.SimpleQueue()
        self.in_flight = 0
        self.thread = threading.Thread(target=self._work, name=f"pose:{pool._name}:{k}", daemon=True)

    def _work(self) -> None:
        try:
            if self.landmarker is None:
                self.owned = self.landmarker = Landmarker(self.pool._model)
            while True:
                item = self.inbox.get()
                if item is None or self.pool._stop.is_set():
                    return
                rgb, t = item
                self.outbox.put(self.landmarker.detect(rgb, t))
                del item, rgb
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread, which raises it
            self.outbox.put(exc)


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
