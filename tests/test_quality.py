"""Capture-quality checks that are not exercised through a whole video elsewhere."""
from __future__ import annotations

import numpy as np

from gaitscan.metrics.quality import quality_checks
from gaitscan.metrics.view import ViewResult
from gaitscan.pose import landmarks as lm
from gaitscan.synth import Camera, RunnerParams, ideal_pose_series


def _confident(series, view: str) -> dict:
    vr = ViewResult(view, 0.9, 0.5, 0.9, len(series))
    checks = quality_checks(series, vr, camera_roll_deg=0.0, missing_fraction=0.0)["checks"]
    return next(c for c in checks if c["id"] == "confident_landmarks")


def test_confident_landmarks_ignores_what_the_view_hides_and_flags_real_occlusion():
    series, _ = ideal_pose_series(RunnerParams(), Camera(view="rear"), fps=60, duration_s=2.0)
    # from behind the model marks the toes hidden in every frame and the right ankle in 30% of them
    series.visibility[:, [lm.L_TOE, lm.R_TOE]] = 0.1
    series.visibility[: int(0.3 * len(series)), lm.R_ANKLE] = 0.2
    rear = _confident(series, "rear")
    assert rear["ok"] and rear["value"] == np.round(1 - 0.3 / 10, 4)  # 10 landmarks the rear view sees
    assert "right ankle, 70%" in rear["message"]
    # the same toes count from the side, where they can be seen
    assert _confident(series, "side")["value"] == np.round(1 - (1 + 1 + 0.3) / 12, 4)  # toes never confident
    # knees and ankles hidden half the time (a rail, a dark corner): flagged
    series.visibility[::2, [lm.L_KNEE, lm.R_KNEE, lm.L_ANKLE, lm.R_ANKLE, lm.L_HEEL, lm.R_HEEL]] = 0.2
    worse = _confident(series, "rear")
    assert not worse["ok"] and worse["level"] == "warn" and "hiding parts of the runner" in worse["message"]
