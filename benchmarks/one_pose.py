"""What asking the model for one person instead of three would buy and cost (issue 8).

gaitscan asks MediaPipe's PoseLandmarker for up to 3 people (``NUM_POSES``) so that someone
walking past the treadmill is seen and not mistaken for the runner; with fewer people found than
asked for, MediaPipe runs its person detector on every frame. With one person it tracks: the
detector runs only when the pose is lost. The naive baseline (``naive.py``) tracks one person.

This script measures, on the same decoded frames and the same clips:

- the model's ms/frame with ``num_poses`` 3 and 1 (one Landmarker, VIDEO mode, one thread, the
  two settings interleaved in rounds so a change of machine speed hits both alike);
- ``gaitscan analyze`` of the shipped rear sample with each setting (one model thread for both:
  a one-person tracker's answer depends on the frame before), against the sample's true values:
  per-side pelvic drop error at midstance, crossover rate, cadence, steps found.

    python benchmarks/one_pose.py [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_long  # noqa: E402
from run import decoded  # noqa: E402

SAMPLE = HERE.parent / "samples" / "rear_drop_left_crossover_right.mp4"


def model_ms(video: Path, *, frames: int, rounds: int = 3) -> dict[str, float]:
    """ms/frame of one Landmarker with num_poses 3 and 1 on the first ``frames`` frames of ``video``
    (median of ``rounds`` interleaved rounds, a warm-up frame excluded)."""
    import numpy as np

    from gaitscan.pose.landmarker import Landmarker

    pre = decoded(video, max_frames=frames + 1)
    got: dict[int, list[float]] = {3: [], 1: []}
    for _ in range(rounds):
        for n in (3, 1):
            with Landmarker(num_poses=n) as lm:
                lm.detect(pre[0][1], pre[0][0])
                start = time.perf_counter()
                for t, rgb in pre[1:]:
                    lm.detect(rgb, t)
                got[n].append(1000 * (time.perf_counter() - start) / (len(pre) - 1))
    return {f"ms_per_frame_{n}_pose{'s' if n > 1 else ''}": round(float(np.median(v)), 2) for n, v in got.items()}


def analyse_sample(num_poses: int) -> dict[str, Any]:
    """``analyze`` of the rear sample with ``NUM_POSES = num_poses``; errors against its truth."""
    import numpy as np

    import gaitscan.pose.landmarker as landmarker
    from gaitscan.metrics.truthcompare import match_steps, side_mean_error
    from gaitscan.pipeline import analyze
    from gaitscan.synth.render import truth_path

    truth = json.loads(truth_path(SAMPLE).read_text())
    with mock.patch.object(landmarker, "NUM_POSES", num_poses), \
            tempfile.TemporaryDirectory(prefix="gaitscan-one-pose-") as out:
        start = time.perf_counter()
        a = analyze(SAMPLE, out_dir=out, write_report=False)
        seconds = time.perf_counter() - start
    pairs = match_steps(a["steps"], truth["steps"])
    res: dict[str, Any] = {"num_poses": num_poses, "seconds": round(seconds, 2), "steps": len(a["steps"]),
                           "steps_true": len(truth["steps"]), "pelvic_drop_method": a["pelvic_drop_method"],
                           "cadence_err_spm": None if a["cadence_spm"] is None
                           else round(a["cadence_spm"] - truth["cadence_spm"], 2)}
    for side in ("left", "right"):
        s = a["summary"][side]
        res[f"drop_{side}_deg"] = s["pelvic_drop_deg"]["mean"]
        err = side_mean_error(pairs, "pelvic_drop_deg", "pelvic_drop_2d_level_deg", side)
        res[f"drop_err_{side}_deg"] = None if err is None else round(float(err), 2)
        res[f"crossover_rate_{side}"] = s.get("crossover_rate")
        true_x = [t["foot_offset_hipw"] <= 0 for _, t in pairs if t["stance"] == side]
        res[f"crossover_rate_{side}_true"] = round(float(np.mean(true_x)), 2) if true_x else None
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    os.environ["GAITSCAN_POSE_THREADS"] = "1"
    res: dict[str, Any] = {"load_start": round(os.getloadavg()[0], 2)}
    clip = make_long.long_clip(6)
    res["model_1080p"] = model_ms(clip, frames=60)
    res["model_sample_720p"] = model_ms(SAMPLE, frames=60)
    print(f"model, synthetic rear 1080p:  {res['model_1080p']}")
    print(f"model, rear sample 1280×720:  {res['model_sample_720p']}")
    res["analyze"] = [analyse_sample(n) for n in (3, 1)]
    for r in res["analyze"]:
        print(f"analyze, num_poses={r['num_poses']}: {r}")
    res["load_end"] = round(os.getloadavg()[0], 2)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
