"""Low-pass smoothing that never crosses a gap.

Landmarks are missing (NaN) where the runner was not detected or a landmark was not confident.
Filtering across such a gap would invent motion, and treating a missing value as 0 would invent a
position, so :func:`smooth_runs` filters each unbroken run of valid samples on its own
(Pose2Sim ``filtering.py`` does the same) and leaves the gaps NaN.

Single-frame glitches (the model jumping a landmark to the other leg for one frame) are removed
first by a running median over about 50 ms (3 frames at 30–60 fps, 5 at 120 fps); then the filter
is a zero-phase Butterworth low-pass (``scipy.signal.butter`` + ``filtfilt``, forward
and backward, so events are not shifted in time). Its cutoff is given in Hz and capped relative to
the frame rate so the same call works at 30, 60 and 120 fps.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import ndimage, signal

#: Default low-pass cutoff for foot and pelvis trajectories (Hz). Running steps have most of
#: their energy below ~10 Hz; at low frame rates the cutoff is capped at 0.4 × Nyquist.
DEFAULT_CUTOFF_HZ = 10.0
ORDER = 2  # per pass; filtfilt doubles it to an effective 4th-order zero-phase filter


def runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """Return the ``[start, stop)`` index pairs of every unbroken run of True in ``valid`` (T,)."""
    v = np.asarray(valid, bool).astype(np.int8)
    if v.size == 0:
        return []
    edges = np.diff(np.concatenate(([0], v, [0])))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), stops.tolist()))


def effective_cutoff(fps: float, cutoff_hz: float = DEFAULT_CUTOFF_HZ) -> float:
    """The cutoff actually used at frame rate ``fps`` (Hz): ``min(cutoff_hz, 0.4 × fps / 2)``."""
    return float(min(cutoff_hz, 0.2 * fps))


def median_kernel(fps: float) -> int:
    """Odd running-median length (frames) covering about 50 ms at ``fps``, at least 3."""
    k = int(round(0.05 * fps))
    return max(3, k + 1 - k % 2)


@lru_cache(maxsize=32)
def _butter(order: int, wn: float) -> tuple[np.ndarray, np.ndarray]:
    """Low-pass Butterworth (b, a), cached: the streaming event detector smooths on every frame
    and designing the filter each time cost more than the filtering."""
    return signal.butter(order, wn)


def despike_runs(x: np.ndarray, fps: float, min_spike: float) -> np.ndarray:
    """``x`` (T,) with its spikes replaced, nothing else changed; NaN stays NaN.

    A value is a spike when it differs from the running median over about 50 ms
    (:func:`median_kernel`, one unbroken run of finite values at a time) by more than
    ``max(min_spike, 3 robust SDs of those differences)`` (``min_spike`` in the unit of ``x``).
    Unlike the low-pass of :func:`smooth_runs` or the median itself it keeps where an extremum
    is: a zero-phase low-pass moves the bottom of an asymmetric valley (the pelvis falls fast
    after contact and rises slowly) toward its slow side — at 30 fps by about a frame, which moved
    the midstance pelvic drop by −1.4° on a render — and a running median flattens a peak into a
    plateau whose first frame is early.
    """
    x = np.asarray(x, float)
    out = x.copy()
    k = median_kernel(fps)
    for s, e in runs(np.isfinite(x)):
        if e - s <= k:
            continue
        med = ndimage.median_filter(x[s:e], size=k, mode="nearest")
        d = x[s:e] - med
        lim = max(min_spike, 3 * 1.4826 * float(np.median(np.abs(d - np.median(d)))))
        out[s:e] = np.where(np.abs(d) > lim, med, x[s:e])
    return out


def smooth_runs(x: np.ndarray, fps: float, cutoff_hz: float = DEFAULT_CUTOFF_HZ) -> np.ndarray:
    """Despike and zero-phase low-pass ``x`` along axis 0, one unbroken run of finite rows at a time.

    ``x`` is (T,) or (T, D) in any unit; a row is valid when all its values are finite. Runs too
    short for the filter's padding are left as they are (short runs carry no gait cycle anyway).
    Returns an array of the same shape with NaN where ``x`` had a missing row.
    """
    x = np.asarray(x, float)
    flat = x.reshape(len(x), -1)
    out = np.full_like(flat, np.nan)
    valid = np.all(np.isfinite(flat), axis=1)
    b, a = _butter(ORDER, effective_cutoff(fps, cutoff_hz) / (fps / 2.0))
    padlen = 3 * max(len(a), len(b))
    k = median_kernel(fps)
    for s, e in runs(valid):
        seg = flat[s:e]
        if e - s > k:
            seg = ndimage.median_filter(seg, size=(k, 1), mode="nearest")
        out[s:e] = signal.filtfilt(b, a, seg, axis=0) if e - s > padlen else seg
    return out.reshape(x.shape)
