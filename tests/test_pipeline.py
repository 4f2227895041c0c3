"""analyze(): files written, JSON contract, CSV rows, bad input, the CLI, and one real render."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from gait_builder import Gait, build

from gaitscan.cli import cli
from gaitscan.errors import InputError, NotMeasurableError
from gaitscan.pipeline import CSV_COLUMNS, analyze
from gaitscan.pose.series import PoseSeries
from gaitscan.synth import Camera, RunnerParams, ideal_pose_series

REQUIRED_STEP = ("stance", "contact_t", "midstance_t", "toe_off_t", "pelvic_drop_deg", "foot_offset_hipw", "crossover")


def _no_nan(x) -> bool:
    if isinstance(x, dict):
        return all(_no_nan(v) for v in x.values())
    if isinstance(x, list):
        return all(_no_nan(v) for v in x)
    return not (isinstance(x, float) and not math.isfinite(x))


def test_analysis_json_contract_and_steps_csv(tmp_path):
    series, truth = build(Gait(label_swap_p=0.1))
    a = analyze(series, out_dir=tmp_path, height_cm=175, write_report=False)
    on_disk = json.loads((tmp_path / "analysis.json").read_text())
    assert on_disk == a
    assert a["schema"] == "gaitscan.analysis/1"
    for key in ("view", "cadence_spm", "duration_s", "fps", "steps", "summary", "quality"):
        assert key in a
    assert a["view"] == "rear" and a["fps"] == pytest.approx(60.0)
    assert all(k in st for st in a["steps"] for k in REQUIRED_STEP)
    for side in ("left", "right"):
        for metric in ("pelvic_drop_deg", "foot_offset_hipw"):
            assert set(a["summary"][side][metric]) >= {"mean", "sd", "ci95", "n"}
        assert "crossover_rate" in a["summary"][side]
    ids = [c["id"] for c in a["quality"]["checks"]]
    assert ids == ["view", "fps", "runner_size", "confident_landmarks", "camera_roll", "other_person",
                   "out_of_frame", "missing_frames", "time_scale"]
    assert _no_nan(a)
    assert a["scale"]["cm_per_px"] is not None and a["steps"][1]["foot_offset_cm"] is not None
    with (tmp_path / "steps.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(a["steps"]) == len(truth) and list(rows[0]) == CSV_COLUMNS
    assert float(rows[0]["contact_t"]) == a["steps"][0]["contact_t"]
    assert PoseSeries.load(tmp_path / "pose.npz").xy.shape == series.xy.shape


def test_saved_series_round_trip_gives_the_same_analysis(tmp_path):
    series = build(Gait())[0]
    series.save(tmp_path / "in.npz")
    a = analyze(tmp_path / "in.npz", out_dir=tmp_path / "out", write_report=False)
    b = analyze(series, out_dir=tmp_path / "out2", write_report=False)
    assert a["steps"] == b["steps"]


def test_side_view_says_what_it_cannot_measure(tmp_path):
    series, truth = ideal_pose_series(RunnerParams(), Camera(view="side"), fps=60, duration_s=6)
    a = analyze(series, out_dir=tmp_path, write_report=False)
    assert a["view"] == "side"
    assert abs(a["cadence_spm"] - truth["cadence_spm"]) <= 1.0
    st = a["steps"][0]
    assert st["pelvic_drop_deg"] is None and st["crossover"] is None
    assert "side view" in st["not_measurable"]["pelvic_drop_deg"]
    assert a["summary"]["left"].get("pelvic_drop_deg") is None
    assert "pelvic_drop_deg" in a["not_measurable"]
    assert st["knee_flexion_contact_deg"] is not None and st["foot_strike"] in ("rearfoot", "midfoot", "forefoot")


def test_no_runner_exits_4_with_an_analysis_saying_why(tmp_path):
    empty = PoseSeries.empty_like(np.arange(90) / 30.0, 640, 480, {"file": "empty.mp4"})
    with pytest.raises(NotMeasurableError, match="no runner found"):
        analyze(empty, out_dir=tmp_path, write_report=False)
    a = json.loads((tmp_path / "analysis.json").read_text())
    assert a["steps"] == [] and a["cadence_spm"] is None and a["not_measurable"]["steps"] == "no runner found"
    assert NotMeasurableError.exit_code == 4


def test_bad_inputs_are_named(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        analyze(tmp_path / "missing.mp4", out_dir=tmp_path)
    with pytest.raises(InputError, match="plausible"):
        analyze(build(Gait(duration_s=1))[0], out_dir=tmp_path, height_cm=17.5)


def test_cli_prints_the_table_and_writes(tmp_path):
    src = tmp_path / "run.npz"
    build(Gait())[0].save(src)
    res = CliRunner().invoke(cli, ["analyze", str(src), "--out", str(tmp_path / "o"), "--no-report", "--camera-roll", "0.5"])
    assert res.exit_code == 0, res.output
    assert "cadence" in res.output and "pelvic drop" in res.output and "analysis.json" in res.output
    a = json.loads((tmp_path / "o" / "analysis.json").read_text())
    assert a["camera_roll_deg"] == 0.5


@pytest.mark.slow
def test_end_to_end_on_a_render_through_the_real_model(tmp_path):
    from gaitscan.synth import render_video

    p = RunnerParams(cadence_spm=170, drop_left_deg=6, drop_right_deg=6, offset_left_m=0.05, offset_right_m=0.05)
    truth = render_video(p, Camera(view="rear"), fps=30, duration_s=5, out=tmp_path / "r.mp4")
    a = analyze(tmp_path / "r.mp4", out_dir=tmp_path / "out", write_report=False)
    assert a["view"] == "rear"
    assert abs(a["cadence_spm"] - truth["cadence_spm"]) <= 3.0      # loose: 5 s at 30 fps
    offsets = [s["foot_offset_hipw"] for s in a["steps"] if s["foot_offset_hipw"] is not None]
    assert len(offsets) >= 8 and abs(np.median(offsets) - truth["steps"][0]["foot_offset_hipw"]) <= 0.2


# --- the pelvis and scene-roll work done beside the pose pass (issue 8) --------------------------

@pytest.fixture(scope="module")
def rear_render(tmp_path_factory):
    """A 2.5 s rear-view render and its true landmarks on the decoded frames' timestamps."""
    from dataclasses import replace

    from gaitscan.pose.video import iter_frames
    from gaitscan.synth import render_video

    video = tmp_path_factory.mktemp("side") / "rear.mp4"
    params, cam = RunnerParams(drop_left_deg=8.0, drop_right_deg=2.0, seed=3), Camera(view="rear")
    render_video(params, cam, fps=30, duration_s=2.5, out=video)
    series, _ = ideal_pose_series(params, cam, fps=30, duration_s=2.5)
    with iter_frames(video) as frames:
        t = np.array([f.t for f in frames])
    assert len(t) == len(series)
    return video, replace(series, t=t)


def _fed_side_pass(video, series, rows=None):
    """A SidePass fed as run_pose feeds it, with ``series``' rows (only the first ``rows``)."""
    from gaitscan.pose.sidepass import SidePass
    from gaitscan.pose.video import iter_frames

    side = SidePass(video)
    with iter_frames(video) as frames:
        for k, frame in enumerate(frames):
            if rows is not None and k >= rows:
                break
            side(frame.t, series.xy[k].copy())
    side.finish()
    return side


def test_side_pass_gives_the_sequential_passes_answers(rear_render):
    from gaitscan.pelvis.offline import measure_video, video_scene_roll

    video, series = rear_render
    side = _fed_side_pass(video, series)
    got, want = side.pelvis_result(series), measure_video(video, series)
    assert side.failure is None and want.reason is None and np.isfinite(want.image_deg).sum() > 30
    for name in ("image_deg", "relative_deg", "confidence"):
        assert np.array_equal(getattr(got, name), getattr(want, name), equal_nan=True), name
    assert (got.level_deg, got.hip_width_px) == (want.level_deg, want.hip_width_px)
    assert side.scene_roll(series) == video_scene_roll(video, series)


def test_side_pass_fed_other_hip_landmarks_gives_no_answer(rear_render):
    # the side pass measures the pelvis from the rows the model handed it while running; if the
    # final series' hips differed (one row here), its answer is not the sequential pass's
    from dataclasses import replace

    from gaitscan.pose import landmarks as lm

    video, series = rear_render
    side = _fed_side_pass(video, series)
    xy = series.xy.copy()
    xy[len(xy) // 2, lm.L_HIP] += 3.0
    assert side.pelvis_result(replace(series, xy=xy)) is None
    assert "hip landmarks" in side.failure


def test_side_pass_that_missed_frames_hands_over_to_the_sequential_pass(rear_render):
    from gaitscan.pelvis import image_obliquity_estimator

    video, series = rear_render
    side = _fed_side_pass(video, series, rows=len(series) - 5)
    assert side.pelvis_result(series) is None and side.scene_roll(series) is None
    assert "frame" in side.failure
    sequential = image_obliquity_estimator(video)
    got = image_obliquity_estimator(video, measured=side.pelvis_result)(series, "rear")
    want = sequential(series, "rear")
    assert np.array_equal(got.deg, want.deg, equal_nan=True) and got.reason == want.reason


@pytest.mark.slow
@pytest.mark.parametrize("case", ["side view", "no runner", "rear view, error after the pose pass"])
def test_analyze_leaves_no_side_pass_worker_running(tmp_path, monkeypatch, case):
    # CI aborted a side-view `gaitscan analyze` at exit ("terminate called without an active
    # exception", exit -6): nothing asked a side view for the pelvis, so the side pass's worker was
    # still running OpenCV while the interpreter shut down. Every way out of analyze stops it —
    # also an error between the pose pass and the pelvis answer of a rear view, when the worker is
    # still measuring the last frames (the `finally` in analyze; without it this case fails).
    import threading

    import corpus as C
    import gaitscan.pipeline as pipeline

    if case == "side view":
        video = C.base_render(tmp_path / "side.mp4", view="side", duration_s=1.5)
    elif case == "no runner":
        video = C.no_person(tmp_path / "empty.mp4")
    else:
        video = C.base_render(tmp_path / "rear.mp4", view="rear", fps=60, duration_s=2.0)

        def fail(*args, **kwargs):
            raise RuntimeError("injected failure after the pose pass")

        monkeypatch.setattr(pipeline, "resolve_time_scale", fail)
    try:
        analyze(video, out_dir=tmp_path / "out", write_report=False)
    except NotMeasurableError:
        assert case == "no runner"
    except RuntimeError as exc:
        assert "injected" in str(exc) and case.startswith("rear")
    else:
        assert case == "side view"
    alive = [t.name for t in threading.enumerate() if t.name.startswith("sidepass:")]
    assert alive == []
