"""Pelvic obliquity measured from the pelvis in the image (issue 4): the hip landmarks only say
where to look. See :mod:`gaitscan.pelvis.estimate` for the method and its limits."""
from .estimate import METHOD, PelvisEstimator, PelvisTrace
from .obliquity import image_obliquity_estimator, no_video_estimator
from .offline import measure_video

__all__ = ["METHOD", "PelvisEstimator", "PelvisTrace", "image_obliquity_estimator", "no_video_estimator", "measure_video"]
