"""Where the pelvis-image estimator's gain below 1 comes from (issue 4). Not a test.

On the full ``validate_analyze.py`` grid the per-frame estimate follows the true obliquity with a
slope ("gain") of 0.90–0.97, so big drops read low. This script renders one grid point's runner
in variants that each take one suspect away, runs the real pose model and the offline estimator on
each, and prints the gain (slope of the estimate on the true image hip line), the level offset and
the residual SD:

- ``default``: the grid's render;
- ``hem``: the shirt's ellipsoids turned with the pelvis instead of the trunk (a hem that follows
  the pelvis, like a tucked-in shirt);
- ``flat``: no directional light (ambient only), so no shading gradient stays fixed in the world
  while the body turns;
- ``flat_hem``: both.

    python benchmarks/ablate_pelvis_gain.py [--run 10] [--seconds 4] [--workdir DIR]
                                            [--drop L R] [--variants default,flat]

``--drop L R`` renders the grid point with other pelvic drops (degrees in left / right stance):
the gain also depends on how big the drops are.

Renders and pose series are kept in ``--workdir`` (default a temporary folder).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from gaitscan.pose import run_pose
from gaitscan.synth import Camera, RunnerParams, render_video
from gaitscan.synth import render as R
from gaitscan.synth.render import truth_path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import validate_analyze as va  # noqa: E402  (the grid's definition)
from diagnose_pelvis import diagnose  # noqa: E402

VARIANTS = ("default", "hem", "flat", "flat_hem")


def _pelvis_shirt(build: Callable) -> Callable:
    """``build_figure`` with the trunk frame replaced by the pelvis frame (the shirt turns with the pelvis)."""
    def build_figure(j, height_m, app):
        j = dict(j)
        pr = np.asarray(j["pelvis_right"], float)
        up = np.cross(pr, np.array([0.0, 1.0, 0.0]))
        j["trunk_up"], j["trunk_right"] = up / np.linalg.norm(up), pr
        return build(j, height_m, app)
    return build_figure


class _FlatRenderer(R.Renderer):
    """The renderer without its directional and fill light; colours scaled so the ambient term
    alone gives a similar brightness."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.light = self.light * 0.0
        self.fill = self.fill * 0.0
        self.colours = {k: v * 2.5 for k, v in self.colours.items()}


def render_variant(name: str, params: RunnerParams, cam: Camera, fps: float, seconds: float, out: Path) -> None:
    """Render ``out`` as variant ``name`` (see the module docstring)."""
    build, renderer = R.build_figure, R.Renderer
    try:
        if "hem" in name:
            R.build_figure = _pelvis_shirt(build)
        if name.startswith("flat"):
            R.Renderer = _FlatRenderer
        render_video(params, cam, fps=fps, duration_s=seconds, out=out)
    finally:
        R.build_figure, R.Renderer = build, renderer


def gain(video: Path) -> dict:
    """Gain, level and residual SD of the offline estimate against the true image hip line
    (:func:`diagnose_pelvis.diagnose`), after running the pose model once on ``video``."""
    npz = video.with_suffix(".npz")
    if not npz.exists():
        run_pose(video).save(npz)
    return diagnose(video)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", type=int, default=10, help="grid point of validate_analyze.py's full grid (default 10)")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--drop", type=float, nargs=2, metavar=("L", "R"), help="other drops than the grid point's (deg)")
    ap.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    args = ap.parse_args()
    variants = [v for v in args.variants.split(",") if v]
    if not variants or set(variants) - set(VARIANTS):
        ap.error(f"--variants: choose from {', '.join(VARIANTS)}")
    spec = dict(va.grid(False)[args.run])
    if args.drop:
        spec["drop"] = tuple(args.drop)
    try:
        params = RunnerParams(drop_left_deg=spec["drop"][0], drop_right_deg=spec["drop"][1],
                              offset_left_m=spec["offset"][0], offset_right_m=spec["offset"][1],
                              cadence_spm=spec["cadence"], speed_mps=round(va.STEP_LENGTH_M * spec["cadence"] / 60, 3),
                              seed=spec["seed"])
    except ValueError as exc:   # a --drop the runner cannot take
        ap.error(str(exc))
    cam = Camera(view="rear", distance_m=spec["distance"], height_m=spec["cam_height"], roll_deg=spec["roll"],
                 rails=spec["rails"])
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"run {args.run}: {spec}")
        drops = "" if not args.drop else f"_drop{args.drop[0]:g}-{args.drop[1]:g}"
        for name in variants:
            video = work / f"run{args.run:02d}{drops}_{args.seconds:g}s_{name}_{va.RENDER_VERSION}.mp4"
            if not (video.exists() and truth_path(video).exists()):
                render_variant(name, params, cam, spec["fps"], args.seconds, video)
            r = gain(video)
            if "gain" in r:
                print(f"{name:9s} gain {r['gain']:.3f}  level {r['level']:+.2f}  residual SD {r['resid_sd']:.2f}")
            else:
                print(f"{name:9s} not measured: {r['reason']}")


if __name__ == "__main__":
    main()
