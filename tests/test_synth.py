"""The synthetic runner: truth consistent with its parameters, ideal pose series, renderer, CLI."""
from __future__ import annotations

import dataclasses
import json

import av
import numpy as np
import pytest

from gaitscan.cli import main
from gaitscan.pose.landmarks import L_HEEL, L_HIP, R_HIP
from gaitscan.synth import NO_VARIATION, Camera, RunnerParams, ideal_pose_series, render_video
from gaitscan.synth.kinematics import Runner
from gaitscan.synth.render import Renderer
from gaitscan.synth.truth import SCHEMA, simulate

FPS, DUR = 120.0, 4.0
EXACT = RunnerParams(drop_left_deg=8.0, drop_right_deg=2.0, offset_left_m=0.05, offset_right_m=-0.03,
                     variation=NO_VARIATION)


def _truth(params=EXACT, camera=Camera(), fps=FPS, dur=DUR):
    return ideal_pose_series(params, camera, fps=fps, duration_s=dur)[1]


def _by_side(truth, key, side):
    return np.array([s[key] for s in truth["steps"] if s["stance"] == side], float)


def test_drop_3d_and_level_projection_match_parameters():
    # camera level (pitch 0, roll 0): the hip line lies in a plane parallel to the image,
    # so its projected angle equals the 3D angle; the midstance frame samples the peak
    truth = _truth()
    for side, drop in (("left", 8.0), ("right", 2.0)):
        d3 = _by_side(truth, "pelvic_drop_3d_deg", side)
        d2 = _by_side(truth, "pelvic_drop_2d_deg", side)
        assert len(d3) >= 5
        np.testing.assert_allclose(d3, drop, atol=0.15)
        np.testing.assert_allclose(d2, d3, atol=0.05)
        np.testing.assert_allclose(_by_side(truth, "pelvic_drop_peak_deg", side), drop, atol=1e-9)


def test_camera_roll_adds_to_one_side_and_subtracts_from_the_other():
    truth = _truth(camera=Camera(roll_deg=3.0))
    left = _by_side(truth, "pelvic_drop_2d_deg", "left") - _by_side(truth, "pelvic_drop_2d_level_deg", "left")
    right = _by_side(truth, "pelvic_drop_2d_deg", "right") - _by_side(truth, "pelvic_drop_2d_level_deg", "right")
    # rear view: the swing hip of a left stance is on the image right, which roll > 0 lowers
    np.testing.assert_allclose(left, 3.0, atol=0.1)
    np.testing.assert_allclose(right, -3.0, atol=0.1)


def test_drop_sign_in_the_image_rear_and_front():
    for view in ("rear", "front"):
        series, truth = ideal_pose_series(EXACT, Camera(view=view), fps=60, duration_s=3)
        for st in truth["steps"]:
            m = st["midstance_frame"]
            stance, swing = (L_HIP, R_HIP) if st["stance"] == "left" else (R_HIP, L_HIP)
            # y grows downward: the swing hip is lower (larger y) by a positive drop
            assert series.xy[m, swing, 1] > series.xy[m, stance, 1]
            assert st["pelvic_drop_2d_deg"] > 1.0


def test_contacts_spaced_by_cadence_and_events_ordered():
    truth = _truth(params=dataclasses.replace(EXACT, cadence_spm=180.0))
    steps = truth["steps"]
    ct = np.array([s["contact_t_exact"] for s in steps])
    np.testing.assert_allclose(np.diff(ct), 60.0 / 180.0, atol=1e-5)
    assert truth["cadence_spm"] == pytest.approx(180.0, abs=0.01)
    assert [s["stance"] for s in steps] == ["left", "right"] * (len(steps) // 2) + ["left"] * (len(steps) % 2)
    for s in steps:
        assert s["contact_frame"] < s["midstance_frame"] < s["toe_off_frame"]
        assert s["contact_t"] + 1e-5 >= s["contact_t_exact"] > s["contact_t"] - 1 / FPS - 1e-5
        assert s["toe_off_t"] + 1e-5 >= s["toe_off_t_exact"] > s["toe_off_t"] - 1 / FPS - 1e-5
        # stance lasts duty_factor x stride: less than a step, so there is a flight phase
        assert s["toe_off_t_exact"] - s["contact_t_exact"] == pytest.approx(2 * 0.34 * 60 / 180, abs=1e-6)
    stance = truth["frames"]["stance"]
    assert stance.count(None) > 0.15 * len(stance)
    for s in steps:
        assert set(stance[s["contact_frame"]:s["toe_off_frame"]]) == {s["stance"]}


def test_variation_gives_natural_spread_around_parameters():
    truth = _truth(params=dataclasses.replace(EXACT, variation=RunnerParams().variation, seed=3), dur=8.0)
    times = np.diff([s["contact_t_exact"] for s in truth["steps"]])
    assert 0.002 < np.std(times) < 0.02
    assert np.mean(times) == pytest.approx(60 / 170, rel=0.02)
    drops = _by_side(truth, "pelvic_drop_peak_deg", "left")
    assert 0.1 < np.std(drops) < 1.0 and np.mean(drops) == pytest.approx(8.0, abs=0.5)


def test_offsets_match_parameters_and_crossover_is_negative():
    truth = _truth()
    hipw = truth["hip_width_m"]
    assert hipw == pytest.approx(0.175)
    np.testing.assert_allclose(_by_side(truth, "foot_offset_m", "left"), 0.05, atol=1e-9)
    np.testing.assert_allclose(_by_side(truth, "foot_offset_hipw", "right"), -0.03 / hipw, atol=1e-4)
    # measured in the image at contact, the offsets keep their sign and roughly their size
    off2_l = _by_side(truth, "foot_offset_2d_hipw", "left")
    off2_r = _by_side(truth, "foot_offset_2d_hipw", "right")
    assert np.all(off2_l > 0.2) and np.all(off2_r < -0.1)
    # the heel really is where the truth says, at contact, on the belt
    sim = simulate(EXACT, Camera(), fps=FPS, duration_s=DUR)
    for st in truth["steps"]:
        heel = sim.joints["heel_l" if st["stance"] == "left" else "heel_r"][st["contact_frame"]]
        sign = -1 if st["stance"] == "left" else 1
        assert sign * heel[0] == pytest.approx(st["foot_offset_m"], abs=1e-9)
        assert heel[2] == pytest.approx(Camera().belt_z, abs=1e-9)


@pytest.mark.parametrize("params", [
    EXACT, RunnerParams(cadence_spm=150, speed_mps=2.5, offset_left_m=-0.05, drop_right_deg=12, seed=5),
    RunnerParams(cadence_spm=185, speed_mps=4.0, duty_factor=0.3, height_m=1.6, trunk_lean_deg=6, seed=6),
])
def test_feet_on_belt_in_stance_never_below_it_and_knee_targets(params):
    r = Runner(params, 4.0)
    t = np.arange(0.0, 4.0, 1 / 240)
    j = r.joints(t)
    for s in ("l", "r"):
        assert j["heel_" + s][:, 2].min() > -1e-9 and j["toe_" + s][:, 2].min() > -1e-9
        hip, knee, ankle = j["hip_" + s], j["knee_" + s], j["ankle_" + s]
        a, b = knee - hip, ankle - knee
        flex = np.degrees(np.arccos(np.einsum("ij,ij->i", a, b) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)))
        np.testing.assert_allclose(np.linalg.norm(a, axis=1), r.body.thigh, rtol=1e-9)
        side = "left" if s == "l" else "right"
        for st in r.steps:
            if st.side == side and 0.05 < st.t_contact and st.t_toeoff < 3.9:
                i = np.searchsorted(t, st.t_contact)
                at = r.joints(np.array([st.t_contact]))
                a0, b0 = at["knee_" + s] - at["hip_" + s], at["ankle_" + s] - at["knee_" + s]
                cos0 = (a0 @ b0.T).item() / np.linalg.norm(a0) / np.linalg.norm(b0)
                assert np.degrees(np.arccos(cos0)) == pytest.approx(params.knee_contact_deg, abs=0.5)
                stance = slice(i, np.searchsorted(t, st.t_toeoff))
                assert 38 < flex[stance].max() < 52
                assert j["heel_" + s][i, 2] < 1e-9 and j["toe_" + s][stance.stop - 1, 2] < 1e-9
    z = j["pelvis"][:, 2]
    assert 0.04 < z.max() - z.min() < 0.13   # vertical oscillation 4-13 cm


def test_impossible_stride_is_refused():
    with pytest.raises(ValueError, match="cannot reach"):
        Runner(RunnerParams(cadence_spm=190, speed_mps=4.5, height_m=1.55), 2.0).joints(np.arange(0, 2, 0.01))


def test_ideal_pose_series_shapes_sides_and_noise():
    series, truth = ideal_pose_series(EXACT, Camera(), fps=60, duration_s=2)
    assert series.xy.shape == (120, 33, 2) and series.world.shape == (120, 33, 3)
    assert not np.isnan(series.xy).any() and not np.isnan(series.world).any()
    assert series.detected.all() and np.all(series.visibility == 1.0)
    np.testing.assert_allclose(series.t, np.arange(120) / 60)
    np.testing.assert_allclose(series.xy[:, L_HIP], truth["frames"]["px"]["hip_l"], atol=0.01)
    np.testing.assert_allclose(series.xy[:, L_HEEL], truth["frames"]["px"]["heel_l"], atol=0.01)
    # rear view: runner's left on the image left; front view mirrored
    assert np.all(series.xy[:, L_HIP, 0] < series.xy[:, R_HIP, 0])
    front, _ = ideal_pose_series(EXACT, Camera(view="front"), fps=60, duration_s=2)
    assert np.all(front.xy[:, L_HIP, 0] > front.xy[:, R_HIP, 0])
    # world landmarks: metres, hip-centred; hip width is the true one
    np.testing.assert_allclose(np.linalg.norm(series.world[:, L_HIP] - series.world[:, R_HIP], axis=1), 0.175, rtol=1e-9)
    noisy, _ = ideal_pose_series(EXACT, Camera(), fps=60, duration_s=2, noise_px=2.0, seed=1)
    assert np.std(noisy.xy - series.xy) == pytest.approx(2.0, rel=0.05)


def test_renderer_draws_the_runner_where_the_truth_projects_it():
    cam = Camera(width=320, height=180)
    sim = simulate(EXACT, cam, fps=30, duration_s=0.5)
    r = Renderer(EXACT, cam)
    img = r.frame({k: v[5] for k, v in sim.joints.items()}, 5).astype(float)
    shorts = np.array(EXACT.appearance.shorts, float)
    px = np.round(cam.project(sim.joints["pelvis"][5] + np.array([0, -0.1, 0.0]))).astype(int)
    # dark shorts at the pelvis, the light wall far above the head
    assert np.abs(img[px[1], px[0]] - shorts).max() < 40
    assert img[5, 160].mean() > 150


def test_render_video_writes_mp4_and_truth(tmp_path):
    out = tmp_path / "clip.mp4"
    truth = render_video(EXACT, Camera(width=320, height=180), fps=30, duration_s=0.5, out=out)
    with av.open(str(out)) as c:
        n = sum(1 for _ in c.decode(video=0))
    assert n == truth["n_frames"] == 15
    saved = json.loads((tmp_path / "clip.truth.json").read_text())
    assert saved["schema"] == SCHEMA and saved["video"] == "clip.mp4"
    assert saved["steps"] == truth["steps"]


def test_cli_renders_and_rejects_bad_options(tmp_path, capsys):
    out = tmp_path / "c.mp4"
    with pytest.raises(SystemExit) as exc:
        main(["synth", str(out), "--width", "160", "--height", "90", "--fps", "20", "--duration", "0.4",
              "--drop-left", "7", "--offset-right", "-2", "--no-rails"])
    assert exc.value.code == 0
    truth = json.loads((tmp_path / "c.truth.json").read_text())
    assert truth["params"]["drop_left_deg"] == 7.0 and truth["params"]["offset_right_m"] == -0.02
    assert truth["camera"]["rails"] is False
    assert "truth:" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["synth", str(tmp_path / "c.avi")])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["synth", str(out), "--width", "161"])
    assert exc.value.code == 2


@pytest.mark.parametrize("cadence", [155, 160, 170, 190])
def test_the_pelvis_is_lowest_near_midstance_at_every_cadence(cadence):
    """A runner's centre of mass is lowest near midstance; the truth's midstance (lowest pelvis)
    and the detector's rely on it. At slow cadences the asked toe-off knee flexion used to keep
    the hip sinking until toe-off (pelvic drop then read at toe-off, where it is about 0). The
    speed keeps the default's step length (3.2 m/s at 170 steps/min): 3.2 m/s at 150 would need
    0.84 m of belt per stance, longer than a straight leg allows for the hip to rise again."""
    speed = 3.2 * cadence / 170
    r = Runner(RunnerParams(cadence_spm=cadence, speed_mps=speed, drop_left_deg=12, drop_right_deg=3, seed=2), 4.0)
    for st in r.steps[1:-1]:
        t = np.linspace(st.t_contact, st.t_toeoff, 41)[:-1]
        z = r.pelvis(t)[0][:, 2]
        u_low = np.argmin(z) / 40
        assert 0.3 <= u_low <= 0.6, (st.index, u_low)
        assert z[-1] - z.min() > 0.01   # rising by toe-off (m)
