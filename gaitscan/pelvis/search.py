"""Brute-force in-plane rotation search of a contrast patch against a template.

Local alignment (ECC, Lucas–Kanade) fell into wrong minima on plain shorts (DESIGN.md); a brute
search over a grid of angles, each with an exhaustive translation search by normalised
cross-correlation (``cv2.matchTemplate``), cannot. The best grid angle is refined by a parabola
through its neighbours' scores. To save time the grid can be searched coarse-to-fine, or only near
an expected angle (:func:`match_rotation`); both give the exhaustive answer whenever they find its
best grid angle, and never an answer at the edge of the part searched.

Angles are **image obliquity** in degrees: positive when the patch's content is turned so that
its image-right end is lower (clockwise on screen, image y down), like
:mod:`gaitscan.metrics.pelvis`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

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


def _vertex(a: float, b: float, c: float) -> Optional[float]:
    """Where the parabola through (−1, ``a``), (0, ``b``), (1, ``c``) peaks, as an offset from 0
    clipped to ±0.5; None when it has no peak (``b`` not above the chord of ``a`` and ``c``)."""
    den = a - 2 * b + c
    return min(max(0.5 * (a - c) / den, -0.5), 0.5) if den < 0 else None


def _subpixel_peak(res: np.ndarray) -> tuple[float, tuple[float, float]]:
    """Peak score and (x, y) place of a ``cv2.matchTemplate`` map, refined between pixels by a
    parabola through the best pixel and its neighbours along each axis (where it has them).

    The rotation angle is refined from the peak scores of neighbouring angles; read at whole-pixel
    shifts, those scores carry the patch's sub-pixel offset from the template, which changes from
    frame to frame with where the hip landmarks put the patch."""
    _, b, _, (x, y) = cv2.minMaxLoc(res)
    peak, place = b, [float(x), float(y)]
    rows, cols = res.shape
    for axis, ok in ((0, 0 < x < cols - 1), (1, 0 < y < rows - 1)):
        if ok:
            a, c = (res[y, x - 1:x + 2:2] if axis == 0 else res[y - 1:y + 2:2, x]).tolist()
            off = _vertex(a, b, c)
            if off is not None:
                place[axis] += off
                peak -= 0.25 * (a - c) * off
    return peak, (place[0], place[1])


class _Scores:
    """Scores of ``patch`` turned to the angles of a grid against ``template``, each angle computed
    at most once and only when asked for (:meth:`at`)."""

    def __init__(self, patch: np.ndarray, template: np.ndarray, angles: np.ndarray,
                 weights: Optional[np.ndarray]) -> None:
        self.patch, self.template, self.angles, self.weights = patch, template, angles, weights
        self.sc = np.full(len(angles), -np.inf)
        self.where = np.zeros((len(angles), 2))
        self.done = np.zeros(len(angles), bool)

    def at(self, ks: Iterable[int]) -> None:
        for k in ks:
            if 0 <= k < len(self.angles) and not self.done[k]:
                res = cv2.matchTemplate(rotate(self.patch, self.angles[k]), self.template, cv2.TM_CCOEFF_NORMED,
                                        mask=self.weights)
                self.sc[k], self.where[k] = _subpixel_peak(res)
                self.done[k] = True

    def best(self) -> int:
        return int(np.argmax(self.sc))

    def climb(self) -> int:
        """From the best angle computed so far, uphill on the grid until the best has both grid
        neighbours computed (a local maximum of the fine grid); returns its index."""
        while True:
            k = self.best()
            todo = [j for j in (k - 1, k + 1) if 0 <= j < len(self.angles) and not self.done[j]]
            if not todo:
                return k
            self.at(todo)


def match_rotation(patch: np.ndarray, template: np.ndarray, max_deg: float = 20.0, step_deg: float = 1.0,
                   weights: Optional[np.ndarray] = None, *, coarse: int = 1, around: Optional[float] = None,
                   window_deg: Optional[float] = None) -> Match:
    """Obliquity of ``patch`` relative to ``template`` by rotation × translation search.

    ``patch`` float32 (R, C) is larger than ``template`` (r, c) by the translation margin on every
    side; the angle grid is ``-max_deg..max_deg`` every ``step_deg``; the best grid angle is refined
    by a parabola through its neighbours. ``weights`` (r, c) float32 ≥ 0: per-pixel weight of the
    template in the correlation (None = uniform).

    Which grid angles are computed (default: all of them, an exhaustive search):

    - ``coarse`` = n > 1: every n-th grid angle, then uphill on the grid from the best of them
      until the best has both neighbours computed;
    - ``around`` (degrees) with ``window_deg``: only the grid angles within ``window_deg`` of the
      grid angle nearest ``around`` (the answer of an earlier search against a similar template);
      when the best of them lies at the window's edge (not the grid's), every grid angle is
      computed instead — an edge answer of the window is never given.

    Either way the answer is the exhaustive search's whenever its best grid angle is the one found.
    """
    n = int(round(2 * max_deg / step_deg)) + 1
    angles = -max_deg + step_deg * np.arange(n)
    s = _Scores(patch, template, angles, weights)
    if around is not None and window_deg is not None and np.isfinite(around):
        kc = int(np.clip(round((around + max_deg) / step_deg), 0, n - 1))
        w = max(1, int(round(window_deg / step_deg)))
        lo, hi = max(0, kc - w), min(n - 1, kc + w)
        s.at(range(lo, hi + 1))
        k = s.best()
        if (k == lo and lo > 0) or (k == hi and hi < n - 1):
            s.at(range(n))
            k = s.best()
    elif coarse > 1:
        s.at(list(range(0, n, coarse)) + [n - 1])
        k = s.climb()
    else:
        s.at(range(n))
        k = s.best()
    sc, where = s.sc, s.where
    deg, curv = float(angles[k]), 0.0
    if 0 < k < n - 1:
        y0, y1, y2 = sc[k - 1], sc[k], sc[k + 1]
        off = _vertex(y0, y1, y2)
        if off is not None:
            deg += float(off) * step_deg
            curv = float(-(y0 - 2 * y1 + y2) / step_deg ** 2)
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
