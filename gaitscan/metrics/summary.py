"""Per-side summaries of per-step metrics, left−right asymmetry and cadence.

Summaries are keyed by **stance side** (``left`` = while the left foot is on the ground). A metric
summary is ``{"mean", "sd", "ci95": [lo, hi], "n"}`` with the 95 % confidence interval of the mean
from the t-distribution (n − 1 degrees of freedom). With fewer than ``min_steps_per_side`` values
(7, Dingenen 2018; ``thresholds.yaml``) the numbers are ``None`` and ``reason`` says why.

Outliers are flagged, never dropped: ``outlier_steps`` lists the step indices whose value lies
more than ``outlier_modified_z`` (3.5, Iglewicz & Hoaglin 1993) robust z-scores from the side's
median (``0.6745 × |x − median| / MAD``), so a reader can see that one step pulls the mean; the
mean, SD and CI still include them. ``median`` is given beside the mean.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

import numpy as np
from scipy import stats

from .config import thresholds
from .filtering import runs, smooth_runs
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
        if out[key]["mean"] is not None:
            out[key].update(_outliers([(s.index, v) for s, v in zip(mine, vals)]))
    cross = [s.crossover for s in mine if s.crossover is not None]
    out["crossover_rate"] = round(sum(cross) / len(cross), 4) if cross else None
    strikes = [s.foot_strike for s in mine if s.foot_strike]
    if strikes:
        out["foot_strike"] = max(set(strikes), key=strikes.count)
    return out


def _outliers(indexed: list[tuple[int, Optional[float]]]) -> dict[str, Any]:
    """``{"median", "outlier_steps"}`` of (step index, value) pairs (module docstring)."""
    ok = [(i, v) for i, v in indexed if v is not None and np.isfinite(v)]
    x = np.array([v for _, v in ok], float)
    med = float(np.median(x))
    mad = float(np.median(np.abs(x - med)))
    z_max = thresholds()["summary"]["outlier_modified_z"]
    out = [i for i, v in ok if mad > 0 and 0.6745 * abs(v - med) / mad > z_max]
    return {"median": round(med, 4), "outlier_steps": out}


def summarise(steps: Sequence[Step]) -> dict[str, Any]:
    """``{"left": …, "right": …, "asymmetry": {metric: left mean − right mean or None}}``."""
    left, right = side_summary(steps, "left"), side_summary(steps, "right")
    asym: dict[str, Optional[float]] = {}
    for key in ASYMMETRY:
        lm_, rm = left.get(key, {}).get("mean"), right.get(key, {}).get("mean")
        asym[key] = round(lm_ - rm, 4) if lm_ is not None and rm is not None else None
    return {"left": left, "right": right, "asymmetry": asym}


def cadence_events(steps: Sequence[Step], view: Optional[str]) -> list[float]:
    """The event times (s) cadence is measured from, one per step: the contacts in a side view
    (Zeni), the toe-offs from behind or in front — through the model, contacts seen from behind are
    the noisier event, the more so when live keeps only some of the frames. ``gaitscan analyze``
    and ``gaitscan live`` both measure cadence on these."""
    return [st.contact_t if view == "side" else st.toe_off_t for st in steps]


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


def bounce_cadence(pelvis_y: np.ndarray, fps: float, *, min_period_s: float = 0.2, max_period_s: float = 0.65,
                   min_corr: float = 0.5) -> dict[str, Any]:
    """Cadence (steps/min) from the pelvis's vertical bounce — one down-up per step — independent of
    the feet, as a check on the cadence from gait events.

    ``pelvis_y`` (T,) hip-midpoint image height (any unit, NaN = missing), smoothed over its valid
    runs; on the longest run, the step period is the first local maximum of the unbiased
    autocorrelation between ``min_period_s`` and ``max_period_s`` (92–300 steps/min, so the stride
    period of a runner is out of range) that reaches ``min_corr``, refined by a parabola. Returns
    ``{"cadence_spm", "corr"}``, or ``cadence_spm`` None with a ``reason`` (no clear bounce, run
    shorter than three step periods).
    """
    y = smooth_runs(np.asarray(pelvis_y, float), fps)
    rs = runs(np.isfinite(y))
    if not rs:
        return {"cadence_spm": None, "corr": None, "reason": "pelvis never seen"}
    a, b = max(rs, key=lambda r: r[1] - r[0])
    y = y[a:b] - np.mean(y[a:b])
    n = len(y)
    lo, hi = max(1, int(np.floor(min_period_s * fps))), min(int(np.ceil(max_period_s * fps)), n // 3)
    if hi <= lo + 1 or not np.any(y):
        return {"cadence_spm": None, "corr": None, "reason": f"pelvis seen for {n / fps:.1f} s without a gap: too short"}
    ac = np.correlate(y, y, "full")[n - 1:n + hi + 1]
    ac = ac / ac[0] * n / (n - np.arange(len(ac)))
    for L in range(lo, hi):
        if ac[L] >= min_corr and ac[L] >= ac[L - 1] and ac[L] >= ac[L + 1]:
            curv = ac[L - 1] - 2 * ac[L] + ac[L + 1]
            d = 0.5 * (ac[L - 1] - ac[L + 1]) / curv if curv < 0 else 0.0
            return {"cadence_spm": round(60.0 * fps / (L + d), 2), "corr": round(float(ac[L]), 3)}
    return {"cadence_spm": None, "corr": None, "reason": "no clear pelvis bounce at a step period of 0.2–0.65 s"}
