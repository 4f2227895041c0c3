"""gaitscan: offline, markerless running-gait analysis from video.

Public API: :func:`gaitscan.analyze` (see :mod:`gaitscan.pipeline`) and
:class:`gaitscan.pose.series.PoseSeries`.
"""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
