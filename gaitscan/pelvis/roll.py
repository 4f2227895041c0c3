"""Camera roll from the scene: the tilt of long near-horizontal and near-vertical straight lines.

Floor/wall boundaries, treadmill deck edges, door frames and posts are level or plumb in the
world; seen by a camera rolled by ``r`` (convention of :mod:`gaitscan.synth.camera` and
:mod:`gaitscan.metrics.pelvis`: + when a level line's image-right end is lower), a level line
has image angle ``atan2(dy, dx) = r`` and a plumb line ``90° + r``. Lines through the runner are
ignored. Assumptions: the camera is not pitched much (plumb lines converge when it is — so
vertical lines only vote within ``max_dev_deg``), and the scene has such lines at all; without
them the answer is None.
"""
from __future__ import annotations

from typing import Optional

import cv2
import numpy as np


def scene_roll(rgb: np.ndarray, exclude: Optional[tuple[int, int, int, int]] = None, *, max_dev_deg: float = 6.0,
               min_length_frac: float = 0.05) -> tuple[Optional[float], int]:
    """(roll in degrees, number of line segments that voted) for one frame.

    ``rgb`` (H, W, 3) uint8; ``exclude`` (x0, y0, x1, y1) pixels: a box (the runner) whose
    segments are ignored; segments shorter than ``min_length_frac`` × the image width or tilted
    more than ``max_dev_deg`` from level/plumb do not vote. The answer is the length-weighted
    median deviation; None when nothing voted.
    """
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (5, 5), 1.2), 30, 90)
    if exclude is not None:
        x0, y0, x1, y1 = (int(v) for v in exclude)
        edges[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = 0
    W = rgb.shape[1]
    segs = cv2.HoughLinesP(edges, 1, np.pi / 720, threshold=60, minLineLength=int(min_length_frac * W), maxLineGap=4)
    if segs is None:
        return None, 0
    d = segs[:, 0, 2:] - segs[:, 0, :2]
    ang = _refined_angles(edges, segs[:, 0].astype(float))
    ang = (ang + 90.0) % 180.0 - 90.0                      # (-90, 90]
    dev = np.where(np.abs(ang) > 45, ang - np.sign(ang) * 90.0, ang)
    keep = np.abs(dev) <= max_dev_deg
    if not keep.any():
        return None, 0
    dev, length = dev[keep], np.hypot(d[keep, 0], d[keep, 1])
    order = np.argsort(dev)
    cum = np.cumsum(length[order])
    return float(dev[order][np.searchsorted(cum, cum[-1] / 2)]), int(keep.sum())


def _refined_angles(edges: np.ndarray, segs: np.ndarray) -> np.ndarray:
    """Angles (deg, atan2(dy, dx)) of the segments (N, 4: x0 y0 x1 y1) re-fitted by least squares
    to the edge pixels within 1.5 px of each (Hough's integer endpoints quantise short lines).

    Each segment looks only at the edge pixels of its own box (2 px wider than the 1.5 px band on
    every side), in the image's row-major order: the same pixels, in the same order, as a search
    of the whole edge image, so the same fit."""
    H, W = edges.shape
    out = np.empty(len(segs))
    for k, (x0, y0, x1, y1) in enumerate(segs):
        a, b = np.array([x0, y0]), np.array([x1, y1])
        length = np.linalg.norm(b - a)
        u = (b - a) / max(length, 1e-9)
        bx0, by0 = max(int(np.floor(min(x0, x1))) - 2, 0), max(int(np.floor(min(y0, y1))) - 2, 0)
        bx1, by1 = min(int(np.ceil(max(x0, x1))) + 3, W), min(int(np.ceil(max(y0, y1))) + 3, H)
        ys, xs = np.nonzero(edges[by0:by1, bx0:bx1])
        pts = np.stack([xs + bx0, ys + by0], 1).astype(float)
        rel = pts - a
        along = rel @ u
        near = (np.abs(rel @ np.array([-u[1], u[0]])) <= 1.5) & (along >= 0) & (along <= length)
        if near.sum() >= 10:
            vx, vy = cv2.fitLine(pts[near].astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01)[:2, 0]
            out[k] = np.degrees(np.arctan2(vy, vx))
        else:
            out[k] = np.degrees(np.arctan2(y1 - y0, x1 - x0))
    return out


def runner_box(xy_row: np.ndarray, pad_frac: float = 0.08) -> Optional[tuple[int, int, int, int]]:
    """The box (x0, y0, x1, y1) around a frame's landmarks (33, 2) to leave out of
    :func:`scene_roll`: padded by ``pad_frac`` of the body height (three times that above, for
    the hair). None when no landmark is seen."""
    ok = np.all(np.isfinite(xy_row), axis=1)
    if not ok.any():
        return None
    (x0, y0), (x1, y1) = xy_row[ok].min(axis=0), xy_row[ok].max(axis=0)
    pad = pad_frac * (y1 - y0)
    return int(x0 - pad), int(y0 - 3 * pad), int(np.ceil(x1 + pad)), int(np.ceil(y1 + pad))
