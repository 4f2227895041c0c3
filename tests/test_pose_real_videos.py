"""The real pose model on every real video in ../shared/videos: the runner is found in most frames.

Each clip runs on a time window and stride chosen to keep the whole file under a minute on two
cores. Measured with this code (embedded BlazePose full, ``num_poses=3``), detected / other-person
fractions over the frames used:

====================================  ======  =========  ======
clip (window s, stride)               frames  detected   other
====================================  ======  =========  ======
treadmill_side_01  (0–6, 3)           60      1.000      0.000
treadmill_side_02  (0–6.5, 6)         65      1.000      0.000
treadmill_side_03  (0–30, 15)         60      1.000      0.000
inplace_front_01   (0–6, 2)           85      1.000      0.000
overground_front_01 (0–3, 2)          43      1.000      0.000
overground_rear_01 (14.2–end, 1)      99      0.859      0.364   two joggers side by side, 426×226
overground_side_01 (0–21.5, 10)       54      1.000      0.000
overground_rear_walk_01 (0–7.5, 3)    60      0.917      0.067   small walker; extra partial poses
overground_rear_02 (0.3–5, 2)         71      1.000      0.000
====================================  ======  =========  ======
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaitscan.pose.landmarker import run_pose

#: file -> (start_s, end_s, stride, minimum detected fraction, other person expected)
CLIPS = {
    "treadmill_side_01.mp4": (None, 6.0, 3, 0.95, False),
    "treadmill_side_02.mp4": (None, 6.5, 6, 0.95, False),
    "treadmill_side_03.mp4": (None, 30.0, 15, 0.95, False),
    "inplace_front_01.mp4": (None, 6.0, 2, 0.95, False),
    "overground_front_01.mp4": (None, 3.0, 2, 0.95, False),
    "overground_rear_01.mp4": (14.2, None, 1, 0.75, True),
    "overground_side_01.mp4": (None, 21.5, 10, 0.95, False),
    "overground_rear_walk_01.mp4": (None, 7.5, 3, 0.80, False),
    "overground_rear_02.mp4": (0.3, 5.0, 2, 0.95, False),
}


def _manifest(shared_videos: Path) -> dict:
    return {entry["file"]: entry for entry in json.loads((shared_videos / "MANIFEST.json").read_text())}


@pytest.mark.shared
def test_every_manifest_video_has_a_window(shared_videos: Path) -> None:
    assert sorted(_manifest(shared_videos)) == sorted(CLIPS)


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(CLIPS))
def test_runner_found_in_most_frames(shared_videos: Path, name: str) -> None:
    entry = _manifest(shared_videos)[name]
    start_s, end_s, stride, min_detected, other_expected = CLIPS[name]
    series = run_pose(shared_videos / name, start_s=start_s, end_s=end_s, stride=stride)
    assert (series.width, series.height) == (entry["width"], entry["height"])
    assert series.source["file"] == name and series.source["model"].startswith("blazepose_full")
    assert series.source["truncated"] is False
    # the clip's own timestamps: every stride-th frame of its nominal rate
    assert np.median(np.diff(series.t)) == pytest.approx(stride / entry["fps"], rel=0.02)
    assert series.t[0] >= (start_s or 0.0) - 1e-6
    detected = float(series.detected.mean())
    assert detected >= min_detected, f"{name}: runner found in {detected:.3f} of frames"
    assert np.isfinite(series.xy[series.detected]).all() and np.isnan(series.xy[~series.detected]).all()
    other = series.source["other_person_fraction"]
    assert (other > 0.2) if other_expected else (other < 0.1), f"{name}: other person in {other:.3f} of frames"
