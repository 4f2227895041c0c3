"""Validate marker mode (issue 11) on marker-wearing renders with a known pelvic drop.

For each case: render (markers on), run ``gaitscan.pipeline.analyze(..., markers=True)`` (BlazePose
+ events + marker tracker) and compare per step:

* ``tracker``: marker drop vs the truth PSIS-marker line at the *same* (detected) midstance frame —
  the tracker's own error;
* ``vs truth``: marker drop vs the truth step's drop (``pelvic_drop_markers_2d_deg`` at the true
  midstance), steps matched by midstance time — includes the event detector's timing.

Per-side mean errors; target ≤ 0.5° at the resolutions the pelvis estimator supports (hip width
≥ 26 px). Usage: ``python benchmarks/validate_markers.py [OUT_DIR]`` (about 2 min on 2 cores).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from gaitscan.pipeline import analyze
from gaitscan.synth.camera import Camera
from gaitscan.synth.params import Appearance, RunnerParams
from gaitscan.synth.render import render_video

CASES = [  # name, distance (m), logo of the marker colour
    ("near_3.5m", 3.5, "none"),
    ("far_7m", 7.0, "none"),
    ("logo_3.5m", 3.5, "left"),
]
FPS, DUR = 30.0, 4.0


def run(out: Path) -> list[dict]:
    rows = []
    for name, dist, logo in CASES:
        params = RunnerParams(drop_left_deg=8.0, drop_right_deg=2.0, seed=5,
                              appearance=Appearance(markers=True, logo=logo, logo_colour=(60, 255, 40)))
        video = out / f"{name}.mp4"
        truth = render_video(params, Camera(distance_m=dist), fps=FPS, duration_s=DUR, out=video)
        a = analyze(video, out_dir=out / name, write_report=False, markers=True)
        mp = truth["frames"]["markers_px"]
        L, R = np.array(mp["psis_l"]), np.array(mp["psis_r"])
        tmid = np.array([s["midstance_t"] for s in truth["steps"]])
        err = {"left": ([], []), "right": ([], [])}
        for st in a["steps"]:
            v = st.get("pelvic_drop_markers_deg")
            if v is None:
                continue
            m = st["midstance_frame"]
            d = R[m] - L[m]
            ang = np.degrees(np.arctan2(d[1], d[0])) * (1 if st["stance"] == "left" else -1)
            err[st["stance"]][0].append(v - ang)
            k = int(np.argmin(np.abs(tmid - st["midstance_t"])))
            if truth["steps"][k]["stance"] == st["stance"] and abs(tmid[k] - st["midstance_t"]) < 0.1:
                err[st["stance"]][1].append(v - truth["steps"][k]["pelvic_drop_markers_2d_deg"])
        row = {"case": name, "hip_width_px": a["markers"]["hip_width_px"], "diam_px": a["markers"]["marker_diameter_px"],
               "measured": f"{a['markers']['frames_measured']}/{a['markers']['frames']}",
               "rejected": a["markers"]["rejected_frames"]}
        for side in ("left", "right"):
            row[f"tracker_{side}"] = float(np.mean(err[side][0])) if err[side][0] else None
            row[f"truth_{side}"] = float(np.mean(err[side][1])) if err[side][1] else None
            row[f"n_{side}"] = len(err[side][1])
        ag = (a.get("agreement") or {}).get("all") or {}
        row["markerless_minus_marker"] = ag.get("mean_diff")
        rows.append(row)
        print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    return rows


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="validate_markers_"))
    folder.mkdir(parents=True, exist_ok=True)
    run(folder)
