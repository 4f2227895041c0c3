"""Validate pelvic drop (landmark hip line vs the pelvis image estimator) and crossover detection
on rear-view renders of the synthetic runner with exact ground truth.

    python benchmarks/validate_pelvis.py [--quick] [--json OUT] [--work DIR] [--seed N]

Every clip varies drop per side (0–12°), clothing, skin tone, camera roll (±2°, given to the
estimator as ``--camera-roll`` would be), distance and height, and rails. Each clip is rendered,
run through the real pose model, then:

- **pelvic drop** at the true midstance frame, in the runner frame with the known roll removed,
  against the truth's projected hip-centre drop at midstance (``pelvic_drop_2d_level_deg``);
  per clip and side: mean error, per-step SD, worst |error|, wrong signs for |true| ≥ 3°; per
  clip the **gain** of the image estimate (slope of its per-frame obliquity on the true one) and
  the **seat** turn ratio (``PelvisTrace.seat_turn_ratio``: below ``halves_min_ratio`` refused).
- **camera roll from the scene** (:func:`gaitscan.pelvis.offline.video_scene_roll`) against the
  true roll.
  Rows ``landmarks`` are the baseline the README reports.
- **crossover**: the analyze pipeline's steps matched to the true steps; steps whose true landing
  offset is ≥ 0.15 hip widths from the midline must be classified correctly (crossover ⇔ ≤ 0).

Renders and pose series are cached in ``--work`` (default a temporary directory).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from gaitscan.metrics.analysis import analyse_series
from gaitscan.metrics.pelvis import landmark_obliquity
from gaitscan.metrics.truthcompare import match_steps
from gaitscan.pelvis.offline import measure_video, video_scene_roll
from gaitscan.pose import run_pose
from gaitscan.pose.series import PoseSeries
from gaitscan.synth import Appearance, Camera, RunnerParams
from gaitscan.synth.params import SKIN_TONES
from gaitscan.synth.render import kept_truth, render_video

TARGET_MEAN, TARGET_SD, SIGN_FROM = 1.0, 1.5, 3.0
OFFSET_LIMIT_HIPW = 0.15


@dataclass(frozen=True)
class Case:
    """One clip of the grid."""

    name: str
    drop_l: float
    drop_r: float
    app: Appearance = field(default_factory=Appearance)
    roll: float = 0.0
    distance: float = 3.5
    cam_height: float = 1.0
    rails: bool = True
    offset_l: float = 0.05
    offset_r: float = -0.03
    lean: float = 0.0


def grid(quick: bool) -> list[Case]:
    """The clips: ``quick`` a small set covering each factor once, else the full set."""
    cases = [
        Case("plain_8_2", 8, 2),
        Case("logo_left_0_12", 0, 12, Appearance(logo="left"), lean=2.0),
        Case("pattern_dark_5_5_roll+2", 5, 5, Appearance(shorts_pattern=True, skin=SKIN_TONES["dark"]), roll=2.0),
        Case("tights_12_0_roll-2", 12, 0, Appearance(shorts_style="tights", skin=SKIN_TONES["light"]), roll=-2.0),
        Case("loose_3_9_far", 3, 9, Appearance(shorts_style="loose"), distance=5.5),
        Case("hang_right_8_2", 8, 2, Appearance(shirt_style="hang_right")),
    ]
    if quick:
        return cases
    return cases + [
        Case("plain_0_0_high_norails", 0, 0, cam_height=1.4, rails=False, offset_l=0.04, offset_r=0.04),
        Case("logo_right_10_4_tan", 10, 4, Appearance(logo="right", skin=SKIN_TONES["tan"]), lean=3.0),
        Case("pattern_2_6_far", 2, 6, Appearance(shorts_pattern=True), distance=6.5),
        Case("tights_6_12_brown_roll+1", 6, 12, Appearance(shorts_style="tights", skin=SKIN_TONES["brown"]), roll=1.0),
        Case("plain_4_8_veryfar", 4, 8, distance=9.0),
        Case("long_shirt_8_2", 8, 2, Appearance(shirt_style="long")),
        # more loose plain shorts: the pelvis image method fails on them (the outline it reads follows
        # the thighs) and no quality signal tried separates them from fitted shorts yet; patterned works
        Case("loose_8_2", 8, 2, Appearance(shorts_style="loose")),
        Case("loose_0_10_tan_4.5m", 0, 10, Appearance(shorts_style="loose", skin=SKIN_TONES["tan"]), distance=4.5),
        Case("loose_pattern_6_6", 6, 6, Appearance(shorts_style="loose", shorts_pattern=True)),
    ]


def prepare(case: Case, work: Path, duration_s: float, seed: int = 7) -> tuple[Path, PoseSeries, dict[str, Any]]:
    """Render (cached) and run the pose model (cached); returns video, series, truth. ``seed``: the
    runner's step-to-step variation (another seed = fresh clips for checking limits set on these)."""
    stem = case.name if seed == 7 else f"{case.name}_seed{seed}"
    video = work / f"{stem}.mp4"
    npz = work / f"{stem}.npz"
    params = RunnerParams(drop_left_deg=case.drop_l, drop_right_deg=case.drop_r, offset_left_m=case.offset_l,
                          offset_right_m=case.offset_r, trunk_lean_deg=case.lean, appearance=case.app, seed=seed)
    cam = Camera(distance_m=case.distance, height_m=case.cam_height, roll_deg=case.roll, rails=case.rails)
    if video.exists():
        truth = kept_truth(video, params, cam, fps=30, duration_s=duration_s)
    else:
        truth = render_video(params, cam, fps=30, duration_s=duration_s, out=video)
    if not npz.exists():
        run_pose(video).save(npz)
    return video, PoseSeries.load(npz), truth


def _errors(runner_deg: np.ndarray, truth: dict[str, Any], side: str) -> tuple[np.ndarray, np.ndarray]:
    """(errors, true values) of per-step drops at the true midstance for stance ``side``."""
    err, true = [], []
    for st in truth["steps"]:
        if st["stance"] != side or st["pelvic_drop_2d_level_deg"] is None:
            continue
        v = runner_deg[st["midstance_frame"]]
        drop = (1.0 if side == "left" else -1.0) * v
        err.append(drop - st["pelvic_drop_2d_level_deg"])
        true.append(st["pelvic_drop_2d_level_deg"])
    return np.array(err, float), np.array(true, float)


def _stats(err: np.ndarray, true: np.ndarray) -> dict[str, Any]:
    ok = np.isfinite(err)
    if not ok.any():
        return {"n": 0, "measured": 0}
    e = err[ok]
    wrong = int(np.sum((np.abs(true[ok]) >= SIGN_FROM) & (np.sign(e + true[ok]) != np.sign(true[ok]))))
    return {"n": int(err.size), "measured": int(ok.sum()), "true_mean": float(true[ok].mean()), "mean_err": float(e.mean()),
            "sd": float(e.std(ddof=1)) if e.size > 1 else 0.0, "worst": float(np.max(np.abs(e))), "wrong_sign": wrong}


def crossover_check(series: PoseSeries, truth: dict[str, Any], roll: float) -> dict[str, Any]:
    """Steps ≥ 0.15 hip widths from the midline: how many the analyze pipeline classified right."""
    analysis = analyse_series(series, camera_roll_deg=roll)
    pairs = match_steps(analysis["steps"], truth["steps"])
    n = right = 0
    missed = []
    for got, true in pairs:
        off = true["foot_offset_2d_level_hipw"]
        if off is None or abs(off) < OFFSET_LIMIT_HIPW or got.get("crossover") is None:
            continue
        n += 1
        if got["crossover"] == (off <= 0):
            right += 1
        else:
            missed.append({"stance": got["stance"], "true_hipw": round(off, 3), "got_hipw": got["foot_offset_hipw"]})
    return {"steps_true": len(truth["steps"]), "matched": len(pairs), "checked": n, "correct": right, "wrong": missed}


def gain(image_deg: np.ndarray, truth: dict[str, Any]) -> Optional[float]:
    """Slope of the per-frame estimate on the true per-frame obliquity (1 = reads the true size)."""
    true = np.asarray(truth["frames"]["pelvic_obliquity_deg"], float)
    ok = np.isfinite(image_deg) & np.isfinite(true)
    return float(np.polyfit(true[ok], image_deg[ok], 1)[0]) if ok.sum() > 10 and np.ptp(true[ok]) > 1 else None


def evaluate(case: Case, work: Path, duration_s: float, seed: int = 7) -> dict[str, Any]:
    video, series, truth = prepare(case, work, duration_s, seed)
    t0 = time.perf_counter()
    trace = measure_video(video, series)
    ms = 1000 * (time.perf_counter() - t0) / max(len(series), 1)
    view = "rear"
    methods = {"landmarks": landmark_obliquity(series, view, case.roll).deg}
    if trace.reason is None:
        methods["pelvis-image"] = trace.image_deg - case.roll
    scene_roll, _ = video_scene_roll(video, series)
    out: dict[str, Any] = {"case": case.name, "hip_width_px": trace.hip_width_px, "refused": trace.reason,
                           "roll_true": case.roll, "roll_scene": scene_roll,
                           "level_deg": trace.level_deg, "ms_per_frame": ms, "sides": {},
                           "gain": None if trace.reason else gain(trace.image_deg - case.roll, truth),
                           "seat_turn_ratio": trace.seat_turn_ratio}
    for name, deg in methods.items():
        for side in ("left", "right"):
            out["sides"][f"{name}/{side}"] = _stats(*_errors(deg, truth, side))
    out["crossover"] = crossover_check(series, truth, case.roll)
    return out


def table(results: list[dict[str, Any]]) -> str:
    """Plain-text table of the results (one row per clip × method × side)."""
    lines = [f"{'clip':28s} {'method':13s} {'side':5s} {'true':>6s} {'mean err':>8s} {'SD':>5s} {'worst':>6s} {'sign':>4s}  note"]
    for r in results:
        for key, s in r["sides"].items():
            method, side = key.split("/")
            if s["measured"] == 0:
                continue
            miss = []
            if abs(s["mean_err"]) > TARGET_MEAN:
                miss.append("mean")
            if s["sd"] > TARGET_SD:
                miss.append("SD")
            if s["wrong_sign"]:
                miss.append("sign")
            lines.append(f"{r['case']:28s} {method:13s} {side:5s} {s['true_mean']:6.2f} {s['mean_err']:8.2f} {s['sd']:5.2f} "
                         f"{s['worst']:6.2f} {s['wrong_sign']:4d}  {'MISS ' + ','.join(miss) if miss else ''}")
        if r["refused"]:
            lines.append(f"{r['case']:28s} {'pelvis-image':13s} {'-':5s} not measurable: {r['refused']}")
    lines.append("")
    lines.append(f"{'clip':28s} {'hipw px':>7s} {'level':>6s} {'gain':>5s} {'seat':>5s} {'ms/fr':>6s} {'roll':>5s} {'scene':>6s}  "
                 f"crossover (|true| >= {OFFSET_LIMIT_HIPW} hip widths)")
    for r in results:
        c = r["crossover"]
        scene = "none" if r["roll_scene"] is None else f"{r['roll_scene']:6.2f}"
        g, seat = ("  -  " if v is None else f"{v:5.2f}" for v in (r["gain"], r["seat_turn_ratio"]))
        lines.append(f"{r['case']:28s} {r['hip_width_px']:7.1f} {r['level_deg']:6.2f} {g} {seat} {r['ms_per_frame']:6.1f} "
                     f"{r['roll_true']:5.1f} {scene:>6s}  "
                     f"{c['correct']}/{c['checked']} correct, {c['matched']}/{c['steps_true']} steps matched"
                     + (f"; wrong: {c['wrong']}" if c["wrong"] else ""))
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grid of 2.5 s clips")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    ap.add_argument("--work", type=Path, help="cache directory for renders and pose series")
    ap.add_argument("--seed", type=int, default=7, help="the runners' step-to-step variation (default 7; "
                    "another seed gives fresh clips to check limits chosen on the default ones)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = [evaluate(c, work, 2.5 if args.quick else 4.0, args.seed) for c in grid(args.quick)]
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
