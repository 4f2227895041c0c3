"""Decode a video file into upright RGB frames with the container's own timestamps.

- Times are presentation timestamps (PTS) from the container, in seconds from the stream's
  start, so variable-frame-rate phone videos keep their real timing; nothing here computes
  ``index / fps``.
- The display matrix (rotation metadata of phone videos) is honoured: frames come out the way a
  player shows them, and :class:`VideoInfo` reports the upright size.
- Decoding runs in a background thread feeding a small bounded queue, so it overlaps with the
  pose model and memory stays constant whatever the video's length.
- Every problem a user's file can have (missing, empty, not a video, audio only, nothing
  decodable) raises :class:`~gaitscan.errors.InputError` naming the file. A file cut short
  mid-stream yields the frames that decode and sets :attr:`FrameStream.truncated`.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional, Union

import av
import cv2
import numpy as np

from ..errors import InputError, UsageError

PathLike = Union[str, Path]

#: frames decoded ahead of the consumer; small, so memory does not grow with the video
QUEUE_FRAMES = 4
#: a stream that ends more than this many frames short of its header's count is called truncated
_TRUNCATION_SLACK = 2
_ROTATE = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video's first video stream.

    ``width``/``height`` are of the **upright** frame (after rotation), in pixels; ``rotation``
    is the counter-clockwise turn in degrees (0, 90, 180 or 270) applied to decoded frames to
    make them upright; ``fps`` is the nominal (average) frame rate, for display only — frame
    times come from :class:`Frame.t`; ``n_frames`` is the header's count or, without one,
    ``duration_s × fps`` rounded.
    """

    path: Path
    width: int
    height: int
    rotation: int
    fps: float
    duration_s: float
    n_frames: int
    codec: str
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The file's name without its folder (what reports show)."""
        return self.path.name


@dataclass(frozen=True)
class Frame:
    """One decoded frame: ``index`` its position in the requested time range (0-based, counted
    before any stride), ``t`` its presentation time in seconds from the stream start, ``rgb``
    the upright image ``(H, W, 3) uint8``."""

    index: int
    t: float
    rgb: np.ndarray


def _open(path: Path):
    """Open ``path`` with PyAV and return (container, first video stream), or raise InputError."""
    if not path.exists():
        raise InputError("file not found", path)
    if not path.is_file():
        raise InputError("not a file", path)
    if path.stat().st_size == 0:
        raise InputError("file is empty (0 bytes)", path)
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        if _mp4_without_index(path):
            raise InputError("incomplete MP4: the media data is there but the index ('moov') is missing — the file "
                             "was probably cut short while recording or copying", path) from None
        raise InputError(f"not a readable video ({_reason(exc)})", path) from None
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["no streams"]
        container.close()
        raise InputError(f"no video stream (contains {', '.join(kinds)})", path)
    return container, container.streams.video[0]


def _mp4_without_index(path: Path) -> bool:
    """True for an MP4/MOV whose top-level boxes hold media data (``mdat``) but no index
    (``moov``): a recording or copy that stopped before its index, written last, was added."""
    seen: set[bytes] = set()
    with open(path, "rb") as fh:
        size_total = path.stat().st_size
        pos = 0
        while pos + 8 <= size_total:
            fh.seek(pos)
            head = fh.read(16)
            size, kind = int.from_bytes(head[:4], "big"), head[4:8]
            if size == 1 and len(head) == 16:
                size = int.from_bytes(head[8:16], "big")
            elif size == 0:
                size = size_total - pos
            if size < 8 or not kind.isalnum() and kind not in (b"free", b"skip"):
                break
            seen.add(kind)
            pos += size
    return b"ftyp" in seen and b"mdat" in seen and b"moov" not in seen


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _rotation_turns(degrees: int) -> int:
    """Counter-clockwise quarter turns (0..3) for a display-matrix rotation in degrees."""
    return int(round(degrees / 90.0)) % 4


def probe(path: PathLike) -> VideoInfo:
    """Read a video's header and first frame; return its :class:`VideoInfo`.

    Decodes one frame to learn the rotation and to prove the stream decodes. Raises
    :class:`InputError` for a missing, empty or non-video file, an audio-only file, or a
    stream with no decodable frame.
    """
    path = Path(path)
    container, stream = _open(path)
    try:
        first = _first_frame(container, stream, path)
        turns = _rotation_turns(first.rotation)
        w, h = (first.width, first.height) if turns % 2 == 0 else (first.height, first.width)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else float("nan")
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = float("nan")
        n_frames = int(stream.frames) if stream.frames else (int(round(duration * fps)) if np.isfinite(duration * fps) else 0)
        meta = {**{str(k): str(v) for k, v in container.metadata.items()},
                **{str(k): str(v) for k, v in stream.metadata.items()}}
        return VideoInfo(path=path, width=int(w), height=int(h), rotation=turns * 90, fps=fps,
                         duration_s=duration, n_frames=n_frames, codec=stream.codec_context.name, metadata=meta)
    finally:
        container.close()


def _first_frame(container, stream, path: Path):
    try:
        for frame in container.decode(stream):
            return frame
    except (av.error.FFmpegError, OSError) as exc:
        raise InputError(f"no decodable video frame ({_reason(exc)})", path) from None
    raise InputError("no decodable video frame", path)


class FrameStream:
    """An iterator of :class:`Frame` decoded in a background thread (see :func:`iter_frames`).

    After iteration, :attr:`truncated` says whether the file ended early or broke mid-stream
    and :attr:`warnings` says what happened, in words. Use as a context manager (or call
    :meth:`close`) to stop decoding early.
    """

    def __init__(self, path: PathLike, *, start_s: Optional[float] = None, end_s: Optional[float] = None,
                 stride: int = 1, queue_frames: int = QUEUE_FRAMES, decoder_threads: Optional[int] = None) -> None:
        """``queue_frames``: frames decoded ahead of the consumer; ``decoder_threads``: FFmpeg's
        decoding threads (None: its automatic frame and slice threading; 1: one thread, and one
        set of frame buffers fewer — tens of MB at 1080p)."""
        if stride < 1:
            raise UsageError(f"stride must be a positive integer, got {stride}")
        if start_s is not None and start_s < 0:
            raise UsageError(f"start time must be >= 0 s, got {start_s}")
        if start_s is not None and end_s is not None and end_s <= start_s:
            raise UsageError(f"end time ({end_s} s) must be after start time ({start_s} s)")
        self.info = probe(path)
        self.path = self.info.path
        self.start_s, self.end_s, self.stride = start_s, end_s, int(stride)
        self.decoder_threads = decoder_threads
        self.truncated = False
        self.warnings: list[str] = []
        self.frames_decoded = 0
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, queue_frames))
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._produce, name=f"decode:{self.path.name}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ consumer side
    def __iter__(self) -> "FrameStream":
        return self

    def __next__(self) -> Frame:
        if self._done:
            raise StopIteration
        item = self._queue.get()
        if isinstance(item, Frame):
            return item
        self._done = True
        self._thread.join()
        if isinstance(item, BaseException):
            raise item
        raise StopIteration

    def close(self) -> None:
        """Stop the decoder thread and release the file (safe to call twice)."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._done = True

    def __enter__(self) -> "FrameStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ producer side
    def _put(self, item: Any) -> bool:
        """Hand ``item`` to the consumer; False once the consumer has gone away."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            self._decode()
        except BaseException as exc:  # handed to the consumer thread, which re-raises it
            self._put(exc)
            return
        self._put(None)

    def _decode(self) -> None:
        path, info = self.path, self.info
        container, stream = _open(path)
        try:
            if self.decoder_threads is None:
                stream.thread_type = "AUTO"
            else:
                stream.codec_context.thread_count = int(self.decoder_threads)
            tb = stream.time_base or Fraction(1, 1)
            t0 = stream.start_time if stream.start_time is not None else 0
            if self.start_s:
                container.seek(int((self.start_s / tb)) + t0, stream=stream, backward=True, any_frame=False)
            turns = _rotation_turns(info.rotation)
            kept, last_t, skipped, past_end = 0, float("-inf"), 0, False
            packets = container.demux(stream)
            while not (past_end or self._stop.is_set()):
                try:
                    packet = next(packets)
                    frames = packet.decode()
                except StopIteration:
                    break
                except (av.error.FFmpegError, OSError) as exc:
                    self.truncated = True
                    self.warnings.append(f"decoding stopped early: {_reason(exc)}")
                    break
                for frame in frames:
                    self.frames_decoded += 1
                    t = None if frame.pts is None else float((frame.pts - t0) * tb)
                    if t is None or t <= last_t:
                        skipped += 1
                        continue
                    if self.start_s is not None and t < self.start_s - 1e-9:
                        continue
                    if self.end_s is not None and t >= self.end_s:
                        past_end = True
                        break
                    last_t, index = t, kept
                    kept += 1
                    if index % self.stride:
                        continue
                    rgb = frame.to_ndarray(format="rgb24")
                    if turns:
                        rgb = cv2.rotate(rgb, _ROTATE[turns])
                    if not self._put(Frame(index=index, t=t, rgb=rgb)):
                        return
            if skipped:
                self.warnings.append(f"{skipped} frame(s) without a usable timestamp were skipped")
            whole = self.start_s is None and self.end_s is None
            if whole and not self.truncated and info.n_frames and self.frames_decoded < info.n_frames - _TRUNCATION_SLACK:
                self.truncated = True
                self.warnings.append(f"file ends early: {self.frames_decoded} of {info.n_frames} frames decoded")
            if kept == 0:
                raise InputError("no video frame in the requested time range" if not whole else "no decodable video frame", path)
        finally:
            container.close()


def iter_frames(path: PathLike, *, start_s: Optional[float] = None, end_s: Optional[float] = None,
                stride: int = 1) -> FrameStream:
    """Decode ``path`` into upright :class:`Frame` objects with container timestamps.

    ``start_s``/``end_s`` bound the time range in seconds from the stream start (``end_s``
    exclusive); ``stride`` keeps every n-th frame of that range. Returns a
    :class:`FrameStream` (an iterator; check ``.truncated`` and ``.warnings`` after use).
    """
    return FrameStream(path, start_s=start_s, end_s=end_s, stride=stride)
