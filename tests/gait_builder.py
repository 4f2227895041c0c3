"""Known-answer pose series for metric tests: a 2D runner built from straight lines and parabolas.

Not a body model — a bookkeeping device. Every event time, pelvic drop and landing offset is set
by the caller, so the metrics have exact answers. Image geometry: rear view by default (the
runner's left is image-left), ``view="front"`` mirrors x; pixels, y down.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitscan.pose import landmarks as lm
from gaitscan.pose.series import PoseSeries


@dataclass
class Gait:
    fps: float = 60.0
    duration_s: float = 8.0
    cadence_spm: float = 170.0
    stance_s: float = 0.24
    drop_deg: tuple[float, float] = (6.0, 3.0)        # CPD at midstance, (left stance, right stance)
    offset_hipw: tuple[float, float] = (0.2, -0.1)    # landing offset, (left, right); + toward stance side
    hip_w: float = 60.0
    belt_px_s: float = 80.0        # image motion of a foot on the belt: down from behind, up in front
    lift_px: float = 60.0
    view: str = "rear"
    first_contact_s: float = 0.3
    label_swap_p: float = 0.0      # probability a frame's FOOT labels are swapped
    body_swap_p: float = 0.0       # probability a frame's labels are ALL swapped (model flip)
    seed: int = 0
    width: int = 1280
    height: int = 720


def contacts(g: Gait) -> list[tuple[str, float]]:
    """True (side, contact time) of every contact, alternating left, right."""
    step = 60.0 / g.cadence_spm
    out, t, k = [], g.first_contact_s, 0
    while t + g.stance_s < g.duration_s:
        out.append(("left" if k % 2 == 0 else "right", t))
        t += step
        k += 1
    return out


def build(g: Gait) -> tuple[PoseSeries, list[dict]]:
    """Return the series and the true steps (side, contact_t, toe_off_t, drop, offset)."""
    rng = np.random.default_rng(g.seed)
    T = int(round(g.duration_s * g.fps))
    t = np.arange(T) / g.fps
    mx = 1.0 if g.view == "rear" else -1.0          # image x of the runner's right side
    cx, hip_y, ground = g.width / 2, 300.0, 600.0
    belt = g.belt_px_s if g.view == "rear" else -g.belt_px_s  # the belt carries the foot away from a front camera
    cons = contacts(g)
    stride = 2 * 60.0 / g.cadence_spm
    xy = np.full((T, lm.N_LANDMARKS, 2), np.nan)
    obliq = np.zeros(T)                               # + = runner's right hip lower
    bounce = np.zeros(T)
    for side, c in cons:
        s = (t >= c) & (t <= c + g.stance_s)
        ph = (t[s] - c) / g.stance_s
        drop = g.drop_deg[0] if side == "left" else g.drop_deg[1]
        obliq[s] = (1 if side == "left" else -1) * drop * np.sin(np.pi * ph)
        bounce[s] = 15 * np.sin(np.pi * ph)
    half = g.hip_w / 2
    dy = half * np.tan(np.radians(obliq))
    hip_mid_y = hip_y + bounce
    xy[:, lm.L_HIP] = np.c_[np.full(T, cx - mx * half), hip_mid_y - dy]
    xy[:, lm.R_HIP] = np.c_[np.full(T, cx + mx * half), hip_mid_y + dy]
    for li, ri, w, up in ((lm.L_SHOULDER, lm.R_SHOULDER, 80, 160), (7, 8, 30, 230)):
        xy[:, li] = np.c_[np.full(T, cx - mx * w / 2), hip_mid_y - up]
        xy[:, ri] = np.c_[np.full(T, cx + mx * w / 2), hip_mid_y - up]
    xy[:, lm.NOSE] = np.c_[np.full(T, cx), hip_mid_y - 225]
    for k, name in enumerate(lm.NAMES):
        if np.isnan(xy[0, k, 0]):  # anything not placed: near the shoulders, labelled side
            sgn = -mx if name.startswith("left") else mx if name.startswith("right") else 0
            xy[:, k] = np.c_[np.full(T, cx + sgn * 35), hip_mid_y - 120]
    truth = []
    for sidx, side in enumerate(("left", "right")):
        sgn = -mx if side == "left" else mx
        mine = [c for sd, c in cons if sd == side]
        heel = np.full((T, 2), np.nan)
        land_x = {c: cx + sgn * g.offset_hipw[sidx] * g.hip_w for c in mine}
        for c in mine:
            s = (t >= c) & (t <= c + g.stance_s)
            heel[s] = np.c_[np.full(s.sum(), land_x[c]), ground + belt * (t[s] - c)]
            truth.append(dict(side=side, contact_t=c, toe_off_t=c + g.stance_s,
                              drop=g.drop_deg[sidx], offset=g.offset_hipw[sidx]))
        # swings between toe-off and the next contact (and before the first / after the last)
        bounds = [mine[0] - stride] + mine + [mine[-1] + stride]
        for a, b in zip(bounds[:-1], bounds[1:]):
            to, nc = a + g.stance_s, b
            s = (t > to) & (t < nc)
            u = (t[s] - to) / (nc - to)
            x0 = land_x.get(a, land_x[mine[0]])
            x1 = land_x.get(b, land_x[mine[-1]])
            y0, y1 = ground + belt * g.stance_s, ground
            heel[s] = np.c_[x0 + (x1 - x0) * u, y0 + (y1 - y0) * u - 4 * g.lift_px * u * (1 - u)]
        hi, ai, ti = (lm.L_HEEL, lm.L_ANKLE, lm.L_TOE) if side == "left" else (lm.R_HEEL, lm.R_ANKLE, lm.R_TOE)
        ki = lm.L_KNEE if side == "left" else lm.R_KNEE
        xy[:, hi] = heel
        xy[:, ai] = heel + [0, -15]
        xy[:, ti] = heel + [0, -8]
        hip = xy[:, lm.L_HIP if side == "left" else lm.R_HIP]
        xy[:, ki] = (hip + xy[:, ai]) / 2
    truth.sort(key=lambda d: d["contact_t"])
    feet = [(lm.L_HEEL, lm.R_HEEL), (lm.L_ANKLE, lm.R_ANKLE), (lm.L_TOE, lm.R_TOE)]
    fswap = rng.random(T) < g.label_swap_p
    for a, b in feet:
        xy[fswap, a], xy[fswap, b] = xy[fswap, b].copy(), xy[fswap, a].copy()
    bswap = rng.random(T) < g.body_swap_p
    perm = lm.swap_lr_index()
    xy[bswap] = xy[bswap][:, perm]
    vis = np.full((T, lm.N_LANDMARKS), 0.95)
    if g.view == "rear":
        vis[:, :11] = 0.3
    world = np.zeros((T, lm.N_LANDMARKS, 3))
    world[:, lm.NOSE, 2] = -0.1 if g.view == "front" else 0.1   # MediaPipe world z: toward camera < 0
    series = PoseSeries(xy=xy, visibility=vis, presence=vis.copy(), world=world, t=t,
                        detected=np.ones(T, bool), n_people=np.ones(T, np.int32),
                        width=g.width, height=g.height, source={"file": "builder", "other_person_fraction": 0.0})
    return series, truth
