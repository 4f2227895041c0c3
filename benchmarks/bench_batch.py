"""Benchmark (not a test): videos per minute of ``gaitscan batch`` with 1 and 2 local workers and
with a Dask cluster (scheduler + 2 worker processes on loopback), on the same folder.

    python benchmarks/bench_batch.py [--videos 6] [--seconds 2.5] [--width 640 --height 360]

Each configuration starts from an empty output folder, so every video is analysed; the local
timings include starting the worker processes, the Dask timing starts with the cluster already up
(as with a real cluster). Prints one line per configuration.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from gaitscan.batch.driver import run_batch
from gaitscan.synth.camera import Camera
from gaitscan.synth.params import RunnerParams
from gaitscan.synth.render import render_video


def make_folder(folder: Path, n: int, seconds: float, width: int, height: int) -> None:
    """``n`` synthetic runner videos, two per runner, different seeds."""
    for i in range(n):
        out = folder / f"runner{i // 2}" / f"2024-01-{i + 1:02d}.mp4"
        out.parent.mkdir(parents=True, exist_ok=True)
        render_video(RunnerParams(seed=i), Camera(width=width, height=height), fps=30, duration_s=seconds, out=out)


def timed(label: str, n: int, **kwargs) -> float:
    start = time.perf_counter()
    outcome = run_batch(**kwargs)
    elapsed = time.perf_counter() - start
    assert outcome.done == n, outcome
    rate = 60.0 * n / elapsed
    print(f"{label:<28} {n} videos in {elapsed:6.1f} s  →  {rate:5.1f} videos/min", flush=True)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=2.5)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gaitscan-bench-batch-") as tmp:
        root = Path(tmp)
        make_folder(root / "clinic", args.videos, args.seconds, args.width, args.height)
        print(f"{args.videos} videos, {args.width}×{args.height}, {args.seconds:g} s at 30 fps each")
        one = timed("local, --jobs 1", args.videos, folder=root / "clinic", out=root / "out1", jobs=1)
        two = timed("local, --jobs 2", args.videos, folder=root / "clinic", out=root / "out2", jobs=2)
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, scheduler_kwargs={"dashboard": False}) as cluster:
            dask = timed("Dask, 2 worker processes", args.videos, folder=root / "clinic", out=root / "out3",
                         scheduler=cluster.scheduler_address)
        print(f"speed-up: 2 local workers {two / one:.2f}×, Dask 2 workers {dask / one:.2f}× over 1 local worker")


if __name__ == "__main__":
    main()
