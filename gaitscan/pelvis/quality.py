"""When the pelvis image estimate can be trusted: per-frame confidence and whole-clip refusals.

Limits are data (``limits.yaml``): ``confidence`` maps a frame's template correlation to 0..1;
``refuse`` says when the whole clip is "not measurable" and why — the runner too small, the
pelvis covered by the upper garment (long shirt, jacket), too few confident frames (hands,
blur, occlusion).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import cv2
import numpy as np

from .patch import PatchGeometry
from .search import Match


def frame_confidence(match: Match, lim: Mapping[str, Any]) -> float:
    """0..1 from the correlation score: 0 at ``score_floor``, 1 at ``score_full``; 0 when the
    score does not peak in angle (curvature 0: the search ran into its limit or is flat)."""
    if match.curvature <= 0:
        return 0.0
    return float(np.clip((match.score - lim["score_floor"]) / (lim["score_full"] - lim["score_floor"]), 0.0, 1.0))


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB).reshape(-1, 3)


def covered_fraction(rgb: np.ndarray, patch: np.ndarray, centre_xy: np.ndarray, hip_width_px: float,
                     geo: PatchGeometry, lim: Mapping[str, Any]) -> float:
    """Fraction of the seat (the patch just below the hip line, ±0.8 hip widths) whose colour is
    within ``covered_delta_e`` (CIE Lab) of the upper garment, sampled on the mid-back
    (1.2–1.8 hip widths above the hip midpoint, ±0.4 hip widths). NaN when the mid-back is
    (partly) outside the image. ``rgb`` (H, W, 3) the frame, ``patch`` its RGB pelvis patch (float32)."""
    x, y, w = float(centre_xy[0]), float(centre_xy[1]), float(hip_width_px)
    y0, y1 = int(round(y - 1.8 * w)), int(round(y - 1.2 * w))
    x0, x1 = int(round(x - 0.4 * w)), int(round(x + 0.4 * w))
    if y0 < 0 or x0 < 0 or x1 > rgb.shape[1] or y1 > rgb.shape[0] or y1 <= y0 or x1 <= x0:
        return float("nan")
    back = np.median(_lab(rgb[y0:y1, x0:x1].astype(np.float32)), axis=0)
    r0 = int(round(geo.hip_row + 0.1 * geo.hip_width_px))
    r1 = int(round(geo.hip_row + 0.6 * geo.hip_width_px))
    half = int(round(0.8 * geo.hip_width_px))
    cx = patch.shape[1] // 2
    seat = _lab(patch[r0:r1, cx - half:cx + half])
    return float(np.mean(np.linalg.norm(seat - back, axis=1) < lim["covered_delta_e"]))


def clip_refusal(hip_width_px: float, covered: np.ndarray, lim: Mapping[str, Any]) -> Optional[str]:
    """Why the clip's pelvis cannot be measured from the image, or None.

    ``hip_width_px``: median hip-landmark distance; ``covered`` (T,) per-frame
    :func:`covered_fraction` (NaN = unknown)."""
    if not np.isfinite(hip_width_px):
        return "hips never seen"
    if hip_width_px < lim["min_hip_width_px"]:
        return (f"runner too small: hip width {hip_width_px:.0f} px, the pelvis image method needs "
                f"≥ {lim['min_hip_width_px']} px (move the camera closer or zoom in)")
    cov = covered[np.isfinite(covered)]
    if cov.size and float(np.median(cov)) >= lim["covered_fraction"]:
        return (f"pelvis hidden: {100 * float(np.median(cov)):.0f}% of the seat looks like the upper garment "
                "(a long or loose shirt or jacket over the hips); film with the shirt tucked in")
    return None


def too_few(ok: np.ndarray, seen: np.ndarray, lim: Mapping[str, Any]) -> Optional[str]:
    """Refusal when fewer than ``min_valid_fraction`` of the frames with hips are confident."""
    n = int(seen.sum())
    frac = float(ok.sum()) / n if n else 0.0
    if frac < lim["min_valid_fraction"]:
        return (f"pelvis image unclear in {100 * (1 - frac):.0f}% of frames (occlusion by hands or "
                "objects, motion blur, or clothing that moves on its own)")
    return None


def seat_turn_ratio(upper_deg: np.ndarray, lower_deg: np.ndarray, lim: Mapping[str, Any]) -> Optional[float]:
    """SD of the seat's per-frame angle over the waistband's (``upper_deg``/``lower_deg`` (n,): the
    same frames read from the patch above the hip line and from the one below it,
    ``PelvisEstimator._halves``); None with fewer than 10 frames or when the waistband moves by
    less than ``halves_min_sd_deg`` (nothing to compare)."""
    ok = np.isfinite(upper_deg) & np.isfinite(lower_deg)
    u, lo = np.asarray(upper_deg, float)[ok], np.asarray(lower_deg, float)[ok]
    if u.size < 10 or float(np.std(u)) < lim["halves_min_sd_deg"]:
        return None
    return float(np.std(lo)) / float(np.std(u))


def halves_refusal(ratio: Optional[float], lim: Mapping[str, Any]) -> Optional[str]:
    """Refusal when the seat turns much less than the waistband (``ratio``: :func:`seat_turn_ratio`).

    Fitted shorts, tights and patterned fabric turn with the pelvis: the seat swings at least
    about as much as the waistband. Loose plain shorts hang from the thighs: their seat barely
    turns while the whole-patch angle goes wrong — up to 12° with the wrong sign on renders, every
    frame matching confidently. Refused when ``ratio`` is below ``halves_min_ratio``; None when
    the ratio is None (nothing to compare)."""
    if ratio is None or ratio >= lim["halves_min_ratio"]:
        return None
    return (f"pelvis outline unreliable: the seat turns {ratio:.2f}× as much as the waistband (needs "
            f"≥ {lim['halves_min_ratio']:g}×) — loose shorts that hang from the thighs? Film in fitted "
            "shorts or tights, or with skin markers (--markers)")
