"""The metric thresholds in ``thresholds.yaml``, loaded once (read-only)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=1)
def thresholds() -> dict[str, Any]:
    """Return the parsed ``gaitscan/metrics/thresholds.yaml`` (a nested dict; do not mutate)."""
    text = resources.files("gaitscan.metrics").joinpath("thresholds.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)
