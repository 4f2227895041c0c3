"""Which way the camera looks at the runner, and which body side is which.

View
----
*Frontal* (rear or front) versus *sagittal* (side) comes from the body's proportions in the image:
seen from behind or in front, the shoulders are about 0.7 torso lengths wide; seen from the side
they collapse to under 0.25 (the two shoulders overlap). The median ratio over confident frames,
compared with :data:`FRONTAL_RATIO`, decides it.

Rear versus front comes from two cues, each a fraction in 0..1 that favours "rear":

* the model's own hip labels: from behind, a correctly labelled left hip is on the image left
  (BlazePose labels hips correctly from behind on our renders, see DESIGN.md);
* the face: in front views the nose is confidently visible and the model places it nearer the
  camera than the ears (world z smaller); from behind it is hidden.

Sides
-----
MediaPipe's left/right labels swap from frame to frame, above all from behind. In a frontal view
the sides are therefore assigned from image geometry: from behind, the runner's left hip is the
one on the image left; in front, the one on the image right. Every frame whose labelled hips
disagree with that has all its bilateral landmarks exchanged (:func:`relabel_sides`). The feet
go with the hips in that exchange, but their own labels still swap near the midline — where their
order in the image is exactly what a crossover changes — so :mod:`gaitscan.metrics.events` follows
them through time instead of trusting them. From the side
the image cannot tell left from right, so the model's labels are kept and the view says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..pose import landmarks as lm
from ..pose.series import PoseSeries

View = Literal["rear", "front", "side"]

#: shoulder width / torso length above which the view is frontal (rear or front).
FRONTAL_RATIO = 0.4
#: visibility below which a landmark is not used for the view decision.
MIN_VIS = 0.5


@dataclass(frozen=True)
class ViewResult:
    """The decided view.

    ``view``: "rear" | "front" | "side"; ``confidence`` 0..1; ``width_ratio``: median shoulder
    width / torso length (dimensionless); ``rear_score``: 0..1 evidence for rear over front
    (NaN for side); ``n_frames``: frames the decision used.
    """

    view: View
    confidence: float
    width_ratio: float
    rear_score: float
    n_frames: int


def _confident(series: PoseSeries, idx: tuple[int, ...]) -> np.ndarray:
    vis = np.nan_to_num(series.visibility[:, list(idx)], nan=0.0)
    return series.detected & np.all(vis >= MIN_VIS, axis=1) & np.all(np.isfinite(series.xy[:, list(idx)]), axis=(1, 2))


def detect_view(series: PoseSeries) -> ViewResult:
    """Decide rear / front / side from the landmarks of ``series`` (see module docstring).

    Raises nothing: with no confident frame the result is "rear" with confidence 0, which the
    quality checks report.
    """
    torso = (lm.L_SHOULDER, lm.R_SHOULDER, lm.L_HIP, lm.R_HIP)
    ok = _confident(series, torso)
    n = int(ok.sum())
    if n == 0:
        return ViewResult("rear", 0.0, float("nan"), float("nan"), 0)
    xy = series.xy[ok]
    sh_w = np.linalg.norm(xy[:, lm.L_SHOULDER] - xy[:, lm.R_SHOULDER], axis=1)
    torso_len = np.linalg.norm((xy[:, lm.L_SHOULDER] + xy[:, lm.R_SHOULDER]) / 2 - (xy[:, lm.L_HIP] + xy[:, lm.R_HIP]) / 2, axis=1)
    ratio = float(np.median(sh_w / np.maximum(torso_len, 1e-9)))
    frontal_conf = float(np.clip(abs(ratio - FRONTAL_RATIO) / 0.2, 0.0, 1.0))
    if ratio < FRONTAL_RATIO:
        return ViewResult("side", frontal_conf, ratio, float("nan"), n)
    rear = rear_score(series, ok)
    view: View = "rear" if rear >= 0.5 else "front"
    conf = min(frontal_conf, float(abs(rear - 0.5) * 2))
    return ViewResult(view, conf, ratio, rear, n)


def rear_score(series: PoseSeries, frames: np.ndarray) -> float:
    """Evidence 0..1 that a frontal view is from behind (mean of the label and face cues)."""
    xy = series.xy[frames]
    labels_rear = float(np.mean(xy[:, lm.L_HIP, 0] < xy[:, lm.R_HIP, 0]))
    nose_vis = np.nan_to_num(series.visibility[frames, lm.NOSE], nan=0.0)
    world = series.world[frames]
    ears_z = (world[:, lm.INDEX["left_ear"], 2] + world[:, lm.INDEX["right_ear"], 2]) / 2
    nose_front = (nose_vis > 0.8) & (world[:, lm.NOSE, 2] < ears_z)
    face_rear = 1.0 - float(np.mean(nose_front)) if np.isfinite(ears_z).any() else 0.5
    return 0.5 * labels_rear + 0.5 * face_rear


def side_sign(view: View) -> dict[str, int]:
    """Image-x direction (−1 = image left, +1 = image right) of each body side for a frontal view."""
    if view == "front":
        return {"left": +1, "right": -1}
    return {"left": -1, "right": +1}


@dataclass(frozen=True)
class Relabelled:
    """A series with sides assigned from image geometry; ``swapped``: (T,) bool frames exchanged."""

    series: PoseSeries
    swapped: np.ndarray

    @property
    def swapped_fraction(self) -> float:
        """Fraction of frames whose model labels were exchanged (0..1)."""
        return float(self.swapped.mean()) if self.swapped.size else 0.0


def relabel_sides(series: PoseSeries, view: View) -> Relabelled:
    """Exchange left/right landmarks in every frame whose hips contradict the view's geometry.

    Rear: the runner's left hip must have the smaller image x; front: the larger. Side views are
    returned unchanged.
    """
    T = len(series)
    if view == "side" or T == 0:
        return Relabelled(series, np.zeros(T, bool))
    sign = side_sign(view)["left"]
    dx = series.xy[:, lm.L_HIP, 0] - series.xy[:, lm.R_HIP, 0]
    swapped = np.isfinite(dx) & (np.sign(dx) == -sign)
    perm = np.array(lm.swap_lr_index())

    def fix(a: np.ndarray) -> np.ndarray:
        out = a.copy()
        out[swapped] = a[swapped][:, perm]
        return out

    fixed = PoseSeries(fix(series.xy), fix(series.visibility), fix(series.presence), fix(series.world), series.t,
                       series.detected, series.n_people, series.width, series.height, dict(series.source))
    return Relabelled(fixed, swapped)
