"""Findings: what an analysis.json means, judged against the knowledge base.

Pure functions, no I/O: ``analysis`` is the parsed ``analysis.json`` (schema
``gaitscan.analysis/1``), ``kb`` a validated :class:`~gaitscan.report.kb.KnowledgeBase`,
``symptoms`` an optional validated symptoms mapping.

Level of a finding, from its mean and 95% confidence interval against the KB threshold:

=========  ===============================================================
flag       the whole CI lies beyond the threshold
watch      the mean lies beyond the threshold but the CI reaches back over it
ok         the mean is on the good side of the threshold
unknown    the number (or its CI) is missing: the reason is given, never a guess
=========  ===============================================================

Per-side metrics are keyed by the STANCE side (``summary.left`` = left foot on the ground); for
pelvic drop that means the RIGHT hip drops. Red-flag symptoms replace all exercise advice with
referral advice.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from .kb import Condition, Exercise, FindingRule, KnowledgeBase
from .symptoms import Symptoms, active_patterns, active_red_flags, rule_matches

SIDES = ("left", "right")
OTHER = {"left": "right", "right": "left"}
ATTENTION = ("flag", "watch")


@dataclass(frozen=True)
class Measure:
    """A mean with its 95% confidence interval and number of steps (n is None for whole-run values)."""

    mean: float
    lo: float
    hi: float
    n: Optional[int]


@dataclass(frozen=True)
class Reference:
    key: str
    text: str


@dataclass(frozen=True)
class LinkedCondition:
    id: str
    name: str
    grade: str
    grade_meaning: str
    summary: str
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class Advice:
    """One exercise or retraining cue, with a caution when the runner's symptoms call for one."""

    id: str
    name: str
    why: str
    dosage: str
    progression: str
    references: tuple[Reference, ...]
    caution: Optional[str] = None


@dataclass(frozen=True)
class Finding:
    id: str
    rule: str
    title: str
    level: str  # "ok" | "watch" | "flag" | "unknown"
    side: Optional[str]
    sentence: str
    measure: Optional[Measure]
    unit: str
    threshold: float
    heuristic: bool
    threshold_source: str
    conditions: tuple[LinkedCondition, ...]
    exercises: tuple[Advice, ...]
    references: tuple[Reference, ...]
    referral: Optional[str] = None
    extra: Optional[float] = None  # crossover rate (0–1) or left − right difference


@dataclass(frozen=True)
class SymptomNote:
    note: str
    conditions: tuple[LinkedCondition, ...]


@dataclass(frozen=True)
class RedFlagHit:
    id: str
    title: str
    referral: str
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class Assessment:
    """Everything the report says: findings, red flags, symptom notes and the programme."""

    findings: tuple[Finding, ...]
    red_flags: tuple[RedFlagHit, ...]
    symptom_notes: tuple[SymptomNote, ...]
    programme: tuple[Advice, ...]


# ---------------------------------------------------------------------------------- public API
def assess(analysis: Mapping[str, Any], kb: KnowledgeBase, symptoms: Optional[Symptoms] = None) -> Assessment:
    """Judge an analysis (and symptoms) against the knowledge base."""
    symptoms = symptoms or {}
    found = evaluate_findings(analysis, kb, symptoms)
    flags = tuple(RedFlagHit(rf.id, rf.title, rf.referral, _refs(kb, rf.references))
                  for rf in active_red_flags(kb, symptoms))
    patterns = active_patterns(kb, symptoms)
    notes = tuple(SymptomNote(p.note, tuple(_condition(kb, kb.conditions[c]) for c in p.conditions)) for p in patterns)
    if flags:
        programme: tuple[Advice, ...] = ()
    else:
        wanted: set[str] = set()
        for f in found:
            if f.level in ATTENTION:
                wanted.update(a.id for a in f.exercises)
        for p in patterns:
            wanted.update(p.exercises)
        programme = tuple(_advice(kb, kb.exercises[x], symptoms) for x in kb.exercises if x in wanted)
    return Assessment(found, flags, notes, programme)


def evaluate_findings(analysis: Mapping[str, Any], kb: KnowledgeBase,
                      symptoms: Optional[Symptoms] = None) -> tuple[Finding, ...]:
    """One :class:`Finding` per KB finding (per side for per-side findings), in KB order."""
    symptoms = symptoms or {}
    referral = _referral_text(kb, symptoms)
    out: list[Finding] = []
    for rule in kb.findings.values():
        for side in (SIDES if rule.kind == "per_side" else (None,)):
            out.append(_evaluate(rule, side, analysis, kb, symptoms, referral))
    return tuple(out)


def level_for(direction: str, threshold: float, m: Measure) -> str:
    """``flag`` / ``watch`` / ``ok`` for a measure against a threshold (see module docstring)."""
    if direction == "above":
        return "flag" if m.lo > threshold else "watch" if m.mean > threshold else "ok"
    if direction == "below":
        return "flag" if m.hi < threshold else "watch" if m.mean < threshold else "ok"
    if direction == "abs_above":
        same_sign = (m.lo > 0) == (m.hi > 0)
        return ("flag" if same_sign and min(abs(m.lo), abs(m.hi)) > threshold
                else "watch" if abs(m.mean) > threshold else "ok")
    raise ValueError(f"unknown direction {direction!r}")


def read_measure(entry: Any) -> tuple[Optional[Measure], Optional[str]]:
    """A summary entry ``{mean, ci95, n, reason}`` as a Measure, or None and the reason."""
    if not isinstance(entry, Mapping):
        return None, "not in this analysis"
    mean, ci = entry.get("mean"), entry.get("ci95")
    if not _finite(mean):
        return None, str(entry.get("reason") or "not measurable")
    if not (isinstance(ci, (list, tuple)) and len(ci) == 2 and all(_finite(c) for c in ci)):
        return None, str(entry.get("reason") or "no confidence interval in the analysis")
    n = entry.get("n")
    return Measure(float(mean), float(min(ci)), float(max(ci)), int(n) if isinstance(n, int) else None), None


# ---------------------------------------------------------------------------------- internals
def _evaluate(rule: FindingRule, side: Optional[str], analysis: Mapping[str, Any], kb: KnowledgeBase,
              symptoms: Symptoms, referral: Optional[str]) -> Finding:
    fid = f"{rule.id}.{side}" if side else rule.id
    view = analysis.get("view")
    extra: Optional[float] = None
    measure: Optional[Measure] = None
    reason: Optional[str] = None
    if view not in rule.views:
        reason = f"needs a {' or '.join(rule.views)} view; this video was judged '{view}'"
    elif rule.kind == "per_side":
        side_summary = (analysis.get("summary") or {}).get(side) or {}
        measure, reason = read_measure(side_summary.get(rule.metric))
        rate = side_summary.get(rule.rate_key) if rule.rate_key else None
        extra = float(rate) if _finite(rate) else None
    elif rule.kind == "whole":
        measure, reason = read_measure({"mean": analysis.get(rule.metric), "ci95": analysis.get(rule.ci_key),
                                        "reason": (analysis.get("not_measurable") or {}).get(rule.metric)})
    else:
        measure, side, extra, reason = _asymmetry(rule, analysis)

    if measure is None:
        level = "unknown"
        sentence = f"{rule.title}{f' ({side} stance)' if side else ''}: not measured — {reason}."
    elif rule.kind == "asymmetry":
        level = _asymmetry_level(rule, analysis, extra)
        sentence = _format(rule.sentences[level], rule, side, measure, extra)
    else:
        level = level_for(rule.direction, rule.threshold.value, measure)
        sentence = _format(rule.sentences[level], rule, side, measure, extra)

    attention = level in ATTENTION
    return Finding(
        id=fid, rule=rule.id, title=rule.title, level=level, side=side, sentence=sentence, measure=measure,
        unit=rule.unit, threshold=rule.threshold.value, heuristic=rule.threshold.heuristic,
        threshold_source=rule.threshold.source,
        conditions=tuple(_condition(kb, kb.conditions[c]) for c in rule.conditions),
        exercises=tuple(_advice(kb, kb.exercises[x], symptoms) for x in rule.exercises)
        if attention and referral is None else (),
        references=_refs(kb, rule.references + rule.threshold.references),
        referral=referral if attention else None, extra=extra)


def _asymmetry(rule: FindingRule, analysis: Mapping[str, Any]):
    """(measure of the larger side, that side, left − right, reason) for an asymmetry finding."""
    summary = analysis.get("summary") or {}
    diff = (summary.get("asymmetry") or {}).get(rule.metric)
    if not _finite(diff):
        return None, None, None, "left–right difference not measurable (one side missing)"
    sides = {s: read_measure((summary.get(s) or {}).get(rule.metric))[0] for s in SIDES}
    if sides["left"] is None or sides["right"] is None:
        return None, None, None, "one side has no confidence interval"
    larger = "left" if float(diff) > 0 else "right"
    return sides[larger], larger, float(diff), None


def _asymmetry_level(rule: FindingRule, analysis: Mapping[str, Any], diff: Optional[float]) -> str:
    if diff is None or abs(diff) <= rule.threshold.value:
        return "ok"
    summary = analysis["summary"]
    left = read_measure(summary["left"][rule.metric])[0]
    right = read_measure(summary["right"][rule.metric])[0]
    overlap = left.lo <= right.hi and right.lo <= left.hi
    return "watch" if overlap else "flag"


class _Blank(string.Formatter):
    """str.format that shows a missing number as an em dash instead of failing or printing nan."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        return super().format_field(value, format_spec)


def _format(template: str, rule: FindingRule, side: Optional[str], m: Measure, extra: Optional[float]) -> str:
    values = {
        "side": side or "", "other_side": OTHER.get(side or "", ""), "mean": m.mean, "lo": m.lo, "hi": m.hi,
        "n": m.n, "threshold": rule.threshold.value, "unit": rule.unit,
        "rate": None if extra is None or rule.kind == "asymmetry" else 100.0 * extra,
        "diff": extra if rule.kind == "asymmetry" else None,
    }
    return _Blank().format(template, **values)


def _referral_text(kb: KnowledgeBase, symptoms: Symptoms) -> Optional[str]:
    flags = active_red_flags(kb, symptoms)
    if not flags:
        return None
    return ("Exercise advice is withheld because of your answers (" + "; ".join(rf.title for rf in flags)
            + "). " + " ".join(dict.fromkeys(rf.referral for rf in flags)))


def _refs(kb: KnowledgeBase, keys: tuple[str, ...]) -> tuple[Reference, ...]:
    return tuple(Reference(k, kb.references[k]) for k in dict.fromkeys(keys))


def _condition(kb: KnowledgeBase, c: Condition) -> LinkedCondition:
    return LinkedCondition(c.id, c.name, c.grade.label, c.grade.meaning, c.summary, _refs(kb, c.references))


def _advice(kb: KnowledgeBase, x: Exercise, symptoms: Symptoms) -> Advice:
    cautious = any(rule_matches((term,), (), symptoms) for term in x.caution_if)
    return Advice(x.id, x.name, x.why, x.dosage, x.progression,
                  _refs(kb, x.references + (x.caution_references if cautious else ())),
                  x.caution if cautious else None)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
