"""Marker colours and blobs of a marker colour in a search box — pure array code.

A colour is a hue window plus minimum saturation and value (:class:`MarkerColor`, named ones in
``colors.yaml``). A *blob* is a connected region of pixels inside the window (the colour finds
it); its centre is the centroid of a soft weight, so partly covered edge pixels count in
proportion and the centre is sub-pixel even for a marker 4 px across. The weight is the pixel's
**brightness contrast** with the local background (luma, which video keeps at full resolution)
when the marker stands out in brightness — a fluorescent sticker on dark shorts — else its
colour component along the marker's chroma (which H.264 stores at half resolution). On the
synthetic runner (57 px hips, 6.5 px markers) the luma centroid about halved the per-frame SD of
the PSIS-line angle (0.42° → 0.22° when it was introduced); ``tests/test_markers.py`` bounds it.
"""
from __future__ import annotations

import colorsys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

import cv2
import numpy as np
import yaml

from ..errors import InputError

#: a blob whose median luma differs from its surroundings by less than this (grey levels) is
#: centred on its chroma instead
_MIN_LUMA_CONTRAST = 25.0


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    """The parsed ``gaitscan/markers/colors.yaml`` (do not mutate)."""
    return yaml.safe_load(resources.files("gaitscan.markers").joinpath("colors.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class MarkerColor:
    """Hue window (degrees 0–360, ± ``hue_tol_deg``) and minimum saturation/value (0–1)."""

    name: str
    hue_deg: float
    hue_tol_deg: float
    s_min: float
    v_min: float

    def rgb(self) -> np.ndarray:
        """The fully saturated, bright RGB (0–1) of the hue: its chroma direction."""
        return np.array(colorsys.hsv_to_rgb(self.hue_deg / 360.0, 1.0, 1.0))


def parse_color(spec: str | None) -> MarkerColor:
    """``None``/a name in ``colors.yaml`` or ``"H,S,V"`` as a colour picker shows it (H 0–360°,
    S and V 0–100 %): the tolerances then are ± 20° of hue, S ≥ 0.6·S, V ≥ 0.4·V."""
    cfg = config()
    spec = cfg["default"] if spec is None else spec.strip().lower()
    if spec in cfg["colors"]:
        c = cfg["colors"][spec]
        return MarkerColor(spec, float(c["hue_deg"]), float(c["hue_tol_deg"]), float(c["s_min"]), float(c["v_min"]))
    parts = spec.split(",")
    try:
        h, s, v = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"--marker-color {spec!r}: give a name ({', '.join(cfg['colors'])}) or H,S,V "
                         "(hue 0-360, saturation and value 0-100)") from None
    if not (0 <= h <= 360 and 0 < s <= 100 and 0 < v <= 100):
        raise InputError(f"--marker-color {spec!r}: H must be 0-360, S and V 1-100")
    if s < 30:
        raise InputError(f"--marker-color {spec!r}: saturation {s:g} % is too grey to tell a marker from the scene")
    return MarkerColor(spec, h % 360.0, 20.0, 0.6 * s / 100, 0.4 * v / 100)


def color_mask(rgb: np.ndarray, color: MarkerColor) -> np.ndarray:
    """Boolean (H, W): pixels of ``rgb`` (uint8) inside the colour window."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL).astype(np.float32)   # H 0..255 for 0..360°
    h = hsv[..., 0] * (360.0 / 256.0)
    dh = np.abs((h - color.hue_deg + 180.0) % 360.0 - 180.0)
    return (dh <= color.hue_tol_deg) & (hsv[..., 1] >= color.s_min * 255) & (hsv[..., 2] >= color.v_min * 255)


def chroma_weight(rgb: np.ndarray, color: MarkerColor) -> np.ndarray:
    """Float (H, W): how much of the marker's chroma each pixel carries (grey levels, ≥ 0)."""
    x = rgb.astype(np.float32)
    c = color.rgb() - color.rgb().mean()
    c = (c / np.linalg.norm(c)).astype(np.float32)
    return np.maximum((x - x.mean(axis=2, keepdims=True)) @ c, 0.0)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Float (H, W): Rec. 601 luma of ``rgb`` (uint8), grey levels."""
    return rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def _centroid(weight: np.ndarray, inside: np.ndarray, outside: np.ndarray,
              sign: float = 1.0) -> Optional[tuple[float, float, float]]:
    """(x, y, contrast) centroid of ``sign * (weight − background)`` over ``inside`` (bool), the
    background being the median of ``weight`` over ``outside``; None without positive weight.
    ``contrast``: median weight inside minus the background, times ``sign``."""
    bg = float(np.median(weight[outside])) if outside.any() else 0.0
    w = np.where(inside, np.maximum(sign * (weight - bg), 0.0), 0.0)
    tot = float(w.sum())
    if tot <= 0:
        return None
    yy, xx = np.mgrid[0:weight.shape[0], 0:weight.shape[1]]
    return float((w * xx).sum() / tot), float((w * yy).sum() / tot), sign * (float(np.median(weight[inside])) - bg)


@dataclass(frozen=True)
class Blob:
    """A blob of the marker colour: sub-pixel centre (image pixels), mask area (px), equivalent
    diameter (px), elongation (major/minor axis ≥ 1)."""

    x: float
    y: float
    area: int
    diameter: float
    elongation: float


def find_blobs(rgb: np.ndarray, box: tuple[int, int, int, int], color: MarkerColor, *, min_area: float = 2.0,
               max_area: float = np.inf) -> tuple[list[Blob], list[str]]:
    """Blobs of ``color`` in ``box`` = (x0, y0, x1, y1) of ``rgb``; also the reasons blobs were
    dropped (``"too large"``, ``"too small"``) so a caller can say why a marker was not found."""
    H, W = rgb.shape[:2]
    x0, y0, x1, y1 = max(int(box[0]), 0), max(int(box[1]), 0), min(int(np.ceil(box[2])), W), min(int(np.ceil(box[3])), H)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return [], []
    sub = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    mask = color_mask(sub, color)
    if not mask.any():
        return [], []
    # H.264's half-resolution chroma splits a small marker's rim into fragments: join pieces
    # within 2 px, then measure the joined blob
    joined = cv2.dilate(mask.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    labels = np.where(mask, labels, 0)
    weight, bright = chroma_weight(sub, color), luma(sub)
    blobs, dropped = [], []
    for k in range(1, n):
        area = int(np.count_nonzero(labels[stats[k, 1]:stats[k, 1] + stats[k, 3], stats[k, 0]:stats[k, 0] + stats[k, 2]] == k))
        if area > max_area:
            dropped.append("too large")
            continue
        if area < min_area:
            dropped.append("too small")
            continue
        bx, by, bw, bh = (int(v) for v in stats[k, :4])
        # soft centroid over the blob grown by 1 px, background = median weight of a ring around
        # it: luma contrast where the marker is clearly brighter or darker than that ring, else chroma
        ring_x0, ring_y0 = max(bx - 3, 0), max(by - 3, 0)
        ring_x1, ring_y1 = min(bx + bw + 3, sub.shape[1]), min(by + bh + 3, sub.shape[0])
        comp = labels[ring_y0:ring_y1, ring_x0:ring_x1] == k
        grown = cv2.dilate(comp.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        outside = ~cv2.dilate(grown.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        yr = bright[ring_y0:ring_y1, ring_x0:ring_x1]
        sign = 1.0 if np.median(yr[comp]) >= (np.median(yr[outside]) if outside.any() else 0.0) else -1.0
        c = _centroid(yr, grown, outside, sign)
        if c is None or c[2] < _MIN_LUMA_CONTRAST:
            c = _centroid(weight[ring_y0:ring_y1, ring_x0:ring_x1], grown, outside)
        if c is None:
            continue
        cx, cy = ring_x0 + c[0], ring_y0 + c[1]
        # shape from the second moments of the mask
        py, px = np.nonzero(comp)
        cov = np.cov(np.stack([px, py]).astype(float)) if area >= 3 else np.eye(2) * 0.25
        ev = np.sort(np.linalg.eigvalsh(np.atleast_2d(cov) + np.eye(2) * 1 / 12))
        blobs.append(Blob(x0 + cx + 0.5, y0 + cy + 0.5, area, float(2 * np.sqrt(area / np.pi)),
                          float(np.sqrt(ev[1] / ev[0]))))
    return blobs, dropped
