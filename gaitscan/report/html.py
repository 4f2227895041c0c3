"""``report.html``: one self-contained page (inline CSS, PNG/JPEG data URIs, no script, no fetch).

:func:`write_report` is the public entry point used by ``gaitscan analyze`` and
``gaitscan report``. Rendering is Jinja2 with autoescaping on: every runner name, file name and
symptom text is escaped.
"""
from __future__ import annotations

import datetime as _dt
import math
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import jinja2
import yaml

from .. import __version__
from ..atomic import write_text
from .analysis import check_analysis
from .findings import ATTENTION, Assessment, Finding, assess
from .kb import KnowledgeBase, load_kb
from .keyframes import Keyframe, load_keyframes
from .markers import MARKER_SUMMARY_KEYS, marker_section
from .plots import footprint_plot, obliquity_plot, per_step_plot
from .symptoms import Symptoms, describe, parse_symptoms

PathLike = Union[str, Path]
REPORT_NAME = "report.html"
LEVEL_ORDER = {"flag": 0, "watch": 1, "unknown": 2, "ok": 3}
LEVEL_WORDS = {"flag": "flag", "watch": "watch", "ok": "ok", "unknown": "not measured"}


def metric_labels() -> dict[str, dict[str, Any]]:
    """``metric_labels.yaml``: per summarised metric key, its ``label``, ``unit``, ``decimals`` and
    ``main`` (shown first), in the file's order."""
    return yaml.safe_load(resources.files("gaitscan.report").joinpath("metric_labels.yaml").read_text(encoding="utf-8"))


#: per-side summary rows: (key, label, unit, decimals) of the ``main`` metrics; the others follow
NUMBER_ROWS = tuple((k, v["label"], v["unit"], v["decimals"]) for k, v in metric_labels().items() if v.get("main"))


def environment() -> jinja2.Environment:
    """The package's Jinja2 environment (autoescape on, undefined names are errors)."""
    return jinja2.Environment(loader=jinja2.PackageLoader("gaitscan.report", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class Citations:
    """Numbers references in the order the page first cites them."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.order: dict[str, int] = {}

    def __call__(self, refs: Any) -> str:
        keys = [getattr(r, "key", r) for r in refs]
        nums = [self.order.setdefault(k, len(self.order) + 1) for k in keys if k in self.kb.references]
        return "[" + ", ".join(map(str, nums)) + "]" if nums else ""

    def items(self) -> list[tuple[str, str]]:
        return [(k, self.kb.references[k]) for k in self.order]


def write_report(analysis: Mapping[str, Any], out_dir: PathLike, *, symptoms: Optional[Symptoms] = None,
                 kb: Optional[Union[KnowledgeBase, PathLike]] = None, video: Optional[PathLike] = None,
                 series: Any = None, runner_name: Optional[str] = None) -> Path:
    """Write ``out_dir/report.html`` atomically and return its path.

    ``symptoms``: validated (or raw) symptoms mapping; ``kb``: a KnowledgeBase, a path to a KB
    file, or None for the packaged one; ``video`` + ``series`` (its PoseSeries): enable midstance
    keyframes; ``runner_name``: shown in the header (escaped). An ``overlay.mp4`` beside the report
    (``gaitscan analyze --overlay``) is shown and linked by its relative name.
    """
    check_analysis(analysis)
    kb = kb if isinstance(kb, KnowledgeBase) else load_kb(kb)
    symptoms = parse_symptoms({k: list(v) if isinstance(v, tuple) else v for k, v in (symptoms or {}).items()}, kb)
    result = assess(analysis, kb, symptoms)
    levels = {f.side: f.level for f in result.findings if f.rule == "pelvic_drop" and f.side}
    keyframes, note = load_keyframes(video, series, analysis, levels)
    from .overlay import OVERLAY_NAME

    html = render_report(analysis, result, kb, symptoms=symptoms, keyframes=keyframes, keyframe_note=note,
                         runner_name=runner_name,
                         overlay=OVERLAY_NAME if (Path(out_dir) / OVERLAY_NAME).is_file() else None)
    return write_text(Path(out_dir) / REPORT_NAME, html)


def render_report(analysis: Mapping[str, Any], result: Assessment, kb: KnowledgeBase, *,
                  symptoms: Optional[Symptoms] = None, keyframes: tuple[Keyframe, ...] = (),
                  keyframe_note: Optional[str] = None, runner_name: Optional[str] = None,
                  generated: Optional[str] = None, overlay: Optional[str] = None) -> str:
    """The report page as a string (pure apart from reading the packaged template)."""
    summary = analysis.get("summary") or {}
    fps = analysis.get("fps")
    drop_rule = kb.findings.get("pelvic_drop")
    cite = Citations(kb)
    context = dict(
        runner_name=runner_name or None,
        source_file=(analysis.get("source") or {}).get("file") or "unknown",
        view=analysis.get("view"), view_confidence=_finite(analysis.get("view_confidence")),
        fps=f"{fps:.1f} fps" if _finite(fps) is not None else "unknown frame rate",
        frame_ms=f"{1000.0 / fps:.0f}" if _finite(fps) else "?",
        duration=f"{analysis['duration_s']:.1f} s" if _finite(analysis.get("duration_s")) is not None else "unknown",
        n_left=sum(1 for s in analysis.get("steps", []) if s.get("stance") == "left"),
        n_right=sum(1 for s in analysis.get("steps", []) if s.get("stance") == "right"),
        generated=generated or _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), version=__version__,
        red_flags=result.red_flags,
        cards=sorted(result.findings, key=lambda f: LEVEL_ORDER[f.level]), level_words=LEVEL_WORDS,
        numbers=_number_rows(summary), cadence=_cadence(analysis),
        plots=dict(obliquity=obliquity_plot(analysis.get("series")),
                   footprint=footprint_plot(analysis.get("steps", [])),
                   per_step=per_step_plot(analysis.get("steps", []), drop_rule.threshold.value if drop_rule else 5.0)),
        keyframes=list(keyframes), keyframe_note=keyframe_note, overlay=overlay,
        markers=marker_section(analysis),
        conditions=_linked_conditions(result.findings),
        symptom_rows=describe(kb, symptoms or {}), symptom_notes=result.symptom_notes,
        programme=result.programme,
        quality=[dict(id=c.get("id", "?"), message=c.get("message", ""),
                      css="ok" if c.get("ok") else str(c.get("level", "warn")))
                 for c in (analysis.get("quality") or {}).get("checks", []) if isinstance(c, Mapping)],
        time_alert=next((c.get("message") for c in (analysis.get("quality") or {}).get("checks", [])
                         if isinstance(c, Mapping) and c.get("id") == "time_scale" and c.get("level") == "error"), None),
        drop_method=analysis.get("pelvic_drop_method") or "unspecified",
        sdd_drop=_sdd_text(kb, "pelvic_drop_deg"),
        thresholds=[dict(title=r.title, line=_line(r), heuristic=r.threshold.heuristic, source=r.threshold.source,
                         references=r.threshold.references) for r in kb.findings.values()],
        cite=cite, references=cite.items,
    )
    return environment().get_template("report.html.j2").render(**context)


# ---------------------------------------------------------------------------------- helpers
def _finite(value: Any) -> Optional[float]:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def format_measure(entry: Any, unit: str, decimals: int) -> dict[str, Any]:
    """``{"text": "7.3° (6.6 to 7.9), n = 12"}`` or ``{"text": None, "reason": ...}`` for a summary entry."""
    if not isinstance(entry, Mapping):
        return {"text": None, "reason": "not in this analysis"}
    mean, ci, n = _finite(entry.get("mean")), entry.get("ci95"), entry.get("n")
    if mean is None:
        return {"text": None, "reason": str(entry.get("reason") or "not measurable")}
    text = f"{mean:.{decimals}f}{unit}"
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and all(_finite(c) is not None for c in ci):
        text += f" ({ci[0]:.{decimals}f} to {ci[1]:.{decimals}f})"
    if isinstance(n, int):
        text += f", n = {n}"
    return {"text": text, "reason": None}


def _number_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    left, right = summary.get("left") or {}, summary.get("right") or {}
    asym = summary.get("asymmetry") or {}
    known = {k for k, *_ in NUMBER_ROWS} | MARKER_SUMMARY_KEYS   # markers: their own section
    labels = metric_labels()
    present = [k for k in {**left, **right} if k not in known and isinstance(left.get(k, right.get(k)), Mapping)]
    present.sort(key=lambda k: list(labels).index(k) if k in labels else len(labels))
    extra = [(k, labels[k]["label"], labels[k]["unit"], labels[k]["decimals"]) if k in labels
             else (k, k.replace("_", " "), "", 2) for k in present]
    rows = []
    for key, label, unit, dec in (*NUMBER_ROWS, *extra):
        if key not in left and key not in right:
            continue
        if key == "crossover_rate":
            cells = [{"text": f"{100 * v:.0f}%" if _finite(v) is not None else None, "reason": "not measurable"}
                     for v in (left.get(key), right.get(key))]
        else:
            cells = [format_measure(side.get(key), unit, dec) for side in (left, right)]
        d = _finite(asym.get(key))
        rows.append(dict(label=label, left=cells[0], right=cells[1],
                         asym=f"{d:+.{dec}f}{unit}" if d is not None else "—"))
    return rows


def _cadence(analysis: Mapping[str, Any]) -> dict[str, Any]:
    reason = (analysis.get("not_measurable") or {}).get("cadence_spm")
    return format_measure({"mean": analysis.get("cadence_spm"), "ci95": analysis.get("cadence_ci95"),
                           "reason": reason}, " steps/min", 0)


def _linked_conditions(findings: tuple[Finding, ...]) -> list[tuple[Any, list[str]]]:
    """Conditions linked from findings that need attention, each with the findings that link it."""
    linked: dict[str, tuple[Any, list[str]]] = {}
    for f in findings:
        if f.level not in ATTENTION:
            continue
        label = f"{f.title} ({f.side} stance)" if f.side and f.rule != "pelvic_drop_asymmetry" else f.title
        for c in f.conditions:
            linked.setdefault(c.id, (c, []))[1].append(label)
    return list(linked.values())


def _line(rule) -> str:
    sign = {"above": ">", "below": "<", "abs_above": "|x| >"}[rule.direction]
    if rule.kind == "asymmetry":
        return f"|left − right| > {rule.threshold.value:g}{rule.unit}"
    return f"{sign} {rule.threshold.value:g}{rule.unit}"


def _sdd_text(kb: KnowledgeBase, metric: str) -> str:
    sdd = kb.sdd.get(metric)
    return f"{sdd.value:g}{sdd.unit}" if sdd and sdd.value is not None else "an unknown amount"
