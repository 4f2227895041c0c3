"""The synthetic runner: a 3D runner on a treadmill with exact ground truth.

``RunnerParams`` and ``Camera`` describe a clip; ``ideal_pose_series`` gives the PoseSeries a
perfect model would return (no rendering); ``render_video`` renders the clip for the real model
and writes ``NAME.truth.json`` next to it (format in :mod:`gaitscan.synth.truth`).
"""
from .camera import Camera
from .ideal import ideal_pose_series
from .params import NO_VARIATION, Appearance, RunnerParams, Variation

__all__ = ["RunnerParams", "Variation", "NO_VARIATION", "Appearance", "Camera", "ideal_pose_series",
           "render_video"]


def __getattr__(name: str):
    # the renderer pulls in more (scene, raycasting); import it only when asked for
    if name == "render_video":
        from .render import render_video
        return render_video
    raise AttributeError(name)
