"""Ground truth of a synthetic clip, written next to the video as ``NAME.truth.json``.

Format ``gaitscan.synth-truth/1`` (JSON object; lengths in metres, angles in degrees, times in
seconds from the first frame, pixels in the image frame of :mod:`gaitscan.synth.camera`)::

    schema        "gaitscan.synth-truth/2"
    video         file name of the clip (or null for a pose-only simulation)
    fps, n_frames, duration_s, width, height
    params        every RunnerParams field (nested: variation, appearance)
    camera        every Camera field + focal_px, position_m, rotation_world_to_camera
    body          segment lengths (gaitscan.synth.body.Body)
    hip_width_m   true distance between the hip joint centres
    cadence_spm   true cadence: 60 / mean step time of the steps listed below
    frames:       per-frame columns, each a list of n_frames entries
      t                      frame time (s) = index / fps
      stance                 "left" | "right" | null (flight)
      pelvic_obliquity_deg   3D, right hip lower positive
      px                     {point: [[x, y], ...]} projected true 3D points, for
                             hip_l, hip_r (hip joint centres), pelvis (their midpoint),
                             knee_*, ankle_*, heel_* (back of the sole), toe_* (toe tip),
                             shoulder_*, elbow_*, wrist_*, nose
      markers_px             only with Appearance.markers: {psis_l, psis_r, heel_l, heel_r:
                             [[x, y], ...]} projected centres of the skin markers' visible
                             faces (occlusion not considered)
    steps:        one entry per stance whose contact and toe-off both fall inside the clip
      index, stance ("left" | "right")
      contact_t_exact, toe_off_t_exact     continuous event times
      contact_frame, contact_t             first frame with the heel on the belt
      midstance_frame, midstance_t         frame with the lowest pelvis midpoint in that stance
      toe_off_frame, toe_off_t             first frame with the toe tip off the belt
      step_time_s                          to the next contact (other foot)
      pelvic_drop_peak_deg                 the step's drop amplitude (peak of the 3D curve)
      pelvic_drop_3d_deg                   3D hip-line angle to the horizontal at midstance,
                                           + = swing-side hip lower
      pelvic_drop_2d_deg                   angle of the projected hip-centre line at midstance,
                                           atan2(y_swing - y_stance, |x_swing - x_stance|) in
                                           image coordinates (+ = swing side lower in the image);
                                           INCLUDES camera roll; null when the hips overlap in
                                           the image (|dx| < 3 px, e.g. side view)
      pelvic_drop_2d_level_deg             the same with the camera's roll set to 0
      foot_offset_m                        stance heel's lateral distance from the pelvis
                                           midline at contact, + = toward the stance side
      foot_offset_hipw                     foot_offset_m / hip_width_m
      foot_offset_2d_hipw                  the same measured in the image at the contact frame
                                           (heel x − pelvis x toward the stance hip, over the
                                           projected hip-centre distance); null if hips overlap;
                                           INCLUDES camera roll
      foot_offset_2d_level_hipw            the same with the camera's roll set to 0 (what
                                           gaitscan measures once the roll is removed)
      trunk_lean_deg                       lateral trunk lean toward the stance side at midstance
      pelvic_drop_markers_2d_deg           only with markers: angle of the projected PSIS-marker
                                           line at midstance, + = swing side lower (as 2d_deg)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional

import numpy as np

from .camera import Camera
from .figure import MARKER_THICKNESS_M, marker_sites
from .kinematics import Runner
from .params import RunnerParams

SCHEMA = "gaitscan.synth-truth/2"   # /2: foot_offset_2d_level_hipw

#: points whose projections are listed per frame
FRAME_POINTS: tuple[str, ...] = (
    "hip_l", "hip_r", "pelvis", "knee_l", "knee_r", "ankle_l", "ankle_r", "heel_l", "heel_r",
    "toe_l", "toe_r", "shoulder_l", "shoulder_r", "elbow_l", "elbow_r", "wrist_l", "wrist_r", "nose",
)
_MIN_HIP_DX_PX = 3.0


@dataclass(frozen=True)
class Simulation:
    """A runner evaluated at every frame: times (T,), world points (floor frame), the model."""

    params: RunnerParams
    camera: Camera
    fps: float
    t: np.ndarray
    runner: Runner
    joints: dict[str, np.ndarray]   #: (T, 3) world points in metres, floor frame; also flags/vectors


def simulate(params: RunnerParams, camera: Camera, *, fps: float, duration_s: float) -> Simulation:
    """Evaluate the runner at frame times ``i / fps`` for ``round(duration_s * fps)`` frames."""
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    n = int(round(duration_s * fps))
    if n < 2:
        raise ValueError(f"duration_s={duration_s} at {fps} fps gives fewer than 2 frames")
    t = np.arange(n) / float(fps)
    runner = Runner(params, duration_s)
    joints = runner.joints(t)
    lift = np.array([0.0, 0.0, camera.belt_z])
    for k, v in list(joints.items()):
        if v.ndim == 2 and not (k.endswith("_up") or k.endswith("_right") or k.endswith("_fwd") or k.startswith("forearm_dir")):
            joints[k] = v + lift
    return Simulation(params, camera, float(fps), t, runner, joints)


def _r(x: Optional[float], nd: int = 4) -> Optional[float]:
    return None if x is None else round(float(x), nd)


def _drop_2d(cam: Camera, stance_hip: np.ndarray, swing_hip: np.ndarray) -> Optional[float]:
    a, b = cam.project(stance_hip), cam.project(swing_hip)
    dx, dy = abs(b[0] - a[0]), b[1] - a[1]
    return None if dx < _MIN_HIP_DX_PX else float(np.degrees(np.arctan2(dy, dx)))


def _offset_2d(cam: Camera, pts: np.ndarray) -> Optional[float]:
    """Image foot offset: ``pts`` (4, 3) stance hip, swing hip, pelvis midpoint, stance heel (world
    m); heel x − pelvis x toward the stance hip over the projected hip distance (None: hips overlap)."""
    ph = cam.project(pts)
    hip_dx = ph[0, 0] - ph[1, 0]
    return None if abs(hip_dx) < _MIN_HIP_DX_PX else float((ph[3, 0] - ph[2, 0]) * np.sign(hip_dx) / abs(hip_dx))


def _steps(sim: Simulation) -> list[dict[str, Any]]:
    j, t, cam = sim.joints, sim.t, sim.camera
    hipw = sim.runner.body.hip_width
    n = len(t)
    out = []
    steps = sim.runner.steps
    for k, st in enumerate(steps):
        after_c = np.nonzero(t >= st.t_contact)[0]
        after_o = np.nonzero(t >= st.t_toeoff)[0]
        if st.t_contact < t[0] or len(after_o) == 0:
            continue
        c, o = int(after_c[0]), int(after_o[0])
        if o <= c:   # stance shorter than a frame interval
            continue
        m = c + int(np.argmin(j["pelvis"][c:o, 2]))
        s_hip, w_hip = ("hip_l", "hip_r") if st.side == "left" else ("hip_r", "hip_l")
        hs, hw = j[s_hip][m], j[w_hip][m]
        drop3 = np.degrees(np.arcsin((hs[2] - hw[2]) / np.linalg.norm(hs - hw)))
        at_contact = np.stack([j[s_hip][c], j[w_hip][c], j["pelvis"][c], j["heel_l" if st.side == "left" else "heel_r"][c]])
        nxt = steps[k + 1].t_contact if k + 1 < len(steps) else None
        out.append({
            "index": len(out), "stance": st.side,
            "contact_t_exact": _r(st.t_contact, 6), "toe_off_t_exact": _r(st.t_toeoff, 6),
            "contact_frame": c, "contact_t": _r(t[c], 6),
            "midstance_frame": m, "midstance_t": _r(t[m], 6),
            "toe_off_frame": o, "toe_off_t": _r(t[o], 6),
            "step_time_s": _r(None if nxt is None else nxt - st.t_contact, 6),
            "pelvic_drop_peak_deg": _r(st.drop_deg), "pelvic_drop_3d_deg": _r(drop3),
            "pelvic_drop_2d_deg": _r(_drop_2d(cam, hs, hw)),
            "pelvic_drop_2d_level_deg": _r(_drop_2d(cam.level(), hs, hw)),
            "foot_offset_m": _r(st.offset_m, 5), "foot_offset_hipw": _r(st.offset_m / hipw),
            "foot_offset_2d_hipw": _r(_offset_2d(cam, at_contact)),
            "foot_offset_2d_level_hipw": _r(_offset_2d(cam.level(), at_contact)),
            "trunk_lean_deg": _r(st.lean_deg),
        })
        if sim.params.appearance.markers:
            mk = _marker_world(sim, m)
            s_m, w_m = (mk["psis_l"], mk["psis_r"]) if st.side == "left" else (mk["psis_r"], mk["psis_l"])
            out[-1]["pelvic_drop_markers_2d_deg"] = _r(_drop_2d(cam, s_m, w_m))
        if o >= n - 1:
            out.pop()   # toe-off frame must be inside the clip
    return out


def _marker_world(sim: Simulation, i: int) -> dict[str, np.ndarray]:
    """World centres of the skin markers' visible faces at frame ``i``."""
    sites = marker_sites({k: v[i] for k, v in sim.joints.items()}, sim.params.height_m)
    return {k: p + MARKER_THICKNESS_M * n for k, (p, n) in sites.items()}


def markers_px(sim: Simulation) -> dict[str, list]:
    """Projected marker centres per frame: {name: [[x, y], ...]} (only meaningful with markers)."""
    world = [_marker_world(sim, i) for i in range(len(sim.t))]
    return {k: np.round(sim.camera.project(np.stack([w[k] for w in world])), 2).tolist() for k in world[0]}


def build_truth(sim: Simulation, video_name: Optional[str] = None) -> dict[str, Any]:
    """The truth dict (format in the module docstring) of a simulation."""
    j, cam = sim.joints, sim.camera
    stance = [("left" if l else "right" if r else None) for l, r in zip(j["stance_l"], j["stance_r"])]
    steps = _steps(sim)
    times = [s["step_time_s"] for s in steps if s["step_time_s"] is not None]
    px = {k: np.round(cam.project(j[k]), 2).tolist() for k in FRAME_POINTS}
    frames: dict[str, Any] = {
        "t": np.round(sim.t, 6).tolist(), "stance": stance,
        "pelvic_obliquity_deg": np.round(np.degrees(j["right_down"]), 3).tolist(),
        "px": px,
    }
    if sim.params.appearance.markers:
        frames["markers_px"] = markers_px(sim)
    return {
        "schema": SCHEMA, "video": video_name, "fps": sim.fps, "n_frames": len(sim.t),
        "duration_s": _r(len(sim.t) / sim.fps, 6), "width": cam.width, "height": cam.height,
        "params": sim.params.to_dict(), "camera": cam.to_dict(), "body": asdict(sim.runner.body),
        "hip_width_m": sim.runner.body.hip_width,
        "cadence_spm": _r(60.0 / float(np.mean(times))) if times else None,
        "frames": frames,
        "steps": steps,
    }
