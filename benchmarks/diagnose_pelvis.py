"""Where the pelvis-image estimator's error comes from, per render (issue 4). Not a test.

For every render of a ``validate_analyze.py --workdir DIR`` (video, its truth JSON and the cached
pose series), the offline estimator's per-frame image obliquity is compared with the render's true
hip-joint line in the image (``truth.frames.px.hip_l/hip_r``; camera roll included), and each stance
side's mean error at the true midstance frames is split into

- **level**: the mean offset of the whole trace (the symmetry axis read off level);
- **gain**: ``(g − 1) ×`` the true swing, ``g`` the slope of estimate on truth over all frames
  (below 1: the patch turns less than the pelvis);
- **residual**: what is left (frame-to-frame noise at those frames).

It also prints the hip width the size limit sees (median hip-landmark distance) beside the true
hip-joint distance, where the hip landmarks' midpoint sits relative to the true hip-joint midpoint
(mean x / y in hip-landmark distances, + = image right / down: the patch is centred there), and
the SD of the residual over all frames.

    python benchmarks/validate_analyze.py --workdir DIR     # renders + pose series, once
    python benchmarks/diagnose_pelvis.py DIR
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from gaitscan.pelvis.offline import measure_video
from gaitscan.pose import landmarks as lm
from gaitscan.pose.series import PoseSeries
from gaitscan.synth.render import truth_path


def true_hip_line(truth: dict) -> tuple[np.ndarray, np.ndarray]:
    """(true obliquity (T,) deg of the hip-joint line in the image, camera roll included;
    its (T, 2) hip-joint distance vector in px) from a render's truth JSON."""
    px = truth["frames"]["px"]
    d = np.asarray(px["hip_r"], float) - np.asarray(px["hip_l"], float)
    return np.degrees(np.arctan2(d[:, 1], d[:, 0])), d


def diagnose(video: Path) -> dict:
    """The split (see the module docstring) of one render with its cached ``.npz`` pose series."""
    truth = json.loads(truth_path(video).read_text())
    series = PoseSeries.load(video.with_suffix(".npz"))
    trace = measure_video(video, series)
    true, d = true_hip_line(truth)
    est = trace.image_deg
    T = min(len(est), len(true))
    est, true = est[:T], true[:T]
    hip_lm = float(np.nanmedian(np.linalg.norm(series.xy[:, lm.R_HIP] - series.xy[:, lm.L_HIP], axis=1)))
    px = truth["frames"]["px"]
    n = min(len(series), len(d))
    centre_off = ((series.xy[:n, lm.L_HIP] + series.xy[:n, lm.R_HIP]) / 2
                  - (np.asarray(px["hip_l"], float)[:n] + np.asarray(px["hip_r"], float)[:n]) / 2)
    off_x, off_y = (np.nanmean(centre_off, axis=0) / hip_lm).tolist()
    out = {"video": video.name, "hip_px_landmarks": hip_lm, "hip_px_true": float(np.median(np.linalg.norm(d, axis=1))),
           "centre_offset_x_hipw": off_x, "centre_offset_y_hipw": off_y, "reason": trace.reason}
    ok = np.isfinite(est)
    if ok.sum() < 10:
        return out
    g, b = np.polyfit(true[ok], est[ok], 1)
    level = float(np.mean(est[ok]) - np.mean(true[ok]))
    out.update(gain=float(g), level=level, resid_sd=float(np.std((est - (g * true + b))[ok])))
    for side, sign in (("left", 1.0), ("right", -1.0)):
        mid = np.array([s["midstance_frame"] for s in truth["steps"] if s["stance"] == side
                        and s["midstance_frame"] < T and ok[s["midstance_frame"]]], int)
        if not mid.size:
            continue
        total = float(np.mean(sign * (est[mid] - true[mid])))
        lv = sign * level
        ga = float(np.mean(sign * (g - 1) * (true[mid] - np.mean(true[ok]))))
        out[side] = {"total": total, "level": lv, "gain": ga, "residual": total - lv - ga, "n": int(mid.size)}
    return out


def workdir_renders(doc: str) -> tuple[argparse.Namespace, list[Path]]:
    """The command line of a script over a ``validate_analyze.py --workdir`` folder (``workdir``,
    ``--json``; ``doc`` its docstring) and the folder's renders that have their truth JSON and
    cached pose series; exits with a message when there are none."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("workdir", type=Path, help="a validate_analyze.py --workdir folder")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    videos = sorted(v for v in args.workdir.glob("*.mp4") if truth_path(v).exists() and v.with_suffix(".npz").exists())
    if not videos:
        raise SystemExit(f"{args.workdir}: no render with its truth and pose series (run validate_analyze.py --workdir first)")
    return args, videos


def main() -> None:
    args, videos = workdir_renders(__doc__)
    rows = []
    print(f"{'render':<28} {'hip px lm/true':>15} {'lm off x/y':>12} {'gain':>5} {'level':>6} {'resid SD':>8} "
          "| side: total = level + gain + residual")
    for v in videos:
        r = diagnose(v)
        rows.append(r)
        head = (f"{r['video']:<28} {r['hip_px_landmarks']:6.1f} / {r['hip_px_true']:5.1f} "
                f"{r['centre_offset_x_hipw']:+5.3f}/{r['centre_offset_y_hipw']:+5.3f}")
        if "gain" not in r:
            print(f"{head}  not measured: {r['reason']}")
            continue
        line = f"{head} {r['gain']:5.2f} {r['level']:+6.2f} {r['resid_sd']:8.2f} |"
        for side in ("left", "right"):
            s = r.get(side)
            if s:
                line += f" {side[0].upper()} {s['total']:+5.2f} = {s['level']:+5.2f} {s['gain']:+5.2f} {s['residual']:+5.2f}"
        print(line)
    tot = np.abs([r[s]["total"] for r in rows for s in ("left", "right") if s in r])
    if tot.size:
        print(f"at the true midstance frames: mean |error| {tot.mean():.2f} deg, worst {tot.max():.2f} (n={tot.size} sides)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
