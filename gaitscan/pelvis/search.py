"""Brute-force in-plane rotation search of a contrast patch against a template.

Local alignment (ECC, Lucas–Kanade) fell into wrong minima on plain shorts (DESIGN.md); a brute
search over a grid of angles, each with an exhaustive translation search by normalised
cross-correlation (``cv2.matchTemplate``), cannot. The best grid angle is refined by a parabola
through its neighbours' scores.

Angles are **image obliquity** in degrees: positive when the patch's content is turned so that
its image-right end is lower (clockwise on screen, image y down), like
:mod:`gaitscan.metrics.pelvis`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np


@dataclass(frozen=True)
class Match:
    """Best rotation of a patch against a template.

    ``deg``: the patch's obliquity relative to the template (image convention above);
    ``score``: normalised cross-correlation at the best angle and shift (−1..1);
    ``shift``: (dx, dy) patch pixels of the best placement relative to the centred one;
    ``curvature``: how fast the score falls off around the best angle (per deg², ≥ 0) — flat
    means the angle is not determined.
    """

    deg: float
    score: float
    shift: tuple[float, float]
    curvature: float


def rotate(img: np.ndarray, deg: float) -> np.ndarray:
    """``img`` turned about its centre by ``-deg`` image obliquity (so content at obliquity
    ``deg`` becomes level); border replicated."""
    rows, cols = img.shape[:2]
    M = cv2.getRotationMatrix2D(((cols - 1) / 2, (rows - 1) / 2), deg, 1.0)
    return cv2.warpAffine(img, M, (cols, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _scores(patch: np.ndarray, template: np.ndarray, angles: np.ndarray,
            weights: Optional[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    best = np.empty(len(angles))
    where = np.empty((len(angles), 2))
    for i, a in enumerate(angles):
        res = cv2.matchTemplate(rotate(patch, a), template, cv2.TM_CCOEFF_NORMED, mask=weights)
        _, mx, _, loc = cv2.minMaxLoc(res)
        best[i], where[i] = mx, loc
    return best, where


def match_rotation(patch: np.ndarray, template: np.ndarray, max_deg: float = 20.0, step_deg: float = 1.0,
                   weights: Optional[np.ndarray] = None) -> Match:
    """Obliquity of ``patch`` relative to ``template`` by exhaustive rotation × translation search.

    ``patch`` float32 (R, C) is larger than ``template`` (r, c) by the translation margin on every
    side; angles searched: ``-max_deg..max_deg`` every ``step_deg``, then parabolic refinement.
    ``weights`` (r, c) float32 ≥ 0: per-pixel weight of the template in the correlation (None =
    uniform).
    """
    angles = np.arange(-max_deg, max_deg + step_deg / 2, step_deg)
    sc, where = _scores(patch, template, angles, weights)
    k = int(np.argmax(sc))
    deg, curv = float(angles[k]), 0.0
    if 0 < k < len(angles) - 1:
        y0, y1, y2 = sc[k - 1], sc[k], sc[k + 1]
        den = y0 - 2 * y1 + y2
        if den < 0:
            deg += float(np.clip(0.5 * (y0 - y2) / den, -0.5, 0.5)) * step_deg
            curv = float(-den / step_deg ** 2)
    mr = (patch.shape[1] - template.shape[1]) / 2, (patch.shape[0] - template.shape[0]) / 2
    return Match(deg, float(sc[k]), (float(where[k, 0] - mr[0]), float(where[k, 1] - mr[1])), curv)


def symmetry_tilt(template: np.ndarray, margin_px: int, max_deg: float = 20.0, step_deg: float = 0.5) -> Match:
    """Tilt of the left–right mirror-symmetry axis of ``template`` (R, C), as image obliquity.

    A pelvis region at obliquity β mirrors to one at −β; the rotation that best lays the mirror
    image back onto the original turns it by −2β (:func:`rotate` convention). The mirror image is searched within ``margin_px`` of
    translation (the symmetry axis need not be centred). Returns β (``deg``) with the match's
    score and curvature; ``shift`` is that of the mirror image.
    """
    m = margin_px
    core = template[m:template.shape[0] - m, m:template.shape[1] - m]
    mirrored = np.ascontiguousarray(template[:, ::-1])
    res = match_rotation(mirrored, core, 2 * max_deg, step_deg)
    return Match(-res.deg / 2, res.score, res.shift, res.curvature * 4)
