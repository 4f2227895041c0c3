"""Marker-based metrics with the 2D literature's definitions, beside the markerless ones.

* **pelvic drop (markers)**: the angle of the line through the two PSIS markers against the
  horizontal (camera roll removed), at midstance and its peak between initial contact and toe-off,
  positive when the swing side is lower, keyed by stance side — the same sign and stances as
  ``pelvic_drop_deg`` (Dingenen 2018, Souza 2016; ``../shared/EVIDENCE.md`` §1).
* **midstance (markers)**: the frame where the PSIS-marker midpoint is lowest in the stance (the
  deepest point of the landing), found from the markers themselves — not the event detector's
  midstance (the frame where the hip *landmarks* are lowest: a frame off on about half the steps
  at 30 fps on renders, which made the marker drop's left-side mean err by −0.98°). Its
  neighbours must be measured too (else not measurable, with the reason). No sub-frame time: the
  pelvis falls fast into its lowest point and stays nearly level after it, so a parabola's vertex
  lands late (tried on the 30 fps validation render: 7–24 ms late, the left-side error worse).
  The drop there is a quadratic fitted to the angles within ± 50 ms (at 30 fps the frame's own
  angle; at 60/120 fps it halves the per-step scatter of small markers — ``benchmarks/validate_markers.py``).
* **landing offset (markers)**: the landing heel marker's x at initial contact minus the PSIS-marker
  midpoint's x, toward the stance side, in hip widths (the clip's median hip-landmark distance, the
  unit of ``foot_offset_hipw``) and in cm with the runner's height; ≤ 0 = crossover.
* **step width (markers)**: |x| distance between this contact's heel marker and the previous
  contact's (other foot), hip widths / cm (Wang 2024).

The landing heel marker is the lowest heel-box marker in the contact frame (the other foot is in
the air or leaving). A value whose frame was rejected by the tracker is None with the reason —
never interpolated. :func:`add_markers` writes everything into an analysis dict
(``docs/analysis-schema.md``, "markers").
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from ..metrics.analysis import jsonable
from ..metrics.pelvis import drops, horizontal_px, image_to_runner
from ..metrics.summary import describe
from ..metrics.view import side_sign
from ..pose.series import PoseSeries
from ..pose.video import iter_frames
from .agreement import agreement
from .detect import config
from .track import MarkerTrack, MarkerTracker

PathLike = Union[str, Path]
#: per-step marker values and their per-side summaries
STEP_KEYS = ("pelvic_drop_markers_deg", "pelvic_drop_markers_peak_deg", "foot_offset_markers_hipw",
             "foot_offset_markers_cm", "step_width_markers_hipw", "step_width_markers_cm")
#: per step: the marker midstance, a frame index of the analysed clip
MIDSTANCE_KEY = "midstance_markers_frame"
#: half-width (s) of the window around the marker midstance whose angles are fitted (a quadratic)
_MID_FIT_S = 0.05
#: a stance's peak needs at least this fraction of its frames measured
_PEAK_MIN_FRACTION = 0.8


def track_video(video: PathLike, series: PoseSeries, *, color: Optional[str] = None, start_s: Optional[float] = None,
                end_s: Optional[float] = None, stride: int = 1) -> MarkerTrack:
    """Track the markers in ``video`` for every row of ``series`` (made from it with the same
    ``start_s``/``end_s``/``stride``; frames paired with rows by timestamp, the file's clock)."""
    tracker = MarkerTracker(color)
    T = len(series)
    half = 0.5 * float(np.median(np.diff(series.t))) if T > 1 else np.inf
    done = 0
    with iter_frames(video, start_s=start_s, end_s=end_s, stride=stride) as frames:
        for frame in frames:
            if done >= T:
                break
            i = int(np.argmin(np.abs(series.t - frame.t)))
            if abs(series.t[i] - frame.t) > half or i < done:
                continue
            while done < i:
                tracker.update(None, series.xy[done])
                done += 1
            tracker.update(frame.rgb, series.xy[i])
            done += 1
    while done < T:
        tracker.update(None, series.xy[done])
        done += 1
    return tracker.result()


def marker_obliquity(track: MarkerTrack, view: str, camera_roll_deg: float = 0.0) -> np.ndarray:
    """(T,) runner-frame obliquity of the PSIS-marker line (deg, + = right PSIS lower), NaN where rejected."""
    d = track.psis[:, 1] - track.psis[:, 0]
    return image_to_runner(np.degrees(np.arctan2(d[:, 1], d[:, 0])), view, camera_roll_deg)


def marker_midstance(track: MarkerTrack, obl: np.ndarray, contact: int, toe_off: int,
                     frame_s: float) -> tuple[Optional[int], Optional[float], str]:
    """(frame of the lowest PSIS-marker midpoint between the ``contact`` and ``toe_off`` frames,
    the obliquity there in deg, "") or (None, None, why) — see the module docstring.

    ``obl`` (T,): :func:`marker_obliquity`; ``frame_s``: the frame interval in real time (s). The
    lowest measured frame must have both neighbours measured and inside the stance, else the true
    lowest point may be hidden in the rejected frames next to it. The obliquity is a quadratic
    fitted to the measured frames within ± ``_MID_FIT_S`` (at 30 fps: the frame's own value)."""
    y = track.psis[:, :, 1].mean(axis=1)                    # image y grows downward: lowest = max y
    seg = y[contact:toe_off + 1]
    if not np.isfinite(seg).any():
        rej = sorted({s for s in track.status[contact:toe_off + 1] if s != "ok"})
        return None, None, f"PSIS markers not measured in this stance ({', '.join(rej)})"
    m = contact + int(np.nanargmax(seg))
    if m == contact or m == toe_off:
        return None, None, "PSIS-marker midpoint lowest at the edge of the stance (its lowest point not seen)"
    bad = sorted({track.status[i] for i in (m - 1, m, m + 1) if not (np.isfinite(y[i]) and np.isfinite(obl[i]))})
    if bad:
        return None, None, f"PSIS markers not measured around midstance ({', '.join(bad)})"
    h = max(1, int(_MID_FIT_S / frame_s + 1e-6))
    idx = np.arange(max(m - h, contact), min(m + h, toe_off) + 1)
    idx = idx[np.isfinite(obl[idx])]
    return m, float(np.polyval(np.polyfit(idx - m, obl[idx], 2), 0.0)), ""


def _landing_heel(track: MarkerTrack, c: int) -> Optional[np.ndarray]:
    h = track.heels[c] if 0 <= c < len(track.heels) else np.zeros((0, 2))
    return None if len(h) == 0 else h[int(np.argmax(h[:, 1]))]


def step_values(step: dict[str, Any], track: MarkerTrack, obl: np.ndarray, view: str, prev_heel: Optional[np.ndarray],
                cm_per_px: Optional[float], camera_roll_deg: float = 0.0
                ) -> tuple[dict[str, Optional[float]], dict[str, str], Optional[np.ndarray]]:
    """Marker values of one analysis step, the reasons for the missing ones, and its landing heel marker.
    Lateral distances are taken along the true horizontal (``camera_roll_deg`` removed)."""
    c, m, o = step["contact_frame"], step["midstance_frame"], step["toe_off_frame"]
    vals: dict[str, Optional[float]] = {k: None for k in (MIDSTANCE_KEY, *STEP_KEYS)}
    why: dict[str, str] = {}
    _, peak = drops(obl, step["stance"], c, m, o)
    frame_s = (step["toe_off_t"] - step["contact_t"]) / max(o - c, 1)
    m_mk, obl_mid, why_mid = marker_midstance(track, obl, c, o, frame_s)
    vals[MIDSTANCE_KEY] = m_mk
    if m_mk is None or obl_mid is None:
        blob = config()["blob"]
        why["pelvic_drop_markers_deg"] = why_mid + (
            f"; markers only {track.diameter_px:.1f} px across (the capture guide asks for {blob['guide_diameter_px']:g} px)"
            if track.diameter_px < blob["small_diameter_px"] else "")
    else:
        vals["pelvic_drop_markers_deg"] = (1.0 if step["stance"] == "left" else -1.0) * obl_mid
    seg = obl[c:o + 1]
    if np.isfinite(seg).mean() >= _PEAK_MIN_FRACTION:
        vals["pelvic_drop_markers_peak_deg"] = peak
    else:
        rej = sorted({s for s in track.status[c:o + 1] if s != "ok"})
        why["pelvic_drop_markers_peak_deg"] = (f"PSIS markers measured in {np.isfinite(seg).sum()} of {seg.size} stance "
                                               f"frames ({', '.join(rej)})")
    heel = _landing_heel(track, c)
    hw = track.hip_width_px
    mid = track.psis[c].mean(axis=0)
    if heel is None:
        why["foot_offset_markers_hipw"] = "no heel marker seen at initial contact"
    elif not np.isfinite(mid).all():
        why["foot_offset_markers_hipw"] = f"PSIS markers not measured at initial contact ({track.status[c]})"
    else:
        dx = side_sign(view)[step["stance"]] * horizontal_px(heel - mid, camera_roll_deg)
        vals["foot_offset_markers_hipw"] = dx / hw
        vals["foot_offset_markers_cm"] = None if cm_per_px is None else dx * cm_per_px
    if heel is not None and prev_heel is not None:
        width = abs(horizontal_px(heel - prev_heel, camera_roll_deg))
        vals["step_width_markers_hipw"] = width / hw
        vals["step_width_markers_cm"] = None if cm_per_px is None else width * cm_per_px
    else:
        why["step_width_markers_hipw"] = "heel marker not seen at this or the previous contact"
    return vals, why, heel


def add_markers(analysis: dict[str, Any], track: MarkerTrack) -> dict[str, Any]:
    """A copy of ``analysis`` with the marker values per step, their per-side summaries under
    ``summary.<side>``, the ``markers`` section (counts of rejected frames by reason) and the
    markerless-vs-marker ``agreement`` (:func:`gaitscan.markers.agreement.agreement`)."""
    out = dict(analysis)
    out["steps"] = [dict(s, not_measurable=dict(s.get("not_measurable") or {})) for s in analysis["steps"]]
    out["summary"] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in analysis["summary"].items()}
    out["not_measurable"] = dict(analysis.get("not_measurable") or {})
    T = len(track.status)
    rejected = track.rejected()
    section: dict[str, Any] = {
        "found": track.reason is None, "color": track.color, "message": track.reason,
        "frames": T, "frames_measured": T - sum(rejected.values()), "rejected_frames": rejected,
        "marker_diameter_px": track.diameter_px, "hip_width_px": track.hip_width_px,
        "method": ("PSIS-marker line at the markers' own midstance (lowest PSIS-marker midpoint in the stance) "
                   "/ peak in stance; heel marker at initial contact"),
    }
    if track.reason is not None or analysis["view"] not in ("rear", "front"):
        why = track.reason or "markers need a rear or front view"
        section.update(found=False, message=why)
        out["not_measurable"]["pelvic_drop_markers_deg"] = why
        for s in out["steps"]:
            s.update({k: None for k in (MIDSTANCE_KEY, *STEP_KEYS)})
        out["markers"] = section
        return jsonable(out)
    roll = float(analysis.get("camera_roll_deg") or 0.0)
    obl = marker_obliquity(track, analysis["view"], roll)
    cm = (analysis.get("scale") or {}).get("cm_per_px")
    prev: Optional[tuple[str, Optional[np.ndarray]]] = None
    for s in out["steps"]:
        vals, why, heel = step_values(s, track, obl, analysis["view"],
                                      prev[1] if prev is not None and prev[0] != s["stance"] else None, cm, roll)
        s.update({k: (None if v is None else v if k == MIDSTANCE_KEY else round(float(v), 4)) for k, v in vals.items()})
        s["not_measurable"].update(why)
        prev = (s["stance"], heel)
    for side in ("left", "right"):
        mine = [s for s in out["steps"] if s["stance"] == side]
        summ = dict(out["summary"].get(side) or {})
        for k in STEP_KEYS:
            summ[k] = describe([s[k] for s in mine])
        out["summary"][side] = summ
    section["steps_measured"] = sum(s["pelvic_drop_markers_deg"] is not None for s in out["steps"])
    section["steps_not_measured"] = {str(s["index"]): s["not_measurable"]["pelvic_drop_markers_deg"]
                                     for s in out["steps"] if s["pelvic_drop_markers_deg"] is None}
    out["markers"] = section
    out["agreement"] = agreement([(s["stance"], s.get("pelvic_drop_deg"), s["pelvic_drop_markers_deg"]) for s in out["steps"]])
    return jsonable(out)


def measure(analysis: dict[str, Any], series: PoseSeries, video: Optional[PathLike], *, color: Optional[str] = None,
            start_s: Optional[float] = None, end_s: Optional[float] = None, stride: int = 1) -> dict[str, Any]:
    """``analysis`` with the marker values added (:func:`add_markers`) from ``video``, the clip
    ``series`` (file clock) was made from; without a video, the ``markers`` section says so."""
    if video is None:
        why = "no markers found: no video given with the pose series (markers are found in the frames)"
        track = MarkerTrack(np.full((len(series), 2, 2), np.nan), ["no frame"] * len(series),
                            [np.zeros((0, 2))] * len(series), float("nan"), float("nan"), why, color or "default")
    else:
        track = track_video(video, series, color=color, start_s=start_s, end_s=end_s, stride=stride)
    return add_markers(analysis, track)


def terminal_lines(analysis: dict[str, Any]) -> list[str]:
    """What ``gaitscan analyze --markers`` prints about the markers (rich markup)."""
    mk = analysis.get("markers")
    if mk is None:
        return []
    if not mk["found"]:
        return [f"[yellow]markers[/yellow]: {mk['message']}; the markerless analysis is unaffected"]
    lines = []
    for side in ("left", "right"):
        s = analysis["summary"][side].get("pelvic_drop_markers_deg") or {}
        val = "—" if s.get("mean") is None else f"{s['mean']:.1f}° (95% CI {s['ci95'][0]:.1f}…{s['ci95'][1]:.1f}, n={s['n']})"
        lines.append(f"pelvic drop (markers), {side} stance: {val}")
    a = (analysis.get("agreement") or {}).get("all") or {}
    if a.get("mean_diff") is not None:
        lines.append(f"markerless − marker: {a['mean_diff']:+.2f}° (SD {a['sd_diff']:.2f}°, limits of agreement "
                     f"{a['loa'][0]:+.2f}…{a['loa'][1]:+.2f}°, n={a['n']})")
    rej = mk["rejected_frames"]
    lines.append(f"marker frames measured {mk['frames_measured']}/{mk['frames']}"
                 + (" (rejected: " + ", ".join(f"{k} {v}" for k, v in sorted(rej.items())) + ")" if rej else ""))
    return lines
