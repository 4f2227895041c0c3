"""Read and check an ``analysis.json`` (schema ``gaitscan.analysis/1``, docs/analysis-schema.md).

Only what the report and compare rely on is checked; extra keys are allowed and ``null`` is
accepted wherever the schema allows it. Anything else is an :class:`~gaitscan.errors.InputError`
naming the file and the key.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, Union

from ..errors import InputError

SCHEMA = "gaitscan.analysis/1"
FILE_NAME = "analysis.json"
PathLike = Union[str, Path]


def resolve_analysis_path(path: PathLike) -> Path:
    """``path`` itself, or ``path/analysis.json`` when ``path`` is a folder."""
    path = Path(path)
    if path.is_dir():
        inner = path / FILE_NAME
        if not inner.is_file():
            raise InputError(f"folder has no {FILE_NAME}", path)
        return inner
    return path


def load_analysis(path: PathLike) -> dict[str, Any]:
    """Load and check an analysis.json file (or a folder holding one)."""
    path = resolve_analysis_path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc})", path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc})", path) from None
    check_analysis(data, path)
    return data


def check_analysis(data: Any, path: Optional[PathLike] = None) -> None:
    """Raise InputError (naming ``path`` and the key) unless ``data`` follows the schema's required keys."""
    def fail(what: str) -> InputError:
        return InputError(f"not a gaitscan analysis: {what}", path)

    if not isinstance(data, dict):
        raise fail(f"expected a JSON object, got {type(data).__name__}")
    if data.get("schema") != SCHEMA:
        raise fail(f"'schema' is {data.get('schema')!r}, expected {SCHEMA!r}")
    if data.get("view") not in ("rear", "front", "side"):
        raise fail(f"'view' is {data.get('view')!r}, expected 'rear', 'front' or 'side'")
    for key in ("fps", "duration_s"):
        if not _number(data.get(key)):
            raise fail(f"'{key}' must be a number, got {data.get(key)!r}")
    if "cadence_spm" not in data or not _number(data["cadence_spm"], nullable=True):
        raise fail(f"'cadence_spm' must be a number or null, got {data.get('cadence_spm', '<missing>')!r}")
    steps = data.get("steps")
    if not isinstance(steps, list):
        raise fail("'steps' must be a list")
    for i, step in enumerate(steps):
        if not isinstance(step, dict) or step.get("stance") not in ("left", "right"):
            raise fail(f"steps[{i}].stance must be 'left' or 'right'")
        for key in ("contact_t", "midstance_t", "toe_off_t"):
            if not _number(step.get(key), nullable=True):
                raise fail(f"steps[{i}].{key} must be a number, got {step.get(key)!r}")
        for key in ("pelvic_drop_deg", "foot_offset_hipw"):
            if not _number(step.get(key), nullable=True):
                raise fail(f"steps[{i}].{key} must be a number or null, got {step.get(key)!r}")
    summary = data.get("summary")
    if not isinstance(summary, dict):
        raise fail("'summary' must be an object")
    for side in ("left", "right"):
        if not isinstance(summary.get(side), dict):
            raise fail(f"'summary.{side}' must be an object")
        for metric, entry in summary[side].items():
            if isinstance(entry, dict) and not _number(entry.get("mean"), nullable=True):
                raise fail(f"summary.{side}.{metric}.mean must be a number or null")
    quality = data.get("quality")
    if not isinstance(quality, dict) or not isinstance(quality.get("checks"), list):
        raise fail("'quality.checks' must be a list")
    series = data.get("series")
    if series is not None and not isinstance(series, dict):
        raise fail("'series' must be an object")


def _number(value: Any, nullable: bool = False) -> bool:
    if value is None:
        return nullable
    return isinstance(value, (int, float)) and not isinstance(value, bool)
