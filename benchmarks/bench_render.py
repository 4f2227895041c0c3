"""Render speed of the synthetic runner: ms per 1280x720 frame (one process).

    python benchmarks/bench_render.py [view]
"""
from __future__ import annotations

import sys
import time

import numpy as np

from gaitscan.synth import Camera, RunnerParams
from gaitscan.synth.render import Renderer
from gaitscan.synth.truth import simulate


def main(view: str = "rear", frames: int = 30) -> float:
    params, cam = RunnerParams(), Camera(view=view)
    sim = simulate(params, cam, fps=30, duration_s=frames / 30)
    renderer = Renderer(params, cam)
    times = []
    for i in range(frames):
        joints = {k: v[i] for k, v in sim.joints.items()}
        t0 = time.perf_counter()
        renderer.frame(joints, i)
        times.append(time.perf_counter() - t0)
    ms = 1000 * float(np.median(times))
    print(f"{view}: {ms:.1f} ms per {cam.width}x{cam.height} frame (median of {frames})")
    return ms


if __name__ == "__main__":
    main(*(sys.argv[1:2] or ["rear"]))
