"""Per-step metrics from stances, the followed feet and the pelvis obliquity.

Definitions and signs (also in ``docs/analysis-schema.md`` and the README):

* **pelvic drop** (deg): obliquity at midstance and its peak between contact and toe-off, positive
  when the swing-side hip is lower (:mod:`gaitscan.metrics.pelvis`); ``pelvic_drop_relative_deg``
  the same at midstance against the runner's own mean obliquity over whole gait cycles.
* **foot offset** (hip widths): the planted stance heel (median over contact…toe-off: the foot does
  not move sideways on the belt) minus the pelvis midpoint at initial contact, along the true
  horizontal (camera roll removed, :func:`~gaitscan.metrics.pelvis.horizontal_px`), divided by the
  hip width (inter-hip-landmark distance, median over the stance), positive toward the stance
  side; **crossover** when ≤ 0. In cm with the runner's height (scale in :class:`Scale`). Not
  measured for a foot at the frame's edge at contact (``landing`` in ``thresholds.yaml``).
* **step width** (hip widths, cm): lateral distance (along the true horizontal) between this
  contact's planted heel and the previous contact's (the other foot).
* **lateral trunk lean** (deg): hip-midpoint→shoulder-midpoint line against the vertical at
  midstance, positive toward the stance side, camera roll removed.
* **hip adduction** (deg, frontal plane): stance thigh (hip→knee) against the perpendicular to the
  hip line at midstance, positive when the knee is medial.
* **knee FPPA** (deg): 180° minus the hip–knee–ankle angle at midstance, positive for valgus (knee
  medial to the hip–ankle line). 2D FPPA does not reflect 3D knee abduction (Dingenen 2018) —
  low validity.
* **times** (s): stance = toe-off − contact; step = contact − previous contact (other foot);
  flight = contact − previous toe-off (other foot). Resolution: one frame. A negative flight
  (the stances overlap) is null with the reason: in running both feet are never on the ground
  together, so the overlap is an event error (or the runner is walking).
* **side view**: overstride (heel ahead of the hip midpoint at contact along the true horizontal,
  leg lengths), knee flexion at contact (deg), foot-strike pattern from the foot angle to the true
  horizontal at contact (Altman & Davis 2012
  thresholds in ``thresholds.yaml``), forward trunk lean at midstance (deg, + forward).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional

import numpy as np

from ..pose import landmarks as lm
from ..pose.series import PoseSeries
from .config import thresholds
from .events import HEEL, TOE, EventResult, Stance
from .filtering import smooth_runs
from .pelvis import cycle_mean, drops, horizontal_px, to_level
from .view import View, side_sign

SIDE_VIEW_REASON = "not measurable from a side view (needs a rear or front view)"
FRONTAL_ONLY = ("pelvic_drop_deg", "pelvic_drop_peak_deg", "pelvic_drop_landmarks_deg", "pelvic_drop_relative_deg", "foot_offset_hipw",
                "foot_offset_cm", "crossover", "step_width_hipw", "step_width_cm", "trunk_lean_deg",
                "hip_adduction_deg", "knee_fppa_deg")
SIDE_ONLY = ("foot_strike", "overstride_legl", "knee_flexion_contact_deg", "trunk_forward_lean_deg")


@dataclass
class Step:
    """One stance with its metrics (units in the module docstring; None = not measured)."""

    index: int
    stance: str
    contact_t: float
    midstance_t: float
    toe_off_t: float
    contact_frame: int
    midstance_frame: int
    toe_off_frame: int
    pelvic_drop_deg: Optional[float] = None
    pelvic_drop_peak_deg: Optional[float] = None
    pelvic_drop_landmarks_deg: Optional[float] = None
    pelvic_drop_relative_deg: Optional[float] = None
    foot_offset_hipw: Optional[float] = None
    foot_offset_cm: Optional[float] = None
    crossover: Optional[bool] = None
    step_width_hipw: Optional[float] = None
    step_width_cm: Optional[float] = None
    trunk_lean_deg: Optional[float] = None
    hip_adduction_deg: Optional[float] = None
    knee_fppa_deg: Optional[float] = None
    stance_time_s: Optional[float] = None
    flight_time_s: Optional[float] = None
    step_time_s: Optional[float] = None
    foot_strike: Optional[str] = None
    overstride_legl: Optional[float] = None
    knee_flexion_contact_deg: Optional[float] = None
    trunk_forward_lean_deg: Optional[float] = None
    not_measurable: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready dict (floats rounded to 4 decimals; None stays None)."""
        d = asdict(self)
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}


@dataclass(frozen=True)
class Scale:
    """Pixel → cm scale: ``cm_per_px`` (None without a height) and how it was obtained."""

    cm_per_px: Optional[float]
    how: str


def body_scale(series: PoseSeries, height_cm: Optional[float]) -> Scale:
    """cm per pixel from the runner's height and the shoulder-to-heel height in the image.

    Shoulder height is taken as a fixed fraction of stature (``thresholds.yaml``); the image
    height is the 90th percentile over frames of (lower heel y − shoulder midpoint y), i.e. frames
    with the legs extended. Perspective is ignored: heels and pelvis are taken to be at one depth.
    """
    if height_cm is None:
        return Scale(None, "no runner height given (--height-cm)")
    xy = series.xy
    heel_y = np.fmax(xy[:, lm.L_HEEL, 1], xy[:, lm.R_HEEL, 1])
    sh_y = (xy[:, lm.L_SHOULDER, 1] + xy[:, lm.R_SHOULDER, 1]) / 2
    px = heel_y - sh_y
    px = px[np.isfinite(px) & (px > 0)]
    if px.size == 0:
        return Scale(None, "shoulders and heels never seen together")
    frac = thresholds()["body"]["shoulder_height_fraction"]
    body_px = float(np.percentile(px, 90)) / frac
    return Scale(height_cm / body_px, f"height {height_cm:g} cm over {body_px:.0f} px body height "
                 f"(shoulder-to-heel / {frac}); perspective ignored")


def _angle(v: np.ndarray) -> float:
    """Angle (deg) of image vector ``v`` from the upward vertical, + toward image-right."""
    return float(np.degrees(np.arctan2(v[0], -v[1])))


def _inner_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    u, w = a - b, c - b
    cosang = np.dot(u, w) / (np.linalg.norm(u) * np.linalg.norm(w))
    return float(np.degrees(np.arccos(np.clip(cosang, -1, 1))))


def _finite(*arrs: np.ndarray) -> bool:
    return all(np.all(np.isfinite(a)) for a in arrs)


def smooth_landmarks(series: PoseSeries) -> np.ndarray:
    """(T, 33, 2) landmark pixels, each landmark zero-phase low-passed over its valid runs."""
    fps = series.fps if np.isfinite(series.fps) else 30.0
    out = np.empty_like(series.xy)
    for k in range(lm.N_LANDMARKS):
        out[:, k] = smooth_runs(series.xy[:, k], fps)
    return out


def compute_steps(series: PoseSeries, view: View, events: EventResult, obliquity_deg: np.ndarray,
                  landmark_obliquity_deg: np.ndarray, *, scale: Scale, facing: int = 1,
                  camera_roll_deg: float = 0.0) -> list[Step]:
    """Metrics of every stance in ``events`` (see module docstring).

    ``series`` must be side-relabelled (:func:`gaitscan.metrics.view.relabel_sides`);
    ``obliquity_deg`` / ``landmark_obliquity_deg`` (T,) runner-frame pelvis angles, smoothed;
    ``facing`` +1/−1 (side view: runner faces image-right / left); ``camera_roll_deg`` as in
    :mod:`gaitscan.metrics.pelvis`.
    """
    xy = smooth_landmarks(series)
    # (T, 2) track order: each heel's position along the true horizontal (raw: :func:`_planted`
    # takes a median, which a low-pass would smear a swapped frame into)
    heel_h = horizontal_px(events.feet[:, :, HEEL, :], camera_roll_deg)
    feet = events.feet
    steps: list[Step] = []
    prev: Optional[Stance] = None
    lefts = [st.contact for st in events.stances if st.side == "left"]
    rights = [st.contact for st in events.stances if st.side == "right"]
    obl_rel = obliquity_deg - cycle_mean(obliquity_deg, max(lefts, rights, key=len))
    for i, st in enumerate(events.stances):
        s = Step(i, st.side, st.contact_t, st.midstance_t, st.toe_off_t, st.contact, st.midstance, st.toe_off)
        s.stance_time_s = st.toe_off_t - st.contact_t
        if prev is not None and prev.side != st.side:
            s.step_time_s = st.contact_t - prev.contact_t
            flight = st.contact_t - prev.toe_off_t
            if flight >= 0:
                s.flight_time_s = flight
            else:
                s.not_measurable["flight_time_s"] = (
                    f"stances overlap: this contact is {-flight * 1000:.0f} ms before the other foot's toe-off — "
                    "an event error in running (or walking, with double support)")
        else:
            why = ("first step: no previous contact of the other foot" if prev is None
                   else "previous contact of the other foot was not detected")
            s.not_measurable["step_time_s"] = s.not_measurable["flight_time_s"] = why
        if view == "side":
            for key in FRONTAL_ONLY:
                s.not_measurable[key] = SIDE_VIEW_REASON
            _side_metrics(s, st, xy, feet[:, st.track], facing, camera_roll_deg)
        else:
            for key in SIDE_ONLY:
                s.not_measurable[key] = "only measured from a side view"
            _frontal_metrics(s, st, view, xy, heel_h, obliquity_deg, landmark_obliquity_deg, scale, camera_roll_deg,
                             prev if prev is not None and prev.side != st.side else None, feet, (series.width, series.height))
            s.pelvic_drop_relative_deg = drops(obl_rel, st.side, st.contact, st.midstance, st.toe_off)[0]
            if s.pelvic_drop_relative_deg is None:
                s.not_measurable["pelvic_drop_relative_deg"] = "pelvis not measured at midstance, or over no whole gait cycle"
        steps.append(s)
        prev = st
    return steps


def _planted(heel_h: np.ndarray, st: Stance) -> float:
    """Where the stance heel is planted along the true horizontal (pixels): the median of
    ``heel_h`` (T, 2) over its track from contact to toe-off — the foot does not move sideways on
    the belt, so the frames outvote a heel the model put on the wrong foot; NaN when none was seen."""
    seg = heel_h[st.contact:max(st.toe_off, st.contact) + 1, st.track]
    seg = seg[np.isfinite(seg)]
    return float(np.median(seg)) if seg.size else float("nan")


def _at_frame_edge(feet: np.ndarray, size: tuple[int, int], st: Stance, hip_w: float) -> Optional[str]:
    """Why the foot of ``st`` cannot be placed at its initial contact — one of its landmarks
    (``feet`` (T, 2, 3, 2) pixels, track order) within ``landing.min_edge_distance_hipw`` hip widths
    of the edge of the frame (``size`` = width, height px) — or None."""
    width, height = size
    pts = feet[st.contact, st.track]
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if not pts.size or not np.isfinite(hip_w):
        return None
    gap = float(min(pts[:, 0].min(), width - pts[:, 0].max(), pts[:, 1].min(), height - pts[:, 1].max()))
    if gap >= thresholds()["landing"]["min_edge_distance_hipw"] * hip_w:
        return None
    return (f"the {st.side} foot is at the frame's edge at initial contact ({gap:.0f} px from it, "
            f"{gap / hip_w:.1f} hip widths): the camera cuts it off — frame the whole shoe")


def _frontal_metrics(s: Step, st: Stance, view: View, xy: np.ndarray, heel_h: np.ndarray, obl: np.ndarray,
                     obl_lm: np.ndarray, scale: Scale, roll: float, prev: Optional[Stance],
                     feet: np.ndarray, size: tuple[int, int]) -> None:
    c, m, o = st.contact, st.midstance, st.toe_off
    sign = side_sign(view)[st.side]
    s.pelvic_drop_deg, s.pelvic_drop_peak_deg = drops(obl, st.side, c, m, o)
    s.pelvic_drop_landmarks_deg = drops(obl_lm, st.side, c, m, o)[0]
    if s.pelvic_drop_deg is None:
        s.not_measurable["pelvic_drop_deg"] = "pelvis not measured at midstance"
    if s.pelvic_drop_peak_deg is None:
        s.not_measurable["pelvic_drop_peak_deg"] = "pelvis not measured between contact and toe-off"
    if s.pelvic_drop_landmarks_deg is None:
        s.not_measurable["pelvic_drop_landmarks_deg"] = "hip landmarks not seen at midstance"
    hips = xy[c:o + 1][:, [lm.L_HIP, lm.R_HIP]]
    hip_w = float(np.nanmedian(np.linalg.norm(hips[:, 0] - hips[:, 1], axis=1))) if np.isfinite(hips).any() else np.nan
    mid_h = horizontal_px((xy[c, lm.L_HIP] + xy[c, lm.R_HIP]) / 2, roll)
    hx = _planted(heel_h, st)
    edge = _at_frame_edge(feet, size, st, hip_w)
    if edge is not None:
        s.not_measurable["foot_offset_hipw"] = s.not_measurable["crossover"] = s.not_measurable["step_width_hipw"] = edge
    elif np.isfinite(hip_w) and hip_w > 0 and np.isfinite(mid_h) and np.isfinite(hx):
        s.foot_offset_hipw = float(sign * (hx - mid_h) / hip_w)
        s.crossover = bool(s.foot_offset_hipw <= 0)
        if scale.cm_per_px is not None:
            s.foot_offset_cm = float(sign * (hx - mid_h) * scale.cm_per_px)
        if prev is not None:
            px_prev = _planted(heel_h, prev)
            prev_edge = _at_frame_edge(feet, size, prev, hip_w)
            if prev_edge is not None:
                s.not_measurable["step_width_hipw"] = "previous contact: " + prev_edge
            elif np.isfinite(px_prev):
                s.step_width_hipw = float(abs(hx - px_prev) / hip_w)
                if scale.cm_per_px is not None:
                    s.step_width_cm = float(abs(hx - px_prev) * scale.cm_per_px)
            else:
                s.not_measurable["step_width_hipw"] = "the previous contact's heel was not seen"
    else:
        s.not_measurable["foot_offset_hipw"] = s.not_measurable["crossover"] = "heel or hips not seen at initial contact"
    if s.step_width_hipw is None:
        s.not_measurable.setdefault("step_width_hipw", "no previous contact of the other foot")
    for key in ("foot_offset_cm", "step_width_cm"):
        if getattr(s, key) is None:
            s.not_measurable[key] = (scale.how if scale.cm_per_px is None
                                     else s.not_measurable[key.replace("_cm", "_hipw")])
    sh = (xy[m, lm.L_SHOULDER] + xy[m, lm.R_SHOULDER]) / 2
    hipm = (xy[m, lm.L_HIP] + xy[m, lm.R_HIP]) / 2
    if _finite(sh, hipm):
        s.trunk_lean_deg = float(sign * (_angle(sh - hipm) - roll))
    else:
        s.not_measurable["trunk_lean_deg"] = "shoulders or hips not seen at midstance"
    hip_i, knee_i, ankle_i = (lm.L_HIP, lm.L_KNEE, lm.L_ANKLE) if st.side == "left" else (lm.R_HIP, lm.R_KNEE, lm.R_ANKLE)
    other_hip = lm.R_HIP if st.side == "left" else lm.L_HIP
    hip, knee, ankle, oh = xy[m, hip_i], xy[m, knee_i], xy[m, ankle_i], xy[m, other_hip]
    if _finite(hip, knee, oh):
        medial = (oh - hip) / np.linalg.norm(oh - hip)
        down = np.array([-medial[1], medial[0]])
        if down[1] < 0:
            down = -down
        thigh = knee - hip
        ang = np.degrees(np.arctan2(np.dot(thigh, medial), np.dot(thigh, down)))
        s.hip_adduction_deg = float(ang)
        if _finite(ankle):
            line = ankle - hip
            proj = hip + line * np.dot(knee - hip, line) / np.dot(line, line)
            valgus = np.sign(np.dot(knee - proj, medial))
            s.knee_fppa_deg = float(valgus * (180.0 - _inner_angle(hip, knee, ankle)))
    else:
        s.not_measurable["hip_adduction_deg"] = "stance hip, knee or other hip not seen at midstance"
    s.not_measurable["knee_fppa_deg"] = ("low validity: 2D knee FPPA does not reflect 3D knee abduction"
                                         + ("" if s.knee_fppa_deg is not None
                                            else "; stance hip, knee or ankle not seen at midstance"))


def _side_metrics(s: Step, st: Stance, xy: np.ndarray, foot: np.ndarray, facing: int, roll: float) -> None:
    c, m = st.contact, st.midstance
    hip_i, knee_i, ankle_i = (lm.L_HIP, lm.L_KNEE, lm.L_ANKLE) if st.side == "left" else (lm.R_HIP, lm.R_KNEE, lm.R_ANKLE)
    hipm = (xy[c, lm.L_HIP] + xy[c, lm.R_HIP]) / 2
    heel, toe = foot[c, HEEL], foot[c, TOE]
    leg = np.linalg.norm(xy[c, hip_i] - xy[c, ankle_i])
    if _finite(hipm, heel) and np.isfinite(leg) and leg > 0:
        s.overstride_legl = float(facing * horizontal_px(heel - hipm, roll) / leg)
    else:
        s.not_measurable["overstride_legl"] = "heel, hips or stance leg not seen at initial contact"
    if _finite(xy[c, hip_i], xy[c, knee_i], xy[c, ankle_i]):
        s.knee_flexion_contact_deg = 180.0 - _inner_angle(xy[c, hip_i], xy[c, knee_i], xy[c, ankle_i])
    else:
        s.not_measurable["knee_flexion_contact_deg"] = "stance hip, knee or ankle not seen at initial contact"
    along, down = to_level(heel - toe, roll) if _finite(heel, toe) else (np.nan, np.nan)
    if np.isfinite(along) and abs(along) > 0:
        fsa = float(np.degrees(np.arctan2(down, abs(along))))   # toe above the heel: +, roll removed
        th = thresholds()["foot_strike"]
        s.foot_strike = "rearfoot" if fsa > th["rearfoot_above_deg"] else "forefoot" if fsa < th["forefoot_below_deg"] else "midfoot"
    else:
        s.not_measurable["foot_strike"] = "heel or toe not seen apart at initial contact"
    sh = (xy[m, lm.L_SHOULDER] + xy[m, lm.R_SHOULDER]) / 2
    hm = (xy[m, lm.L_HIP] + xy[m, lm.R_HIP]) / 2
    if _finite(sh, hm):
        s.trunk_forward_lean_deg = float(facing * (_angle(sh - hm) - roll))
    else:
        s.not_measurable["trunk_forward_lean_deg"] = "shoulders or hips not seen at midstance"
