"""Load and validate the knowledge base (``knowledge.yaml``, schema ``gaitscan.kb/1``).

The knowledge base is data a clinician edits: thresholds with their sources, the conditions each
finding is associated with and the grade of that evidence, exercises with dosage, symptom
questions, red flags. This module turns the YAML into frozen dataclasses and refuses anything it
does not understand — an unknown key, a missing field, a wrong type, a reference / condition /
exercise / grade / symptom that is not defined, a sentence naming an unknown value — with a
:class:`~gaitscan.errors.KnowledgeError` that names the entry and the field.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import yaml

from ..errors import KnowledgeError

SCHEMA = "gaitscan.kb/1"
PathLike = Union[str, Path]
LEVELS = ("ok", "watch", "flag")
KINDS = ("per_side", "whole", "asymmetry")
DIRECTIONS = ("above", "below", "abs_above")
VIEWS = ("rear", "front", "side")
BETTER = ("lower", "higher", "abs_lower")
SENTENCE_FIELDS = ("side", "other_side", "mean", "lo", "hi", "n", "threshold", "unit", "rate", "diff")


@dataclass(frozen=True)
class Grade:
    id: str
    label: str
    meaning: str


@dataclass(frozen=True)
class Condition:
    id: str
    name: str
    grade: Grade
    summary: str
    references: tuple[str, ...]
    seen_by_video: bool


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    why: str
    dosage: str
    progression: str
    references: tuple[str, ...]
    caution_if: tuple[str, ...] = ()
    caution: Optional[str] = None
    caution_references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Threshold:
    value: float
    heuristic: bool
    source: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class FindingRule:
    """How one finding is read from analysis.json and what it means."""

    id: str
    title: str
    kind: str
    metric: str
    unit: str
    direction: str
    views: tuple[str, ...]
    threshold: Threshold
    sentences: Mapping[str, str]
    conditions: tuple[str, ...]
    exercises: tuple[str, ...]
    references: tuple[str, ...]
    rate_key: Optional[str] = None
    ci_key: Optional[str] = None


@dataclass(frozen=True)
class Sdd:
    """Smallest detectable difference of one metric between sessions (None: none published)."""

    metric: str
    value: Optional[float]
    unit: str
    better: str  # "lower" | "higher" | "abs_lower"
    note: str
    references: tuple[str, ...]
    ci_key: Optional[str] = None  # set for a whole-run metric (top level of analysis.json)


@dataclass(frozen=True)
class SymptomQuestion:
    id: str
    type: str  # "yes_no" | "choices"
    question: str
    choices: Mapping[str, str]


@dataclass(frozen=True)
class RedFlag:
    id: str
    title: str
    when_all: tuple[str, ...]
    when_any: tuple[str, ...]
    referral: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class SymptomPattern:
    id: str
    when_all: tuple[str, ...]
    when_any: tuple[str, ...]
    note: str
    conditions: tuple[str, ...]
    exercises: tuple[str, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated knowledge base; look-ups by id."""

    path: Path
    grades: Mapping[str, Grade]
    references: Mapping[str, str]
    sdd: Mapping[str, Sdd]
    conditions: Mapping[str, Condition]
    exercises: Mapping[str, Exercise]
    findings: Mapping[str, FindingRule]
    symptoms: Mapping[str, SymptomQuestion]
    red_flags: Mapping[str, RedFlag]
    symptom_patterns: Mapping[str, SymptomPattern]


# ---------------------------------------------------------------------------------- loading
def default_kb_path() -> Path:
    """The knowledge base shipped inside the package."""
    return Path(str(resources.files("gaitscan.report") / "knowledge.yaml"))


def load_kb(path: Optional[PathLike] = None) -> KnowledgeBase:
    """Read and validate a knowledge-base file (the packaged one when ``path`` is None).

    Raises :class:`KnowledgeError` naming the file, the entry and the field for any problem.
    """
    path = Path(path) if path is not None else default_kb_path()
    return parse_kb(read_yaml(path, "knowledge-base"), path)


def read_yaml(path: Path, what: str) -> Any:
    """Parse a YAML (or JSON) file; any failure is a KnowledgeError naming the ``what`` file."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(f"{what} file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"cannot read the {what} file ({exc})", path) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{what} file is not valid YAML/JSON: {exc}", path) from None


def parse_kb(raw: Any, path: PathLike = "<knowledge base>") -> KnowledgeBase:
    """Validate an already-parsed knowledge-base mapping (see :func:`load_kb`)."""
    path = Path(path)
    v = _Validator(path)
    top = v.mapping(raw, "the file")
    v.keys(top, "the file", required=("schema", "grades", "references", "sdd", "conditions", "exercises",
                                      "findings", "symptoms", "red_flags", "symptom_patterns"))
    if top["schema"] != SCHEMA:
        raise KnowledgeError(f"schema is {top['schema']!r}, expected {SCHEMA!r}", path)

    references = {rid: v.text(text, f"references.{rid}") for rid, text in v.entries(top, "references")}
    v.reference_ids = set(references)

    grades = {}
    for gid, e in v.entries(top, "grades"):
        where = f"grades.{gid}"
        v.keys(e, where, required=("label", "meaning"))
        grades[gid] = Grade(gid, v.text(e["label"], f"{where}.label"), v.text(e["meaning"], f"{where}.meaning"))

    sdd = {}
    for mid, e in v.entries(top, "sdd"):
        where = f"sdd.{mid}"
        v.keys(e, where, required=("value", "unit", "better", "note", "references"), optional=("ci_key",))
        value = None if e["value"] is None else v.number(e["value"], f"{where}.value")
        sdd[mid] = Sdd(mid, value, v.text(e["unit"], f"{where}.unit", allow_blank=True),
                       v.one_of(e["better"], f"{where}.better", BETTER), v.text(e["note"], f"{where}.note"),
                       v.refs(e["references"], f"{where}.references", allow_empty=True),
                       v.text(e["ci_key"], f"{where}.ci_key") if "ci_key" in e else None)

    conditions = {}
    for cid, e in v.entries(top, "conditions"):
        where = f"conditions.{cid}"
        v.keys(e, where, required=("name", "grade", "summary", "references", "seen_by_video"))
        grade = v.one_of(e["grade"], f"{where}.grade", grades)
        conditions[cid] = Condition(cid, v.text(e["name"], f"{where}.name"), grades[grade],
                                    v.text(e["summary"], f"{where}.summary"), v.refs(e["references"], f"{where}.references"),
                                    v.boolean(e["seen_by_video"], f"{where}.seen_by_video"))

    symptoms = {}
    for qid, e in v.entries(top, "symptoms"):
        where = f"symptoms.{qid}"
        v.keys(e, where, required=("type", "question"), optional=("choices",))
        qtype = v.one_of(e["type"], f"{where}.type", ("yes_no", "choices"))
        choices: dict[str, str] = {}
        if qtype == "choices":
            if "choices" not in e:
                raise KnowledgeError(f"{where}: field 'choices' is missing (required for type 'choices')", path)
            choices = {cid: v.text(label, f"{where}.choices.{cid}") for cid, label in v.entries(e, "choices", where)}
        elif "choices" in e:
            raise KnowledgeError(f"{where}: field 'choices' is only allowed with type 'choices'", path)
        symptoms[qid] = SymptomQuestion(qid, qtype, v.text(e["question"], f"{where}.question"), choices)
    v.symptoms = symptoms

    exercises = {}
    for xid, e in v.entries(top, "exercises"):
        where = f"exercises.{xid}"
        v.keys(e, where, required=("name", "why", "dosage", "progression", "references"),
               optional=("caution_if", "caution", "caution_references"))
        caution_if = v.terms(e.get("caution_if", []), f"{where}.caution_if")
        if bool(caution_if) != ("caution" in e):
            raise KnowledgeError(f"{where}: fields 'caution_if' and 'caution' must be given together", path)
        exercises[xid] = Exercise(
            xid, v.text(e["name"], f"{where}.name"), v.text(e["why"], f"{where}.why"),
            v.text(e["dosage"], f"{where}.dosage"), v.text(e["progression"], f"{where}.progression"),
            v.refs(e["references"], f"{where}.references"), caution_if,
            v.text(e["caution"], f"{where}.caution") if "caution" in e else None,
            v.refs(e.get("caution_references", []), f"{where}.caution_references", allow_empty=True))

    findings = {}
    for fid, e in v.entries(top, "findings"):
        findings[fid] = _finding(v, fid, e, conditions, exercises)

    red_flags = {}
    for rid, e in v.entries(top, "red_flags"):
        where = f"red_flags.{rid}"
        v.keys(e, where, required=("title", "referral", "references"), optional=("when_all", "when_any"))
        when_all, when_any = v.rule(e, where)
        red_flags[rid] = RedFlag(rid, v.text(e["title"], f"{where}.title"), when_all, when_any,
                                 v.text(e["referral"], f"{where}.referral"), v.refs(e["references"], f"{where}.references"))

    patterns = {}
    for pid, e in v.entries(top, "symptom_patterns"):
        where = f"symptom_patterns.{pid}"
        v.keys(e, where, required=("note", "conditions", "exercises"), optional=("when_all", "when_any"))
        when_all, when_any = v.rule(e, where)
        patterns[pid] = SymptomPattern(
            pid, when_all, when_any, v.text(e["note"], f"{where}.note"),
            v.ids(e["conditions"], f"{where}.conditions", conditions, allow_empty=True),
            v.ids(e["exercises"], f"{where}.exercises", exercises, allow_empty=True))

    return KnowledgeBase(path, grades, references, sdd, conditions, exercises, findings, symptoms, red_flags, patterns)


def _finding(v: "_Validator", fid: str, e: Any, conditions: Mapping, exercises: Mapping) -> FindingRule:
    where = f"findings.{fid}"
    v.keys(e, where, required=("title", "kind", "metric", "unit", "direction", "views", "threshold", "sentences",
                               "conditions", "exercises", "references"), optional=("rate_key", "ci_key"))
    kind = v.one_of(e["kind"], f"{where}.kind", KINDS)
    if kind == "whole" and "ci_key" not in e:
        raise KnowledgeError(f"{where}: field 'ci_key' is missing (required for kind 'whole')", v.path)
    th = e["threshold"]
    v.keys(th, f"{where}.threshold", required=("value", "heuristic", "source", "references"))
    threshold = Threshold(v.number(th["value"], f"{where}.threshold.value"),
                          v.boolean(th["heuristic"], f"{where}.threshold.heuristic"),
                          v.text(th["source"], f"{where}.threshold.source"),
                          v.refs(th["references"], f"{where}.threshold.references"))
    sent = e["sentences"]
    v.keys(sent, f"{where}.sentences", required=LEVELS)
    sentences = {level: v.sentence(sent[level], f"{where}.sentences.{level}") for level in LEVELS}
    views = tuple(v.one_of(x, f"{where}.views", VIEWS) for x in v.seq(e["views"], f"{where}.views"))
    return FindingRule(
        fid, v.text(e["title"], f"{where}.title"), kind, v.text(e["metric"], f"{where}.metric"),
        v.text(e["unit"], f"{where}.unit", allow_blank=True), v.one_of(e["direction"], f"{where}.direction", DIRECTIONS),
        views, threshold, sentences,
        v.ids(e["conditions"], f"{where}.conditions", conditions),
        v.ids(e["exercises"], f"{where}.exercises", exercises),
        v.refs(e["references"], f"{where}.references"),
        v.text(e["rate_key"], f"{where}.rate_key") if "rate_key" in e else None,
        v.text(e["ci_key"], f"{where}.ci_key") if "ci_key" in e else None)


class _Validator:
    """Type checks that raise KnowledgeError naming ``where`` (``section.entry.field``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reference_ids: set[str] = set()
        self.symptoms: Mapping[str, SymptomQuestion] = {}

    def fail(self, where: str, what: str) -> KnowledgeError:
        return KnowledgeError(f"{where}: {what}", self.path)

    def mapping(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping of names to entries, got {type(value).__name__}")
        return value

    def keys(self, value: Any, where: str, required: tuple = (), optional: tuple = ()) -> None:
        value = self.mapping(value, where)
        for key in required:
            if key not in value:
                raise self.fail(where, f"field {key!r} is missing")
        unknown = sorted(str(k) for k in value if k not in required and k not in optional)
        if unknown:
            allowed = ", ".join(map(repr, (*required, *optional)))
            raise self.fail(where, f"unknown field {unknown[0]!r} (allowed: {allowed})")

    def entries(self, parent: dict, key: str, where: Optional[str] = None) -> list[tuple[str, Any]]:
        where = f"{where}.{key}" if where else key
        section = self.mapping(parent[key], where)
        if not section:
            raise self.fail(where, "is empty")
        return [(str(k), val) for k, val in section.items()]

    def text(self, value: Any, where: str, allow_blank: bool = False) -> str:
        if not isinstance(value, str) or (not allow_blank and not value.strip()):
            raise self.fail(where, f"expected non-empty text, got {value!r}")
        return value.strip() if not allow_blank else value

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"expected a number, got {value!r}")
        return float(value)

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, got {value!r}")
        return value

    def seq(self, value: Any, where: str, allow_empty: bool = False) -> list:
        if not isinstance(value, list) or (not value and not allow_empty):
            raise self.fail(where, f"expected a non-empty list, got {value!r}")
        return value

    def one_of(self, value: Any, where: str, allowed) -> str:
        if value not in allowed:
            raise self.fail(where, f"{value!r} is not one of {', '.join(map(repr, allowed))}")
        return value

    def ids(self, value: Any, where: str, defined: Mapping, allow_empty: bool = False) -> tuple[str, ...]:
        items = self.seq(value, where, allow_empty)
        for item in items:
            if item not in defined:
                raise self.fail(where, f"{item!r} is not defined (defined: {', '.join(sorted(defined))})")
        return tuple(items)

    def refs(self, value: Any, where: str, allow_empty: bool = False) -> tuple[str, ...]:
        items = self.seq(value, where, allow_empty)
        for item in items:
            if item not in self.reference_ids:
                raise self.fail(where, f"reference {item!r} is not defined under 'references'")
        return tuple(items)

    def sentence(self, value: Any, where: str) -> str:
        text = self.text(value, where)
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            raise self.fail(where, f"not a valid sentence template ({exc})") from None
        unknown = sorted(n for n in names if n not in SENTENCE_FIELDS)
        if unknown:
            raise self.fail(where, f"unknown placeholder {{{unknown[0]}}} (allowed: {', '.join(SENTENCE_FIELDS)})")
        return text

    def terms(self, value: Any, where: str) -> tuple[str, ...]:
        items = self.seq(value, where, allow_empty=True)
        for term in items:
            qid, _, choice = str(term).partition(":")
            q = self.symptoms.get(qid)
            if q is None:
                raise self.fail(where, f"symptom {qid!r} is not defined under 'symptoms'")
            if q.type == "yes_no" and choice:
                raise self.fail(where, f"{term!r}: symptom {qid!r} is a yes/no question and takes no ':choice'")
            if q.type == "choices" and choice not in q.choices:
                raise self.fail(where, f"{term!r}: write '{qid}:<choice>' with a choice of {', '.join(q.choices)}")
        return tuple(str(t) for t in items)

    def rule(self, e: dict, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        when_all = self.terms(e.get("when_all", []), f"{where}.when_all")
        when_any = self.terms(e.get("when_any", []), f"{where}.when_any")
        if not when_all and not when_any:
            raise self.fail(where, "needs 'when_all' or 'when_any'")
        return when_all, when_any
