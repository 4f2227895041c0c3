"""The I/O edge of the pelvis estimator: a second decoding pass over a video with its PoseSeries."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional, Union

import numpy as np

from ..pose.series import PoseSeries
from ..pose.video import iter_frames
from .estimate import PelvisEstimator, PelvisTrace
from .roll import runner_box, scene_roll

PathLike = Union[str, Path]


def frames_for_rows(video: PathLike, series: PoseSeries, *, start_s: Optional[float] = None,
                    end_s: Optional[float] = None, stride: int = 1) -> Iterator[tuple[int, Optional[np.ndarray]]]:
    """Every row index of ``series``, in order, with its frame of ``video`` (RGB (H, W, 3) uint8),
    or None for a row no frame belongs to.

    ``series`` must come from ``video`` with the same ``start_s``/``end_s``/``stride``; frames are
    paired with rows by timestamp (the nearest row within half a frame interval; a frame whose row
    already has one is skipped).
    """
    T = len(series)
    if T == 0:
        return
    done = 0
    half = 0.5 * float(np.median(np.diff(series.t))) if T > 1 else np.inf
    with iter_frames(video, start_s=start_s, end_s=end_s, stride=stride) as frames:
        for frame in frames:
            i = int(np.clip(np.searchsorted(series.t, frame.t), 0, T - 1))
            if i > 0 and abs(series.t[i - 1] - frame.t) < abs(series.t[i] - frame.t):
                i -= 1
            if abs(series.t[i] - frame.t) > half or i < done:
                continue
            for gap in range(done, i):   # rows with no frame of their own
                yield gap, None
            yield i, frame.rgb
            done = i + 1
    for gap in range(done, T):
        yield gap, None


def measure_video(video: PathLike, series: PoseSeries, *, start_s: Optional[float] = None,
                  end_s: Optional[float] = None, stride: int = 1,
                  estimator: Optional[PelvisEstimator] = None) -> PelvisTrace:
    """Pelvis obliquity for every row of ``series`` from the frames of ``video``, paired by
    timestamp (:func:`frames_for_rows`); rows without a frame stay unmeasured (NaN)."""
    est = estimator if estimator is not None else PelvisEstimator()
    est.reset()
    for i, rgb in frames_for_rows(video, series, start_s=start_s, end_s=end_s, stride=stride):
        if rgb is None:
            est.skip()
        else:
            est.update(rgb, series.xy[i], match=False)  # only result() is used
    return est.result()


def video_scene_roll(video: PathLike, series: PoseSeries, *, every_s: float = 1.0) -> tuple[Optional[float], int]:
    """Camera roll (deg) from the scene's level and plumb lines (:func:`gaitscan.pelvis.roll.scene_roll`),
    the median over one frame every ``every_s`` seconds with the runner left out; the second
    value counts the frames that gave an answer (0 → None: no usable lines)."""
    votes: list[float] = []
    next_t = -np.inf
    with iter_frames(video) as frames:
        for frame in frames:
            if frame.t < next_t:
                continue
            next_t = frame.t + every_s
            i = int(np.argmin(np.abs(series.t - frame.t))) if len(series) else -1
            box = runner_box(series.xy[i]) if i >= 0 and abs(series.t[i] - frame.t) < 0.1 else None
            roll, n = scene_roll(frame.rgb, box)
            if roll is not None:
                votes.append(roll)
    return (float(np.median(votes)) if votes else None), len(votes)
