"""The live pelvis estimator against the truth and against the offline one (issue 4). Not a test.

``gaitscan live`` reads pelvic obliquity from a streaming :class:`~gaitscan.pelvis.PelvisEstimator`:
each frame is matched against the template of the frames before it
(:meth:`~gaitscan.pelvis.PelvisEstimator.live_obliquity`), while ``gaitscan analyze`` uses the
iterated template of the whole clip (:meth:`~gaitscan.pelvis.PelvisEstimator.result`). For every
render of a ``validate_analyze.py --workdir DIR`` (video, truth JSON, cached pose series) this
streams the frames once through one estimator the way live does, then takes the offline result of
the same estimator, and prints at the true midstance frames: how many got a live estimate, the
mean |live − true| and |offline − true| (true: the hip-joint line in the image, as
``diagnose_pelvis.py`` uses) and the largest |live − offline|.

    python benchmarks/validate_analyze.py --workdir DIR     # renders + pose series, once
    python benchmarks/validate_live_pelvis.py DIR
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from gaitscan.pelvis.estimate import PelvisEstimator
from gaitscan.pelvis.offline import frames_for_rows
from gaitscan.pose.series import PoseSeries
from gaitscan.synth.render import truth_path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from diagnose_pelvis import true_hip_line, workdir_renders  # noqa: E402


def live_and_offline(video: Path) -> dict:
    """Live and offline image obliquity of one render at its true midstance frames (see above)."""
    truth = json.loads(truth_path(video).read_text())
    series = PoseSeries.load(video.with_suffix(".npz"))
    est = PelvisEstimator()
    live = np.full(len(series), np.nan)
    for i, rgb in frames_for_rows(video, series):   # paired by timestamp, as analyze pairs them
        if rgb is None:
            est.skip()
        else:
            live[i] = est.live_obliquity(est.update(rgb, series.xy[i]))[0]
    off = est.result().image_deg
    true, _ = true_hip_line(truth)
    mid = np.array([s["midstance_frame"] for s in truth["steps"] if s["midstance_frame"] < len(series)], int)
    lv, of, tr = live[mid], off[mid], true[mid]
    gap = np.abs(lv - of)
    return {"video": video.name, "midstance_frames": int(mid.size), "live_n": int(np.isfinite(lv).sum()),
            "live_err": float(np.nanmean(np.abs(lv - tr))), "offline_err": float(np.nanmean(np.abs(of - tr))),
            "live_vs_offline_max": float(np.nanmax(gap)) if np.isfinite(gap).any() else float("nan")}


def main() -> None:
    args, videos = workdir_renders(__doc__)
    rows = []
    print(f"{'render':<28} {'live n':>9} {'|live-true|':>11} {'|offline-true|':>14} {'max |live-offline|':>18}")
    for v in videos:
        with np.errstate(all="ignore"):
            r = live_and_offline(v)
        rows.append(r)
        print(f"{r['video']:<28} {r['live_n']:4d}/{r['midstance_frames']:<4d} {r['live_err']:11.2f} {r['offline_err']:14.2f} "
              f"{r['live_vs_offline_max']:18.2f}")
    ok = [r for r in rows if np.isfinite(r["live_err"])]
    if ok:
        print(f"mean over {len(ok)} renders: |live-true| {np.mean([r['live_err'] for r in ok]):.2f} deg, "
              f"|offline-true| {np.mean([r['offline_err'] for r in ok]):.2f} deg, worst |live-offline| "
              f"{max(r['live_vs_offline_max'] for r in ok):.2f} deg")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
