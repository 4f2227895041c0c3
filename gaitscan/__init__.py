"""gaitscan: offline, markerless running-gait analysis from video.

Public API: :func:`gaitscan.analyze` (see :mod:`gaitscan.pipeline`) and
:class:`gaitscan.pose.series.PoseSeries`.
"""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]


def _tune_allocator() -> None:
    # before the first big buffer is allocated: set later, glibc still returns the frames' pages
    # and faults them in again (measured, gaitscan/allocator.py)
    from .allocator import keep_freed_frames

    keep_freed_frames()


_tune_allocator()
