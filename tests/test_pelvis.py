"""The pelvis image estimator (gaitscan.pelvis): search kernels with exact answers, refusals, and on
small rear renders with known drop, per-side error against the truth versus the landmark hip line."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from gaitscan.metrics.pelvis import landmark_obliquity
from gaitscan.pelvis import measure_video
from gaitscan.pelvis.estimate import limits
from gaitscan.pelvis.patch import PatchGeometry, extract
from gaitscan.pelvis.quality import clip_refusal, frame_confidence, halves_refusal, seat_turn_ratio
from gaitscan.pelvis.search import Match, match_rotation, rotate, symmetry_tilt


def _shape(tilt_deg: float, asym: bool = False, size=(74, 98)) -> np.ndarray:
    """A left–right symmetric contrast picture (two 'glutes' and a waistband) turned by
    ``tilt_deg`` image obliquity (+ = image-right end lower)."""
    img = np.zeros(size, np.float32)
    cy, cx = size[0] // 2, size[1] // 2
    cv2.ellipse(img, (cx - 14, cy + 6), (13, 16), 0, 0, 360, 1.0, 2)
    cv2.ellipse(img, (cx + 14, cy + 6), (13, 16), 0, 0, 360, 1.0, 2)
    cv2.line(img, (cx - 30, cy - 14), (cx + 30, cy - 14), 1.0, 2)
    if asym:
        cv2.circle(img, (cx - 20, cy - 4), 4, 1.0, -1)
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    M = cv2.getRotationMatrix2D(((size[1] - 1) / 2, (size[0] - 1) / 2), -tilt_deg, 1.0)
    return cv2.warpAffine(img, M, (size[1], size[0]))


@pytest.mark.parametrize("tilt", [-7.0, -3.0, 0.0, 2.5, 9.0])
def test_rotation_search_recovers_a_known_tilt_and_its_sign(tilt):
    template = _shape(0.0)[6:-6, 6:-6].copy()
    m = match_rotation(_shape(tilt), template)
    assert m.deg == pytest.approx(tilt, abs=0.35)
    assert m.score > 0.9 and m.curvature > 0


def test_the_angle_does_not_depend_on_where_between_pixels_the_patch_sits():
    # the hip landmarks place each patch a fraction of a pixel differently relative to the pelvis;
    # read at whole-pixel shifts the scores of neighbouring angles carried that fraction into the
    # angle (full validate_analyze grid: per-step SD 0.89 -> 0.44 deg once refined between pixels)
    template = _shape(0.0)[6:-6, 6:-6].copy()
    got = {}
    for dx, dy in [(0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.5, 0.5), (0.25, -0.35)]:
        patch = cv2.warpAffine(_shape(4.0), np.float32([[1, 0, dx], [0, 1, dy]]), _shape(0.0).shape[::-1],
                               flags=cv2.INTER_LINEAR)
        m = match_rotation(patch, template)
        got[(dx, dy)] = m.deg
        assert m.shift[0] == pytest.approx(dx, abs=0.2) and m.shift[1] == pytest.approx(dy, abs=0.2)
    assert max(got.values()) - min(got.values()) <= 0.2, got
    assert all(v == pytest.approx(4.0, abs=0.3) for v in got.values()), got


@pytest.mark.parametrize("tilt", [-7.0, 0.0, 2.5, 9.0])
def test_coarse_and_windowed_searches_give_the_exhaustive_answer(tilt):
    template = _shape(0.0)[6:-6, 6:-6].copy()
    weights = np.linspace(0.2, 1.0, template.size, dtype=np.float32).reshape(template.shape)
    for w in (None, weights):
        full = match_rotation(_shape(tilt), template, weights=w)
        assert match_rotation(_shape(tilt), template, weights=w, coarse=2) == full
        assert match_rotation(_shape(tilt), template, weights=w, around=tilt + 0.8, window_deg=2) == full


def test_a_window_whose_best_is_at_its_edge_searches_the_whole_grid():
    template = _shape(0.0)[6:-6, 6:-6].copy()
    full = match_rotation(_shape(6.0), template)
    far = match_rotation(_shape(6.0), template, around=-5.0, window_deg=2)    # window -7..-3: best at -3
    assert far == full and far.deg == pytest.approx(6.0, abs=0.35)
    # a window cut by the grid's end: that end is the grid's, answered like the exhaustive search
    edge = match_rotation(_shape(18.5), template, max_deg=19.0, around=19.0, window_deg=2)
    assert edge == match_rotation(_shape(18.5), template, max_deg=19.0)


def test_rotate_levels_content_at_that_obliquity():
    assert match_rotation(rotate(_shape(6.0), 6.0), _shape(0.0)[6:-6, 6:-6].copy()).deg == pytest.approx(0.0, abs=0.35)


@pytest.mark.parametrize("tilt", [-4.0, 0.0, 3.0])
def test_symmetry_axis_gives_the_absolute_tilt(tilt):
    assert symmetry_tilt(_shape(tilt), 6).deg == pytest.approx(tilt, abs=0.35)


def test_an_asymmetric_mark_biases_the_symmetry_axis_only_a_little():
    # a logo-like blob on one side: measured bias here ≈ 0.5°, bound with margin
    assert symmetry_tilt(_shape(3.0, asym=True), 6).deg == pytest.approx(3.0, abs=1.2)


def test_patch_puts_the_hip_width_at_the_configured_size():
    geo = PatchGeometry(hip_width_px=32, half_width_hipw=1.0, above_hipw=0.5, below_hipw=0.5, margin_px=4)
    rgb = np.zeros((400, 600, 3), np.uint8)
    rgb[:, 300:] = 255          # a vertical edge at x = 300
    p = extract(rgb, np.array([280.0, 200.0]), 64.0, geo)   # edge 20 px = 0.3125 hip widths right of centre
    col = np.argmax(p[geo.shape[0] // 2, :, 0] > 127)
    assert col == pytest.approx(geo.shape[1] / 2 + 10, abs=1)
    assert p.shape[:2] == geo.shape


def test_covered_fraction_is_unknown_when_the_back_is_outside_the_frame():
    from gaitscan.pelvis.quality import covered_fraction

    geo = PatchGeometry.from_limits(limits()["patch"])
    rgb = np.full((100, 200, 3), 90, np.uint8)
    patch = np.zeros(geo.shape + (3,), np.float32)
    for centre in ([100.0, 300.0], [100.0, 20.0], [-50.0, 80.0]):
        assert np.isnan(covered_fraction(rgb, patch, np.array(centre), 20.0, geo, limits()["refuse"]))
    # inside: a seat of the back's colour is fully "covered", a black one not at all
    assert covered_fraction(rgb, np.full_like(patch, 90), np.array([100.0, 80.0]), 20.0, geo, limits()["refuse"]) == 1.0
    assert covered_fraction(rgb, patch, np.array([100.0, 80.0]), 20.0, geo, limits()["refuse"]) == 0.0


def test_confidence_and_refusal_limits():
    lim = limits()
    assert frame_confidence(Match(0, lim["confidence"]["score_full"], (0, 0), 1e-3), lim["confidence"]) == 1.0
    assert frame_confidence(Match(0, lim["confidence"]["score_floor"], (0, 0), 1e-3), lim["confidence"]) == 0.0
    assert frame_confidence(Match(0, 0.99, (0, 0), 0.0), lim["confidence"]) == 0.0
    small = clip_refusal(12.0, np.zeros(10), lim["refuse"])
    assert small is not None and "too small" in small and "12 px" in small
    hidden = clip_refusal(50.0, np.full(10, 0.9), lim["refuse"])
    assert hidden is not None and "hidden" in hidden
    assert clip_refusal(50.0, np.zeros(10), lim["refuse"]) is None


def test_a_seat_that_turns_less_than_the_waistband_refuses_the_clip():
    lim = limits()["refuse"]
    t = np.linspace(0, 4 * np.pi, 90)
    waist = 8 * np.sin(t)
    one_piece = seat_turn_ratio(waist, 1.2 * waist + 0.3 * np.cos(3 * t), lim)
    assert one_piece == pytest.approx(np.std(1.2 * waist + 0.3 * np.cos(3 * t)) / np.std(waist))
    assert halves_refusal(one_piece, lim) is None
    hangs = seat_turn_ratio(waist, 0.3 * waist + 0.5 * np.sin(2 * t), lim)         # seat hangs from the legs
    assert hangs < lim["halves_min_ratio"]
    reason = halves_refusal(hangs, lim)
    assert reason is not None and "loose shorts" in reason and f"{hangs:.2f}×" in reason
    still = 0.2 * np.sin(t)
    assert seat_turn_ratio(still, 0.01 * still, lim) is None          # nothing moves: nothing to compare
    assert seat_turn_ratio(waist[:5], 0 * waist[:5], lim) is None      # too few frames to say
    assert halves_refusal(None, lim) is None


# --- real renders through the real model -------------------------------------------------------

def _render(tmp_path_factory, name, **kw):
    from gaitscan.pose import run_pose
    from gaitscan.synth import Appearance, Camera, RunnerParams
    from gaitscan.synth.render import render_video

    d = tmp_path_factory.mktemp(name)
    app = Appearance(**kw.pop("app", {}))
    cam = Camera(**kw.pop("cam", {}))
    params = RunnerParams(drop_left_deg=8.0, drop_right_deg=2.0, appearance=app, seed=3, **kw)
    video = d / f"{name}.mp4"
    truth = render_video(params, cam, fps=30, duration_s=2.5, out=video)
    return video, run_pose(video), truth


def _side_errors(deg: np.ndarray, truth: dict, side: str) -> np.ndarray:
    sg = 1.0 if side == "left" else -1.0
    return np.array([sg * deg[s["midstance_frame"]] - s["pelvic_drop_2d_deg"] for s in truth["steps"] if s["stance"] == side])


@pytest.mark.slow
@pytest.mark.parametrize("clothing", [{}, {"logo": "left", "shorts_pattern": True}], ids=["plain", "logo+pattern"])
def test_drop_from_the_pelvis_image_beats_the_hip_landmarks(tmp_path_factory, clothing):
    video, series, truth = _render(tmp_path_factory, "drop", app=clothing)
    trace = measure_video(video, series)
    assert trace.reason is None
    lmk = landmark_obliquity(series, "rear").deg
    for side in ("left", "right"):
        err = _side_errors(trace.image_deg, truth, side)
        err_lm = _side_errors(lmk, truth, side)
        # measured on these renders: |mean| ≤ 1.1°, SD ≤ 0.8° (landmarks: −8° on the 8° side)
        assert abs(np.nanmean(err)) <= 1.8, (side, err)
        assert np.nanstd(err) <= 1.5, (side, err)
        assert abs(np.nanmean(err)) < abs(np.mean(err_lm)) or abs(np.mean(err_lm)) < 1.8
    left = [trace.image_deg[s["midstance_frame"]] for s in truth["steps"] if s["stance"] == "left"]
    assert np.all(np.asarray(left) > 0), "8° drop in left stance: right hip lower, positive obliquity"
    big = _side_errors(lmk, truth, "left")
    assert abs(np.nanmean(_side_errors(trace.image_deg, truth, "left"))) < 0.5 * abs(np.mean(big))


@pytest.mark.slow
def test_long_shirt_over_the_pelvis_is_not_measurable(tmp_path_factory):
    video, series, truth = _render(tmp_path_factory, "long", app={"shirt_style": "long"})
    trace = measure_video(video, series)
    assert trace.reason is not None and "hidden" in trace.reason
    assert np.all(np.isnan(trace.image_deg))


@pytest.mark.slow
def test_runner_too_small_is_not_measurable(tmp_path_factory):
    # a small frame, so the pose model still finds the runner: hip width ≈ 16 px
    video, series, truth = _render(tmp_path_factory, "far", cam={"distance_m": 6.0, "width": 640, "height": 360})
    trace = measure_video(video, series)
    assert trace.reason is not None and "too small" in trace.reason, (trace.reason, trace.hip_width_px)
    assert json.dumps(trace.reason)


@pytest.mark.parametrize("roll", [-2.0, 0.0, 1.5])
def test_scene_roll_from_level_and_plumb_lines(roll):
    from gaitscan.pelvis.roll import runner_box, scene_roll
    from gaitscan.synth import Camera, RunnerParams
    from gaitscan.synth.render import Renderer
    from gaitscan.synth.truth import simulate

    params, cam = RunnerParams(), Camera(roll_deg=roll)
    sim = simulate(params, cam, fps=30, duration_s=0.1)
    rgb = Renderer(params, cam).frame({k: v[0] for k, v in sim.joints.items()})
    pts = np.array([cam.project(sim.joints[k][0]) for k in ("nose", "heel_l", "heel_r", "wrist_l", "wrist_r", "toe_l", "toe_r")])
    xy = np.full((33, 2), np.nan)
    xy[:len(pts)] = pts
    est, n = scene_roll(rgb, runner_box(xy))
    assert n >= 3 and est == pytest.approx(roll, abs=0.3)


def _rear_8_2(tmp_path, fps: int, seconds: float):
    """A rear render (800×450, 2.8 m; drops 8/2) at ``fps``: (video, truth, true hip centres (2, T, 2)
    px, true image obliquity (T,) deg) — for tests of the estimator alone, told where to look by the
    true hip centres instead of the pose model."""
    from gaitscan.synth import Camera, RunnerParams
    from gaitscan.synth.render import render_video

    video = tmp_path / f"rear_{fps}_{seconds:g}s.mp4"
    truth = render_video(RunnerParams(drop_left_deg=8.0, drop_right_deg=2.0, seed=3), Camera(width=800, height=450, distance_m=2.8),
                         fps=fps, duration_s=seconds, out=video)
    hl, hr = np.array(truth["frames"]["px"]["hip_l"]), np.array(truth["frames"]["px"]["hip_r"])
    return video, truth, np.stack([hl, hr]), np.degrees(np.arctan2(hr[:, 1] - hl[:, 1], hr[:, 0] - hl[:, 0]))


def _truth_hip_trace(tmp_path, fps: int) -> tuple[np.ndarray, np.ndarray]:
    """(measured, true) image obliquity per frame of a rear render at ``fps`` (:func:`_rear_8_2`)."""
    from gaitscan.pose import landmarks as lm
    from gaitscan.pose.series import PoseSeries

    video, truth, (hl, hr), true = _rear_8_2(tmp_path, fps, 1.6)
    T = len(hl)
    xy = np.full((T, 33, 2), np.nan)
    xy[:, lm.L_HIP], xy[:, lm.R_HIP] = hl, hr
    series = PoseSeries(xy, np.ones((T, 33)), np.ones((T, 33)), np.zeros((T, 33, 3)), np.array(truth["frames"]["t"]),
                        np.ones(T, bool), np.ones(T, np.int32), truth["width"], truth["height"])
    trace = measure_video(video, series)
    assert trace.reason is None
    return trace.image_deg, true


def test_the_trace_does_not_depend_on_the_frame_rate(tmp_path):
    # issue 4: validate_analyze read +4.5/+2.9 deg too much on its 120 fps render. Not the estimator:
    # per frame against the truth, mean -0.14 / -0.10 deg, SD 0.21 / 0.27 deg, gain 0.99 / 0.97 at
    # 30 / 120 fps. (That render's truth puts 8 of 10 midstances on the frame before toe-off, where
    # the true drop is ~0, while analyze read the drop mid-stance.)
    stats = {}
    for fps in (30, 120):
        got, true = _truth_hip_trace(tmp_path, fps)
        err = got - true
        assert np.isfinite(err).mean() > 0.9
        stats[fps] = (np.nanmean(err), np.nanstd(err), np.polyfit(true[np.isfinite(got)], got[np.isfinite(got)], 1)[0])
        assert abs(stats[fps][0]) <= 0.5 and stats[fps][1] <= 0.6 and 0.9 <= stats[fps][2] <= 1.1, (fps, stats[fps])
    assert abs(stats[30][0] - stats[120][0]) <= 0.3, stats


def test_a_level_beyond_the_searched_range_ends_at_its_edge():
    # the estimator refuses a level found at the edge of ±level_max_deg (it is not the true one)
    lim = limits()["search"]["level_max_deg"]
    assert abs(symmetry_tilt(_shape(12.0), 6, lim).deg) >= lim - limits()["search"]["step_deg"]
    assert symmetry_tilt(_shape(5.0), 6, lim).deg == pytest.approx(5.0, abs=0.35)


@pytest.mark.slow
def test_a_strongly_rolled_camera_is_refused_not_read_as_pelvic_drop(tmp_path_factory):
    # a 12° camera roll puts the seat's symmetry axis beyond the ±8° searched: refused with the reason
    # (before the limit, a logo on one hip made a ±20° search pick a -11.7° level: drops 10° off)
    video, series, truth = _render(tmp_path_factory, "rolled", cam={"roll_deg": 12.0})
    trace = measure_video(video, series)
    assert trace.reason is not None and "pelvis level not found" in trace.reason, (trace.reason, trace.level_deg)
    assert np.all(np.isnan(trace.image_deg))


@pytest.mark.slow
def test_loose_plain_shorts_are_refused_not_read_wrong(tmp_path_factory):
    # loose plain shorts hang from the thighs: before the halves check the estimate read up to 12°
    # off with the wrong sign (benchmarks/validate_pelvis.py, loose_* clips) and nothing flagged it
    video, series, truth = _render(tmp_path_factory, "loose", app={"shorts_style": "loose"})
    trace = measure_video(video, series)
    assert trace.reason is not None and "loose shorts" in trace.reason, trace.reason
    assert np.all(np.isnan(trace.image_deg))
    # the same runner in loose shorts *with* a pattern on the seat turns as one piece: measured
    video, series, truth = _render(tmp_path_factory, "loosepattern", app={"shorts_style": "loose", "shorts_pattern": True})
    trace = measure_video(video, series)
    assert trace.reason is None
    assert abs(np.nanmean(_side_errors(trace.image_deg, truth, "left"))) <= 1.8


def _pelvis_over_static_thighs(tilt_deg: float) -> tuple[np.ndarray, int, object]:
    """A full-size contrast patch (the estimator's own geometry): waistband and glutes turned by
    ``tilt_deg`` about the hip line, above bright outlines that do not turn (the upper thighs),
    which start a little below the estimator's rotation cut (far enough that turning the patch
    by the tilt does not lift them above it). Returns (patch, margin, estimator)."""
    from gaitscan.pelvis.estimate import PelvisEstimator

    est = PelvisEstimator()
    g, m = est.geo, est.geo.margin_px
    rows = int(round((g.above_hipw + g.below_hipw) * g.hip_width_px)) + 2 * m
    cols = int(round(2 * g.half_width_hipw * g.hip_width_px)) + 2 * m
    hip, cx = m + g.above_hipw * g.hip_width_px, (cols - 1) / 2
    pelvis = np.zeros((rows, cols), np.float32)
    cv2.line(pelvis, (int(cx - 30), int(hip - 8)), (int(cx + 30), int(hip - 8)), 1.0, 2)
    cv2.ellipse(pelvis, (int(cx - 13), int(hip + 3)), (11, 8), 0, 0, 360, 1.0, 2)
    cv2.ellipse(pelvis, (int(cx + 13), int(hip + 3)), (11, 8), 0, 0, 360, 1.0, 2)
    img = cv2.warpAffine(pelvis, cv2.getRotationMatrix2D((cx, hip), -tilt_deg, 1.0), (cols, rows))
    cut = m + int(round((g.above_hipw + est.lim["search"]["rotation_rows_below_hipw"]) * g.hip_width_px))
    for x in range(int(cx) - 38, int(cx) + 35, 9):   # placed about the centre, whatever the patch width
        cv2.line(img, (x, cut + 6), (x + 4, rows - 1), 3.0, 2)
    return cv2.GaussianBlur(img, (0, 0), 1.0), m, est


@pytest.mark.parametrize("tilt", [4.0, -6.0])
def test_the_rotation_search_ignores_the_thighs_below_the_pelvis(tilt):
    # Upper-thigh outlines at the bottom of the patch swing with the legs, not the pelvis; on the
    # full validate_analyze grid they pulled every reading toward them (gain 0.69-0.97). The
    # estimator's rotation weights leave those rows out: the pelvis's own turn is read in full,
    # while the whole patch (the search before the cut) reads less of it.
    template, m, est = _pelvis_over_static_thighs(0.0)
    core = np.ascontiguousarray(template[m:-m, m:-m])
    patch, _, _ = _pelvis_over_static_thighs(tilt)
    srch = est.lim["search"]
    cut = match_rotation(patch, core, srch["max_deg"], srch["step_deg"], est._rotation_weights(core, None))
    whole = match_rotation(patch, core, srch["max_deg"], srch["step_deg"])
    assert cut.deg == pytest.approx(tilt, abs=0.2)
    assert abs(whole.deg) < abs(tilt) - 0.25


def test_pixels_that_turn_less_than_the_pelvis_are_set_aside():
    # At big drops the seat's lateral outline partly follows the thighs, and the whole-patch match
    # read low (gain 0.89 at 12/12 deg drops: benchmarks/ablate_pelvis_gain.py). lagging_weights
    # finds such pixels from how the aligned patches still change with the matched angle; matched
    # again without them (cross-fitted over runs of frames), the frames turn in full.
    from gaitscan.pelvis.estimate import PelvisEstimator, lagging_weights

    est = PelvisEstimator()
    rows, cols = est.geo.shape
    hip, cx = est.geo.hip_row, (cols - 1) / 2
    pelvis, outline = np.zeros((rows, cols), np.float32), np.zeros((rows, cols), np.float32)
    cv2.line(pelvis, (int(cx - 30), int(hip - 8)), (int(cx + 30), int(hip - 8)), 1.0, 2)
    for sx in (-1, 1):
        cv2.ellipse(pelvis, (int(cx + sx * 13), int(hip + 3)), (11, 8), 0, 0, 360, 1.0, 2)
        cv2.line(outline, (int(cx + sx * 33), int(hip - 4)), (int(cx + sx * 33), int(hip + 10)), 1.5, 2)
    pelvis, outline = cv2.GaussianBlur(pelvis, (0, 0), 1.0), cv2.GaussianBlur(outline, (0, 0), 1.0)
    truth = 8.0 * np.sin(np.linspace(0, 6 * np.pi, 96))
    rng = np.random.default_rng(0)
    # content at obliquity d is rotate(·, −d): the pelvis turns by d, the outline by 0.2 d
    patches = [rotate(pelvis, -d) + rotate(outline, -0.2 * d) + rng.normal(0, 0.02, (rows, cols)).astype(np.float32)
               for d in truth]
    core = est._core(pelvis + outline)
    srch = est.lim["search"]
    matches = {i: match_rotation(p, core, srch["max_deg"], srch["step_deg"], est._rotation_weights(core, None))
               for i, p in enumerate(patches)}
    est._patches = [est._store.append(p) for p in patches]
    again = est._without_lagging_pixels(list(range(len(patches))), core, None, matches)
    gain = lambda ms: np.polyfit(truth, [ms[i].deg for i in range(len(truth))], 1)[0]  # noqa: E731
    assert gain(matches) < 0.9                                # the outline pulls the match low (0.83) …
    assert gain(again) == pytest.approx(1.0, abs=0.03)        # … and no longer (0.99)
    before = np.array([matches[i].deg for i in range(len(truth))])
    lag = lagging_weights((rotate(p, d) for p, d in zip(patches, before)), before, srch["lagging_z"])
    assert lag[outline > 0.5 * outline.max()].mean() < 0.3
    assert lag[(pelvis > 0.5 * pelvis.max()) & (outline < 0.05)].mean() > 0.9
    assert np.all(lagging_weights([pelvis] * 5, np.zeros(5), 3.0) == 1.0)   # angles that never vary: no weights


def test_frames_pair_with_rows_by_timestamp():
    # analyze's pelvis pass and validate_live_pelvis pair frames with pose rows by timestamp: a row
    # no frame belongs to (a dropped frame, the series running past the video) gets None, in order
    from pathlib import Path

    from gaitscan.pelvis.offline import frames_for_rows
    from gaitscan.pose.series import PoseSeries
    from gaitscan.pose.video import iter_frames

    video = Path(__file__).resolve().parents[1] / "samples" / "rear_drop_left_crossover_right.mp4"
    with iter_frames(video, end_s=0.5) as frames:
        ft = np.array([f.t for f in frames])
    t = np.sort(np.concatenate([ft, [(ft[10] + ft[11]) / 2, 100.0]]))   # one row between frames, one after the video
    T = len(t)
    series = PoseSeries(np.zeros((T, 33, 2)), np.zeros((T, 33)), np.zeros((T, 33)), np.zeros((T, 33, 3)), t,
                        np.ones(T, bool), np.ones(T, np.int32), 1280, 720)
    got = list(frames_for_rows(video, series))
    assert [i for i, _ in got] == list(range(T))
    assert [i for i, rgb in got if rgb is None] == [11, T - 1]
    assert all(rgb.shape == (720, 1280, 3) for _, rgb in got if rgb is not None)


def test_live_estimate_keeps_one_scale_while_the_hip_landmarks_drift(tmp_path):
    # the live template sums every patch since reset, so every patch must be cut at one scale; the
    # model's hip-landmark distance drifts by a few % over seconds while a treadmill runner stays at
    # one distance (full validate_analyze grid, run 7: 44-47 px early, 42-45 late, true 46). Here
    # the landmarks drift 6 % closer together over 6 s; a running 90-frame median followed them
    # and the live reading lost its template (mean |error| 0.63 deg, SD 0.89); the scale fixed
    # after the first 90 frames reads like the undrifted clip (0.18, SD 0.23).
    from gaitscan.pelvis.estimate import SCALE_FRAMES, PelvisEstimator
    from gaitscan.pose import landmarks as lm
    from gaitscan.pose.video import iter_frames

    video, _, (hl, hr), true = _rear_8_2(tmp_path, 30, 6.0)
    mid, k = (hl + hr) / 2, np.linspace(1.0, 0.94, len(hl))[:, None]
    est = PelvisEstimator(keep_patches=False)
    live = np.full(len(hl), np.nan)
    with iter_frames(video) as frames:
        for i, frame in enumerate(frames):
            xy = np.full((33, 2), np.nan)
            xy[lm.L_HIP], xy[lm.R_HIP] = mid[i] + k[i] * (hl[i] - mid[i]), mid[i] + k[i] * (hr[i] - mid[i])
            live[i] = est.live_obliquity(est.update(frame.rgb, xy))[0]
    err = live - true
    assert np.isfinite(err).sum() >= 80          # from the end of the warm-up on
    print(f"live under drift: mean |error| {np.nanmean(np.abs(err)):.2f}, SD {np.nanstd(err):.2f} deg")
    assert np.nanmean(np.abs(err)) <= 0.35 and np.nanstd(err) <= 0.45
    assert len(est._all_hipw) == SCALE_FRAMES < len(hl)   # live keeps no per-frame list beyond the scale's


def test_the_seat_waistband_check_reads_only_the_middle_columns():
    # The patch reaches 1.25 hip widths to each side (the seat's lateral outline needs room), but the
    # seat/waistband check reads only the middle 1.15 hip widths each side, the width its limits were
    # chosen on: beside the waist, arms swing on their own, and over the whole width the live check
    # refused a fitted render of validate_analyze (run 9: no live frame left)
    from gaitscan.pelvis.estimate import PelvisEstimator

    est = PelvisEstimator()
    half = est.lim["refuse"]["halves_half_width_hipw"]
    assert half < est.geo.half_width_hipw
    core = est._core(np.ones(est.geo.shape, np.float32))
    given = np.random.default_rng(0).uniform(0.2, 1.0, core.shape).astype(np.float32)
    upper, lower = est._halves_weights(core, given)
    x = np.abs(np.arange(core.shape[1]) + 0.5 - core.shape[1] / 2) / est.geo.hip_width_px   # hip widths
    split = est._core_row(0.0)
    inside = x <= half
    assert inside.sum() < core.shape[1] and inside.sum() >= 2 * half * est.geo.hip_width_px - 1
    assert np.all(upper[:, ~inside] == 0) and np.all(lower[:, ~inside] == 0)
    assert np.array_equal(upper[:split, inside], given[:split, inside]) and np.all(upper[split:] == 0)
    assert np.array_equal(lower[split:, inside], given[split:, inside]) and np.all(lower[:split] == 0)
