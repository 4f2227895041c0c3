"""Draw the runner's skeleton onto the video: a browser-playable MP4 for checking the model.

:func:`draw_skeleton` is the reusable drawing step (the report and live mode add their own
lines on top); :func:`write_overlay` re-decodes the video and writes every frame of a
:class:`PoseSeries` with its skeleton, at the series' own timestamps.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Optional, Union

import cv2
import numpy as np

from ..errors import InputError
from ..videowriter import open_writer
from .landmarks import EDGES, NAMES
from .series import PoseSeries
from .video import iter_frames

PathLike = Union[str, Path]

#: RGB colours: the person's left side, right side, and the midline (nose-shoulders, hips)
LEFT_RGB, RIGHT_RGB, MID_RGB = (255, 140, 0), (0, 170, 255), (240, 240, 240)
#: landmarks the model itself scores below this are not drawn
MIN_VISIBILITY = 0.5
#: timestamps closer than this (seconds) are the same frame
_SAME_FRAME_S = 1e-4


def _side(index: int) -> str:
    name = NAMES[index]
    return "left" if name.startswith("left_") else "right" if name.startswith("right_") else "mid"


_EDGE_RGB = tuple(
    LEFT_RGB if {_side(a), _side(b)} == {"left"} else RIGHT_RGB if {_side(a), _side(b)} == {"right"} else MID_RGB
    for a, b in EDGES
)


def draw_skeleton(rgb: np.ndarray, xy: np.ndarray, visibility: np.ndarray, *,
                  min_visibility: float = MIN_VISIBILITY) -> np.ndarray:
    """Return a copy of ``rgb`` ``(H, W, 3) uint8`` with the skeleton drawn.

    ``xy (33, 2)`` landmark pixels and ``visibility (33,)``; landmarks that are NaN or below
    ``min_visibility`` are left out, and so are their edges. Line width scales with the frame.
    """
    out = np.array(rgb, dtype=np.uint8, copy=True, order="C")
    ok = np.isfinite(xy).all(axis=1) & (np.nan_to_num(visibility, nan=0.0) >= min_visibility)
    if not ok.any():
        return out
    thickness = max(1, int(round(min(out.shape[:2]) / 360)))
    pts = np.round(np.where(ok[:, None], xy, 0.0)).astype(np.int32)
    for (a, b), colour in zip(EDGES, _EDGE_RGB):
        if ok[a] and ok[b]:
            cv2.line(out, tuple(map(int, pts[a])), tuple(map(int, pts[b])), colour, thickness, cv2.LINE_AA)
    for i in np.flatnonzero(ok):
        cv2.circle(out, tuple(map(int, pts[i])), thickness + 1, (255, 255, 255), -1, cv2.LINE_AA)
    return out


def _even(rgb: np.ndarray) -> np.ndarray:
    """Pad the bottom/right edge by one black pixel where a dimension is odd (yuv420p)."""
    h, w = rgb.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return rgb
    return cv2.copyMakeBorder(rgb, 0, h % 2, 0, w % 2, cv2.BORDER_CONSTANT, value=(0, 0, 0))


def write_overlay(video: PathLike, series: PoseSeries, out_mp4: PathLike, *,
                  draw: Optional[Callable[[np.ndarray, int], np.ndarray]] = None) -> Path:
    """Write ``out_mp4`` (H.264, yuv420p): the frames of ``video`` at ``series.t`` with the skeleton.

    Frames are matched by timestamp, so a series made with a time range or stride gets exactly
    its own frames. Frame ``i`` is written at ``series.t[i] - series.t[0]`` seconds: the clip
    starts at 0 (browsers play it from its first frame) and keeps the series' exact, possibly
    irregular, spacing. Odd frame sizes are padded by one pixel. Raises
    :class:`~gaitscan.errors.InputError` if the video does not hold the series' frames.
    ``draw(rgb, i)`` returns frame ``i`` drawn (default: :func:`draw_skeleton` of row ``i``); the
    report's overlay adds its own lines this way.
    """
    video, out_mp4 = Path(video), Path(out_mp4)
    if len(series) == 0:
        raise InputError("the pose series has no frames to draw", video)
    fps = series.source.get("fps_nominal") or series.fps
    fps = float(fps) if fps and math.isfinite(float(fps)) else 30.0  # only a hint: every frame has its own time
    w, h = series.width + series.width % 2, series.height + series.height % 2
    written = 0
    with iter_frames(video, start_s=max(0.0, float(series.t[0]) - 1e-3), end_s=float(series.t[-1]) + 1e-3) as frames, \
            open_writer(out_mp4, fps, w, h) as writer:
        for frame in frames:
            if written == len(series):
                break
            if abs(frame.t - series.t[written]) > _SAME_FRAME_S:
                continue
            if frame.rgb.shape[:2] != (series.height, series.width):
                raise InputError(f"frame size {frame.rgb.shape[1]}x{frame.rgb.shape[0]} does not match the pose "
                                 f"series ({series.width}x{series.height})", video)
            drawn = (draw(frame.rgb, written) if draw is not None
                     else draw_skeleton(frame.rgb, series.xy[written], series.visibility[written]))
            writer.write(_even(drawn), frame.t - float(series.t[0]))
            written += 1
        if written < len(series):
            raise InputError(f"only {written} of the pose series' {len(series)} frames were found in the video", video)
    return out_mp4
