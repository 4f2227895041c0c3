"""The pelvis patch: an upright, scale-normalised box around the hip landmarks, as a contrast image.

The hip landmarks only say *where to look* (DESIGN.md: their line follows the trunk, not the
pelvis). The box is centred on the hip midpoint, scaled so the hip-landmark distance becomes
``hip_width_px`` patch pixels, and **not rotated** — the rotation is what
:mod:`gaitscan.pelvis.search` measures. It reaches ``half_width_hipw`` hip widths to each side,
``above_hipw`` above the hip line and ``below_hipw`` below it, plus ``margin_px`` on every side
for the translation search.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import cv2
import numpy as np


@dataclass(frozen=True)
class PatchGeometry:
    """Patch size in hip widths and patch pixels (see the module docstring); the values in use
    are ``limits.yaml``'s ``patch`` section (:meth:`from_limits`)."""

    hip_width_px: int
    half_width_hipw: float
    above_hipw: float
    below_hipw: float
    margin_px: int

    @classmethod
    def from_limits(cls, limits: Mapping[str, Any]) -> "PatchGeometry":
        """From the ``patch`` section of ``limits.yaml``."""
        return cls(**limits)

    @property
    def core_shape(self) -> tuple[int, int]:
        """(rows, cols) of the template: the box without the search margin."""
        h = int(round((self.above_hipw + self.below_hipw) * self.hip_width_px))
        w = int(round(2 * self.half_width_hipw * self.hip_width_px))
        return h, w

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of an extracted patch: the core plus ``margin_px`` on every side."""
        h, w = self.core_shape
        return h + 2 * self.margin_px, w + 2 * self.margin_px

    @property
    def hip_row(self) -> float:
        """Row (patch pixels, within the full patch) of the hip line."""
        return self.margin_px + self.above_hipw * self.hip_width_px


def extract(rgb: np.ndarray, centre_xy: np.ndarray, hip_width_px: float, geo: PatchGeometry) -> np.ndarray:
    """The upright box around ``centre_xy`` (image pixels, (2,)) resampled to ``geo.shape``.

    ``rgb`` (H, W, 3) uint8; ``hip_width_px`` the runner's hip-landmark distance in image
    pixels. Returns float32 (rows, cols, 3); outside the image is black.
    """
    scale = geo.hip_width_px / float(hip_width_px)
    rows, cols = geo.shape
    # a sub-image comfortably holding the box, blurred first when shrinking (against aliasing)
    x0, y0 = max(int(centre_xy[0] - cols / scale), 0), max(int(centre_xy[1] - rows / scale), 0)
    x1, y1 = int(centre_xy[0] + cols / scale) + 2, int(centre_xy[1] + rows / scale) + 2
    sub = rgb[y0:y1, x0:x1].astype(np.float32)
    if sub.shape[0] < 2 or sub.shape[1] < 2:
        return np.zeros((rows, cols, 3), np.float32)
    if scale < 1:
        sub = cv2.GaussianBlur(sub, (0, 0), 0.5 / scale)
    # patch (u, v) = scale * (image (x, y) - centre) + (cols / 2, hip_row); image = sub + (x0, y0)
    A = np.array([[scale, 0.0, cols / 2 - scale * (centre_xy[0] - x0)],
                  [0.0, scale, geo.hip_row - scale * (centre_xy[1] - y0)]])
    return cv2.warpAffine(sub, A, (cols, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def contrast(patch: np.ndarray) -> np.ndarray:
    """Local-contrast image of an RGB patch: the colour gradient magnitude (largest Sobel magnitude
    over the three channels), lightly smoothed. float32 (rows, cols). Flat shading and overall
    brightness drop out; edges between garments, skin and pattern remain."""
    mags = []
    for c in range(3):
        gx = cv2.Sobel(patch[:, :, c], cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(patch[:, :, c], cv2.CV_32F, 0, 1, ksize=3)
        mags.append(np.hypot(gx, gy))
    return cv2.GaussianBlur(np.max(mags, axis=0), (0, 0), 1.0)
