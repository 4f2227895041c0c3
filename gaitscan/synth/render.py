"""Render the synthetic runner to an H.264 video with its ground truth next to it.

Rendering is ray casting in NumPy: every primitive of the figure (:mod:`gaitscan.synth.figure`)
is intersected with the rays of the pixels inside its projected bounding box and z-tested
against a depth buffer that starts as the static scene (:mod:`gaitscan.synth.scene`). Shading is
Lambert (key light from above and behind the camera) plus a camera fill and ambient light, then a
light blur against aliasing and mild Gaussian sensor noise.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Union

import cv2
import numpy as np

from ..atomic import write_text
from ..videowriter import open_writer
from . import raycast
from .camera import Camera
from .figure import Ellipsoid, build_figure, part_colours
from .params import RunnerParams
from .scene import render_scene
from .truth import SCHEMA, build_truth, simulate

PathLike = Union[str, Path]
_NOISE_SD = 2.0      # sensor noise, grey levels
_N_NOISE = 6         # pre-drawn noise images, cycled


class Renderer:
    """Renders frames of one runner for one camera (scene, rays and noise prepared once)."""

    def __init__(self, params: RunnerParams, camera: Camera) -> None:
        self.params, self.camera = params, camera
        dirs = camera.ray_directions()
        self.dirs = (dirs / np.linalg.norm(dirs, axis=2, keepdims=True)).astype(np.float32)
        cam_pos = camera.position
        to_cam = cam_pos - np.array([0.0, 0.0, cam_pos[2]])
        self.fill = (to_cam / np.linalg.norm(to_cam)).astype(np.float32)
        self.light = self._unit(to_cam / np.linalg.norm(to_cam) + np.array([0.35, 0.0, 1.2]))
        self.bg_colour, self.bg_depth = render_scene(camera, self.dirs, self.light)
        self.colours = {k: np.asarray(v, np.float32) for k, v in part_colours(params.appearance).items()}
        rng = np.random.default_rng(params.seed + 1)
        self.noise = rng.normal(0.0, _NOISE_SD, (_N_NOISE, camera.height, camera.width, 3)).astype(np.float32)

    @staticmethod
    def _unit(v: np.ndarray) -> np.ndarray:
        return (v / np.linalg.norm(v)).astype(np.float32)

    def _bbox(self, centres: list[np.ndarray], radii: list[float]) -> tuple[int, int, int, int] | None:
        cam = self.camera
        x0 = y0 = np.inf
        x1 = y1 = -np.inf
        f = cam.focal_px
        for c, r in zip(centres, radii):
            pc = cam.to_camera(c)
            if pc[2] - r < 0.05:
                return 0, 0, cam.width, cam.height
            u, v = f * pc[0] / pc[2] + cam.width / 2, f * pc[1] / pc[2] + cam.height / 2
            rp = f * r / (pc[2] - r) * 1.05 + 2
            x0, x1 = min(x0, u - rp), max(x1, u + rp)
            y0, y1 = min(y0, v - rp), max(y1, v + rp)
        xa, xb = max(int(x0), 0), min(int(np.ceil(x1)), cam.width)
        ya, yb = max(int(y0), 0), min(int(np.ceil(y1)), cam.height)
        return None if xa >= xb or ya >= yb else (xa, ya, xb, yb)

    def frame(self, joints: dict[str, np.ndarray], index: int = 0) -> np.ndarray:
        """RGB uint8 (H, W, 3) of the runner posed by ``joints`` (one frame, world points)."""
        colour = self.bg_colour.copy()
        depth = self.bg_depth.copy()
        o = self.camera.position
        for prim in build_figure(joints, self.params.height_m, self.params.appearance):
            if isinstance(prim, Ellipsoid):
                box = self._bbox([prim.centre], [prim.radius])
            else:
                box = self._bbox([prim.pa, prim.pb], [prim.ra, prim.rb])
            if box is None:
                continue
            xa, ya, xb, yb = box
            d = self.dirs[ya:yb, xa:xb].reshape(-1, 3)
            if isinstance(prim, Ellipsoid):
                t, n = raycast.ellipsoid(o, d, prim.centre, prim.M)
            else:
                t, n = raycast.round_cone(o, d, prim.pa, prim.pb, prim.ra, prim.rb)
            dreg = depth[ya:yb, xa:xb].reshape(-1)
            hit = t < dreg
            if not hit.any():
                continue
            nh = n[hit]
            shade = 0.32 + 0.55 * np.clip(nh @ self.light, 0, 1) + 0.18 * np.clip(nh @ self.fill, 0, 1)
            creg = colour[ya:yb, xa:xb].reshape(-1, 3)
            creg[hit] = self.colours[prim.part][None, :] * shade[:, None]
            dreg[hit] = t[hit]
            colour[ya:yb, xa:xb] = creg.reshape(yb - ya, xb - xa, 3)
            depth[ya:yb, xa:xb] = dreg.reshape(yb - ya, xb - xa)
        colour = cv2.GaussianBlur(colour, (3, 3), 0.6)
        colour += self.noise[index % _N_NOISE]
        return np.clip(colour, 0, 255).astype(np.uint8)


def render_video(params: RunnerParams, camera: Camera, *, fps: float, duration_s: float,
                 out: PathLike) -> dict[str, Any]:
    """Render a clip to ``out`` (.mp4, H.264) and its truth to ``out.with_suffix('.truth.json')``.

    Returns the truth dict (format: :mod:`gaitscan.synth.truth`). Both files are written
    atomically.
    """
    out = Path(out)
    sim = simulate(params, camera, fps=fps, duration_s=duration_s)
    truth = build_truth(sim, out.name)
    renderer = Renderer(params, camera)
    with open_writer(out, fps, camera.width, camera.height) as writer:
        for i, t in enumerate(sim.t):
            joints = {k: v[i] for k, v in sim.joints.items()}
            writer.write(renderer.frame(joints, i), float(t))
    write_text(truth_path(out), json.dumps(truth, separators=(",", ":")))
    return truth


def kept_truth(video: PathLike, params: RunnerParams, camera: Camera, *, fps: float, duration_s: float) -> dict[str, Any]:
    """The truth of a render kept from an earlier run (``video`` exists, made with these arguments):
    its truth file when written in the current :data:`~gaitscan.synth.truth.SCHEMA`, else rebuilt
    from the simulation (deterministic; the frames do not change) and rewritten."""
    path = truth_path(video)
    if path.exists():
        truth = json.loads(path.read_text())
        if truth.get("schema") == SCHEMA:
            return truth
    truth = build_truth(simulate(params, camera, fps=fps, duration_s=duration_s), Path(video).name)
    write_text(path, json.dumps(truth, separators=(",", ":")))
    return truth


def truth_path(video: PathLike) -> Path:
    """Where the truth of ``video`` lives: ``NAME.truth.json`` next to it."""
    video = Path(video)
    return video.with_suffix(".truth.json")
