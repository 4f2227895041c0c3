"""Pelvic obliquity per frame, behind a small interface so better estimators can plug in.

An *obliquity estimator* takes the (side-relabelled) series and the view and returns, per frame,
the pelvis angle in the runner's frame — degrees, **positive when the runner's right hip is lower
than the left** — plus a confidence 0..1 (NaN angle where it could not be measured). Pelvic drop
for a stance then follows from it (:func:`drop_from_obliquity`).

Estimators that need only the series are registered by name in :data:`ESTIMATORS`:

``"landmarks"``
    The line through BlazePose's hip landmarks 23/24, in pixels. Cheap and always available, but
    on renders it follows the **trunk, not the pelvis** (≈ 0.25 × the true drop; DESIGN.md,
    issue 4) — the fallback and the comparison value.

Estimators that need more than the series are built for one clip and passed as a callable:
``"pelvis-image"`` (:func:`gaitscan.pelvis.image_obliquity_estimator`) looks at the pelvis in the
video. An estimator that cannot measure the clip returns all-NaN angles and says why in
:attr:`Obliquity.reason`; the caller then falls back to the landmarks and records the reason.

Besides the absolute drop (against the horizontal, roll removed), the *relative* drop is taken
against the runner's own mean obliquity over whole gait cycles (:func:`cycle_mean`): it does
not depend on camera roll or on a constant pelvis asymmetry.

Camera roll: ``camera_roll_deg`` is the angle a truly level line makes in the image, measured the
same way as image obliquity (positive when its image-right end is lower); it is subtracted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..pose import landmarks as lm
from ..pose.series import PoseSeries
from .view import View


@dataclass(frozen=True)
class Obliquity:
    """Per-frame pelvis angle: ``deg`` (T,) runner frame, + = right hip lower; ``confidence`` (T,);
    ``reason``: why the clip could not be measured by this method (None when it could);
    ``final``: the angles must not be low-passed again (the estimator's per-frame values are
    already as good as they get, and the landmark low-pass — 6 Hz at 30 fps — flattens a
    0.2 s stance's drop peak: −1.2° at 8° on renders)."""

    deg: np.ndarray
    confidence: np.ndarray
    method: str
    reason: Optional[str] = None
    final: bool = False


ObliquityEstimator = Callable[[PoseSeries, View, float], Obliquity]


def image_to_runner(image_deg: np.ndarray, view: View, camera_roll_deg: float = 0.0) -> np.ndarray:
    """Convert image obliquity (+ = image-right end lower) to the runner frame (+ = right hip lower).

    From behind the runner's right is image-right; in front it is image-left, so the sign flips.
    """
    level = np.asarray(image_deg, float) - camera_roll_deg
    return -level if view == "front" else level


def to_level(xy: np.ndarray, camera_roll_deg: float = 0.0) -> np.ndarray:
    """Image points ``xy`` (..., 2) in a level frame, pixels: component 0 along the image direction
    a truly level line takes, ``(cos r, sin r)`` with ``r = camera_roll_deg`` (the convention
    above), component 1 along the true down direction ``(−sin r, cos r)``. Differences of it are
    distances with the roll removed: a heel 300 px below the hips in a clip rolled 2° would
    otherwise sit 10 px to one side."""
    r = np.radians(camera_roll_deg)
    xy = np.asarray(xy, float)
    c, s = np.cos(r), np.sin(r)
    return np.stack([xy[..., 0] * c + xy[..., 1] * s, -xy[..., 0] * s + xy[..., 1] * c], axis=-1)


def horizontal_px(xy: np.ndarray, camera_roll_deg: float = 0.0) -> np.ndarray:
    """Component 0 of :func:`to_level`: position along the true horizontal, pixels, shape ``xy.shape[:-1]``."""
    return to_level(xy, camera_roll_deg)[..., 0]


def landmark_obliquity(series: PoseSeries, view: View, camera_roll_deg: float = 0.0) -> Obliquity:
    """Obliquity of the hip-landmark line (pixels), corrected for ``camera_roll_deg``."""
    xy = series.xy
    img_l = np.where((xy[:, lm.L_HIP, 0] <= xy[:, lm.R_HIP, 0])[:, None], xy[:, lm.L_HIP], xy[:, lm.R_HIP])
    img_r = np.where((xy[:, lm.L_HIP, 0] <= xy[:, lm.R_HIP, 0])[:, None], xy[:, lm.R_HIP], xy[:, lm.L_HIP])
    d = img_r - img_l
    image_deg = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
    conf = np.fmin(series.visibility[:, lm.L_HIP], series.visibility[:, lm.R_HIP])
    return Obliquity(image_to_runner(image_deg, view, camera_roll_deg), np.nan_to_num(conf, nan=0.0), "landmarks")


#: name -> estimator needing only the series (see the module docstring for the others)
ESTIMATORS: dict[str, ObliquityEstimator] = {"landmarks": landmark_obliquity}


def drops(obl: np.ndarray, stance: str, contact: int, midstance: int, toe_off: int) -> tuple[Optional[float], Optional[float]]:
    """(drop at midstance, peak drop over contact..toe-off) in degrees; None where not measured.

    ``obl`` (T,) runner-frame obliquity (+ = right hip lower). Left stance: the swing side is the
    right, so drop = obliquity; right stance: drop = −obliquity.
    """
    mid = obl[midstance]
    seg = obl[contact:toe_off + 1]
    sign = 1.0 if stance == "left" else -1.0
    at_mid = float(sign * mid) if np.isfinite(mid) else None
    peak = float(np.nanmax(sign * seg)) if np.isfinite(seg).any() else None
    return at_mid, peak


def cycle_mean(obl: np.ndarray, contacts: list[int]) -> float:
    """The runner's own mean obliquity: mean of ``obl`` (T,) over whole gait cycles, i.e. from the
    first to the last of one foot's ``contacts`` (frame indices, sorted); over every measured
    frame when there are fewer than two. NaN when nothing was measured."""
    seg = obl[contacts[0]:contacts[-1]] if len(contacts) >= 2 else obl
    if not np.isfinite(seg).any():
        seg = obl
    return float(np.nanmean(seg)) if np.isfinite(seg).any() else float("nan")
