"""Validate ``gaitscan analyze`` on synthetic renders with exact truth (issue 3). Not a test.

Renders a grid of runs the pipeline was not tuned on — pelvic drop 0–12° per side, landing
offsets from clearly lateral to clearly crossed, cadence 150–190 steps/min (belt speed at a fixed
step length), 30/60/120 fps, camera roll up to ±2°, camera height and distance varied, rails on and
off — runs the real pose model and
the full pipeline (with the true camera roll given, as ``--camera-roll`` would), and prints error
tables against the truth:

* pelvic drop, per-side mean error vs the 2D projected truth (level camera) and vs the 3D truth,
  for the pipeline's method (the pelvis-image estimator of issue 4 unless ``--pelvis landmarks``)
  and for the hip-landmark line beside it;
* crossover classification of every step whose true offset is ≥ 0.15 hip widths from the midline;
* per-side foot-offset mean error (hip widths, vs the 2D image truth);
* cadence error (steps/min); contact and toe-off errors in frames.

Usage::

    python benchmarks/validate_analyze.py [--quick] [--json OUT] [--workdir DIR] [--seconds S]

The grid is a fixed Latin-hypercube-like pairing of the factor levels (seeded), not a search.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from gaitscan.atomic import write_text
from gaitscan.metrics.analysis import analyse_series
from gaitscan.metrics.truthcompare import event_frame_errors, match_steps, side_mean_error, step_errors
from gaitscan.pelvis import image_obliquity_estimator
from gaitscan.pose import run_pose
from gaitscan.pose.series import PoseSeries
from gaitscan.synth import Camera, RunnerParams, render_video
from gaitscan.synth.render import kept_truth

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_pelvis import OFFSET_LIMIT_HIPW, SIGN_FROM, TARGET_MEAN, TARGET_SD  # noqa: E402  (issue 4's targets)

DROPS = [(0.0, 12.0), (6.0, 6.0), (12.0, 3.0), (3.0, 9.0), (9.0, 0.0)]
OFFSETS_M = [(0.06, 0.06), (-0.03, -0.03), (0.05, -0.02), (-0.04, 0.07), (0.10, 0.02)]
CADENCES = [150, 160, 170, 180, 190]
#: the belt speed follows the cadence at the synthetic runner's default step length (3.2 m/s at
#: 170 steps/min): 3.2 m/s at 150 steps/min asks for a stance longer than a straight leg allows the
#: hip to rise from (the renderer then sinks the pelvis until toe-off, as no runner does)
STEP_LENGTH_M = 3.2 * 60 / 170
#: part of every cached render's name: renders made by an older synthetic runner are not reused
RENDER_VERSION = "k2"
FPS = [30, 60, 120]
ROLLS = [0.0, 2.0, -2.0, 1.0, -1.0]
CAMERAS = [(3.5, 1.0), (5.0, 0.8), (2.8, 1.2), (4.2, 1.0), (6.0, 0.9)]   # (distance m, height m)
RAILS = [True, False]


def grid(quick: bool) -> list[dict]:
    """The runs: every factor level appears; levels are paired by a fixed rotation, not tuned."""
    n = 4 if quick else 15
    runs = []
    for i in range(n):
        d, o, c = DROPS[i % 5], OFFSETS_M[(i * 2) % 5], CADENCES[(i * 3) % 5]
        fps = FPS[i % 3] if not quick else [60, 30, 120, 60][i]
        dist, h = CAMERAS[(i * 4) % 5]
        runs.append(dict(drop=d, offset=o, cadence=c, fps=fps, roll=ROLLS[(i * 2 + 1) % 5], distance=dist,
                         cam_height=h, rails=RAILS[i % 2], seed=i))
    return runs


def run_one(spec: dict, workdir: Path, seconds: float, pelvis_method: str) -> dict:
    """Render, run the model and the pipeline on one grid point; return its errors.

    ``pelvis_method``: "image" — the pipeline's pelvis-image estimator (issue 4; falls back to the
    landmarks with a reason), or "landmarks" — the hip-landmark line only.
    """
    p = RunnerParams(drop_left_deg=spec["drop"][0], drop_right_deg=spec["drop"][1],
                     offset_left_m=spec["offset"][0], offset_right_m=spec["offset"][1],
                     cadence_spm=spec["cadence"], speed_mps=round(STEP_LENGTH_M * spec["cadence"] / 60, 3),
                     seed=spec["seed"])
    cam = Camera(view="rear", distance_m=spec["distance"], height_m=spec["cam_height"], roll_deg=spec["roll"],
                 rails=spec["rails"])
    video = workdir / f"run{spec['seed']:02d}_{spec['fps']}fps_{seconds:g}s_{RENDER_VERSION}.mp4"
    pose = video.with_suffix(".npz")
    t0 = time.perf_counter()
    if video.exists():    # a kept render of the same grid point
        truth = kept_truth(video, p, cam, fps=spec["fps"], duration_s=seconds)
    else:
        truth = render_video(p, cam, fps=spec["fps"], duration_s=seconds, out=video)
    t1 = time.perf_counter()
    if pose.exists():
        series = PoseSeries.load(pose)
    else:
        series = run_pose(video)
        series.save(pose)
    t2 = time.perf_counter()
    pelvis = image_obliquity_estimator(video) if pelvis_method == "image" else None
    a = analyse_series(series, camera_roll_deg=spec["roll"], pelvis_estimator=pelvis)
    pairs = match_steps(a["steps"], truth["steps"])
    ev = event_frame_errors(pairs, spec["fps"])
    res: dict = {"spec": spec, "view": a["view"], "pelvic_drop_method": a["pelvic_drop_method"],
                 "pelvis_fallback": a["not_measurable"].get("pelvic_drop_image"), "n_true": len(truth["steps"]), "n_detected": len(a["steps"]),
                 "n_matched": len(pairs), "render_s": t1 - t0, "pose_s": t2 - t1,
                 "cadence_err": None if a["cadence_spm"] is None else a["cadence_spm"] - truth["cadence_spm"],
                 "contact_err_frames": ev["contact"], "toe_off_err_frames": ev["toe_off"]}
    for side in ("left", "right"):
        res[f"drop2d_err_{side}"] = side_mean_error(pairs, "pelvic_drop_deg", "pelvic_drop_2d_level_deg", side)
        e = step_errors(pairs, "pelvic_drop_deg", "pelvic_drop_2d_level_deg", side)
        res[f"drop_sd_{side}"] = float(np.std(e, ddof=1)) if len(e) > 1 else None
        res[f"drop3d_err_{side}"] = side_mean_error(pairs, "pelvic_drop_deg", "pelvic_drop_3d_deg", side)
        res[f"droplm_err_{side}"] = side_mean_error(pairs, "pelvic_drop_landmarks_deg", "pelvic_drop_2d_level_deg", side)
        res[f"offset_err_{side}"] = side_mean_error(pairs, "foot_offset_hipw", "foot_offset_2d_level_hipw", side)
        # the estimator alone: against the true (3D) drop at the frame analyze itself called midstance,
        # so an event-timing error does not count here
        own = [g["pelvic_drop_deg"] - (1 if side == "left" else -1) * truth["frames"]["pelvic_obliquity_deg"][g["midstance_frame"]]
               for g, t in pairs if t["stance"] == side and g["pelvic_drop_deg"] is not None]
        res[f"drop_ownmid_err_{side}"] = float(np.mean(own)) if own else None
    signed = [(g["pelvic_drop_deg"], t["pelvic_drop_2d_level_deg"]) for g, t in pairs
              if g["pelvic_drop_deg"] is not None and t["pelvic_drop_2d_level_deg"] is not None
              and abs(t["pelvic_drop_2d_level_deg"]) >= SIGN_FROM]
    res["drop_sign_n"], res["drop_sign_wrong"] = len(signed), sum(int(a_ * b_ < 0) for a_, b_ in signed)
    clear = [(g["crossover"], t["foot_offset_hipw"] <= 0) for g, t in pairs
             if abs(t["foot_offset_hipw"]) >= OFFSET_LIMIT_HIPW and g["crossover"] is not None]
    res["crossover_clear_n"] = len(clear)
    res["crossover_clear_refused"] = sum(1 for g, t in pairs if abs(t["foot_offset_hipw"]) >= OFFSET_LIMIT_HIPW and g["crossover"] is None)
    res["crossover_clear_wrong"] = sum(int(a_ != b_) for a_, b_ in clear)
    res["true_offsets_hipw"] = sorted({round(t["foot_offset_hipw"], 2) for _, t in pairs})
    return res


def fmt(x, d=2):
    return "   —" if x is None else f"{x:+.{d}f}"


def table(results: list[dict]) -> str:
    """The per-run error table and the summary lines (plain text)."""
    head = (f"{'run':>3} {'fps':>4} {'cad':>4} {'drop L/R':>9} {'off cm L/R':>10} {'roll':>5} {'cam':>8} {'rail':>4} "
            f"{'steps':>6} | {'dL2d':>6} {'dR2d':>6} {'sdL':>5} {'sdR':>5} {'dL3d':>6} {'dR3d':>6} {'dLown':>6} {'dRown':>6} {'lmL2d':>6} {'lmR2d':>6} | {'offL':>6} {'offR':>6} | "
            f"{'xover wrong':>11} | {'cad err':>7} | {'IC err fr':>9} {'TO err fr':>9}")
    lines = [head, "-" * len(head)]
    for r in results:
        s = r["spec"]
        ic = np.abs(r["contact_err_frames"]) if r["contact_err_frames"] else None
        to = np.abs(r["toe_off_err_frames"]) if r["toe_off_err_frames"] else None
        mm = lambda e: "   —/—   " if e is None else f"{e.mean():>4.1f}/{e.max():<4.1f}"  # noqa: E731
        sd = lambda v: "  —" if v is None else f"{v:.1f}"  # noqa: E731
        lines.append(
            f"{s['seed']:>3} {s['fps']:>4} {s['cadence']:>4} {s['drop'][0]:>4.0f}/{s['drop'][1]:<4.0f} "
            f"{s['offset'][0]*100:>4.0f}/{s['offset'][1]*100:<5.0f} {s['roll']:>+5.1f} "
            f"{s['distance']:>3.1f}m/{s['cam_height']:.1f} {'y' if s['rails'] else 'n':>4} "
            f"{r['n_matched']:>2}/{r['n_true']:<3} | {fmt(r['drop2d_err_left'],1):>6} {fmt(r['drop2d_err_right'],1):>6} "
            f"{sd(r['drop_sd_left']):>5} {sd(r['drop_sd_right']):>5} "
            f"{fmt(r['drop3d_err_left'],1):>6} {fmt(r['drop3d_err_right'],1):>6} "
            f"{fmt(r['drop_ownmid_err_left'],1):>6} {fmt(r['drop_ownmid_err_right'],1):>6} "
            f"{fmt(r['droplm_err_left'],1):>6} {fmt(r['droplm_err_right'],1):>6} | {fmt(r['offset_err_left']):>6} "
            f"{fmt(r['offset_err_right']):>6} | {r['crossover_clear_wrong']:>4}/{r['crossover_clear_n']:<6} | "
            f"{fmt(r['cadence_err'],1):>7} | {mm(ic)} {mm(to)}")

    def agg(keys):
        v = np.array([r[k] for r in results for k in keys if r[k] is not None], float)
        return (np.mean(np.abs(v)), np.max(np.abs(v)), v.size) if v.size else (np.nan, np.nan, 0)

    d2, d3, off = agg(["drop2d_err_left", "drop2d_err_right"]), agg(["drop3d_err_left", "drop3d_err_right"]), \
        agg(["offset_err_left", "offset_err_right"])
    dlm = agg(["droplm_err_left", "droplm_err_right"])
    sds = np.array([r[k] for r in results for k in ("drop_sd_left", "drop_sd_right") if r[k] is not None], float)
    down = agg(["drop_ownmid_err_left", "drop_ownmid_err_right"])
    methods = sorted({r["pelvic_drop_method"] for r in results})
    cad = agg(["cadence_err"])
    wrong = sum(r["crossover_clear_wrong"] for r in results)
    clear = sum(r["crossover_clear_n"] for r in results)
    ic_by_fps: dict = {}
    for r in results:
        ic_by_fps.setdefault(r["spec"]["fps"], []).extend(np.abs(r["contact_err_frames"]))
    lines += ["",
              f"pelvic drop ({'/'.join(methods)}) per-side mean |error| vs 2D truth: mean {d2[0]:.2f}°, "
              f"worst {d2[1]:.2f}° (n={d2[2]} sides; target ≤ {TARGET_MEAN}°)",
              f"pelvic drop ({'/'.join(methods)}) per-step error SD per side: mean {sds.mean():.2f}°, worst {sds.max():.2f}°, "
              f"{int((sds > TARGET_SD).sum())} of {sds.size} sides over {TARGET_SD}° (target ≤ {TARGET_SD}°)",
              f"pelvic drop ({'/'.join(methods)}) wrong sign, steps with a true drop of {SIGN_FROM:g}° or more: "
              f"{sum(r['drop_sign_wrong'] for r in results)} of {sum(r['drop_sign_n'] for r in results)} (target 0)",
              f"pelvic drop ({'/'.join(methods)}) per-side mean |error| vs 3D truth: mean {d3[0]:.2f}°, worst {d3[1]:.2f}°",
              f"pelvic drop ({'/'.join(methods)}) vs the true drop at analyze's own midstance frame (the estimator "
              f"without event timing): mean {down[0]:.2f}°, worst {down[1]:.2f}°",
              f"pelvic drop, hip landmarks only, per-side mean |error| vs 2D truth: mean {dlm[0]:.2f}°, worst {dlm[1]:.2f}°",
              f"foot offset per-side mean |error|: mean {off[0]:.3f}, worst {off[1]:.3f} hip widths (target ≤ 0.1)",
              f"crossover, steps ≥ {OFFSET_LIMIT_HIPW} hip widths from the midline: {wrong} wrong of {clear} (target 0; "
              f"{sum(r['crossover_clear_refused'] for r in results)} more not measurable)",
              f"cadence |error|: mean {cad[0]:.2f}, worst {cad[1]:.2f} steps/min (target ≤ 1)"]
    for fps, errs in sorted(ic_by_fps.items()):
        e = np.array(errs)
        if e.size == 0:
            lines.append(f"contact |error| at {fps} fps: no matched step")
            continue
        lines.append(f"contact |error| at {fps} fps: mean {e.mean():.2f}, max {e.max():.2f} frames, "
                     f"{np.mean(e <= 1.0):.0%} within one frame (n={e.size})")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="4 runs instead of 15")
    ap.add_argument("--json", type=Path, default=None, help="save the per-run results here")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="keep renders and pose series here and reuse them on the next run (default: a temp dir)")
    ap.add_argument("--seconds", type=float, default=None, help="clip length (default 6 s; 4 s with --quick)")
    ap.add_argument("--pelvis", choices=("image", "landmarks"), default="image",
                    help="pelvic drop from the pipeline's pelvis-image estimator (default) or the hip landmarks only")
    args = ap.parse_args(argv)
    seconds = args.seconds or (4.0 if args.quick else 6.0)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for spec in grid(args.quick):
            r = run_one(spec, work, seconds, args.pelvis)
            results.append(r)
            print(f"run {spec['seed']}: {r['n_matched']}/{r['n_true']} steps matched, render {r['render_s']:.0f} s, "
                  f"pose {r['pose_s']:.0f} s", file=sys.stderr)
    print(table(results))
    if args.json:
        write_text(args.json, json.dumps(results, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
