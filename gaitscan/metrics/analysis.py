"""Assemble one clip's analysis (schema ``gaitscan.analysis/1``) from a PoseSeries — pure.

:func:`analyse_series` chains view → side relabelling → events → pelvis obliquity → per-step
metrics → summaries → quality, and returns the JSON-ready dict described in
``docs/analysis-schema.md``. Live mode and the offline pipeline call the same function.
"""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .. import __version__
from ..pose import landmarks as lm
from ..pose.series import PoseSeries
from .events import detect_events
from .filtering import smooth_runs
from .pelvis import ESTIMATORS, ObliquityEstimator, landmark_obliquity
from .quality import quality_checks
from .steps import body_scale, compute_steps
from .config import thresholds
from .summary import bounce_cadence, cadence, cadence_events, summarise
from .view import detect_view, relabel_sides

SCHEMA = "gaitscan.analysis/1"


def facing_direction(series: PoseSeries) -> int:
    """+1 if a side-view runner faces image-right, −1 if image-left (median toe-minus-heel x)."""
    d = np.concatenate([series.xy[:, lm.L_TOE, 0] - series.xy[:, lm.L_HEEL, 0],
                        series.xy[:, lm.R_TOE, 0] - series.xy[:, lm.R_HEEL, 0]])
    d = d[np.isfinite(d)]
    return 1 if d.size == 0 or np.median(d) >= 0 else -1


def jsonable(x: Any) -> Any:
    """Replace NaN/inf by None and NumPy scalars by Python ones, recursively."""
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return None if not math.isfinite(float(x)) else float(x)
    return x


def analyse_series(series: PoseSeries, *, height_cm: Optional[float] = None, camera_roll_deg: Optional[float] = None,
                   pelvis_method: str = "landmarks", pelvis_estimator: Optional[ObliquityEstimator] = None,
                   camera_roll_source: Optional[str] = None) -> dict[str, Any]:
    """The full ``gaitscan.analysis/1`` dict for ``series`` (see ``docs/analysis-schema.md``).

    ``height_cm`` enables cm values; ``camera_roll_deg`` (deg, + when a level line's image-right
    end is lower) corrects angles, ``camera_roll_source`` says where it came from (``given``,
    ``scene``; default ``given`` when a roll is passed, else ``none``); ``pelvis_method`` names an estimator in
    :data:`gaitscan.metrics.pelvis.ESTIMATORS`; ``pelvis_estimator``, when given, is used instead
    (e.g. :func:`gaitscan.pelvis.image_obliquity_estimator` with the clip's video) — if it cannot
    measure the clip, the landmarks are used and its reason is recorded under
    ``not_measurable["pelvic_drop_image"]``. Never raises for a bad clip: what cannot be
    measured is ``None`` with its reason in ``not_measurable``.
    """
    if pelvis_method not in ESTIMATORS:
        raise ValueError(f"unknown pelvis method {pelvis_method!r}; known: {sorted(ESTIMATORS)}")
    roll = float(camera_roll_deg or 0.0)
    fps = series.fps if np.isfinite(series.fps) else None
    view = detect_view(series)
    rel = relabel_sides(series, view.view)
    s = rel.series
    facing = facing_direction(s) if view.view == "side" else 1
    not_measurable: dict[str, str] = {}
    steps = []
    events = None
    if view.n_frames == 0 or fps is None:
        not_measurable["steps"] = "no runner found" if view.n_frames == 0 else "fewer than 2 frames"
    else:
        events = detect_events(s, view.view, facing=facing)
        sm = lambda a: smooth_runs(a, fps)  # noqa: E731
        est = (pelvis_estimator or ESTIMATORS[pelvis_method])(s, view.view, roll)
        if est.reason is not None:
            not_measurable["pelvic_drop_image"] = est.reason
            est = landmark_obliquity(s, view.view, roll)
        pelvis_method = est.method
        obl = est.deg if est.final else sm(est.deg)
        obl_lm = sm(landmark_obliquity(s, view.view, roll).deg)
        steps = compute_steps(s, view.view, events, obl, obl_lm, scale=body_scale(s, height_cm), facing=facing,
                              camera_roll_deg=roll)
        if not steps:
            not_measurable["steps"] = "no complete stance (contact to toe-off) found"
    cad = cadence(cadence_events(steps, view.view))
    bounce = (bounce_cadence((s.xy[:, lm.L_HIP, 1] + s.xy[:, lm.R_HIP, 1]) / 2, fps) if fps is not None
              else {"cadence_spm": None, "corr": None, "reason": "fewer than 2 frames"})
    checked = _check_cadence(cad, bounce)
    if checked["cadence_spm"] is None:
        not_measurable["cadence_spm"] = checked["reason"]
        if cad["cadence_spm"] is not None:  # withheld by the bounce check: the step times share the fault
            not_measurable["step_times"] = checked["reason"] + "; per-step times are unreliable too"
    cad = checked
    if view.view == "side":
        not_measurable["pelvic_drop_deg"] = "side view: pelvic drop and crossover need a rear or front view"
    missing = events.missing_fraction if events is not None else 1.0
    roll_source = camera_roll_source or ("given" if camera_roll_deg is not None else "none")
    quality = quality_checks(series, view, camera_roll_deg=camera_roll_deg, missing_fraction=missing,
                             camera_roll_source=roll_source)
    scale = body_scale(s, height_cm)
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "gaitscan_version": __version__,
        "source": {"file": series.source.get("file"), "width": series.width, "height": series.height,
                   "frames": len(series), "time_scale": series.source.get("time_scale", 1.0),
                   "time_scale_source": series.source.get("time_scale_source", "none")},
        "view": view.view,
        "view_confidence": round(view.confidence, 3),
        "view_evidence": {"shoulder_width_over_torso": view.width_ratio, "rear_score": view.rear_score,
                          "label_swapped_fraction": round(rel.swapped_fraction, 4)},
        "fps": fps,
        "duration_s": series.duration_s,
        "time_resolution_s": (1.0 / fps) if fps else None,
        "cadence_spm": cad["cadence_spm"],
        "cadence_ci95": cad["cadence_ci95"],
        "cadence_bounce_spm": bounce["cadence_spm"],
        "pelvic_drop_method": pelvis_method,
        "event_method": events.method if events is not None else None,
        "foot_label_swap_fraction": round(events.swap_fraction, 4) if events is not None else None,
        "camera_roll_deg": camera_roll_deg,
        "camera_roll_source": roll_source if camera_roll_deg is not None else "none",
        "scale": {"cm_per_px": scale.cm_per_px, "how": scale.how},
        "steps": [st.to_dict() for st in steps],
        "summary": summarise(steps),
        "quality": quality,
        "series": _traces(s, steps, obl if events is not None else None),
        "not_measurable": not_measurable,
    }
    return jsonable(out)


def _check_cadence(cad: dict[str, Any], bounce: dict[str, Any]) -> dict[str, Any]:
    """The events' cadence, withheld (None with the reason) when the pelvis bounce disagrees by more
    than ``summary.cadence_bounce_tolerance`` (``thresholds.yaml``): the feet were then confused —
    e.g. a small side view where both followed feet peak at every contact."""
    ev, bc = cad["cadence_spm"], bounce["cadence_spm"]
    tol = thresholds()["summary"]["cadence_bounce_tolerance"]
    if ev is None or bc is None or abs(ev - bc) <= tol * bc:
        return cad
    return {**cad, "cadence_spm": None, "cadence_ci95": None,
            "reason": f"the gait events give {ev:.0f} steps/min but the pelvis bounces at {bc:.0f} steps/min: "
                      "the feet were not followed reliably (small runner, low frame rate or a short clip)"}


def _traces(series: PoseSeries, steps: list, obl: Optional[np.ndarray]) -> dict[str, list]:
    T = len(series)
    left, right = np.zeros(T, bool), np.zeros(T, bool)
    for st in steps:
        (left if st.stance == "left" else right)[st.contact_frame:st.toe_off_frame + 1] = True
    o = [None] * T if obl is None else [None if not np.isfinite(v) else round(float(v), 3) for v in obl]
    return {"t": [round(float(x), 5) for x in series.t], "pelvic_obliquity_deg": o,
            "stance_left": left.tolist(), "stance_right": right.tolist()}
