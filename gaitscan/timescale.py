"""Real time from slow-motion and high-frame-rate phone videos (issue 10).

Phones save high-frame-rate footage either as a true high-rate file (timestamps are real time) or
as **slowed playback** re-encoded at 25–30 fps, where every time in the file is stretched by the
slow-motion factor. gaitscan works in real time, so it needs the **time scale**: real seconds per
file second (0.125 for 240 fps played back at 30 fps).

Where it comes from, in order (recorded in ``source.time_scale_source``):

1. ``--capture-fps N`` or ``--slowmo FACTOR`` given by the user (``"--capture-fps"``,
   ``"--slowmo"``);
2. the container's metadata (``"metadata:<key>"``): a capture-rate tag such as Android's
   ``com.android.capture.fps`` (a 30 fps stream plus the real capture rate), compared with the
   file's frame rate (a tag equal to the file's rate means a true high-rate file, scale 1);
3. a saved pose series' own ``source.time_scale`` (``.npz`` written by gaitscan);
4. otherwise ``"none"`` and scale 1.

The scale is applied **once**, to the PoseSeries timestamps (:func:`apply_time_scale`), before
events and metrics, so every time, rate and duration downstream is real time. The pose file and
the report's keyframes stay on the file's clock (``t_file = t_real / time_scale``).

**Edit lists.** An MP4/QuickTime edit list (``moov/trak/edts/elst``) whose entries play media at a
rate other than 1 time-scales a section — the "recipe" of iPhone slo-mo originals, whose frames
carry real capture times and whose slowed middle is only a playback instruction. FFmpeg (and so
PyAV) does not apply such rates (on a constructed 60-frame 120 fps file with a rate-0.25 middle
entry it decoded 72 frames with times running to 1.4 s, neither clock), and PyAV does not expose
the edit list, so
:func:`read_edit_lists` parses it from the file. A video track with a rate ≠ 1 entry is rejected
(:class:`~gaitscan.errors.InputError`, naming the entries): gaitscan cannot map those frames to
real time without guessing. A slowed section baked into the frames of an exported 30 fps file
(no metadata) is seen only in the data: :func:`speed_change` compares the step rate across the
clip.

**Plausibility** (:func:`plausibility`): the step frequency is measured without the event
detector (autocorrelation of swap-invariant signals: the feet's separation and the pelvis' bounce,
:func:`step_period`), and whether the runner is **clearly running** (contacts alternate and a
flight phase separates them — a duty factor that is the same in any clock) is judged from the
event detector on a trial real-time clock. Running at a cadence outside 120–230 steps/min is
called implausible, and so is any rhythm under 40 steps/min (no steady human gait is that slow,
running or not): the check ``time_scale`` (level error) names the likely slow-motion factor
(the ratio to a typical 170 steps/min; de Oliveira 2019/EVIDENCE §6: 171 ± 7.9 in uninjured
men, so the factor is uncertain by about ±10 %) and the options to give, and
:func:`withhold_times` sets every time-based metric to null with that reason. The guess is
offered, never applied.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Optional, Union

import numpy as np

from .errors import InputError, UsageError
from .metrics.events import detect_events
from .metrics.pelvis import ObliquityEstimator
from .pose import landmarks as lm
from .pose.series import PoseSeries

PathLike = Union[str, Path]

#: container/stream metadata keys that hold the real capture frame rate (frames per real second).
#: ``com.android.capture.fps``: Android camera (stock MediaRecorder), e.g. "120.000000" on a 30 fps
#: slowed stream or on a true 120 fps stream (MediaInfoLib PR 1411, "Real frame rate").
CAPTURE_FPS_KEYS = ("com.android.capture.fps",)
#: human running cadence (steps/min) outside which a clip's times are called implausible
RUNNING_CADENCE_SPM = (120.0, 230.0)
#: a step rhythm slower than this (steps/min; one step every 1.5 s) is no steady human gait, walking
#: or running: the clip is called slowed even when its movement does not clearly look like running
#: (a conservative bound: walking cadence is about 100–120 steps/min)
SLOWEST_GAIT_SPM = 40.0
#: typical running cadence used to estimate a slow-motion factor (EVIDENCE.md §6: 171 ± 7.9)
TYPICAL_CADENCE_SPM = 170.0
#: cadence range used to give the factor's uncertainty (about ±2.5 SD of recreational runners)
TYPICAL_RANGE_SPM = (150.0, 190.0)
#: capture rates phones offer for slow motion, named when the estimate is close to one
COMMON_CAPTURE_FPS = (60.0, 120.0, 240.0, 480.0, 960.0)
#: per-step and summary fields that are times, and the top-level ones, withheld when times are wrong
TIME_FIELDS = ("stance_time_s", "flight_time_s", "step_time_s")
#: box types an MP4/QuickTime file starts with (anything else is not parsed for edit lists)
ISO_BMFF_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")
#: how far an autocorrelation peak must rise above the curve before it to count as a period
MIN_PROMINENCE = 0.15
#: two halves of a clip whose step periods differ by more than this ratio contain a speed change
SPEED_CHANGE_RATIO = 1.5


@dataclass(frozen=True)
class TimeScale:
    """Real seconds per file second (``scale``), where it came from (``source``: "metadata:<key>",
    "--capture-fps", "--slowmo", "pose-file" or "none") and a plain sentence (``detail``)."""

    scale: float
    source: str
    detail: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"time scale must be a positive number, got {self.scale!r}")


NO_SCALE = TimeScale(1.0, "none", "No capture rate given or found: times are the file's own.")


# ------------------------------------------------------------------------- where the scale comes from
def given_time_scale(*, capture_fps: Optional[float], slowmo: Optional[float], file_fps: float) -> Optional[TimeScale]:
    """The scale from ``--capture-fps`` (the camera's real frames per second; ``file_fps`` is the
    file's mean frame rate) or ``--slowmo`` (the playback slow-down factor); None if neither.

    Raises :class:`UsageError` when both are given or a value is not a positive number.
    """
    if capture_fps is not None and slowmo is not None:
        raise UsageError("give either --capture-fps or --slowmo, not both")
    if capture_fps is not None:
        if not (math.isfinite(capture_fps) and capture_fps > 0):
            raise UsageError(f"--capture-fps must be a positive frame rate, got {capture_fps:g}")
        if not (math.isfinite(file_fps) and file_fps > 0):
            raise UsageError("--capture-fps needs the file's frame rate, and the clip has fewer than 2 frames")
        return TimeScale(file_fps / capture_fps, "--capture-fps",
                         f"Filmed at {capture_fps:g} fps and played at {file_fps:.3f} fps (given): "
                         f"times scaled by {file_fps / capture_fps:.4g}.")
    if slowmo is not None:
        if not (math.isfinite(slowmo) and slowmo > 0):
            raise UsageError(f"--slowmo must be a positive factor, got {slowmo:g}")
        return TimeScale(1.0 / slowmo, "--slowmo", f"Played back {slowmo:g}× slowed (given): times scaled by {1 / slowmo:.4g}.")
    return None


def metadata_time_scale(metadata: dict[str, str], file_fps: float) -> Optional[TimeScale]:
    """The scale from a capture-rate tag in ``metadata`` (container and stream tags merged), or None.

    ``file_fps`` is the file's mean frame rate. A tag within 2 % of it means a true high-rate file
    (scale 1); otherwise scale = ``file_fps / capture_fps``. A tag that is not a positive number
    is ignored (None).
    """
    for key in CAPTURE_FPS_KEYS:
        raw = metadata.get(key)
        if raw is None:
            continue
        try:
            capture = float(str(raw).strip())
        except ValueError:
            continue
        if not (math.isfinite(capture) and capture > 0 and math.isfinite(file_fps) and file_fps > 0):
            continue
        if abs(capture - file_fps) <= 0.02 * file_fps:
            return TimeScale(1.0, f"metadata:{key}", f"The file says it was filmed at {capture:g} fps, its own "
                                                      "frame rate: times are real time.")
        return TimeScale(file_fps / capture, f"metadata:{key}",
                         f"The file says it was filmed at {capture:g} fps and plays at {file_fps:.3f} fps "
                         f"({key}): times scaled by {file_fps / capture:.4g}.")
    return None


@dataclass(frozen=True)
class EditEntry:
    """One edit-list entry of a track: ``duration_s`` of movie (playback) time, ``media_start_s``
    (None for an empty edit) and ``rate`` (1 = normal speed, 0.25 = played 4× slowed)."""

    duration_s: float
    media_start_s: Optional[float]
    rate: float


def read_edit_lists(path: PathLike) -> list[list[EditEntry]]:
    """The edit list of every **video** track of an MP4/QuickTime file (one list per track; empty
    for a track without one). Files that are not ISO-BMFF give ``[]``; a damaged box structure
    raises :class:`InputError` naming the file."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            if fh.read(8)[4:] not in ISO_BMFF_FIRST_BOXES:
                return []
            moov = _find_box(fh, b"moov", 0, path.stat().st_size)
            if moov is None:
                return []
            fh.seek(moov[0])
            data = fh.read(moov[1] - moov[0])
    except OSError as exc:
        raise InputError(f"cannot read the file's boxes ({exc.strerror or exc})", path) from None
    try:
        return _edit_lists(data)
    except (struct.error, ValueError) as exc:
        raise InputError(f"damaged MP4 edit list ({exc})", path) from None


def _find_box(fh: BinaryIO, kind: bytes, start: int, end: int) -> Optional[tuple[int, int]]:
    """(payload start, end) of the first top-level box ``kind`` between ``start`` and ``end``."""
    pos = start
    while pos + 8 <= end:
        fh.seek(pos)
        head = fh.read(8)
        if len(head) < 8:
            return None
        size, typ = struct.unpack(">I4s", head)
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", fh.read(8))[0]
            hdr = 16
        elif size == 0:
            size = end - pos
        if size < hdr:
            return None
        if typ == kind:
            return pos + hdr, pos + size
        pos += size
    return None


def _children(data: bytes, start: int = 0, end: Optional[int] = None):
    """(type, payload start, end) of the boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, typ = struct.unpack_from(">I4s", data, pos)
        hdr = 8
        if size == 1:
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            hdr = 16
        elif size == 0:
            size = end - pos
        if size < hdr or pos + size > end:
            raise ValueError(f"box {typ!r} at {pos} overruns its parent")
        yield typ, pos + hdr, pos + size
        pos += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> Optional[tuple[int, int]]:
    for typ, a, b in _children(data, start, end):
        if typ == kind:
            return a, b
    return None


def _timescale(data: bytes, box: Optional[tuple[int, int]]) -> int:
    """The timescale field of an ``mvhd``/``mdhd`` payload."""
    if box is None:
        raise ValueError("missing mvhd/mdhd")
    a = box[0]
    return struct.unpack_from(">I", data, a + (20 if data[a] == 1 else 12))[0]


def _edit_lists(moov: bytes) -> list[list[EditEntry]]:
    movie_ts = _timescale(moov, _child(moov, 0, len(moov), b"mvhd")) or 1
    out = []
    for typ, a, b in _children(moov):
        if typ != b"trak":
            continue
        mdia = _child(moov, a, b, b"mdia")
        hdlr = _child(moov, *mdia, b"hdlr") if mdia else None
        if hdlr is None or moov[hdlr[0] + 8:hdlr[0] + 12] != b"vide":
            continue
        media_ts = _timescale(moov, _child(moov, *mdia, b"mdhd")) or 1
        edts = _child(moov, a, b, b"edts")
        elst = _child(moov, *edts, b"elst") if edts else None
        entries: list[EditEntry] = []
        if elst is not None:
            p = elst[0]
            version = moov[p]
            (count,) = struct.unpack_from(">I", moov, p + 4)
            p += 8
            for _ in range(count):
                if version == 1:
                    dur, mtime = struct.unpack_from(">Qq", moov, p)
                    p += 16
                else:
                    dur, mtime = struct.unpack_from(">Ii", moov, p)
                    p += 8
                (rate,) = struct.unpack_from(">i", moov, p)
                p += 4
                entries.append(EditEntry(dur / movie_ts, None if mtime == -1 else mtime / media_ts, rate / 65536.0))
        out.append(entries)
    return out


def check_edit_lists(path: PathLike) -> None:
    """Raise :class:`InputError` if a video track's edit list plays a section at a rate other than
    1 (a slowed or sped-up section: mixed slow-motion files); otherwise return."""
    for entries in read_edit_lists(path):
        scaled = [e for e in entries if e.media_start_s is not None and abs(e.rate - 1.0) > 1e-6]
        if scaled:
            parts = ", ".join(f"{e.duration_s:.2f} s of playback from media {e.media_start_s:.2f} s at rate {e.rate:g}"
                              for e in scaled)
            raise InputError(
                "the file's edit list plays part of the video at another speed (" + parts + "), as phone slow-motion "
                "originals do. gaitscan cannot map such a file to real time: export a constant-speed version "
                "(the whole clip slowed, then give --capture-fps, or the unslowed original)", path)


def read_time_scale(path: PathLike, *, file_fps: float) -> TimeScale:
    """The time scale a video's metadata gives (:func:`metadata_time_scale`), else :data:`NO_SCALE`.

    ``file_fps``: the file's mean frame rate. (Mixed-speed files are rejected earlier, before the
    pose model runs: :func:`check_edit_lists`.)
    """
    from .pose.video import probe

    return metadata_time_scale(probe(path).metadata, file_fps) or NO_SCALE


def series_time_scale(series: PoseSeries) -> TimeScale:
    """The time scale recorded in a saved series' ``source`` (a pose file), else :data:`NO_SCALE`."""
    scale, src = series.source.get("time_scale"), series.source.get("time_scale_source")
    if src in (None, "none") or not isinstance(scale, (int, float)) or not scale > 0:
        return NO_SCALE
    return TimeScale(float(scale), str(src), f"Time scale {scale:.4g} from the pose file ({src}).")


# ------------------------------------------------------------------------- applying it
def record_time_scale(series: PoseSeries, ts: TimeScale) -> PoseSeries:
    """``series`` (still on the file's clock) with ``source.time_scale``/``time_scale_source`` set,
    as the pose file stores it."""
    return replace(series, source={**series.source, "time_scale": ts.scale, "time_scale_source": ts.source})


def apply_time_scale(series: PoseSeries, ts: TimeScale) -> PoseSeries:
    """``series`` on the real-time clock: ``t × scale``, with the scale and its source in ``source``.

    ``series.t`` must be on the file's clock; ``source.time_scale`` is replaced, not multiplied.
    """
    return replace(record_time_scale(series, ts), t=series.t * ts.scale)


def on_file_clock(estimator: ObliquityEstimator, scale: float) -> ObliquityEstimator:
    """Wrap a pelvis estimator that matches series times to video frame times (the image method)
    so it is given the series on the file's clock while the analysis runs in real time."""
    if scale == 1.0:
        return estimator

    def estimate(series: PoseSeries, view, camera_roll_deg: float = 0.0):
        return estimator(replace(series, t=series.t / scale), view, camera_roll_deg)

    return estimate


# ------------------------------------------------------------------------- plausibility from the data
def _step_signals(series: PoseSeries) -> list[np.ndarray]:
    """Signals that repeat once per step whatever the left/right labels say: the feet's horizontal
    and vertical separation (absolute) and the pelvis height, in body sizes."""
    xy = series.xy
    hip = 0.5 * (xy[:, lm.L_HIP] + xy[:, lm.R_HIP])
    sh = 0.5 * (xy[:, lm.L_SHOULDER] + xy[:, lm.R_SHOULDER])
    size = float(np.nanmedian(np.linalg.norm(sh - hip, axis=1))) if np.isfinite(hip).any() else float("nan")
    if not (math.isfinite(size) and size > 0):
        return []
    feet = xy[:, lm.L_ANKLE] - xy[:, lm.R_ANKLE]
    return [np.abs(feet[:, 0]) / size, np.abs(feet[:, 1]) / size, hip[:, 1] / size]


def step_period(series: PoseSeries, *, min_s: Optional[float] = None) -> Optional[float]:
    """The typical step period in the series' own clock (seconds), or None without a clear rhythm.

    Signals (:func:`_step_signals`) are resampled on a uniform grid, detrended over a window of
    twice the longest period searched, and their variance-weighted autocorrelations summed; the
    period is the first autocorrelation peak above half the highest one (and above 0.2), refined
    by a parabola; a peak must rise :data:`MIN_PROMINENCE` above the curve before it. Searched: ``min_s`` (default 3 frames) up to a third of the clip.
    """
    t = series.t
    if len(t) < 16:
        return None
    dt = float(np.median(np.diff(t)))
    grid = np.arange(t[0], t[-1], dt)
    n = len(grid)
    lo = max(3, int(math.ceil((min_s or 0.0) / dt)))
    hi = n // 3
    if hi <= lo + 2:
        return None
    total = np.zeros(hi + 1)
    weight = 0.0
    for sig in _step_signals(series):
        ok = np.isfinite(sig)
        if ok.sum() < 0.6 * len(sig):
            continue
        x = np.interp(grid, t[ok], sig[ok])
        win = 2 * hi + 1
        trend = np.convolve(np.pad(x, win // 2, mode="edge"), np.ones(win) / win, mode="valid")
        x = x - trend
        var = float(np.mean(x * x))
        if var < 1e-6:  # under a thousandth of a body size: no movement, only rounding
            continue
        f = np.fft.rfft(x, 2 * n)
        ac = np.fft.irfft(f * np.conj(f))[: hi + 1] / (var * np.arange(n, n - hi - 1, -1))
        total += ac * var
        weight += var
    if weight == 0:
        return None
    ac = total / weight
    inner = ac[lo:hi]
    # local maxima standing out by MIN_PROMINENCE from the lowest autocorrelation before them (a
    # jitter bump on the decaying start of the curve is not a period)
    peaks = [k for k in range(lo + 1, hi - 1) if ac[k] >= ac[k - 1] and ac[k] > ac[k + 1]
             and ac[k] - float(np.min(ac[lo:k])) >= MIN_PROMINENCE]
    if not peaks:
        return None
    best = max(ac[k] for k in peaks)
    if best < 0.2 or inner.size == 0:
        return None
    k = next(k for k in peaks if ac[k] >= 0.5 * best)
    a, b, c = ac[k - 1], ac[k], ac[k + 1]
    den = a - 2 * b + c
    shift = 0.5 * (a - c) / den if den < 0 else 0.0
    return float((k + shift) * dt)


@dataclass(frozen=True)
class RunningEvidence:
    """Whether the movement is clearly running: ``n_stances`` found, the fraction of consecutive
    contacts on alternating feet, and the duty factor per step (median stance time over median
    step time: < 1 means a flight phase between contacts, walking has > 1)."""

    running: bool
    n_stances: int
    alternating: float
    stance_over_step: Optional[float]


def running_evidence(series: PoseSeries, view: str, facing: int, period_s: float) -> RunningEvidence:
    """Judge running from the event detector run on a trial clock where the step period is that
    of a 170 steps/min runner (the detector's time limits are human ones); duty factor and
    alternation do not depend on the clock, so the trial clock does not decide the answer."""
    trial = replace(series, t=series.t * ((60.0 / TYPICAL_CADENCE_SPM) / period_s))
    stances = sorted(detect_events(trial, view, facing=facing).stances, key=lambda s: s.contact_t)
    if len(stances) < 4:
        return RunningEvidence(False, len(stances), 0.0, None)
    sides = [s.side for s in stances]
    alt = float(np.mean([a != b for a, b in zip(sides, sides[1:])]))
    contact = np.array([s.contact_t for s in stances])
    stance = np.array([s.toe_off_t - s.contact_t for s in stances])
    ratio = float(np.median(stance) / np.median(np.diff(contact)))
    return RunningEvidence(alt >= 0.7 and ratio < 0.95, len(stances), round(alt, 3), round(ratio, 3))


def speed_change(series: PoseSeries) -> Optional[float]:
    """Ratio (≥ 1) of the step periods of the clip's first and second halves, or None when either
    half has no clear rhythm; above :data:`SPEED_CHANGE_RATIO` the playback speed changes inside
    the file (e.g. a phone slo-mo export: normal start, slowed middle)."""
    mid = len(series) // 2
    a, b = step_period(series.slice(0, mid)), step_period(series.slice(mid, len(series)))
    if a is None or b is None:
        return None
    return max(a, b) / min(a, b)


def _nearest_capture(capture: float) -> Optional[float]:
    near = min(COMMON_CAPTURE_FPS, key=lambda c: abs(math.log(c / capture)))
    return near if abs(math.log(near / capture)) < math.log(1.15) else None


def plausibility(series: PoseSeries, view: str, facing: int, ts: TimeScale) -> dict[str, Any]:
    """The quality check ``time_scale`` for ``series`` (already on the clock ``ts`` gives).

    Returns ``{"id": "time_scale", "ok", "value", "level", "message"}``; ``value`` holds the
    measured ``cadence_spm`` (from the step rhythm, this clock), ``running`` evidence, the
    ``suggested_slowmo`` factor (relative to the clock used) and ``suggested_capture_fps`` when
    times look wrong, and ``speed_change`` (ratio of the halves' step periods).
    """
    applied = "" if ts.source == "none" else f" (after the time scale {ts.scale:.4g} from {ts.source})"
    period = step_period(series)
    change = speed_change(series)
    value: dict[str, Any] = {"time_scale": ts.scale, "time_scale_source": ts.source, "cadence_spm": None,
                             "running": None, "speed_change": None if change is None else round(change, 2)}
    if period is None:
        return _check(True, value, "ok", "No clear step rhythm to check the clip's time scale against." + _given(ts))
    cad = 60.0 / period
    value["cadence_spm"] = round(cad, 1)
    ev = running_evidence(series, view, facing, period)
    value["running"] = {"running": ev.running, "stances": ev.n_stances, "alternating": ev.alternating,
                        "stance_over_step": ev.stance_over_step}
    lo, hi = RUNNING_CADENCE_SPM
    if change is not None and change > SPEED_CHANGE_RATIO:
        return _check(False, value, "error",
                      f"The step rhythm changes {change:.1f}-fold between the first and second half of the clip: "
                      "the playback speed seems to change inside the file (a slow-motion export with a normal-speed "
                      "start or end?). Times are not trustworthy; trim the clip to one speed with --start/--end.")
    if lo <= cad <= hi:
        return _check(True, value, "ok", f"Step rhythm of {cad:.0f} steps/min{applied}: a human running "
                                         "cadence, so the times are taken as real." + _given(ts))
    if not ev.running and cad >= SLOWEST_GAIT_SPM:
        return _check(True, value, "ok", f"Step rhythm of {cad:.0f} steps/min{applied}, but the movement does not "
                                         "clearly look like running, so the time scale was not judged." + _given(ts))
    factor = round(TYPICAL_CADENCE_SPM / cad, 2)
    f_lo, f_hi = sorted((TYPICAL_RANGE_SPM[0] / cad, TYPICAL_RANGE_SPM[1] / cad))
    value["suggested_slowmo"] = factor
    fps_now = series.fps
    capture = fps_now * factor if math.isfinite(fps_now) else None
    if factor > 1:
        what = f"slowed playback of about {factor:.1f}× (between {f_lo:.1f}× and {f_hi:.1f}×)"
    else:
        what = f"sped-up playback (time-lapse) of about {1 / factor:.1f}× (between {1 / f_hi:.1f}× and {1 / f_lo:.1f}×)"
    give = f"give --slowmo {factor:.1f}"
    if capture is not None and ts.source == "none":
        value["suggested_capture_fps"] = round(capture, 1)
        near = _nearest_capture(capture)
        give = (f"give --capture-fps with the rate the phone filmed at (about {capture:.0f} fps"
                + (f", e.g. --capture-fps {near:g}" if near else "") + f") or --slowmo {factor:.1f}")
    if ev.running:
        why = (f"The runner is clearly running, but at {cad:.0f} steps/min{applied} — outside human running "
               f"({lo:.0f}–{hi:.0f}). This looks like {what}")
    else:
        why = (f"A step rhythm of {cad:.0f} steps/min{applied} is slower than any steady human gait "
               f"(under {SLOWEST_GAIT_SPM:.0f}), although the movement does not clearly look like running (no "
               f"clear flight phase). If it is running, this looks like {what}")
    return _check(False, value, "error",
                  f"{why}; {give}. Times, cadence and contact times are withheld until then; the factor is an "
                  "estimate, not applied.")


def _given(ts: TimeScale) -> str:
    return "" if ts.source == "none" else " " + ts.detail


def _check(ok: bool, value: Any, level: str, message: str) -> dict[str, Any]:
    return {"id": "time_scale", "ok": ok, "value": value, "level": level, "message": message}


def withhold_times(analysis: dict[str, Any], reason: str) -> dict[str, Any]:
    """A copy of an analysis dict with every time-based metric null and ``reason`` given: cadence,
    per-step stance/flight/step times, their summaries and asymmetry. Event times (``contact_t``
    …) stay as positions in the clip."""
    out = dict(analysis)
    out["cadence_spm"], out["cadence_ci95"] = None, None
    steps = []
    for st in analysis.get("steps", []):
        st = dict(st)
        nm = dict(st.get("not_measurable") or {})
        for key in TIME_FIELDS:
            if key in st:
                st[key] = None
                nm[key] = reason
        st["not_measurable"] = nm
        steps.append(st)
    out["steps"] = steps
    summary = {k: dict(v) if isinstance(v, dict) else v for k, v in (analysis.get("summary") or {}).items()}
    for side in ("left", "right"):
        for key in TIME_FIELDS:
            if key in summary.get(side, {}):
                n = summary[side][key].get("n", 0)
                summary[side][key] = {"mean": None, "sd": None, "ci95": None, "n": n, "reason": reason}
    for key in TIME_FIELDS:
        if key in summary.get("asymmetry", {}):
            summary["asymmetry"][key] = None
    out["summary"] = summary
    out["not_measurable"] = {**(analysis.get("not_measurable") or {}), "cadence_spm": reason, "time_scale": reason}
    return out


# ------------------------------------------------------------------------- the pipeline's two calls
def resolve_time_scale(series: PoseSeries, *, video: Optional[PathLike], capture_fps: Optional[float] = None,
                       slowmo: Optional[float] = None) -> TimeScale:
    """The time scale for ``series`` (on the file's clock): the user's ``capture_fps``/``slowmo``,
    else the metadata of ``video`` (the file the series came from; None for a pose file), else the
    series' own record, else :data:`NO_SCALE`."""
    file_fps = series.fps * int(series.source.get("stride") or 1)
    found = read_time_scale(video, file_fps=file_fps) if video is not None else series_time_scale(series)
    return given_time_scale(capture_fps=capture_fps, slowmo=slowmo, file_fps=file_fps) or found


def assess_time_scale(analysis: dict[str, Any], series: PoseSeries, ts: TimeScale) -> dict[str, Any]:
    """``analysis`` (of ``series``, already on the clock ``ts`` gives) with the ``time_scale``
    quality check added and, when it fails, every time-based metric withheld with its message."""
    from .metrics.analysis import facing_direction
    from .metrics.view import relabel_sides

    view = analysis.get("view") or "side"
    s = relabel_sides(series, view).series
    check = plausibility(s, view, facing_direction(s) if view == "side" else 1, ts)
    out = dict(analysis)
    quality = dict(analysis.get("quality") or {})
    quality["checks"] = [*quality.get("checks", []), check]
    out["quality"] = quality
    return withhold_times(out, check["message"]) if check["level"] == "error" else out
