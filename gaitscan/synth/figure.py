"""The runner's shape: shaded primitives (ellipsoids, round cones) placed on the joints of a frame.

Sizes are for a 1.75 m runner and scale with height. Each primitive carries a ``part`` name
(``shorts``, ``shirt``, ``skin``, ``hair``, ``shoe``, …) that picks its colour from
:class:`~gaitscan.synth.params.Appearance`; clothing variants and skin markers (issues 4 and 11)
add or recolour primitives here, attached to the same segment frames.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import Appearance


@dataclass(frozen=True)
class Ellipsoid:
    """``{p : |M (p - centre)| <= 1}``; ``M = diag(1/radii) @ axes`` (axes as rows)."""

    centre: np.ndarray
    M: np.ndarray
    radius: float       #: bounding-sphere radius (largest semi-axis)
    part: str


@dataclass(frozen=True)
class RoundCone:
    """Convex hull of the spheres (pa, ra) and (pb, rb)."""

    pa: np.ndarray
    pb: np.ndarray
    ra: float
    rb: float
    part: str


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _frame(x: np.ndarray, y_hint: np.ndarray) -> np.ndarray:
    """Orthonormal axes (3, 3) as rows: x, then y from ``y_hint`` made orthogonal, z = x × y."""
    x = _unit(x)
    y = _unit(y_hint - (y_hint @ x) * x)
    return np.stack([x, y, np.cross(x, y)])


def ellipsoid(centre, axes: np.ndarray, radii, part: str) -> Ellipsoid:
    radii = np.asarray(radii, float)
    return Ellipsoid(np.asarray(centre, float), np.diag(1.0 / radii) @ axes, float(radii.max()), part)


def _on_surface(centre: np.ndarray, axes: np.ndarray, radii, u) -> tuple[np.ndarray, np.ndarray]:
    """Point and outward unit normal on an ellipsoid (``axes`` rows, ``radii`` m) in the direction
    ``u`` (3,) of its unit-sphere coordinates."""
    u = _unit(np.asarray(u, float))
    radii = np.asarray(radii, float)
    return centre + axes.T @ (radii * u), _unit(axes.T @ (u / radii))


def _badge(P: list, centre: np.ndarray, axes: np.ndarray, radii, u, size, up: np.ndarray, part: str) -> None:
    """A thin elliptical patch (``size`` = half width, half height, m) lying on an ellipsoid."""
    p, n = _on_surface(centre, axes, radii, u)
    P.append(ellipsoid(p, _frame(n, up), (0.006, size[1], size[0]), part))


#: skin-marker sites: name -> (direction on the carrying ellipsoid in its unit-sphere coordinates)
#: PSIS: on the pelvis ellipsoid (rows: pelvis-right, forward, pelvis-up), behind and above the
#: hip joint centres, 10 cm apart for a 1.75 m runner; heels: on the shoe (rows: heel→toe, sole-up,
#: side), the back of the heel counter, 3 cm above the sole.
_MARKER_U = {"psis_l": (-0.275, -0.78, 0.56), "psis_r": (0.275, -0.78, 0.56),
             "heel_l": (-1.0, -0.15, 0.0), "heel_r": (-1.0, -0.15, 0.0)}
MARKER_THICKNESS_M = 0.003   #: half thickness of a marker disc (it bulges this far off the surface)


def _carriers(j: dict[str, np.ndarray], s: float) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The ellipsoids the markers sit on: name -> (centre, axes rows, radii m, up hint)."""
    fwd_w = np.array([0.0, 1.0, 0.0])
    pr = j["pelvis_right"]
    up_p = _unit(np.cross(pr, fwd_w))
    pel = np.stack([pr, fwd_w, up_p])
    out = {}
    for side in ("l", "r"):
        out["psis_" + side] = (j["pelvis"] + up_p * 0.045 * s - fwd_w * 0.01 * s, pel, np.array((0.175, 0.115, 0.12)) * s, up_p)
        heel, toe = j["heel_" + side], j["toe_" + side]
        along = toe - heel
        sole_up = _unit(np.cross(np.cross(along, np.array([0.0, 0.0, 1.0])), along)) * -1.0
        if sole_up[2] < 0:
            sole_up = -sole_up
        out["heel_" + side] = (heel + 0.5 * along + sole_up * 0.04 * s, _frame(along, sole_up),
                               np.array((np.linalg.norm(along) * 0.56, 0.045 * s, 0.05 * s)), sole_up)
    return out


def marker_sites(j: dict[str, np.ndarray], height_m: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """World point and outward normal of each skin marker's centre (``psis_l/_r``, ``heel_l/_r``) for
    one frame of joints ``j``; the visible centre of the disc is ``point + MARKER_THICKNESS_M * normal``."""
    s = height_m / 1.75
    return {k: _on_surface(c, ax, r, _MARKER_U[k]) for k, (c, ax, r, _up) in _carriers(j, s).items()}


def _markers(P: list, j: dict[str, np.ndarray], s: float, app: Appearance) -> None:
    rad = app.marker_diameter_m / 2
    for k, (c, ax, r, up) in _carriers(j, s).items():
        p, n = _on_surface(c, ax, r, _MARKER_U[k])
        P.append(ellipsoid(p, _frame(n, up), (MARKER_THICKNESS_M, rad, rad), "marker"))


def build_figure(j: dict[str, np.ndarray], height_m: float, app: Appearance = Appearance()) -> list:
    """Primitives of the runner for one frame; ``j`` maps joint names to (3,) world points/vectors
    (one frame of :meth:`gaitscan.synth.kinematics.Runner.joints`, lifted onto the belt);
    ``app`` picks the clothing (:class:`~gaitscan.synth.params.Appearance`)."""
    s = height_m / 1.75
    legs = "shorts" if app.shorts_style == "tights" else "skin"
    short_len, short_r = (0.5, (0.112, 0.104)) if app.shorts_style == "loose" else (0.42, (0.092, 0.078))
    P = []
    rc = lambda a, b, ra, rb, part: P.append(RoundCone(a, b, ra * s, rb * s, part))  # noqa: E731
    el = lambda c, ax, r, part: P.append(ellipsoid(c, ax, np.asarray(r) * s, part))  # noqa: E731
    fwd_w = np.array([0.0, 1.0, 0.0])
    # --- pelvis and shorts: follow the pelvis (its obliquity), not the trunk
    pr = j["pelvis_right"]
    up_p = _unit(np.cross(pr, fwd_w))
    pel = np.stack([pr, fwd_w, up_p])
    mid = j["pelvis"]
    el(mid + up_p * 0.045 * s - fwd_w * 0.01 * s, pel, (0.175, 0.115, 0.12), "shorts")
    for side, sg in (("l", -1.0), ("r", 1.0)):
        hip = j["hip_" + side]
        # gluteal mass: behind and below the hip joint centre, slightly outward
        glute, glute_r = hip + pr * sg * 0.01 * s - fwd_w * 0.05 * s - up_p * 0.035 * s, np.array((0.085, 0.065, 0.095)) * s
        el(glute, pel, glute_r / s, "shorts")
        if app.logo == ("left" if sg < 0 else "right"):
            _badge(P, glute, pel, glute_r, (sg * 0.45, -1.0, 0.55), (0.03 * s, 0.022 * s), up_p, "logo")
        if app.shorts_pattern:
            for ux in (-0.7, 0.0, 0.7):
                for uz in (-0.6, 0.1, 0.8):
                    _badge(P, glute, pel, glute_r, (ux, -1.0, uz), (0.013 * s, 0.013 * s), up_p, "pattern")
        knee = j["knee_" + side]
        rc(hip, hip + short_len * (knee - hip), short_r[0], short_r[1], "shorts")
        rc(hip + 0.1 * (knee - hip), knee, 0.078, 0.05, legs)
        ankle = j["ankle_" + side]
        rc(knee, ankle, 0.05, 0.032, legs)
        shank = ankle - knee
        # calf: behind the upper shank
        back = _unit(np.cross(np.cross(shank, fwd_w), shank)) * -1.0
        if back @ fwd_w > 0:
            back = -back
        el(knee + 0.33 * shank + back * 0.018 * s, _frame(shank, back), (np.linalg.norm(shank) * 0.28 / s, 0.05, 0.048), legs)
        heel, toe = j["heel_" + side], j["toe_" + side]
        along = toe - heel
        sole_up = _unit(np.cross(np.cross(along, np.array([0.0, 0.0, 1.0])), along)) * -1.0
        if sole_up[2] < 0:
            sole_up = -sole_up
        c = heel + 0.5 * along + sole_up * 0.04 * s
        el(c, _frame(along, sole_up), (np.linalg.norm(along) * 0.56 / s, 0.045, 0.05), "shoe")
        el(ankle, np.eye(3), (0.042, 0.042, 0.042), "shoe")   # shoe collar
    if app.markers:
        _markers(P, j, s, app)
    # --- trunk (shirt): follows the trunk
    up, right = j["trunk_up"], j["trunk_right"]
    tr = _frame(right, up)                               # rows: right, up, forward-ish
    neck = j["neck"]
    el(neck - up * 0.2 * s, tr, (0.165, 0.2, 0.105), "shirt")
    el(mid + up * 0.2 * s, tr, (0.145, 0.15, 0.1), "shirt")
    if app.shirt_style in ("hang_left", "hang_right"):   # a loose tail over one hip
        sg = -1.0 if app.shirt_style == "hang_left" else 1.0
        el(mid + up * 0.02 * s + right * sg * 0.08 * s - fwd_w * 0.035 * s, tr, (0.09, 0.12, 0.115), "shirt")
    elif app.shirt_style == "long":                       # covers the pelvis to mid-thigh
        el(mid - up * 0.03 * s - fwd_w * 0.035 * s, tr, (0.2, 0.2, 0.13), "shirt")
    for side in ("l", "r"):
        sh = j["shoulder_" + side]
        rc(neck - up * 0.03 * s, sh, 0.07, 0.06, "shirt")
        el_ = j["elbow_" + side]
        rc(sh, sh + 0.4 * (el_ - sh), 0.062, 0.055, "shirt")
        rc(sh, el_, 0.047, 0.036, "skin")
        wr = j["wrist_" + side]
        rc(el_, wr, 0.037, 0.026, "skin")
        hand = j["hand_" + side]
        el(0.5 * (wr + hand), _frame(hand - wr, right), (np.linalg.norm(hand - wr) * 0.62 / s, 0.04, 0.022), "skin")
    # --- neck and head
    head, hup, hright, hfwd = j["head"], j["head_up"], j["head_right"], j["head_fwd"]
    hf = np.stack([hright, hfwd, hup])
    rc(neck - up * 0.02 * s, head - hup * 0.04 * s, 0.055, 0.05, "skin")
    el(head, hf, (0.078, 0.1, 0.115), "skin")
    el(head + hup * 0.025 * s - hfwd * 0.016 * s, hf, (0.083, 0.1, 0.112), "hair")
    for sg in (-1.0, 1.0):
        el(head + hright * sg * 0.078 * s - hfwd * 0.005 * s, hf, (0.012, 0.022, 0.03), "skin")
        el(head + hfwd * 0.088 * s + hup * 0.012 * s + hright * sg * 0.032 * s, hf, (0.014, 0.01, 0.007), "eye")
        el(head + hfwd * 0.087 * s + hup * 0.04 * s + hright * sg * 0.034 * s, hf, (0.02, 0.01, 0.005), "hair")
    el(head + hfwd * 0.098 * s - hup * 0.012 * s, hf, (0.012, 0.02, 0.022), "skin")
    el(head + hfwd * 0.085 * s - hup * 0.06 * s, hf, (0.024, 0.01, 0.007), "lips")
    return P


def part_colours(app: Appearance) -> dict[str, tuple[int, int, int]]:
    """Colour (RGB) of every part name used by :func:`build_figure`."""
    return {"skin": app.skin, "hair": app.hair, "shirt": app.shirt, "shorts": app.shorts,
            "shoe": app.shoes, "eye": (35, 30, 30), "lips": (150, 80, 75), "logo": app.logo_colour,
            "pattern": app.pattern, "marker": app.marker_colour}
