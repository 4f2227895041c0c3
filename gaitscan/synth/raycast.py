"""Ray intersection kernels for the renderer (NumPy, vectorised over many rays).

All rays start at one origin ``o`` (3,) and have **unit** directions ``d`` (N, 3) float32. Each
kernel returns the ray parameter ``t`` (N,) of the first hit in front of the origin (``inf``
where the ray misses) and the unit surface normal there (N, 3).
"""
from __future__ import annotations

import numpy as np

_INF = np.float32(np.inf)


def ellipsoid(o: np.ndarray, d: np.ndarray, centre: np.ndarray, M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ellipsoid ``{p : |M (p - centre)| <= 1}`` (M = diag(1/radii) @ axes-as-rows)."""
    q0 = (M @ (o - centre)).astype(np.float32)
    qd = d @ M.T.astype(np.float32)
    a = np.einsum("ij,ij->i", qd, qd)
    b = qd @ q0
    c = np.float32(q0 @ q0 - 1.0)
    h = b * b - a * c
    hit = h > 0
    t = np.full(len(d), _INF, np.float32)
    t[hit] = (-b[hit] - np.sqrt(h[hit])) / a[hit]
    t[t <= 0] = _INF
    p = o - centre + t[:, None] * d                  # inf rows give inf/nan normals: masked later
    with np.errstate(invalid="ignore"):
        n = p @ (M.T @ M).astype(np.float32)
        n /= np.linalg.norm(n, axis=1, keepdims=True)
    return t, n


def round_cone(o: np.ndarray, d: np.ndarray, pa: np.ndarray, pb: np.ndarray, ra: float,
               rb: float) -> tuple[np.ndarray, np.ndarray]:
    """Round cone: the convex hull of the spheres (pa, ra) and (pb, rb) (a tapered capsule).

    Closed form after Inigo Quilez, "intersectors" (iquilezles.org/articles/intersectors).
    """
    ba = (pb - pa).astype(np.float32)
    oa = (o - pa).astype(np.float32)
    ob = (o - pb).astype(np.float32)
    rr = np.float32(ra - rb)
    m0 = np.float32(ba @ ba)
    m1 = np.float32(ba @ oa)
    m2 = d @ ba
    m3 = d @ oa
    m5 = np.float32(oa @ oa)
    m6 = d @ ob
    m7 = np.float32(ob @ ob)
    d2 = m0 - rr * rr
    k2 = d2 - m2 * m2
    k1 = d2 * m3 - m1 * m2 + m2 * rr * ra
    k0 = d2 * m5 - m1 * m1 + m1 * rr * ra * 2.0 - m0 * ra * ra
    h = k1 * k1 - k0 * k2
    t = np.full(len(d), _INF, np.float32)
    n = np.zeros((len(d), 3), np.float32)
    live = h > 0
    if not live.any():
        return t, n
    idx = np.nonzero(live)[0]
    dl = d[idx]
    with np.errstate(divide="ignore", invalid="ignore"):   # k2 = 0: ray parallel to the axis
        tb = (-np.sqrt(h[idx]) - k1[idx]) / k2[idx]
        y = m1 - ra * rr + tb * m2[idx]
        body = (y > 0) & (y < d2)
    # caps
    h1 = m3[idx] ** 2 - m5 + ra * ra
    h2 = m6[idx] ** 2 - m7 + rb * rb
    with np.errstate(invalid="ignore"):
        t1 = np.where(h1 > 0, -m3[idx] - np.sqrt(np.maximum(h1, 0)), _INF)
        t2 = np.where(h2 > 0, -m6[idx] - np.sqrt(np.maximum(h2, 0)), _INF)
    use_b = t2 < t1
    tc = np.where(use_b, t2, t1)
    tt = np.where(body, tb, tc)
    pb_ = oa[None, :] + tt[:, None] * dl
    with np.errstate(invalid="ignore"):
        nb = d2 * pb_ - ba[None, :] * y[:, None]
    ncap = np.where(use_b[:, None], (ob[None, :] + tt[:, None] * dl) / rb, pb_ / ra)
    nn = np.where(body[:, None], nb, ncap)
    with np.errstate(invalid="ignore"):
        nn /= np.linalg.norm(nn, axis=1, keepdims=True)
    tt = np.where(tt > 0, tt, _INF)
    t[idx] = tt
    n[idx] = nn
    return t, n


def plane_rect(o: np.ndarray, d: np.ndarray, point: np.ndarray, normal: np.ndarray, u_axis: np.ndarray,
               u_range: tuple[float, float], v_range: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rectangle in the plane through ``point`` with ``normal``; ``u_axis`` (unit, in the plane) and
    ``v = normal × u`` span it. Returns t (N,), normal (N, 3) and the hit's (u, v) coordinates."""
    normal = normal / np.linalg.norm(normal)
    v_axis = np.cross(normal, u_axis)
    denom = d @ normal.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ((point - o) @ normal) / denom
    p = (o - point)[None, :] + t[:, None] * d
    u = p @ u_axis.astype(np.float32)
    v = p @ v_axis.astype(np.float32)
    ok = (t > 0) & (u >= u_range[0]) & (u <= u_range[1]) & (v >= v_range[0]) & (v <= v_range[1])
    t = np.where(ok, t, _INF).astype(np.float32)
    n = np.broadcast_to(np.where(denom[:, None] < 0, normal, -normal), d.shape).astype(np.float32)
    return t, n, u, v
