"""``overlay.mp4``: the analysed video with what the report measured drawn on every frame.

On top of the skeleton (:func:`gaitscan.pose.overlay.draw_skeleton`): the hip line coloured by
the pelvic drop of that instant (green / amber / red against the knowledge base's screening line
and smallest detectable difference), the body midline (a vertical through the pelvis centre), each
landing point (the stance heel at foot contact) kept on screen for :data:`LANDING_HOLD_S`, and
that step's numbers (side, pelvic drop at midstance, landing offset) beside it.

:func:`overlay_drawer` is pure (it returns the per-frame drawing function);
:func:`write_analysis_overlay` re-decodes the video through
:func:`gaitscan.pose.overlay.write_overlay` (H.264 yuv420p, the series' own timestamps).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Union

import cv2
import numpy as np

from ..metrics.view import relabel_sides
from ..pose import landmarks as lm
from ..pose.overlay import draw_skeleton, write_overlay
from ..pose.series import PoseSeries
from .kb import KnowledgeBase, load_kb

PathLike = Union[str, Path]
OVERLAY_NAME = "overlay.mp4"
#: RGB colours of the hip line: drop below (screening line − SDD), within the SDD of the line, above it
LEVEL_RGB = {"ok": (40, 200, 60), "watch": (255, 190, 0), "flag": (230, 30, 30), "unknown": (150, 150, 150)}
#: RGB of the body midline and of the landing points
MIDLINE_RGB, LANDING_RGB = (255, 255, 255), (255, 0, 255)
#: how long (seconds of video) a landing point and its numbers stay on screen
LANDING_HOLD_S = 1.2


def drop_levels(kb: KnowledgeBase) -> tuple[float, float]:
    """(amber from, red above) in degrees: the pelvic-drop screening line minus its SDD, and the line."""
    rule = kb.findings.get("pelvic_drop")
    if rule is None:
        raise ValueError("the knowledge base has no 'pelvic_drop' finding: the hip line cannot be coloured")
    sdd = kb.sdd.get("pelvic_drop_deg")
    line = float(rule.threshold.value)
    return (line - float(sdd.value) if sdd is not None and sdd.value is not None else line), line


def drop_level(drop_deg: Optional[float], amber_from: float, red_above: float) -> str:
    """``ok`` / ``watch`` / ``flag`` / ``unknown`` for a drop in degrees."""
    if drop_deg is None or not math.isfinite(drop_deg):
        return "unknown"
    return "flag" if drop_deg > red_above else "watch" if drop_deg > amber_from else "ok"


def current_drop(obliquity_deg: Optional[float], stance_left: bool, stance_right: bool) -> Optional[float]:
    """The drop of this instant from the obliquity (+ = right hip lower): in left stance the right hip
    falling is the drop, in right stance the left; in flight (or both) the larger of the two."""
    if obliquity_deg is None or not math.isfinite(obliquity_deg):
        return None
    if stance_left and not stance_right:
        return obliquity_deg
    if stance_right and not stance_left:
        return -obliquity_deg
    return abs(obliquity_deg)


def _step_label(step: Mapping[str, Any]) -> str:
    side = "L" if step.get("stance") == "left" else "R"
    drop = step.get("pelvic_drop_deg")
    parts = [side, "drop " + (f"{drop:.1f}" if _finite(drop) else "-") + " deg"]
    if _finite(step.get("foot_offset_cm")):
        parts.append(f"off {step['foot_offset_cm']:+.0f} cm")
    elif _finite(step.get("foot_offset_hipw")):
        parts.append(f"off {step['foot_offset_hipw']:+.2f} hw")
    return "  ".join(parts)


def overlay_drawer(series: PoseSeries, analysis: Mapping[str, Any], kb: KnowledgeBase
                   ) -> Callable[[np.ndarray, int], np.ndarray]:
    """The function drawing row ``i`` of ``series`` (the analysed PoseSeries, file clock) on its frame.

    Rows match ``analysis["series"]`` one to one; sides are relabelled as the analysis did.
    """
    traces = analysis.get("series") or {}
    T = len(series)
    obl = traces.get("pelvic_obliquity_deg") or [None] * T
    st_l = traces.get("stance_left") or [False] * T
    st_r = traces.get("stance_right") or [False] * T
    if not len(obl) == len(st_l) == len(st_r) == T:
        raise ValueError(f"analysis series has {len(obl)} rows, the pose series {T}: not the same clip")
    view = analysis.get("view") or "rear"
    xy = relabel_sides(series, view).series.xy if view in ("rear", "front") else series.xy
    amber_from, red_above = drop_levels(kb)
    t = np.asarray(series.t, float)
    landings = []  # [first row, last row of the numbers, last row of the dot, heel xy, step]
    for st in analysis.get("steps") or []:
        c = st.get("contact_frame")
        if not isinstance(c, int) or not 0 <= c < T:
            continue
        heel = xy[c, lm.L_HEEL if st.get("stance") == "left" else lm.R_HEEL]
        if not np.isfinite(heel).all():
            continue
        last = int(np.searchsorted(t, t[c] + LANDING_HOLD_S, side="right")) - 1
        landings.append([c, last, last, heel, st])
    for k, (c, _, last, _, st) in enumerate(landings):  # a step's numbers give way to the next one of that side
        later = [m[0] for m in landings[k + 1:] if m[4].get("stance") == st.get("stance") and m[0] > c]
        landings[k][1] = min(last, later[0] - 1) if later else last

    def draw(rgb: np.ndarray, i: int) -> np.ndarray:
        out = draw_skeleton(rgb, series.xy[i], series.visibility[i])
        h, w = out.shape[:2]
        lh, rh = xy[i, lm.L_HIP], xy[i, lm.R_HIP]
        hip_w = float(np.linalg.norm(lh - rh)) if np.isfinite(lh).all() and np.isfinite(rh).all() else 0.0
        thick = max(2, int(round(max(hip_w, 0.04 * h) / 20)))
        font = max(0.4, min(h, w) / 1400)
        if hip_w > 0:
            mid = (lh + rh) / 2
            x = int(round(mid[0]))
            cv2.line(out, (x, 0), (x, h - 1), MIDLINE_RGB, max(1, thick // 2), cv2.LINE_AA)
            level = drop_level(current_drop(obl[i], bool(st_l[i]), bool(st_r[i])), amber_from, red_above)
            cv2.line(out, _pt(lh), _pt(rh), LEVEL_RGB[level], 2 * thick, cv2.LINE_AA)
        for first, text_last, last, heel, st in landings:
            if first <= i <= last:
                cv2.circle(out, _pt(heel), 2 * thick, LANDING_RGB, -1, cv2.LINE_AA)
                if st.get("crossover"):
                    cv2.circle(out, _pt(heel), 3 * thick, LEVEL_RGB["flag"], max(1, thick // 2), cv2.LINE_AA)
            if first <= i <= text_last:
                text = _step_label(st)
                (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font, 1)
                left = st.get("stance") == "left"
                view_left_is_image_left = view != "front"
                to_left = left == view_left_is_image_left
                org = (int(heel[0] - 4 * thick - tw) if to_left else int(heel[0] + 4 * thick), int(heel[1] + th + 3 * thick))
                org = (min(max(org[0], 2), w - tw - 2), min(max(org[1], th + 2), h - 4))
                cv2.putText(out, text, org, cv2.FONT_HERSHEY_SIMPLEX, font, (0, 0, 0), 3, cv2.LINE_AA)
                cv2.putText(out, text, org, cv2.FONT_HERSHEY_SIMPLEX, font, (255, 255, 255), 1, cv2.LINE_AA)
        return out

    return draw


def write_analysis_overlay(video: PathLike, series: PoseSeries, analysis: Mapping[str, Any], out_mp4: PathLike, *,
                           kb: Optional[Union[KnowledgeBase, PathLike]] = None) -> Path:
    """Write ``out_mp4`` (H.264 yuv420p, one frame per row of ``series`` at its timestamps) with the
    skeleton, hip line, midline, landing points and per-step numbers; return its path."""
    kb = kb if isinstance(kb, KnowledgeBase) else load_kb(kb)
    return write_overlay(video, series, out_mp4, draw=overlay_drawer(series, analysis, kb))


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
