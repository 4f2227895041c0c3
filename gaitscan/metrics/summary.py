"""Per-side summaries of per-step metrics, left−right asymmetry and cadence.

Summaries are keyed by **stance side** (``left`` = while the left foot is on the ground). A metric
summary is ``{"mean", "sd", "ci95": [lo, hi], "n"}`` with the 95 % confidence interval of the mean
from the t-distribution (n − 1 degrees of freedom). With fewer than ``min_steps_per_side`` values
(7, Dingenen 2018; ``thresholds.yaml``) the numbers are ``None`` and ``reason`` says why.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

import numpy as np
from scipy import stats

from .config import thresholds
from .steps import Step

#: per-step numeric metrics that get a per-side summary
SUMMARISED = ("pelvic_drop_deg", "pelvic_drop_peak_deg", "pelvic_drop_landmarks_deg", "pelvic_drop_relative_deg",
              "foot_offset_hipw",
              "foot_offset_cm", "step_width_hipw", "step_width_cm", "trunk_lean_deg", "hip_adduction_deg",
              "knee_fppa_deg", "stance_time_s", "flight_time_s", "step_time_s", "overstride_legl",
              "knee_flexion_contact_deg", "trunk_forward_lean_deg")
ASYMMETRY = ("pelvic_drop_deg", "foot_offset_hipw", "stance_time_s", "trunk_lean_deg", "hip_adduction_deg")


def describe(values: Iterable[Optional[float]], *, min_n: Optional[int] = None) -> dict[str, Any]:
    """Mean, SD (ddof=1), t-based 95 % CI and n of the non-None finite ``values``."""
    v = np.array([x for x in values if x is not None and np.isfinite(x)], float)
    need = thresholds()["summary"]["min_steps_per_side"] if min_n is None else min_n
    n = int(v.size)
    if n < max(need, 2):
        return {"mean": None, "sd": None, "ci95": None, "n": n, "reason": f"not enough steps ({n} < {max(need, 2)})"}
    mean, sd = float(v.mean()), float(v.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n))
    return {"mean": round(mean, 4), "sd": round(sd, 4), "ci95": [round(mean - half, 4), round(mean + half, 4)], "n": n}


def side_summary(steps: Sequence[Step], side: str) -> dict[str, Any]:
    """Summary of the steps with stance ``side``: every metric in :data:`SUMMARISED`, crossover rate, n."""
    mine = [s for s in steps if s.stance == side]
    out: dict[str, Any] = {"n_steps": len(mine)}
    for key in SUMMARISED:
        vals = [getattr(s, key) for s in mine]
        if all(v is None for v in vals):
            continue
        out[key] = describe(vals)
    cross = [s.crossover for s in mine if s.crossover is not None]
    out["crossover_rate"] = round(sum(cross) / len(cross), 4) if cross else None
    strikes = [s.foot_strike for s in mine if s.foot_strike]
    if strikes:
        out["foot_strike"] = max(set(strikes), key=strikes.count)
    return out


def summarise(steps: Sequence[Step]) -> dict[str, Any]:
    """``{"left": …, "right": …, "asymmetry": {metric: left mean − right mean or None}}``."""
    left, right = side_summary(steps, "left"), side_summary(steps, "right")
    asym: dict[str, Optional[float]] = {}
    for key in ASYMMETRY:
        lm_, rm = left.get(key, {}).get("mean"), right.get(key, {}).get("mean")
        asym[key] = round(lm_ - rm, 4) if lm_ is not None and rm is not None else None
    return {"left": left, "right": right, "asymmetry": asym}


def cadence(contact_t: Sequence[float], *, min_contacts: int = 4) -> dict[str, Any]:
    """Cadence (steps/min) from the event times of both feet (contacts or toe-offs), with a 95 % CI.

    Robust to a missed or a spurious event: the typical step time ``P`` is the mean of the
    intervals within 0.7–1.4 × their median; an event less than 0.5 ``P`` after the previous kept
    one is dropped as spurious, and an interval counts as ``round(dt / P)`` steps (≥ 1), so a
    missed event still counts its step. Each kept event gets its step number ``n``; the step
    time is the least-squares slope of time on ``n`` (every event counts, not only the first and
    last), cadence = 60 / slope, and the CI maps the slope's t-interval through 60 / x.
    """
    t = np.sort(np.asarray(contact_t, float))
    t = t[np.isfinite(t)]  # an unknown time is not a contact at time NaN
    if t.size < min_contacts:
        return {"cadence_spm": None, "cadence_ci95": None, "n_steps": max(0, int(t.size) - 1),
                "reason": f"fewer than {min_contacts} contacts found ({t.size})"}
    dt = np.diff(t)
    med = float(np.median(dt))
    typical = dt[(dt > 0.7 * med) & (dt < 1.4 * med)]
    if typical.size == 0:  # no interval near the median (e.g. contacts in close pairs): use them all
        typical = dt
    P = float(typical.mean())
    if not P > 0:  # every contact at the same instant: no step time to measure
        return {"cadence_spm": None, "cadence_ci95": None, "n_steps": 0,
                "reason": f"the {t.size} contact times do not advance"}
    kept, index = [t[0]], [0]
    for x in t[1:]:
        gap = x - kept[-1]
        if gap < 0.5 * P:
            continue
        index.append(index[-1] + max(1, int(round(gap / P))))
        kept.append(x)
    if len(kept) < 3:
        return {"cadence_spm": None, "cadence_ci95": None, "n_steps": index[-1],
                "reason": f"fewer than 3 distinct contacts found ({len(kept)})"}
    fit = stats.linregress(np.array(index, float), np.array(kept))
    step = float(fit.slope)
    half = float(stats.t.ppf(0.975, len(kept) - 2) * fit.stderr)
    ci = [round(60.0 / (step + half), 2), round(60.0 / max(step - half, 1e-9), 2)]
    return {"cadence_spm": round(60.0 / step, 2), "cadence_ci95": ci, "n_steps": index[-1]}
