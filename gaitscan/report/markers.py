"""The report's marker section (``gaitscan analyze --markers``, issue 11): markerless vs marker values.

:func:`marker_section` turns an analysis' ``markers`` and ``agreement`` sections and the per-step
``*_markers_*`` values (``docs/analysis-schema.md``) into what ``markers.html.j2`` shows: per side
markerless vs marker with their difference, every step with its difference (or why it has no marker
value), the Bland–Altman statistics and plot (a PNG data URI). None when markers were not asked for.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Optional

#: summary rows: (markerless key, marker key, label, unit, decimals)
SIDE_ROWS = (
    ("pelvic_drop_deg", "pelvic_drop_markers_deg", "pelvic drop at midstance", "°", 1),
    ("pelvic_drop_peak_deg", "pelvic_drop_markers_peak_deg", "peak pelvic drop in stance", "°", 1),
    ("foot_offset_hipw", "foot_offset_markers_hipw", "landing offset from midline", " hip widths", 2),
    ("step_width_hipw", "step_width_markers_hipw", "step width", " hip widths", 2),
)
#: the summary keys this section shows (kept out of the generic "Numbers per side" rows)
MARKER_SUMMARY_KEYS = frozenset(k for _, k, *_ in SIDE_ROWS) | {"foot_offset_markers_cm", "step_width_markers_cm"}


def _num(value: Any) -> Optional[float]:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _fmt(value: Optional[float], unit: str, dec: int, sign: bool = False) -> Optional[str]:
    if value is None:
        return None
    value = value if round(value, dec) != 0 else 0.0   # no "-0.0"
    return f"{value:{'+' if sign else ''}.{dec}f}{unit}"


def _mean(entry: Any) -> tuple[Optional[float], Optional[int], Optional[str]]:
    if not isinstance(entry, Mapping):
        return None, None, "not in this analysis"
    n = entry.get("n")
    return _num(entry.get("mean")), n if isinstance(n, int) else None, entry.get("reason") or "not measurable"


def _agreement_row(label: str, stats: Any) -> dict[str, Any]:
    stats = stats if isinstance(stats, Mapping) else {}
    bias, sd, loa, ci = _num(stats.get("mean_diff")), _num(stats.get("sd_diff")), stats.get("loa"), stats.get("bias_ci95")
    row = dict(label=label, n=stats.get("n", 0), bias=None, sd=None, loa=None, ci=None,
               reason=stats.get("reason") or "not measured")
    if bias is not None and sd is not None and isinstance(loa, (list, tuple)) and len(loa) == 2:
        rng = lambda lo, hi: f"{_fmt(lo, '°', 2, sign=True)} to {_fmt(hi, '°', 2, sign=True)}"  # noqa: E731
        row.update(bias=_fmt(bias, "°", 2, sign=True), sd=f"{sd:.2f}°", loa=rng(*loa))
        if isinstance(ci, (list, tuple)) and len(ci) == 2:
            row["ci"] = rng(*ci)
    return row


def marker_section(analysis: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """What the report shows about the markers, or None when the analysis has no ``markers`` section."""
    mk = analysis.get("markers")
    if not isinstance(mk, Mapping):
        return None
    section: dict[str, Any] = dict(found=bool(mk.get("found")), message=mk.get("message") or "no markers found",
                                   color=mk.get("color") or "default")
    if not section["found"]:
        return section
    summary = analysis.get("summary") or {}
    sides = []
    for less_key, mk_key, label, unit, dec in SIDE_ROWS:
        for side in ("left", "right"):
            s = summary.get(side) or {}
            (a, _, why_a), (b, nb, why_b) = _mean(s.get(less_key)), _mean(s.get(mk_key))
            sides.append(dict(label=label, side=side, markerless=_fmt(a, unit, dec), markerless_reason=why_a,
                              marker=_fmt(b, unit, dec), marker_reason=why_b, n_marker=nb,
                              diff=_fmt(None if a is None or b is None else a - b, unit, dec, sign=True)))
    steps = []
    for st in analysis.get("steps") or []:
        a, b = _num(st.get("pelvic_drop_deg")), _num(st.get("pelvic_drop_markers_deg"))
        nm = st.get("not_measurable") or {}
        steps.append(dict(index=st.get("index"), stance=st.get("stance"), t=_num(st.get("midstance_t")),
                          markerless=_fmt(a, "°", 1), marker=_fmt(b, "°", 1),
                          markerless_reason=nm.get("pelvic_drop_deg") or "not measured",
                          marker_reason=nm.get("pelvic_drop_markers_deg") or "not measured",
                          diff=_fmt(None if a is None or b is None else a - b, "°", 1, sign=True)))
    ag = analysis.get("agreement") if isinstance(analysis.get("agreement"), Mapping) else {}
    plot = None
    pairs = ag.get("pairs") or []
    if pairs:
        from ..markers.agreement import bland_altman_png

        png = bland_altman_png(pairs, ag.get("all") or {})
        plot = None if png is None else "data:image/png;base64," + png
    rejected = mk.get("rejected_frames") or {}
    section.update(
        sides=sides, steps=steps, plot=plot,
        agreement=[_agreement_row(lbl, ag.get(key)) for key, lbl in
                   (("all", "all steps"), ("left", "left stance"), ("right", "right stance"))],
        frames=mk.get("frames"), frames_measured=mk.get("frames_measured"),
        rejected=", ".join(f"{k}: {v}" for k, v in sorted(rejected.items())) if rejected else None,
        diameter=_fmt(_num(mk.get("marker_diameter_px")), " px", 1),
    )
    return section
