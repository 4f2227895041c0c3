"""Session-to-session changes of one runner, judged against the smallest detectable difference.

Pure: two ``analysis.json`` dicts and the SDDs of the report's knowledge base
(``gaitscan/report/knowledge.yaml``, section ``sdd``; pelvic drop 2.8° after Dingenen 2018) in,
a list of :class:`Change` out. A change smaller than the SDD is measurement noise, whatever its
sign. Where no SDD is published (landing offset, cadence) a change is called real only when the
two sessions' 95% confidence intervals do not overlap.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from ..report.findings import Measure, read_measure

#: (metric in analysis.json, key of its 95% CI for a whole-video metric or None for a per-side
#: one, label, unit) compared between sessions
COMPARED: tuple[tuple[str, Optional[str], str, str], ...] = (
    ("pelvic_drop_deg", None, "Pelvic drop", "°"),
    ("foot_offset_hipw", None, "Foot offset from midline", " hip widths"),
    ("cadence_spm", "cadence_ci95", "Cadence", " steps/min"),
)

REAL = "real change"
NOISE = "within noise"
UNKNOWN = "not comparable"


@dataclass(frozen=True)
class Change:
    """One metric compared between an earlier and a later session."""

    metric: str
    side: Optional[str]
    label: str
    unit: str
    before: Optional[float]
    after: Optional[float]
    diff: Optional[float]
    sdd: Optional[float]
    verdict: str  # REAL | NOISE | UNKNOWN
    basis: str  # how the verdict was reached, in words


def compare_sessions(before: Mapping[str, Any], after: Mapping[str, Any],
                     sdd: Mapping[str, Optional[float]]) -> list[Change]:
    """Compare the metrics in :data:`COMPARED` between two analyses (``after`` is the later one)."""
    changes = []
    for metric, ci_key, label, unit in COMPARED:
        for side in (("left", "right") if ci_key is None else (None,)):
            a, b = _measure(before, metric, ci_key, side), _measure(after, metric, ci_key, side)
            changes.append(judge(metric, side, label, unit, a, b, sdd.get(metric)))
    return changes


def judge(metric: str, side: Optional[str], label: str, unit: str, a: Optional[Measure], b: Optional[Measure],
          sdd: Optional[float]) -> Change:
    """The verdict on one metric's change from ``a`` to ``b`` (see the module docstring)."""
    if a is None or b is None:
        return Change(metric, side, label, unit, a and a.mean, b and b.mean, None, sdd, UNKNOWN,
                      "not measured in both sessions")
    diff = b.mean - a.mean
    if sdd is not None:
        real = abs(diff) > sdd
        basis = f"{'larger' if real else 'not larger'} than the smallest detectable difference ({sdd:g}{unit})"
    else:
        real = a.hi < b.lo or b.hi < a.lo
        basis = f"no published smallest detectable difference; 95% CIs {'do not overlap' if real else 'overlap'}"
    return Change(metric, side, label, unit, a.mean, b.mean, diff, sdd, REAL if real else NOISE, basis)


def _measure(analysis: Mapping[str, Any], metric: str, ci_key: Optional[str], side: Optional[str]) -> Optional[Measure]:
    if ci_key is not None:
        entry = {"mean": analysis.get(metric), "ci95": analysis.get(ci_key)}
    else:
        entry = ((analysis.get("summary") or {}).get(side) or {}).get(metric)
    return read_measure(entry)[0]
