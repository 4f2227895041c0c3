"""Write H.264 (yuv420p) MP4 files that browsers play, atomically, with exact timestamps.

One writer serves the synthetic runner, the skeleton overlay and live recording. Frames are RGB
``uint8`` arrays of shape ``(H, W, 3)``; ``H`` and ``W`` must be even (yuv420p). Each frame may
carry its own presentation time in seconds, so variable-frame-rate files can be written too.
"""
from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Optional, Union

import av
import numpy as np

from .atomic import atomic_path
from .errors import OutputError

PathLike = Union[str, Path]

#: time base of written streams: 1/90000 s (MPEG convention) represents any fps closely
TIME_BASE = Fraction(1, 90000)


class VideoWriter:
    """Encode RGB frames to an H.264 MP4. Use :func:`open_writer` for the atomic version."""

    def __init__(self, path: PathLike, fps: float, width: int, height: int, *, crf: int = 23,
                 preset: str = "veryfast") -> None:
        if width % 2 or height % 2:
            raise ValueError(f"frame size must be even for yuv420p, got {width}x{height}")
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.path = Path(path)
        self.fps = float(fps)
        self.width, self.height = int(width), int(height)
        self._container = av.open(str(self.path), mode="w", format="mp4", options={"movflags": "+faststart"})
        rate = Fraction(self.fps).limit_denominator(1001)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = "yuv420p"
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        stream.options = {"crf": str(crf), "preset": preset}
        self._stream = stream
        self._n = 0
        self._last_pts = -1

    def write(self, rgb: np.ndarray, t: Optional[float] = None) -> None:
        """Append one frame; ``t`` is its time in seconds (default ``index / fps``)."""
        if rgb.shape != (self.height, self.width, 3) or rgb.dtype != np.uint8:
            raise ValueError(f"frame must be uint8 of shape {(self.height, self.width, 3)}, got {rgb.dtype} {rgb.shape}")
        t = self._n / self.fps if t is None else float(t)
        pts = int(round(t / TIME_BASE))
        if pts <= self._last_pts:
            raise ValueError(f"frame times must increase: {t:.6f}s after pts {self._last_pts}")
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = pts
        frame.time_base = TIME_BASE
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self._last_pts = pts
        self._n += 1

    @property
    def frames_written(self) -> int:
        return self._n

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()


@contextlib.contextmanager
def open_writer(path: PathLike, fps: float, width: int, height: int, **kwargs) -> Iterator[VideoWriter]:
    """Context manager: write frames, and the finished file appears at ``path`` only on success."""
    path = Path(path)
    with atomic_path(path) as tmp:
        try:
            writer = VideoWriter(tmp, fps, width, height, **kwargs)
        except (OSError, av.error.FFmpegError) as exc:  # pragma: no cover - depends on the FFmpeg build
            raise OutputError(f"cannot open video for writing: {exc}", path) from None
        try:
            yield writer
        finally:
            writer.close()
