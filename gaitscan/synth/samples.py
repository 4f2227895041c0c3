"""Remake the demo clips in ``samples/``: ``python -m gaitscan.synth.samples samples/``.

Each clip is rendered by the synthetic runner with its ``.truth.json`` next to it; the table
below is the one place that says what each clip shows (``samples/README.md`` repeats it).
"""
from __future__ import annotations

import sys
from pathlib import Path

from .camera import Camera
from .params import RunnerParams
from .render import render_video

FPS = 60.0
DURATION_S = 7.0  # ≥ 8 steps per side: the summaries need at least 7

#: file name -> (what it shows, runner, camera)
SAMPLES: dict[str, tuple[str, RunnerParams, Camera]] = {
    "rear_drop_left_crossover_right.mp4": (
        "rear view: clear pelvic drop in LEFT stance (8°, right hip falls), 2° in right stance; "
        "the RIGHT foot lands 3 cm across the midline (crossover), the left 5 cm lateral",
        RunnerParams(drop_left_deg=8.0, drop_right_deg=2.0, offset_left_m=0.05, offset_right_m=-0.03, seed=1),
        Camera(view="rear"),
    ),
    "side_normal.mp4": (
        "side view (runner's right side, facing right): cadence 170 spm, heel strike, flight phase",
        RunnerParams(seed=2),
        Camera(view="side"),
    ),
}


def make_samples(folder: Path) -> list[Path]:
    """Render every sample into ``folder``; returns the video paths."""
    paths = []
    for name, (_what, params, camera) in SAMPLES.items():
        path = Path(folder) / name
        render_video(params, camera, fps=FPS, duration_s=DURATION_S, out=path)
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover - a maintenance script
    for p in make_samples(Path(sys.argv[1] if len(sys.argv) > 1 else "samples")):
        print(p, f"{p.stat().st_size / 1e6:.2f} MB")
