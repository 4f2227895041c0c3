"""Remake ``tests/data/analysis_markers_example.json``, the marker-mode analysis the report tests read.

    python tools/make_markers_example.py [tests/data/analysis_markers_example.json]

A 5.5 s, 30 fps rear render of the synthetic runner wearing PSIS and heel markers (drop 8° left /
2° right, seed 3), analysed with ``markers=True`` on its ideal pose series (the projected true
joints, so the example does not depend on the pose model); ``source.file`` keeps the bare name.
Run it again whenever ``analysis.json``'s marker keys change.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from gaitscan.pipeline import analyze
from gaitscan.synth.camera import Camera
from gaitscan.synth.ideal import ideal_pose_series
from gaitscan.synth.params import Appearance, RunnerParams
from gaitscan.synth.render import render_video


def main(dst: Path) -> None:
    params = RunnerParams(drop_left_deg=8.0, drop_right_deg=2.0, seed=3, appearance=Appearance(markers=True))
    cam, fps, dur = Camera(), 30.0, 5.5
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "runner_markers.mp4"
        render_video(params, cam, fps=fps, duration_s=dur, out=video)
        series, _ = ideal_pose_series(params, cam, fps=fps, duration_s=dur)
        analyze(series, video=video, out_dir=Path(tmp) / "out", markers=True, write_report=False)
        analysis = json.loads((Path(tmp) / "out" / "analysis.json").read_text(encoding="utf-8"))
    dst.write_text(json.dumps(analysis, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {dst}: markers found {analysis['markers']['found']}, "
          f"{analysis['markers'].get('steps_measured')} steps measured")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "tests/data/analysis_markers_example.json")
