"""A PoseSeries straight from the true 3D joints: what a perfect pose model would return.

No rendering and no model: every BlazePose landmark is the projection of the matching true point
(hips at the hip joint centres, heels at the back of the sole, ``foot_index`` at the toe tip,
hand landmarks around the finger tips), visibility and presence 1. Metrics can be tested against
exact truth in milliseconds; ``noise_px`` adds Gaussian pixel noise.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..pose.landmarks import INDEX, N_LANDMARKS
from ..pose.series import PoseSeries
from .camera import Camera
from .params import RunnerParams
from .truth import build_truth, simulate

#: BlazePose landmark name -> synthetic point name (left/right as the runner's own sides)
_DIRECT = {
    "nose": "nose", "mouth_left": "mouth_l", "mouth_right": "mouth_r",
    "left_eye_inner": "eye_inner_l", "left_eye": "eye_l", "left_eye_outer": "eye_outer_l",
    "right_eye_inner": "eye_inner_r", "right_eye": "eye_r", "right_eye_outer": "eye_outer_r",
    "left_ear": "ear_l", "right_ear": "ear_r",
}
for _lm, _pt in (("shoulder", "shoulder"), ("elbow", "elbow"), ("wrist", "wrist"), ("hip", "hip"),
                 ("knee", "knee"), ("ankle", "ankle"), ("heel", "heel"), ("foot_index", "toe"),
                 ("index", "hand")):
    _DIRECT[f"left_{_lm}"] = f"{_pt}_l"
    _DIRECT[f"right_{_lm}"] = f"{_pt}_r"


def landmarks_3d(joints: dict[str, np.ndarray]) -> np.ndarray:
    """The 33 BlazePose landmarks (T, 33, 3) in world metres from the synthetic joints."""
    T = len(joints["pelvis"])
    out = np.full((T, N_LANDMARKS, 3), np.nan)
    for name, pt in _DIRECT.items():
        out[:, INDEX[name]] = joints[pt]
    for side, sfx in (("left", "_l"), ("right", "_r")):
        wrist, hand = joints["wrist" + sfx], joints["hand" + sfx]
        outward = (-1.0 if side == "left" else 1.0) * joints["trunk_right"]
        out[:, INDEX[f"{side}_pinky"]] = wrist + 0.85 * (hand - wrist) + 0.025 * outward
        out[:, INDEX[f"{side}_thumb"]] = wrist + 0.45 * (hand - wrist) - 0.025 * outward
    return out


def ideal_pose_series(params: RunnerParams, camera: Camera, *, fps: float, duration_s: float,
                      noise_px: float = 0.0, seed: int = 0) -> tuple[PoseSeries, dict[str, Any]]:
    """A :class:`PoseSeries` of the projected true joints and the matching truth dict.

    ``xy`` (T, 33, 2) pixels; ``world`` (T, 33, 3) metres in camera axes (x right, y down,
    z away from the camera) centred on the hip midpoint, like BlazePose's world landmarks;
    visibility/presence 1; ``t = i / fps``. ``noise_px`` is the SD of Gaussian noise added to
    ``xy`` (drawn with ``seed``).
    """
    sim = simulate(params, camera, fps=fps, duration_s=duration_s)
    truth = build_truth(sim)
    lm = landmarks_3d(sim.joints)
    xy = camera.project(lm)
    if noise_px > 0:
        xy = xy + np.random.default_rng(seed).normal(0.0, noise_px, xy.shape)
    cam = camera.to_camera(lm)
    world = cam - 0.5 * (cam[:, INDEX["left_hip"]] + cam[:, INDEX["right_hip"]])[:, None, :]
    T = len(sim.t)
    ones = np.ones((T, N_LANDMARKS))
    source = {"file": None, "synthetic": True, "model": "ideal-projection", "fps": float(fps),
              "time_scale": 1.0, "noise_px": float(noise_px), "view": camera.view}
    series = PoseSeries(xy=xy, visibility=ones, presence=ones.copy(), world=world, t=sim.t,
                        detected=np.ones(T, bool), n_people=np.ones(T, np.int32),
                        width=camera.width, height=camera.height, source=source)
    return series, truth
