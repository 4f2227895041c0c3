"""The naive baseline of issue 8: what every tutorial writes.

An OpenCV ``cv2.VideoCapture`` read loop, BGR→RGB on every full-size frame, MediaPipe's legacy
``solutions.pose.Pose`` (BlazePose full, the one that runs offline) on every frame, landmarks
collected into lists with ``frame_index / fps`` times, then the same metrics as gaitscan (from
the hip landmarks: the naive script has no pelvis image pass).

    python benchmarks/naive.py VIDEO [--end-s S]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Optional

import cv2
import numpy as np


def run_naive(video: Path, *, end_s: Optional[float] = None) -> dict:
    """Run the baseline on ``video`` (up to ``end_s`` seconds); returns frames, seconds, fps, cadence."""
    import mediapipe as mp

    from gaitscan.metrics.analysis import analyse_series
    from gaitscan.pose.series import PoseSeries

    start = time.perf_counter()
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    xs, vis, world, found = [], [], [], []
    with mp.solutions.pose.Pose(model_complexity=1, static_image_mode=False) as pose:
        i = 0
        while True:
            ok, frame = cap.read()
            if not ok or (end_s is not None and i / fps >= end_s):
                break
            result = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            if result.pose_landmarks:
                xs.append([(p.x * width, p.y * height) for p in result.pose_landmarks.landmark])
                vis.append([p.visibility for p in result.pose_landmarks.landmark])
                world.append([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark])
                found.append(True)
            else:
                xs.append(np.full((33, 2), np.nan)), vis.append(np.zeros(33)), world.append(np.full((33, 3), np.nan))
                found.append(False)
            i += 1
    cap.release()
    pose_s = time.perf_counter() - start
    T = len(found)
    series = PoseSeries(np.array(xs), np.array(vis), np.array(vis), np.array(world), np.arange(T) / fps,
                        np.array(found), np.array(found, int), width, height, {"file": video.name})
    analysis = analyse_series(series)
    seconds = time.perf_counter() - start
    return {"frames": T, "seconds": seconds, "pose_seconds": pose_s, "fps": T / seconds,
            "cadence_spm": analysis.get("cadence_spm")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--end-s", type=float, default=None)
    args = parser.parse_args()
    print(run_naive(args.video, end_s=args.end_s))


if __name__ == "__main__":
    main()
