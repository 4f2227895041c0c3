"""Capture-quality checks, each with a plain-language message.

Every check is ``{"id", "ok", "value", "level", "message"}`` with ``level`` one of "ok", "warn",
"error". Limits are in ``thresholds.yaml`` (``quality``). Ids: view, fps, runner_size,
confident_landmarks, camera_roll, other_person, out_of_frame, missing_frames, and — for a series
decoded from a video — truncated (the file ended before its container's stated length).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..pose import landmarks as lm
from ..pose.series import PoseSeries
from .config import thresholds
from .view import ViewResult

BODY = [lm.L_SHOULDER, lm.R_SHOULDER, lm.L_HIP, lm.R_HIP, lm.L_KNEE, lm.R_KNEE,
        lm.L_ANKLE, lm.R_ANKLE, lm.L_HEEL, lm.R_HEEL, lm.L_TOE, lm.R_TOE]


def _check(id_: str, ok: bool, value: Any, message: str, level: Optional[str] = None) -> dict[str, Any]:
    return {"id": id_, "ok": bool(ok), "value": value, "level": level or ("ok" if ok else "warn"), "message": message}


#: landmarks the camera cannot see by design in each view (the model marks them low-visibility
#: although it places them): the toes behind the shoe from behind, the heels from the front
HIDDEN_BY_VIEW = {"rear": (lm.L_TOE, lm.R_TOE), "front": (lm.L_HEEL, lm.R_HEEL), "side": ()}


def _confident_landmarks(series: PoseSeries, view: Optional[str], q: dict[str, Any]) -> dict[str, Any]:
    """How confidently the model placed the body landmarks this view can see.

    ``value`` is the mean over those landmarks of the fraction of frames where each one's
    visibility is at least ``confident_visibility`` (0..1); the message names the least
    confident one. Counting per landmark, not "every landmark in the same frame": from behind
    the swing foot is briefly hidden by the stance leg in many frames without harming anything.
    """
    hidden = HIDDEN_BY_VIEW.get(view or "", ())
    idx = [i for i in BODY if i not in hidden]
    if not len(series):
        return _check("confident_landmarks", False, 0.0, "No frames.")
    frac = np.mean(np.nan_to_num(series.visibility[:, idx], nan=0.0) >= q["confident_visibility"], axis=0)
    conf = float(np.mean(frac))
    worst = int(np.argmin(frac))
    ok = conf >= q["min_confident_fraction"]
    msg = (f"Body landmarks were confidently placed in {conf:.0%} of frames on average "
           f"(least: {lm.NAMES[idx[worst]].replace('_', ' ')}, {frac[worst]:.0%}).")
    if not ok:
        msg += " Occlusion, blur or clothing is hiding parts of the runner."
    return _check("confident_landmarks", ok, round(conf, 4), msg)


def runner_size(series: PoseSeries) -> tuple[float, float]:
    """(median hip width px, median shoulder-midpoint-to-lower-heel height px); NaN if unseen."""
    xy = series.xy
    hw = np.linalg.norm(xy[:, lm.L_HIP] - xy[:, lm.R_HIP], axis=1)
    body = np.fmax(xy[:, lm.L_HEEL, 1], xy[:, lm.R_HEEL, 1]) - (xy[:, lm.NOSE, 1])
    med = lambda a: float(np.nanmedian(a)) if np.isfinite(a).any() else float("nan")  # noqa: E731
    return med(hw), med(body)


def quality_checks(series: PoseSeries, view: ViewResult, *, camera_roll_deg: Optional[float],
                   missing_fraction: float, camera_roll_source: str = "given") -> dict[str, Any]:
    """All checks for one analysed clip, plus ``missing_fraction`` and ``other_person_fraction``.

    ``camera_roll_source``: ``given`` (by the user) or ``scene`` (estimated from level and plumb lines).
    """
    q = thresholds()["quality"]
    checks = []
    det = series.detected
    if view.n_frames == 0:
        checks.append(_check("view", False, None, "No runner was found, so the camera view could not be decided.", "error"))
    else:
        ok = view.confidence >= q["view_min_confidence"]
        what = {"rear": "from behind", "front": "from the front", "side": "from the side"}[view.view]
        msg = f"Runner seen {what} (confidence {view.confidence:.2f})."
        if not ok:
            msg += " The view is uncertain: left/right and frontal-plane numbers may be wrong."
        if view.view == "side":
            msg += (" Pelvic drop and crossover need a rear or front view; they are not measured."
                    " From the side the model cannot tell the left foot from the right (its labels"
                    " follow the front and back foot), so the feet are named by alternation from a"
                    " guess: the two sides' numbers may be swapped — compare the sides, not their names.")
        checks.append(_check("view", ok, view.view, msg))
    fps = series.fps
    if np.isfinite(fps):
        ok = fps >= q["fps_warn_below"]
        frame_ms = 1000.0 / fps
        msg = (f"{fps:.0f} fps: contact times are accurate to about ±{frame_ms:.0f} ms (one frame)."
               + ("" if ok else f" Film at {q['fps_warn_below']} fps or more (120 ideal)."))
        checks.append(_check("fps", ok, round(fps, 3), msg))
    else:
        checks.append(_check("fps", False, None, "Too few frames to know the frame rate.", "error"))
    hw, body = runner_size(series)
    if np.isfinite(hw):
        ok = hw >= q["min_hip_width_px"] and body >= q["min_body_height_px"]
        msg = f"Runner is about {body:.0f} px tall with hips {hw:.0f} px apart."
        if not ok:
            msg += (f" That is small: pelvis angles need hips at least {q['min_hip_width_px']} px apart"
                    " — move the camera closer or zoom in.")
        checks.append(_check("runner_size", ok, {"hip_width_px": round(hw, 1), "body_height_px": round(body, 1)}, msg))
    else:
        checks.append(_check("runner_size", False, None, "Runner not found, so the size is unknown.", "error"))
    checks.append(_confident_landmarks(series, view.view if view.n_frames else None, q))
    if camera_roll_deg is None:
        checks.append(_check("camera_roll", False, None,
                             "Camera roll was not estimated; angles assume a level camera. A tilt of 1° "
                             "shifts pelvic drop by 1° (in opposite directions for the two sides). "
                             "Give it with --camera-roll if known."
                             + (" No level or plumb lines were found in the scene to estimate it from."
                                if camera_roll_source == "scene" else "")))
    else:
        ok = abs(camera_roll_deg) <= q["max_abs_camera_roll_deg"]
        checks.append(_check("camera_roll", ok, camera_roll_deg,
                             f"Angles corrected for a camera roll of {camera_roll_deg:.1f}° "
                             + ("(given)." if camera_roll_source == "given" else
                                "(estimated from level and plumb lines in the scene; give --camera-roll if known).")
                             + ("" if ok else " That is a large tilt: level the camera.")))
    other = series.source.get("other_person_fraction")
    if other is None:
        other = float(np.mean(series.n_people > 1)) if len(series) else 0.0
    ok = other <= q["other_person_warn_fraction"]
    checks.append(_check("other_person", ok, round(float(other), 4),
                         "No one else in view." if other == 0 else
                         f"Another person was seen in {other:.0%} of frames"
                         + ("." if ok else "; the wrong person may have been measured in some frames.")))
    oof = _out_of_frame(series)
    ok = oof <= q["out_of_frame_warn_fraction"]
    checks.append(_check("out_of_frame", ok, round(oof, 4),
                         "The runner stays inside the frame." if oof == 0 else
                         f"Part of the runner (usually the feet or head) is outside the frame in {oof:.0%} of frames."))
    ok = missing_fraction <= q["missing_warn_fraction"]
    checks.append(_check("missing_frames", ok, round(missing_fraction, 4),
                         f"Feet or hips were missing in {missing_fraction:.0%} of frames; smoothing never bridges a gap."))
    if "truncated" in series.source:  # decoded from a video (not a hand-built series)
        truncated = bool(series.source["truncated"])
        said = "; ".join(str(w) for w in series.source.get("warnings") or [])
        checks.append(_check("truncated", not truncated, truncated,
                             f"The video file is incomplete ({said or 'it ends before its stated length'}): only the "
                             "frames before the break were analysed — copy or export the file again."
                             if truncated else "The whole video decoded."))
    other_frac = float(np.mean(series.n_people > 1)) if len(series) else 0.0
    return {"checks": checks, "missing_fraction": round(missing_fraction, 4),
            "other_person_fraction": round(float(series.source.get("other_person_fraction", other_frac)), 4),
            "detected_fraction": round(float(det.mean()) if len(series) else 0.0, 4)}


def _out_of_frame(series: PoseSeries) -> float:
    """Fraction of detected frames with a body landmark outside the image (or within 1 px of it)."""
    if not series.detected.any():
        return 0.0
    xy = series.xy[series.detected][:, BODY]
    out = (xy[..., 0] < 1) | (xy[..., 0] > series.width - 1) | (xy[..., 1] < 1) | (xy[..., 1] > series.height - 1)
    return float(np.mean(np.any(out, axis=1)))
