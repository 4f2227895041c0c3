"""View decision and left/right assignment from image geometry."""
from __future__ import annotations

import numpy as np
import pytest
from gait_builder import Gait, build

from gaitscan.metrics.view import detect_view, relabel_sides
from gaitscan.pose import landmarks as lm
from gaitscan.synth import Camera, RunnerParams, ideal_pose_series


@pytest.mark.parametrize("view", ["rear", "front"])
def test_left_hip_is_runners_left_over_the_whole_clip_despite_swapped_labels(view):
    series, _ = build(Gait(view=view, body_swap_p=0.25, seed=3))
    raw_dx = series.xy[:, lm.L_HIP, 0] - series.xy[:, lm.R_HIP, 0]
    assert (raw_dx > 0).any() and (raw_dx < 0).any()  # the input really has swapped frames
    v = detect_view(series)
    assert v.view == view
    fixed = relabel_sides(series, v.view)
    dx = fixed.series.xy[:, lm.L_HIP, 0] - fixed.series.xy[:, lm.R_HIP, 0]
    # from behind the runner's left hip is image-left; in front, image-right — in EVERY frame
    assert np.all(dx < 0) if view == "rear" else np.all(dx > 0)
    assert fixed.swapped_fraction == pytest.approx(np.mean(raw_dx > 0 if view == "rear" else raw_dx < 0))
    # the feet travel with the hips when a whole frame is relabelled
    left_heel_x = fixed.series.xy[:, lm.L_HEEL, 0]
    unswapped, _ = build(Gait(view=view, seed=3))
    assert np.allclose(left_heel_x, unswapped.xy[:, lm.L_HEEL, 0], equal_nan=True)


@pytest.mark.parametrize("view", ["rear", "front", "side"])
def test_view_of_the_synthetic_runner(view):
    series, _ = ideal_pose_series(RunnerParams(), Camera(view=view), fps=30, duration_s=2)
    v = detect_view(series)
    assert v.view == view
    assert v.confidence > 0.3


def test_side_view_keeps_labels():
    series, _ = ideal_pose_series(RunnerParams(), Camera(view="side"), fps=30, duration_s=1)
    fixed = relabel_sides(series, "side")
    assert fixed.swapped_fraction == 0.0
    assert np.array_equal(fixed.series.xy, series.xy, equal_nan=True)


def test_no_runner_gives_zero_confidence():
    empty = build(Gait(duration_s=1))[0]
    empty = type(empty).empty_like(empty.t, 640, 480)
    v = detect_view(empty)
    assert v.n_frames == 0 and v.confidence == 0.0
