"""The pose stage: video → the runner's BlazePose landmarks as a :class:`PoseSeries`.

Public API (imported lazily, so ``gaitscan.pose.series`` stays light for code that only reads
saved series):

- :func:`run_pose` (``gaitscan.pose.landmarker``) — run the model over a video;
- :class:`PoseSeries` (``gaitscan.pose.series``) — the contract with everything downstream;
- :func:`resolve_model` (``gaitscan.pose.model``) — which model file is used, offline;
- :func:`probe`, :func:`iter_frames` (``gaitscan.pose.video``) — timestamped, upright frames;
- :func:`write_overlay`, :func:`draw_skeleton` (``gaitscan.pose.overlay``) — skeleton video.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_pose": "landmarker", "Landmarker": "landmarker", "RunnerTracker": "landmarker",
    "PoseSeries": "series", "resolve_model": "model", "probe": "video", "iter_frames": "video",
    "VideoInfo": "video", "Frame": "video", "write_overlay": "overlay", "draw_skeleton": "overlay",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
