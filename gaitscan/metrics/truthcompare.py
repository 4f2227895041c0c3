"""Compare an analysis with the ground truth of a synthetic clip (``gaitscan.synth-truth/1``).

Used by the validation script and the tests: pairs each detected step with the true step of the
same stance side whose contact is nearest in time (within half a step), and reports the errors.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np


def match_steps(steps: list[dict[str, Any]], truth_steps: list[dict[str, Any]]) -> list[tuple[dict, dict]]:
    """(detected, true) step pairs: same stance side, contacts within half the median true step time."""
    if not truth_steps:
        return []
    tc = np.array([s["contact_t_exact"] for s in truth_steps])
    half = 0.5 * float(np.median(np.diff(np.sort(tc)))) if len(tc) > 1 else 0.2
    pairs, used = [], set()
    for st in steps:
        d = np.abs(tc - st["contact_t"])
        j = int(np.argmin(d))
        if d[j] <= half and j not in used and truth_steps[j]["stance"] == st["stance"]:
            pairs.append((st, truth_steps[j]))
            used.add(j)
    return pairs


def step_errors(pairs: list[tuple[dict, dict]], key: str, truth_key: str, side: str) -> list[float]:
    """Detected ``key`` minus the truth's ``truth_key``, per matched step of ``side`` where both are known."""
    return [float(a[key] - b[truth_key]) for a, b in pairs if a["stance"] == side and a.get(key) is not None
            and b.get(truth_key) is not None]


def side_mean_error(pairs: list[tuple[dict, dict]], key: str, truth_key: str, side: str) -> Optional[float]:
    """Mean of detected minus true ``key`` over the matched steps of ``side`` (None if none)."""
    e = step_errors(pairs, key, truth_key, side)
    return float(np.mean(e)) if e else None


def event_frame_errors(pairs: list[tuple[dict, dict]], fps: float) -> dict[str, list[float]]:
    """Contact and toe-off errors in frames (detected − true exact time) × fps, per matched step."""
    return {"contact": [(a["contact_t"] - b["contact_t_exact"]) * fps for a, b in pairs],
            "toe_off": [(a["toe_off_t"] - b["toe_off_t_exact"]) * fps for a, b in pairs]}
