"""Issue 9, robust numbers: property-based tests of the event and metric functions.

Random gaps, NaNs, jitter, flipped sides and very short series go into view detection, event
detection, per-step metrics, summaries and cadence (through :func:`analyse_series`, which chains
them, and directly). Whatever comes in, the result is numbers in physical ranges or ``None`` with
a reason — never an exception, never NaN/inf, never an impossible value.
"""
from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gait_builder import Gait, build
from gaitscan.metrics.analysis import analyse_series
from gaitscan.metrics.events import detect_events
from gaitscan.metrics.summary import cadence
from gaitscan.metrics.view import detect_view, relabel_sides
from gaitscan.pose.series import PoseSeries

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: physical ranges a reported value must respect (None is always allowed)
RANGES = {
    "pelvic_drop_deg": (-45, 45), "pelvic_drop_peak_deg": (-45, 45), "pelvic_drop_landmarks_deg": (-45, 45),
    "pelvic_drop_relative_deg": (-45, 45), "trunk_lean_deg": (-90, 90), "knee_fppa_deg": (-180, 180),
    "hip_adduction_deg": (-90, 90), "stance_time_s": (0, 5), "foot_offset_hipw": (-50, 50),
    "step_width_hipw": (-50, 50),
}

#: per-step values whose null must come with a reason in the step's not_measurable
REASONED = ("pelvic_drop_deg", "foot_offset_hipw")


@st.composite
def damaged_series(draw) -> PoseSeries:
    """A builder runner, then damaged: short, gappy, NaN-speckled, jittered, sides flipped."""
    g = Gait(fps=draw(st.sampled_from([30.0, 60.0, 120.0])), duration_s=draw(st.floats(1.0, 4.0)),
             cadence_spm=draw(st.floats(140, 200)), view=draw(st.sampled_from(["rear", "front"])),
             label_swap_p=draw(st.floats(0, 0.3)), body_swap_p=draw(st.floats(0, 0.1)),
             seed=draw(st.integers(0, 2**16)), drop_deg=(draw(st.floats(-15, 15)), draw(st.floats(-15, 15))))
    series, _ = build(g)
    if draw(st.booleans()):                                                    # very short: 1 frame and up
        series = series.slice(0, draw(st.integers(1, 12)))
    T = len(series)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    xy, vis, det = series.xy.copy(), series.visibility.copy(), series.detected.copy()
    xy += rng.normal(0, draw(st.floats(0, 8)), xy.shape)                     # jitter, px
    for _ in range(draw(st.integers(0, 4))):                                   # gaps: runner lost
        a = int(rng.integers(0, max(T, 1)))
        b = min(T, a + int(rng.integers(1, max(2, T // 3))))
        det[a:b] = False
        xy[a:b] = np.nan
    nan_p = draw(st.floats(0, 0.3))                                            # NaN speckle
    mask = rng.random(xy.shape[:2]) < nan_p
    xy[mask] = np.nan
    vis[mask] = 0.0
    return PoseSeries(xy, vis, series.presence, series.world, series.t, det, series.n_people,
                      series.width, series.height, dict(series.source))


def _finite_or_none(x) -> bool:
    if isinstance(x, dict):
        return all(_finite_or_none(v) for v in x.values())
    if isinstance(x, list):
        return all(_finite_or_none(v) for v in x)
    return not isinstance(x, float) or math.isfinite(x)


@SETTINGS
@given(damaged_series())
def test_analysis_of_damaged_series_is_numbers_in_range_or_null_with_reason(series: PoseSeries):
    a = analyse_series(series)
    json.dumps(a, allow_nan=False)  # no NaN / inf anywhere
    assert _finite_or_none(a)
    assert a["view"] in ("rear", "front", "side")
    if a["cadence_spm"] is None:
        assert a["not_measurable"].get("cadence_spm")
    else:
        assert 0 < a["cadence_spm"] <= 400
    times = [st_[k] for st_ in a["steps"] for k in ("contact_t", "midstance_t", "toe_off_t") if st_.get(k) is not None]
    assert all(0 <= t <= series.t[-1] + 1e-6 for t in times)
    for st_ in a["steps"]:
        assert st_["contact_t"] <= st_["toe_off_t"] and st_["stance"] in ("left", "right")
        for key, (lo, hi) in RANGES.items():
            v = st_.get(key)
            assert v is None or lo <= v <= hi, (key, v)
        for key in REASONED:
            if st_.get(key) is None:
                assert st_["not_measurable"].get(key), f"{key} is null without a reason"
    for side in ("left", "right"):
        for key, s in a["summary"][side].items():
            if isinstance(s, dict) and "mean" in s:
                assert (s["mean"] is None) == (s.get("reason") is not None) or s["mean"] is not None
                if s["mean"] is not None and key in RANGES:
                    assert RANGES[key][0] <= s["mean"] <= RANGES[key][1], (key, s)


@SETTINGS
@given(damaged_series())
def test_events_of_damaged_series_are_ordered_times_inside_the_clip(series: PoseSeries):
    view = detect_view(series)
    assert 0.0 <= view.confidence <= 1.0
    if view.n_frames == 0:
        return
    s = relabel_sides(series, view.view).series
    ev = detect_events(s, view.view)
    assert 0.0 <= ev.missing_fraction <= 1.0 and 0.0 <= ev.swap_fraction <= 1.0
    for stance in ev.stances:
        assert 0 <= stance.contact <= stance.midstance <= stance.toe_off < len(series)
        assert series.t[0] <= stance.contact_t <= stance.toe_off_t <= series.t[-1]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 240 * 600), st.just(None)), max_size=40))
def test_cadence_of_any_contact_times_is_in_range_or_null(frames: list):
    # contacts are frame times (here of a 240 fps clip up to 10 min), sometimes unknown (NaN)
    times = [float("nan") if f is None else f / 240.0 for f in frames]
    c = cadence(times)
    if c["cadence_spm"] is None:
        assert c["reason"]
    else:
        assert 0 < c["cadence_spm"] <= 60 * 240 and math.isfinite(c["cadence_spm"])
        lo, hi = c["cadence_ci95"] or (c["cadence_spm"], c["cadence_spm"])
        assert math.isfinite(lo) and math.isfinite(hi) and lo <= c["cadence_spm"] <= hi
