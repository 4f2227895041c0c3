"""Frame sources for live mode: a camera, a network stream, or a video file played in real time.

Every source captures in its own thread into a :class:`LatestSlot` that holds **only the newest
frame**: a frame the consumer has not taken before the next one arrives is dropped and counted,
never queued, so however slow the pose model is, what it processes is at most one frame old.
(The one exception is a file with ``realtime=False``: there every frame is handed over and the
reader waits for the consumer, so live and ``gaitscan analyze`` see exactly the same frames.)

Each :class:`Captured` frame carries two clocks: ``t``, its media time in seconds from the
source's first frame (the container's timestamps for files, the capture clock for cameras) — the
time the analysis and the recording use; and ``captured``, the :func:`time.monotonic` instant the
frame existed (when a camera delivered it, or when a real-time file frame was due) — the start
of the capture-to-display latency.

Frames are cropped to even width and height (one pixel at most) so the recording can be H.264
yuv420p with the same pixel grid as the analysed frames.
"""
from __future__ import annotations

import math
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

import cv2
import numpy as np

from ..errors import InputError
from ..pose.video import iter_frames, probe

PathLike = Union[str, Path]


@dataclass(frozen=True)
class Captured:
    """One captured frame: ``seq`` its 0-based number among all frames the source delivered
    (dropped ones included), ``t`` media time (s) from the source's first frame, ``captured``
    the :func:`time.monotonic` instant it existed, ``rgb`` ``(H, W, 3) uint8`` with even H, W."""

    seq: int
    t: float
    captured: float
    rgb: np.ndarray


def even_crop(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` without its last row/column where the height/width is odd (yuv420p needs even)."""
    h, w = rgb.shape[:2]
    return rgb[: h - h % 2, : w - w % 2]


class LatestSlot:
    """A one-frame mailbox between a capture thread and the consumer.

    :meth:`put` replaces an untaken frame (counted in :attr:`dropped`); with ``lossless=True`` it
    instead waits until the consumer took the previous one. :meth:`take` waits for a frame newer
    than the last one taken. :meth:`end` closes the slot with a reason (or an error that
    :meth:`take` re-raises in the consumer's thread).
    """

    def __init__(self, *, lossless: bool = False) -> None:
        self.lossless = lossless
        self._cond = threading.Condition()
        self._frame: Optional[Captured] = None
        self._ended = False
        self.end_reason: Optional[str] = None
        self._error: Optional[BaseException] = None
        self.delivered = 0
        self.dropped = 0

    def put(self, frame: Captured) -> bool:
        """Offer ``frame``; False once the slot is ended (the producer should stop)."""
        with self._cond:
            if self.lossless:
                while self._frame is not None and not self._ended:
                    self._cond.wait(0.1)
            if self._ended:
                return False
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self.delivered += 1
            self._cond.notify_all()
            return True

    def take(self, timeout: float) -> Optional[Captured]:
        """The newest untaken frame, waiting up to ``timeout`` s; None when ended or timed out
        (then :attr:`end_reason` says which)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._frame is None and not self._ended:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.end_reason = self.end_reason or f"no frame for {timeout:g} s"
                    return None
                self._cond.wait(left)
            if self._frame is None:  # ended and drained
                if self._error is not None:
                    raise self._error
                return None
            frame, self._frame = self._frame, None
            self._cond.notify_all()
            return frame

    def end(self, reason: str, error: Optional[BaseException] = None) -> None:
        """Close the slot: later :meth:`put` calls fail; :meth:`take` drains then returns None."""
        with self._cond:
            if not self._ended:
                self._ended, self.end_reason, self._error = True, reason, error
            self._cond.notify_all()


class FrameSource:
    """Base of the sources: a capture thread filling a :class:`LatestSlot`.

    Subclasses set ``name``, ``width``, ``height``, ``fps`` (nominal, NaN if unknown) and
    implement :meth:`_capture` (called in the thread; it calls ``self._deliver``). Use as a
    context manager; :meth:`next` returns the newest frame or None when the source ended
    (:attr:`end_reason` says why).
    """

    name: str = "source"
    width: int = 0
    height: int = 0
    fps: float = float("nan")

    def __init__(self, *, lossless: bool = False) -> None:
        self.slot = LatestSlot(lossless=lossless)
        self._stop = threading.Event()
        self._seq = 0
        self._thread: Optional[threading.Thread] = None

    def start(self) -> "FrameSource":
        """Start capturing (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"capture:{self.name}", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            reason = self._capture()
        except BaseException as exc:  # handed to the consumer thread, which re-raises it
            self.slot.end(f"{self.name}: {exc}", exc)
            return
        self.slot.end(reason)

    def _capture(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _deliver(self, t: float, captured: float, rgb: np.ndarray) -> bool:
        ok = self.slot.put(Captured(self._seq, t, captured, even_crop(rgb)))
        self._seq += 1
        return ok and not self._stop.is_set()

    def next(self, timeout: float = 2.0) -> Optional[Captured]:
        """The newest frame not yet taken (waits up to ``timeout`` s), or None when the source ended."""
        return self.start().slot.take(timeout)

    @property
    def end_reason(self) -> Optional[str]:
        return self.slot.end_reason

    @property
    def delivered(self) -> int:
        """Frames the source captured so far."""
        return self.slot.delivered

    @property
    def dropped(self) -> int:
        """Frames replaced by a newer one before the consumer took them."""
        return self.slot.dropped

    def close(self) -> None:
        """Stop the capture thread and release the device or file (safe to call twice)."""
        self._stop.set()
        self.slot.end(self.slot.end_reason or "closed")
        if self._thread is not None:
            self._thread.join(timeout=5.0)

    def __enter__(self) -> "FrameSource":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


class FileSource(FrameSource):
    """A video file as a live source.

    ``realtime=True`` releases each frame when it is due by its container timestamp (as a camera
    would deliver it) and drops frames the consumer is too slow for; ``realtime=False`` hands
    over every frame as fast as the consumer takes them. Raises
    :class:`~gaitscan.errors.InputError` for an unreadable file.
    """

    def __init__(self, path: PathLike, *, realtime: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(lossless=not realtime)
        info = probe(path)
        self.path, self.realtime, self.clock = info.path, realtime, clock
        self.name = info.name
        self.width, self.height = info.width - info.width % 2, info.height - info.height % 2
        self.fps = info.fps

    def _capture(self) -> str:
        with iter_frames(self.path) as frames:
            t0: Optional[float] = None
            wall0 = 0.0
            for frame in frames:
                if t0 is None:
                    t0, wall0 = frame.t, self.clock()
                t = frame.t - t0
                due = wall0 + t
                if self.realtime:
                    wait = due - self.clock()
                    if wait > 0 and self._stop.wait(wait):
                        return "closed"
                captured = due if self.realtime else self.clock()
                if not self._deliver(t, captured, frame.rgb):
                    return "closed"
            return f"end of file{' (' + '; '.join(frames.warnings) + ')' if frames.warnings else ''}"


class CaptureSource(FrameSource):
    """A camera or network stream read with ``cv2.VideoCapture`` (BGR frames, converted to RGB).

    ``t`` is the capture clock (monotonic, from the first frame). ``stall_s``: a device that
    returns no frame for this long has stopped (unplugged, stream dropped).
    """

    def __init__(self, capture: "cv2.VideoCapture", name: str, first_bgr: np.ndarray, *, stall_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._cap, self.name, self.stall_s, self.clock = capture, name, stall_s, clock
        self._first = first_bgr
        h, w = first_bgr.shape[:2]
        self.width, self.height = w - w % 2, h - h % 2
        fps = float(capture.get(cv2.CAP_PROP_FPS) or float("nan"))
        self.fps = fps if math.isfinite(fps) and 1.0 <= fps <= 1000.0 else float("nan")

    def _capture(self) -> str:
        try:
            t0 = self.clock()
            if not self._deliver(0.0, t0, cv2.cvtColor(self._first, cv2.COLOR_BGR2RGB)):
                return "closed"
            last_ok = t0
            while not self._stop.is_set():
                ok, bgr = self._cap.read()
                now = self.clock()
                if not ok or bgr is None:
                    if now - last_ok > self.stall_s:
                        return f"{self.name} stopped delivering frames (none for {self.stall_s:g} s)"
                    time.sleep(0.01)
                    continue
                last_ok = now
                if not self._deliver(now - t0, now, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)):
                    return "closed"
            return "closed"
        finally:
            self._cap.release()


def list_cameras(dev_dir: Path = Path("/dev"), sysfs_dir: Path = Path("/sys/class/video4linux")) -> list[str]:
    """Video devices present, as ``"/dev/video0 (Integrated Camera)"`` (name where sysfs has one)."""
    found = []
    for dev in sorted(dev_dir.glob("video*"), key=lambda p: (len(p.name), p.name)):
        name_file = sysfs_dir / dev.name / "name"
        try:
            label = name_file.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            label = ""
        found.append(f"{dev} ({label})" if label else str(dev))
    return found


def _found(cameras: list[str]) -> str:
    return f"cameras found: {', '.join(cameras)}" if cameras else "no cameras found (no /dev/video* device)"


def open_camera(index: int, *, dev_dir: Path = Path("/dev"), sysfs_dir: Path = Path("/sys/class/video4linux"),
                stall_s: float = 2.0) -> CaptureSource:
    """Open camera ``index``; raise :class:`~gaitscan.errors.InputError` naming the device and
    listing the cameras found when it is absent, busy or gives no frame."""
    device = dev_dir / f"video{index}"
    cameras = list_cameras(dev_dir, sysfs_dir)
    if index < 0:
        raise InputError(f"camera {index}: a camera number is 0 or more; {_found(cameras)}")
    if sys.platform.startswith("linux") and not device.exists():
        raise InputError(f"camera {index} ({device}) not found; {_found(cameras)}")
    backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
    cap = cv2.VideoCapture(index, backend)
    ok, bgr = cap.read() if cap.isOpened() else (False, None)
    if not ok or bgr is None:
        cap.release()
        raise InputError(f"camera {index} ({device}) could not be opened or gave no frame — busy in another "
                         f"program, or no permission; {_found(cameras)}")
    return CaptureSource(cap, f"camera {index} ({device})", bgr, stall_s=stall_s)


def open_stream(url: str, *, stall_s: float = 2.0) -> CaptureSource:
    """Open a network stream (``rtsp://``, ``http://``, …) with OpenCV's FFmpeg backend."""
    cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG)
    ok, bgr = cap.read() if cap.isOpened() else (False, None)
    if not ok or bgr is None:
        cap.release()
        raise InputError(f"stream {url} could not be opened or gave no frame")
    return CaptureSource(cap, f"stream {url}", bgr, stall_s=stall_s)


def open_source(*, camera: Optional[int] = None, source: Optional[str] = None, realtime: bool = True) -> FrameSource:
    """The source the CLI asked for: ``source`` (a file, or a URL with ``://``) or ``camera`` N."""
    if source is not None:
        return open_stream(source) if "://" in source else FileSource(source, realtime=realtime)
    return open_camera(0 if camera is None else camera)
