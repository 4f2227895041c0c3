"""The static scene behind and around the runner: floor, wall, treadmill and its rails.

Rendered once per clip into a colour image and a depth map (metres along the camera axis, like
the runner's), so the runner is z-tested against it and the rails can hide hands and feet.
World frame: see :mod:`gaitscan.synth.camera` (floor at ``z = 0``).
"""
from __future__ import annotations

import numpy as np

from . import raycast
from .camera import Camera

WALL = (196, 192, 184)
FLOOR = (128, 118, 106)
BELT = (42, 42, 46)
DECK = (92, 94, 100)
FRAME = (150, 152, 158)
RAIL = (175, 178, 184)

BELT_HALF_W, DECK_HALF_W = 0.25, 0.40
DECK_Y = (-0.95, 1.05)


def _shade(colour, n: np.ndarray, light: np.ndarray, ambient: float = 0.55) -> np.ndarray:
    lam = np.clip(n @ light, 0.0, 1.0)
    return np.asarray(colour, np.float32)[None, :] * (ambient + (1 - ambient) * lam)[:, None]


def render_scene(camera: Camera, dirs: np.ndarray, light: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Colour (H, W, 3) float32 and depth (H, W) float32 (distance along each ray, m).

    ``dirs``: unit ray directions (H, W, 3) from :meth:`Camera.ray_directions` normalised;
    ``light``: unit direction toward the key light.
    """
    H, W = camera.height, camera.width
    o = camera.position
    d = dirs.reshape(-1, 3)
    n_pix = d.shape[0]
    colour = np.zeros((n_pix, 3), np.float32)
    depth = np.full(n_pix, np.inf, np.float32)

    def put(t, n, col):
        hit = t < depth
        if np.any(hit):
            depth[hit] = t[hit]
            colour[hit] = col[hit] if col.ndim == 2 else col

    big = 30.0
    # floor with large tiles (a little texture helps a real detector find the ground)
    t, n, u, v = raycast.plane_rect(o, d, np.zeros(3), np.array([0.0, 0, 1]), np.array([1.0, 0, 0]), (-big, big), (-big, big))
    tile = ((np.floor(u / 0.6) + np.floor(v / 0.6)) % 2).astype(np.float32)
    put(t, n, _shade(FLOOR, n, light) * (0.94 + 0.06 * tile)[:, None])
    # walls: one in front of the camera, beyond the runner
    wall_at = {"rear": (np.array([0.0, 4.0, 0]), np.array([0.0, -1, 0]), np.array([1.0, 0, 0])),
               "front": (np.array([0.0, -4.0, 0]), np.array([0.0, 1, 0]), np.array([1.0, 0, 0])),
               "side": (np.array([-3.0, 0, 0]), np.array([1.0, 0, 0]), np.array([0.0, 1, 0]))}[camera.view]
    t, n, u, v = raycast.plane_rect(o, d, wall_at[0], wall_at[1], wall_at[2], (-big, big), (-big, big))
    put(t, n, _shade(WALL, n, light, 0.8))
    if camera.treadmill:
        zt = camera.deck_height_m
        top = np.array([0.0, 0.0, zt])
        up, xax, yax = np.array([0.0, 0, 1]), np.array([1.0, 0, 0]), np.array([0.0, 1, 0])
        t, n, u, v = raycast.plane_rect(o, d, top, up, xax, (-BELT_HALF_W, BELT_HALF_W), DECK_Y)
        stripes = (0.9 + 0.1 * ((np.floor(v / 0.05)) % 2)).astype(np.float32)
        put(t, n, _shade(BELT, n, light) * stripes[:, None])
        for sg in (-1.0, 1.0):
            x0 = sg * 0.5 * (BELT_HALF_W + DECK_HALF_W)
            t, n, u, v = raycast.plane_rect(o, d, np.array([x0, 0, zt + 0.01]), up, xax,
                                            (-0.5 * (DECK_HALF_W - BELT_HALF_W), 0.5 * (DECK_HALF_W - BELT_HALF_W)), DECK_Y)
            put(t, n, _shade(DECK, n, light))
            # deck side faces
            t, n, u, v = raycast.plane_rect(o, d, np.array([sg * DECK_HALF_W, 0, zt / 2]), np.array([sg, 0, 0]), yax,
                                            DECK_Y, (-zt / 2, zt / 2))
            put(t, n, _shade(FRAME, n, light))
        for y_end in DECK_Y:   # deck end faces
            t, n, u, v = raycast.plane_rect(o, d, np.array([0.0, y_end, zt / 2]), np.array([0.0, np.sign(y_end), 0]), xax,
                                            (-DECK_HALF_W, DECK_HALF_W), (-zt / 2, zt / 2 + 0.01))
            put(t, n, _shade(FRAME, n, light))
        # uprights and console at the front end
        yf = DECK_Y[1] - 0.05
        for sg in (-1.0, 1.0):
            a, b = np.array([sg * 0.38, yf, zt]), np.array([sg * 0.38, yf - 0.1, zt + 1.15])
            t, n = raycast.round_cone(o, d, a, b, 0.035, 0.03)
            put(t, n, _shade(FRAME, n, light))
        cons = np.array([0.0, yf - 0.12, zt + 1.2])
        M = np.diag([1 / 0.42, 1 / 0.12, 1 / 0.1])
        t, n = raycast.ellipsoid(o, d, cons, M)
        put(t, n, _shade((70, 72, 80), n, light))
        if camera.rails:
            for sg in (-1.0, 1.0):
                a, b = np.array([sg * 0.40, yf - 0.08, zt + 1.0]), np.array([sg * 0.40, 0.05, zt + 0.95])
                t, n = raycast.round_cone(o, d, a, b, 0.022, 0.022)
                put(t, n, _shade(RAIL, n, light))
                t, n = raycast.round_cone(o, d, b, np.array([sg * 0.40, 0.05, zt]), 0.02, 0.02)
                put(t, n, _shade(RAIL, n, light))
    return colour.reshape(H, W, 3), depth.reshape(H, W)
