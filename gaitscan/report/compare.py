"""Compare two sessions: is each change real, or within measurement noise?

A change counts as detectable when it is at least the smallest detectable difference (SDD, from
the knowledge base; none published → not required) AND larger than the half-width of the 95%
confidence interval of the difference, ``sqrt(h_before² + h_after²)`` where ``h`` is each
session's CI half-width. Detectable changes in the KB's "better" direction are "improved", the
others "worse"; everything else is "no detectable change" (or "not comparable" with the reason).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from .. import __version__
from ..atomic import write_text
from .findings import Measure, read_measure
from .kb import KnowledgeBase, Sdd

PathLike = Union[str, Path]
COMPARE_NAME = "compare.html"
IMPROVED, SAME, WORSE, NA = "improved", "no detectable change", "worse", "not comparable"


@dataclass(frozen=True)
class Change:
    metric: str
    side: Optional[str]  # stance side, or None for a whole-run metric
    unit: str
    before: Optional[Measure]
    after: Optional[Measure]
    delta: Optional[float]  # after − before
    noise: Optional[float]  # half-width of the 95% CI of the difference
    sdd: Optional[float]
    verdict: str
    reason: str


def compare_sessions(before: Mapping[str, Any], after: Mapping[str, Any], kb: KnowledgeBase) -> list[Change]:
    """One :class:`Change` per KB ``sdd`` metric (per stance side, or whole-run with ``ci_key``)."""
    return [judge(sdd, side, _entry(before, sdd, side), _entry(after, sdd, side))
            for sdd in kb.sdd.values() for side in ((None,) if sdd.ci_key else ("left", "right"))]


def _entry(analysis: Mapping[str, Any], sdd: Sdd, side: Optional[str]) -> Any:
    """The summary entry of ``sdd.metric`` for ``side`` (or the whole-run value as an entry)."""
    if side is None:
        return {"mean": analysis.get(sdd.metric), "ci95": analysis.get(sdd.ci_key or ""),
                "reason": (analysis.get("not_measurable") or {}).get(sdd.metric)}
    return ((analysis.get("summary") or {}).get(side) or {}).get(sdd.metric)


def judge(sdd: Sdd, side: Optional[str], before_entry: Any, after_entry: Any) -> Change:
    """The verdict for one metric from its two summary entries ``{mean, ci95, n}``."""
    before, why_b = read_measure(before_entry)
    after, why_a = read_measure(after_entry)
    if before is None or after is None:
        reason = "; ".join(f"{label}: {why}" for label, why in (("before", why_b), ("after", why_a)) if why)
        return Change(sdd.metric, side, sdd.unit, before, after, None, None, sdd.value, NA, reason)
    delta = after.mean - before.mean
    noise = math.hypot((before.hi - before.lo) / 2, (after.hi - after.lo) / 2)
    size = abs(after.mean) - abs(before.mean) if sdd.better == "abs_lower" else delta
    beyond_sdd = sdd.value is None or abs(size) >= sdd.value
    if abs(size) <= noise or not beyond_sdd:
        limit = f"SDD {sdd.value:g}{sdd.unit}" if sdd.value is not None else "no published SDD"
        return Change(sdd.metric, side, sdd.unit, before, after, delta, noise, sdd.value, SAME,
                      f"change {size:+.2f}{sdd.unit} within noise (CI ±{noise:.2f}{sdd.unit}; {limit})")
    good = size > 0 if sdd.better == "higher" else size < 0
    return Change(sdd.metric, side, sdd.unit, before, after, delta, noise, sdd.value, IMPROVED if good else WORSE,
                  f"change {size:+.2f}{sdd.unit} beyond noise (CI ±{noise:.2f}{sdd.unit})"
                  + (f" and the SDD {sdd.value:g}{sdd.unit}" if sdd.value is not None else ""))


def write_compare(changes: list[Change], out_dir: PathLike, *, before_name: str, after_name: str,
                  kb: KnowledgeBase) -> Path:
    """Write ``out_dir/compare.html`` (self-contained) atomically and return its path."""
    from .html import Citations, environment

    cite = Citations(kb)
    html = environment().get_template("compare.html.j2").render(
        changes=changes, before_name=before_name, after_name=after_name, version=__version__,
        sdd=kb.sdd, cite=cite, references=cite.items, fmt=format_measure_short)
    return write_text(Path(out_dir) / COMPARE_NAME, html)


def format_measure_short(m: Optional[Measure], unit: str, compact: bool = False) -> str:
    """``"7.3° (6.6 to 7.9), n 12"`` (``compact``: ``"7.3 [6.6, 7.9]"``) or an em dash."""
    if m is None:
        return "—"
    digits = 0 if "steps/min" in unit else 2 if "hip" in unit else 1
    if compact:
        return f"{m.mean:.{digits}f} [{m.lo:.{digits}f}, {m.hi:.{digits}f}]"
    n = f", n {m.n}" if m.n is not None else ""
    return f"{m.mean:.{digits}f}{unit} ({m.lo:.{digits}f} to {m.hi:.{digits}f}){n}"
