"""Pelvic obliquity from the pelvis in the image: template rotation + mirror-symmetry level.

Method (chosen by measurement, ``benchmarks/validate_pelvis.py``):

1. Every frame, an upright, scale-normalised contrast patch around the hip landmarks
   (:mod:`gaitscan.pelvis.patch`).
2. **Relative obliquity**: the runner's own pelvis template is the average of the patches; each
   frame's patch is searched over in-plane rotations × translations against it
   (:func:`gaitscan.pelvis.search.match_rotation`), the template is re-averaged from the aligned
   patches, and the search repeated (``template_iterations``).
3. **Absolute level**: the tilt of the template's left–right mirror-symmetry axis
   (:func:`gaitscan.pelvis.search.symmetry_tilt`). Frame obliquity = template tilt + relative.
   Relative tracking alone cannot tell a constant asymmetry from camera roll; the symmetry axis
   can, as long as the pelvis region (shorts, glutes) is left–right symmetric on average — a
   logo or a shirt tail over one hip biases it (measured in the validation script).
4. Confidence per frame from the correlation score (:mod:`gaitscan.pelvis.quality`); whole-clip
   refusals (runner too small, pelvis covered by the upper garment, too few confident frames)
   with the reason.

Assumptions: rear or front view, camera roughly at pelvis height, the pelvis region not hidden
by a long garment; angles are in the image (camera roll is removed by the caller).

Streaming: :class:`PelvisEstimator` takes frames one at a time (``update`` / ``reset``); live
use reads ``update``'s answer against the template built so far, offline use calls
:meth:`PelvisEstimator.result` after the last frame for the iterated template.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

import cv2
import numpy as np
import yaml

from ..pose import landmarks as lm
from . import quality
from .patch import PatchGeometry, contrast, extract
from .search import Match, match_rotation, rotate, symmetry_tilt

METHOD = "pelvis-image"
#: frames before a live estimate is given (the template needs a few strides of averaging)
_WARMUP_FRAMES = 30
_HIP_WIDTH_WINDOW = 90


@lru_cache(maxsize=1)
def limits() -> dict[str, Any]:
    """The parsed ``gaitscan/pelvis/limits.yaml`` (nested dict; do not mutate)."""
    return yaml.safe_load(resources.files("gaitscan.pelvis").joinpath("limits.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class PelvisTrace:
    """Per-frame image obliquity of one clip.

    ``image_deg`` (T,): pelvis obliquity in the image, degrees, + = image-right end lower, camera
    roll **not** removed; NaN where not measured. ``relative_deg`` (T,): the same minus its mean
    over the measured frames (the runner's own mean obliquity). ``confidence`` (T,) 0..1.
    ``level_deg``: the template's symmetry-axis tilt (image); ``hip_width_px``: median
    hip-landmark distance; ``reason``: why the clip is not measurable (then all NaN), else None.
    """

    image_deg: np.ndarray
    relative_deg: np.ndarray
    confidence: np.ndarray
    level_deg: float
    hip_width_px: float
    reason: Optional[str]


def rigidity(aligned: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Template and per-pixel weights from patches aligned to the pelvis (list of (R, C)).

    Template = mean; weight = mean² / (mean² + SD²) over the aligned stack: edges that move with
    the pelvis stay put after alignment (weight → 1), edges of things that move on their own —
    a shirt tail swinging with the trunk, thighs, hands — blur out (weight → 0). float32 (R, C).
    """
    stack = np.asarray(aligned, np.float32)
    m, sd = stack.mean(axis=0), stack.std(axis=0)
    return m, (m * m / (m * m + sd * sd + 1e-6)).astype(np.float32)


class PelvisEstimator:
    """Frame-by-frame pelvis obliquity (see the module docstring). Not thread-safe."""

    def __init__(self, lim: Optional[dict[str, Any]] = None) -> None:
        self.lim = lim if lim is not None else limits()
        self.geo = PatchGeometry.from_limits(self.lim["patch"])
        self.reset()

    def reset(self) -> None:
        """Forget every frame (a new clip or a new runner)."""
        self._patches: list[Optional[np.ndarray]] = []
        self._covered: list[float] = []
        self._hipw: deque[float] = deque(maxlen=_HIP_WIDTH_WINDOW)
        self._all_hipw: list[float] = []
        self._sum: Optional[np.ndarray] = None
        self._n = 0

    def update(self, rgb: np.ndarray, xy_row: np.ndarray) -> Optional[Match]:
        """Add one frame: ``rgb`` (H, W, 3) uint8, ``xy_row`` (33, 2) landmark pixels (NaN = none).

        Returns the frame's match against the template averaged so far (live use), or None
        while warming up or when the hips are not seen.
        """
        hl, hr = xy_row[lm.L_HIP], xy_row[lm.R_HIP]
        if not (np.all(np.isfinite(hl)) and np.all(np.isfinite(hr))):
            self._patches.append(None)
            self._covered.append(np.nan)
            return None
        self._hipw.append(float(np.linalg.norm(hr - hl)))
        self._all_hipw.append(self._hipw[-1])
        hw = float(np.median(self._hipw))
        if hw < 2:
            self._patches.append(None)
            self._covered.append(np.nan)
            return None
        centre = (hl + hr) / 2
        patch = extract(rgb, centre, hw, self.geo)
        c = contrast(patch)
        self._patches.append(c)
        self._covered.append(quality.covered_fraction(rgb, patch, centre, hw, self.geo, self.lim["refuse"]))
        self._sum = c.astype(np.float64) if self._sum is None else self._sum + c
        self._n += 1
        if self._n < _WARMUP_FRAMES:
            return None
        return match_rotation(c, self._core(self._sum / self._n), self.lim["search"]["max_deg"], self.lim["search"]["step_deg"])

    def _core(self, full: np.ndarray) -> np.ndarray:
        m = self.geo.margin_px
        return np.ascontiguousarray(full[m:full.shape[0] - m, m:full.shape[1] - m], dtype=np.float32)

    def _align(self, c: np.ndarray, match: Match) -> np.ndarray:
        """``c`` shifted back by the match's translation and turned level relative to the template."""
        M = np.float32([[1, 0, -match.shift[0]], [0, 1, -match.shift[1]]])
        shifted = cv2.warpAffine(c, M, (c.shape[1], c.shape[0]), borderMode=cv2.BORDER_REPLICATE)
        return rotate(shifted, match.deg)

    def result(self) -> PelvisTrace:
        """The offline estimate over every frame given so far (iterated template)."""
        T = len(self._patches)
        nan = np.full(T, np.nan)
        hw = float(np.median(self._all_hipw)) if self._all_hipw else float("nan")
        reason = quality.clip_refusal(hw, np.asarray(self._covered, float), self.lim["refuse"])
        if reason is not None:
            return PelvisTrace(nan, nan.copy(), np.zeros(T), float("nan"), hw, reason)
        idx = [i for i, c in enumerate(self._patches) if c is not None]
        srch = self.lim["search"]
        n_it = int(srch["template_iterations"])
        template, weights = self._sum / self._n, None
        matches: dict[int, Match] = {}
        for it in range(n_it + 1):
            core = self._core(template)
            wcore = None if weights is None else self._core(weights)
            matches = {i: match_rotation(self._patches[i], core, srch["max_deg"], srch["step_deg"], wcore) for i in idx}
            if it == n_it:
                break
            good = [i for i in idx if matches[i].score >= self.lim["confidence"]["score_floor"]] or idx
            template, weights = rigidity([self._align(self._patches[i], matches[i]) for i in good])
        level = symmetry_tilt((template * (1.0 if weights is None else weights)).astype(np.float32),
                              self.geo.margin_px, srch["max_deg"], srch["step_deg"] / 2)
        conf = np.zeros(T)
        rel = nan.copy()
        for i in idx:
            conf[i] = quality.frame_confidence(matches[i], self.lim["confidence"])
            rel[i] = matches[i].deg
        ok = conf >= self.lim["confidence"]["min_frame_confidence"]
        reason = quality.too_few(ok, np.array([p is not None for p in self._patches]), self.lim["refuse"])
        if reason is not None:
            return PelvisTrace(nan, nan.copy(), conf, level.deg, hw, reason)
        rel = np.where(ok, rel, np.nan)
        image = level.deg + rel
        return PelvisTrace(image, image - np.nanmean(image), conf, level.deg, hw, None)
