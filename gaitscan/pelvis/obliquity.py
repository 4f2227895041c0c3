"""The pelvis image estimator behind the analyze pipeline's obliquity interface
(:data:`gaitscan.metrics.pelvis.ObliquityEstimator`)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np

from ..errors import InputError
from ..metrics.pelvis import Obliquity, ObliquityEstimator, image_to_runner
from ..metrics.view import View
from ..pose.series import PoseSeries
from .estimate import METHOD, PelvisTrace
from .offline import measure_video

PathLike = Union[str, Path]


def image_obliquity_estimator(video: PathLike, *, start_s: Optional[float] = None, end_s: Optional[float] = None,
                              stride: int = 1,
                              measured: Optional[Callable[[PoseSeries], Optional[PelvisTrace]]] = None) -> ObliquityEstimator:
    """An estimator measuring the pelvis in ``video`` (a second decoding pass, same time range
    and stride as the PoseSeries it is given). Rear/front views only; a side view, or a clip the
    image method refuses, gives all-NaN angles with the ``reason``. ``measured``: the trace already
    measured for the series (e.g. :meth:`gaitscan.pose.sidepass.SidePass.pelvis_result`), or None
    when it cannot vouch for one — then the decoding pass runs."""

    def estimate(series: PoseSeries, view: View, camera_roll_deg: float = 0.0) -> Obliquity:
        T = len(series)
        if view == "side":
            return Obliquity(np.full(T, np.nan), np.zeros(T), METHOD, "side view: the pelvis image method needs a rear or front view")
        trace = measured(series) if measured is not None else None
        if trace is None:
            try:
                trace = measure_video(video, series, start_s=start_s, end_s=end_s, stride=stride)
            except InputError as exc:
                return Obliquity(np.full(T, np.nan), np.zeros(T), METHOD,
                                 f"video not readable for the pelvis image method: {exc}")
        deg = image_to_runner(trace.image_deg, view, camera_roll_deg)
        return Obliquity(deg, trace.confidence, METHOD, trace.reason, final=True)

    return estimate


def no_video_estimator(reason: str) -> ObliquityEstimator:
    """An estimator that measures nothing and says why (a PoseSeries without its video)."""

    def estimate(series: PoseSeries, view: View, camera_roll_deg: float = 0.0) -> Obliquity:
        return Obliquity(np.full(len(series), np.nan), np.zeros(len(series)), METHOD, reason)

    return estimate
