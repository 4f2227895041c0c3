"""Midstance keyframes for the report: one frame per stance side with the hip line and midline drawn.

:func:`pick_steps` (pure) chooses, per side, the step whose pelvic drop is closest to that side's
mean — a typical step, not the worst. :func:`draw_keyframe` (pure) draws on an RGB frame.
:func:`load_keyframes` does the I/O: it decodes those instants from the video with
:func:`gaitscan.pose.video.iter_frames` and returns :class:`Keyframe` objects, or a note saying
why there are none.
"""
from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Union

import cv2
import numpy as np

from ..errors import GaitscanError
from ..pose.landmarks import EDGES, L_HEEL, L_HIP, R_HEEL, R_HIP

PathLike = Union[str, Path]
LEVEL_BGR = {"flag": (24, 35, 180), "watch": (0, 140, 210), "ok": (60, 140, 40), "unknown": (130, 130, 130)}
MAX_HEIGHT = 420


@dataclass(frozen=True)
class Keyframe:
    side: str
    t: float
    caption: str
    data_uri: str


def pick_steps(analysis: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Per stance side, the step with a midstance time whose pelvic drop is closest to the side's mean."""
    chosen: dict[str, Mapping[str, Any]] = {}
    for side in ("left", "right"):
        steps = [s for s in analysis.get("steps", []) if s.get("stance") == side and _finite(s.get("midstance_t"))]
        if not steps:
            continue
        entry = ((analysis.get("summary") or {}).get(side) or {}).get("pelvic_drop_deg") or {}
        mean = entry.get("mean") if isinstance(entry, Mapping) else None
        measured = [s for s in steps if _finite(s.get("pelvic_drop_deg"))]
        if _finite(mean) and measured:
            chosen[side] = min(measured, key=lambda s: abs(s["pelvic_drop_deg"] - mean))
        else:
            chosen[side] = steps[len(steps) // 2]
    return chosen


def draw_keyframe(rgb: np.ndarray, xy: np.ndarray, level: str) -> bytes:
    """JPEG bytes of ``rgb`` cropped to the runner, with skeleton, hip line (coloured by ``level``),
    vertical midline through the pelvis centre and heels drawn. ``xy`` is (33, 2) pixels."""
    img = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)
    h, w = img.shape[:2]
    pts = np.asarray(xy, dtype=float)
    valid = np.all(np.isfinite(pts), axis=1)
    if not valid[L_HIP] or not valid[R_HIP]:
        raise ValueError("hip landmarks missing in this frame")
    hip_w = float(np.linalg.norm(pts[L_HIP] - pts[R_HIP])) or 1.0
    thick = max(2, int(round(hip_w / 25)))
    for a, b in EDGES:
        if valid[a] and valid[b]:
            cv2.line(img, _pt(pts[a]), _pt(pts[b]), (235, 235, 235), max(1, thick // 2), cv2.LINE_AA)
    mid = (pts[L_HIP] + pts[R_HIP]) / 2
    cv2.line(img, (int(round(mid[0])), 0), (int(round(mid[0])), h - 1), (40, 40, 200), max(1, thick // 2), cv2.LINE_AA)
    cv2.line(img, _pt(pts[L_HIP]), _pt(pts[R_HIP]), LEVEL_BGR.get(level, LEVEL_BGR["unknown"]), thick * 2, cv2.LINE_AA)
    for i in (L_HIP, R_HIP):
        cv2.circle(img, _pt(pts[i]), thick * 2, (255, 255, 255), -1, cv2.LINE_AA)
    for i in (L_HEEL, R_HEEL):
        if valid[i]:
            cv2.circle(img, _pt(pts[i]), thick * 2, (0, 200, 255), -1, cv2.LINE_AA)
    x0, y0, x1, y1 = _crop_box(pts[valid], w, h, hip_w)
    crop = img[y0:y1, x0:x1]
    scale = min(1.0, MAX_HEIGHT / max(1, crop.shape[0]))
    if scale < 1.0:
        crop = cv2.resize(crop, (max(1, int(crop.shape[1] * scale)), MAX_HEIGHT), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


FrameReader = Callable[..., Iterable[Any]]


def load_keyframes(video: Optional[PathLike], series: Any, analysis: Mapping[str, Any],
                   levels: Mapping[str, str], *, reader: Optional[FrameReader] = None
                   ) -> tuple[list[Keyframe], Optional[str]]:
    """Decode and draw one midstance keyframe per side; returns (keyframes, note-if-none).

    ``series`` is the :class:`~gaitscan.pose.series.PoseSeries` of the video; ``levels`` maps a side to
    its pelvic-drop finding level (colours the hip line); ``reader`` defaults to
    :func:`gaitscan.pose.video.iter_frames` (same keyword interface).
    """
    if video is None or series is None:
        return [], "Keyframes need the video and its pose data (gaitscan analyze draws them; " \
                   "gaitscan report on an analysis.json alone cannot)."
    if reader is None:
        try:
            from ..pose.video import iter_frames as reader
        except ImportError as exc:
            return [], f"Keyframes are unavailable: the video reader could not be loaded ({exc})."
    scale = (analysis.get("source") or {}).get("time_scale") or 1.0
    frames: list[Keyframe] = []
    notes: list[str] = []
    for side, step in pick_steps(analysis).items():
        t = float(step["midstance_t"])
        # analysis times are real time; the file's (and the PoseSeries') clock is real / time_scale
        video_t = t / scale
        i = int(np.argmin(np.abs(np.asarray(series.t) - video_t)))
        if not bool(series.detected[i]):
            notes.append(f"no runner detected at {t:.2f} s ({side} stance)")
            continue
        try:
            rgb = _frame_at(reader, video, video_t)
        except GaitscanError as exc:
            return [], f"Keyframes could not be read from the video: {exc}"
        if rgb is None:
            notes.append(f"no frame at {t:.2f} s ({side} stance)")
            continue
        drop = step.get("pelvic_drop_deg")
        other = "right" if side == "left" else "left"
        caption = (f"Standing on the {side} leg, {t:.2f} s: {other} hip drop {drop:.1f}°" if _finite(drop)
                   else f"Standing on the {side} leg, {t:.2f} s: pelvic drop not measured")
        try:
            jpeg = draw_keyframe(rgb, series.xy[i], levels.get(side, "unknown"))
        except ValueError as exc:
            notes.append(f"{side} stance at {t:.2f} s: {exc}")
            continue
        frames.append(Keyframe(side, t, caption, "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")))
    note = ("Some keyframes are missing: " + "; ".join(notes) + ".") if notes else None
    return frames, note


def _frame_at(reader: FrameReader, video: PathLike, t: float) -> Optional[np.ndarray]:
    """The decoded frame nearest to ``t`` seconds (searching ±0.1 s)."""
    best, best_dt = None, math.inf
    stream = reader(video, start_s=max(0.0, t - 0.1), end_s=t + 0.1)
    try:
        for frame in stream:
            dt = abs(frame.t - t)
            if dt < best_dt:
                best, best_dt = frame.rgb, dt
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    return best


def _crop_box(pts: np.ndarray, w: int, h: int, hip_w: float) -> tuple[int, int, int, int]:
    margin = 1.2 * hip_w
    x0, y0 = np.min(pts, axis=0) - margin
    x1, y1 = np.max(pts, axis=0) + margin
    return (int(max(0, x0)), int(max(0, y0)), int(min(w, x1)), int(min(h, y1)))


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(p[0])), int(round(p[1]))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
