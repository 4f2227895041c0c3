"""The runner's symptoms: read from a file or asked in the terminal, checked against the KB.

Symptoms are a mapping from a question id of the knowledge base (``symptoms:`` section) to an
answer: ``True``/``False`` for yes/no questions, a tuple of choice ids for choice questions.
Questions not answered are simply absent. A symptoms file is YAML or JSON (JSON is YAML)::

    pain_location: [outer_hip]
    pain_side: right
    worse_lying_on_side: true
    cannot_bear_weight: false

An unknown question or choice, or a wrong type, is a :class:`~gaitscan.errors.KnowledgeError`
naming the file and the field.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional, Union

import click

from ..errors import KnowledgeError
from .kb import KnowledgeBase, RedFlag, SymptomPattern, read_yaml

Answer = Union[bool, tuple[str, ...]]
Symptoms = Mapping[str, Answer]
PathLike = Union[str, Path]


def load_symptoms(path: PathLike, kb: KnowledgeBase) -> dict[str, Answer]:
    """Read and validate a symptoms file (YAML or JSON)."""
    path = Path(path)
    raw = read_yaml(path, "symptoms")
    return parse_symptoms({} if raw is None else raw, kb, path)


def parse_symptoms(raw: Any, kb: KnowledgeBase, path: Optional[PathLike] = None) -> dict[str, Answer]:
    """Validate a symptoms mapping against the knowledge base's questions."""
    if not isinstance(raw, dict):
        raise KnowledgeError(f"symptoms must be a mapping of question ids to answers, got {type(raw).__name__}", path)
    out: dict[str, Answer] = {}
    for key, value in raw.items():
        q = kb.symptoms.get(str(key))
        if q is None:
            raise KnowledgeError(f"unknown symptom field {key!r} (known: {', '.join(kb.symptoms)})", path)
        if q.type == "yes_no":
            if not isinstance(value, bool):
                raise KnowledgeError(f"symptom field {key!r}: expected true or false, got {value!r}", path)
            out[q.id] = value
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise KnowledgeError(f"symptom field {key!r}: expected one of {', '.join(q.choices)} or a list of them, "
                                 f"got {value!r}", path)
        for v in values:
            if v not in q.choices:
                raise KnowledgeError(f"symptom field {key!r}: unknown choice {v!r} (choices: {', '.join(q.choices)})", path)
        out[q.id] = tuple(dict.fromkeys(values))
    return out


def ask_symptoms(kb: KnowledgeBase) -> dict[str, Answer]:
    """Ask every symptom question of the knowledge base in the terminal (click prompts)."""
    click.echo("A few questions about pain (press Enter to skip a question).")
    out: dict[str, Answer] = {}
    for q in kb.symptoms.values():
        if q.type == "yes_no":
            answer = click.prompt(f"{q.question} [y/n]", default="", show_default=False,
                                  type=click.Choice(["y", "n", "yes", "no", ""], case_sensitive=False))
            if answer:
                out[q.id] = answer.lower().startswith("y")
            continue
        numbered = list(q.choices.items())
        click.echo(q.question)
        for i, (_, label) in enumerate(numbered, 1):
            click.echo(f"  {i}. {label}")
        while True:
            answer = click.prompt("Numbers separated by commas", default="", show_default=False)
            picks = [p.strip() for p in answer.split(",") if p.strip()]
            if all(p.isdigit() and 1 <= int(p) <= len(numbered) for p in picks):
                break
            click.echo(f"Please give numbers between 1 and {len(numbered)}.")
        if picks:
            out[q.id] = tuple(dict.fromkeys(numbered[int(p) - 1][0] for p in picks))
    return out


def term_matches(term: str, symptoms: Symptoms) -> bool:
    """Whether one KB term (``question`` or ``question:choice``) is true for these symptoms."""
    qid, _, choice = term.partition(":")
    answer = symptoms.get(qid)
    if choice:
        return isinstance(answer, tuple) and choice in answer
    return answer is True


def rule_matches(when_all: tuple[str, ...], when_any: tuple[str, ...], symptoms: Symptoms) -> bool:
    """All of ``when_all`` and (if given) at least one of ``when_any`` match."""
    return (all(term_matches(t, symptoms) for t in when_all)
            and (not when_any or any(term_matches(t, symptoms) for t in when_any)))


def active_red_flags(kb: KnowledgeBase, symptoms: Symptoms) -> list[RedFlag]:
    """The red flags these symptoms raise, in knowledge-base order."""
    return [rf for rf in kb.red_flags.values() if rule_matches(rf.when_all, rf.when_any, symptoms)]


def active_patterns(kb: KnowledgeBase, symptoms: Symptoms) -> list[SymptomPattern]:
    """The symptom patterns these symptoms match, in knowledge-base order."""
    return [p for p in kb.symptom_patterns.values() if rule_matches(p.when_all, p.when_any, symptoms)]


def describe(kb: KnowledgeBase, symptoms: Symptoms) -> list[tuple[str, str]]:
    """(question, answer) pairs in plain words, for the report."""
    rows = []
    for qid, answer in symptoms.items():
        q = kb.symptoms[qid]
        text = ("yes" if answer else "no") if isinstance(answer, bool) else ", ".join(q.choices[c] for c in answer)
        rows.append((q.question, text))
    return rows
