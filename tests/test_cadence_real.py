"""gaitscan's cadence on the real clips against counts made by hand (tests/data/real_cadence.json)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "videos"
DATA = json.loads((Path(__file__).parent / "data" / "real_cadence.json").read_text())
TOL = DATA["tolerance_spm"]


def _clip(name: str) -> dict:
    return next(c for c in DATA["clips"] if c["file"] == name)


def _analyse(name: str) -> dict:
    if not (VIDEOS / name).is_file():
        pytest.skip(f"real videos not available: {VIDEOS / name} (expected ../shared/videos next to the repo)")
    from gaitscan.metrics.analysis import analyse_series
    from gaitscan.pose import run_pose

    return analyse_series(run_pose(VIDEOS / name))


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("name", [c["file"] for c in DATA["clips"] if c["assert"]])
def test_cadence_matches_the_hand_count(name):
    a = _analyse(name)
    assert a["cadence_spm"] is not None, a["not_measurable"]
    assert abs(a["cadence_spm"] - _clip(name)["cadence_spm"]) <= TOL


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.xfail(strict=True, reason=_clip("inplace_front_01.mp4")["why_not_asserted"])
def test_jogging_in_place_is_a_known_miss():
    a = _analyse("inplace_front_01.mp4")
    assert a["cadence_spm"] is not None and abs(a["cadence_spm"] - _clip("inplace_front_01.mp4")["cadence_spm"]) <= TOL


def test_hand_counts_are_self_consistent():
    for c in DATA["clips"]:
        if c["steps"] is not None:
            first, last = c["frames"]
            assert last > first and c["steps"] >= 10
            assert 120 <= c["cadence_spm"] <= 200
        assert c["assert"] is False or c["cadence_spm"] is not None
