"""The key numbers of one analysis, flattened for the index, ``summary.csv`` and ``index.html``.

Pure: an ``analysis.json`` dict (schema ``gaitscan.analysis/1``, see ``docs/analysis-schema.md``)
in, a flat ``{name: number | str | None}`` out. A number the analysis could not measure is None.
"""
from __future__ import annotations

from typing import Any, Optional

#: (column name, SQLite type, meaning) — the order of the columns in the index and summary.csv
KEY_METRICS: tuple[tuple[str, str, str], ...] = (
    ("view", "TEXT", "camera view found: rear, front or side"),
    ("fps", "REAL", "mean frame rate from the container's timestamps"),
    ("duration_s", "REAL", "length of the analysed video (s)"),
    ("n_steps", "INTEGER", "stances detected"),
    ("cadence_spm", "REAL", "cadence (steps/min)"),
    ("pelvic_drop_left_deg", "REAL", "mean contralateral pelvic drop at midstance, left stance (deg)"),
    ("pelvic_drop_right_deg", "REAL", "mean contralateral pelvic drop at midstance, right stance (deg)"),
    ("pelvic_drop_asymmetry_deg", "REAL", "left minus right pelvic drop (deg)"),
    ("crossover_rate_left", "REAL", "fraction of left stances landing on or across the midline"),
    ("crossover_rate_right", "REAL", "fraction of right stances landing on or across the midline"),
    ("foot_offset_left_hipw", "REAL", "mean left foot offset from the midline (hip widths)"),
    ("foot_offset_right_hipw", "REAL", "mean right foot offset from the midline (hip widths)"),
    ("quality_warnings", "TEXT", "ids of capture-quality checks that did not pass, ';'-separated"),
)

METRIC_NAMES: tuple[str, ...] = tuple(name for name, _, _ in KEY_METRICS)


def key_metrics(analysis: dict[str, Any]) -> dict[str, Any]:
    """Flatten the key numbers of ``analysis`` (missing or unmeasurable values become None)."""
    summary = analysis.get("summary") or {}
    left, right = summary.get("left") or {}, summary.get("right") or {}
    checks = (analysis.get("quality") or {}).get("checks") or []
    return {
        "view": analysis.get("view"),
        "fps": _number(analysis.get("fps")),
        "duration_s": _number(analysis.get("duration_s")),
        "n_steps": len(analysis.get("steps") or []),
        "cadence_spm": _number(analysis.get("cadence_spm")),
        "pelvic_drop_left_deg": _mean(left, "pelvic_drop_deg"),
        "pelvic_drop_right_deg": _mean(right, "pelvic_drop_deg"),
        "pelvic_drop_asymmetry_deg": _number((summary.get("asymmetry") or {}).get("pelvic_drop_deg")),
        "crossover_rate_left": _number(left.get("crossover_rate")),
        "crossover_rate_right": _number(right.get("crossover_rate")),
        "foot_offset_left_hipw": _mean(left, "foot_offset_hipw"),
        "foot_offset_right_hipw": _mean(right, "foot_offset_hipw"),
        "quality_warnings": ";".join(str(c.get("id")) for c in checks if not c.get("ok", True)),
    }


def _mean(side: dict[str, Any], name: str) -> Optional[float]:
    stats = side.get(name)
    return _number(stats.get("mean")) if isinstance(stats, dict) else None


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if value == value else None  # NaN → None
