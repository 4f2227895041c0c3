"""Gait events per foot — initial contact, midstance, toe-off — as one streaming detector.

Methods (chosen from ``EVIDENCE.md`` §5):

* **Side view — Zeni et al. 2008** (Gait Posture 27:710; validated for treadmill running by
  Fellin et al. 2010, J Sci Med Sport 13(6):646): the contact is the heel's most anterior image
  position relative to the pelvis midpoint, the toe-off the foot index's most posterior one. From
  the side the model's left/right labels sit on the front and the back foot as often as on the
  left and right one (on renders: always), so both are taken over the two feet at once — the
  foremost grounded heel, the rearmost grounded toe — and the feet are named by alternation (see
  :meth:`GaitEventDetector._side_step`). Every limit is in seconds, so the result does not depend
  on the frame rate: on the ideal runner the contact comes 11 ms early at 60–240 fps alike (14 ms
  at 30 fps) and the toe-off 5–15 ms late (about 11 ms early at 30 fps, where the low-pass cutoff
  is capped at 6 Hz). Checked against render truth through the model at 120 and
  240 fps and the hand counts of four real side clips (tests/test_timescale.py,
  tests/test_cadence_real.py).
* **Initial contact, rear / front view — heel vertical position and acceleration** (after
  Fellin 2010's heel-position methods and Hreljac & Marshall 2000, J Biomech 33:783, heel
  acceleration). Seen from behind by a camera above the ground, a landing heel falls fast in the
  image, then — still swinging forward, away from the camera — nearly stops or even rises, and
  from contact on comes back toward the camera with the belt, moving down faster again: the
  contact is the heel's greatest downward acceleration within ``landing_window_s`` after the end
  of the foot's descent. In front the landed foot moves away, up: the contact is the heel's
  lowest image point (Fellin's lowest heel position). Without a clear turn (a camera near foot
  height) the contact is the end of the descent: the foot's downward speed falls below
  ``landed_frac`` of that descent's peak (the middle of the velocity drop — exact for an abrupt
  landing, early for a gently lowered foot). The model's world
  depth was tried for a Zeni-style contact and rejected: on renders its heel depth peaks
  mid-swing.
* **Toe-off, rear / front view — foot vertical velocity** (after Fellin 2010, and the
  foot-velocity algorithm of O'Connor et al. 2007, Gait Posture 25:469): the stance ends when the
  foot's lowest point (heel or foot index, whichever is lower in the image) rises fast; the toe-off is the frame of
  greatest upward acceleration before that. Thresholds adapt to the clip (fractions of the
  recent rise speed), so camera distance and zoom do not matter.

*Midstance* is the frame where the pelvis (hip midpoint, despiked but not low-passed) is lowest
in the image during that stance (Dingenen 2018's "deepest landing position").

Feet are **followed through time** (rear and front: the events are per foot; side: only which
track holds a contact's heel): each frame's two feet are assigned to two tracks by
constant-velocity continuity, never by the model's labels (which swap in 10–30 % of frames near
the midline). Which track is the left foot is a slowly forgetting vote of the model's labels and,
never the feet's image order (a crossover puts them in the wrong order).

**Start of a clip, and gaps.** The thresholds are fractions of the window's own speeds, so no
decision is made before the window holds ``warmup_s`` (about one stride); the warm-up frames are
then decided in one go. A foot must be seen *not* descending before a descent can arm a contact —
at the clip's start and after a gap longer than ``settle_s`` — so a stance whose descent began
unseen is not reported (its contact and midstance would be guesses: on the sample render such a
stance came out 10 frames late, its pelvic drop −9.6° for a true +8°). Each foot's signals are
smoothed over its own valid runs, so a missing foot does not blank the other.

Streaming: :class:`GaitEventDetector` takes one frame per :meth:`~GaitEventDetector.update` and
reports each stance once its toe-off is known, after a fixed latency of ``latency_s`` (default
0.25 s) past the event (after the warm-up); :meth:`~GaitEventDetector.finish` flushes the end of a clip. Smoothing is
redone on a trailing window of unbroken valid frames only (never across a gap).
:func:`detect_events` is the offline wrapper: it feeds a whole series through the same object, so
live and offline give identical events on the same frames.
"""
from __future__ import annotations

import warnings
from collections import deque
from dataclasses import dataclass, field
from typing import Literal, Optional

import numpy as np

from ..pose import landmarks as lm
from ..pose.series import PoseSeries
from .filtering import DEFAULT_CUTOFF_HZ, despike_runs, smooth_runs
from .view import View

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")
#: landmark indices of each foot's points, (heel, ankle, foot index), labelled left and right
FOOT_POINTS = ((lm.L_HEEL, lm.L_ANKLE, lm.L_TOE), (lm.R_HEEL, lm.R_ANKLE, lm.R_TOE))
HEEL, ANKLE, TOE = 0, 1, 2
N_POINTS = 3


@dataclass(frozen=True)
class Stance:
    """One stance of one foot. Frames index the series; times are seconds (``series.t``; in the
    side view the contact and toe-off times fall between frames: the vertex of the extremum, and
    the frames are the nearest sampled extremum); ``track`` (0 or 1) is the followed foot, an
    index into :attr:`EventResult.feet`."""

    side: Side
    contact: int
    midstance: int
    toe_off: int
    contact_t: float
    midstance_t: float
    toe_off_t: float
    track: int = 0


@dataclass
class _Track:
    state: str = "swing"          # "swing" | "landing" | "stance"
    armed_from: Optional[int] = None  # frame of the descent (frontal) that arms a contact
    contact: Optional[int] = None
    toe_off: int = -10**9             # frame of the last toe-off
    peak_v: float = 0.0               # fastest downward speed of the current descent
    ready: bool = False               # seen not descending since it was first seen or lost (see _step)
    gap: int = 0                      # frames missing in a row


@dataclass(frozen=True)
class DetectorConfig:
    """Parameters of :class:`GaitEventDetector` (seconds, Hz, fractions)."""

    cutoff_hz: float = DEFAULT_CUTOFF_HZ
    window_s: float = 2.0          # trailing window that is re-smoothed at every frame
    latency_s: float = 0.25        # how far behind the newest frame decisions are made
    min_stance_s: float = 0.1      # shorter "stances" are noise (sprinters' contacts are ~0.1 s)
    settle_s: float = 0.05         # a descent has ended only when the foot stays slow this long
    min_swing_s: float = 0.15      # a foot's next contact comes at least this long after its toe-off
    max_stance_s: float = 1.5
    descent_frac: float = 0.5      # of the recent peak descent speed: "the foot is coming down"
    landed_frac: float = 0.5       # below this fraction of the descent's peak speed it has ended
    rise_frac: float = 0.4         # of the recent peak rise speed: "the foot is lifting"
    vote_memory_s: float = 3.0     # time constant of the left/right identity vote
    swap_ratio: float = 0.5        # continuity overrules the labels when swapping costs < this × keeping
    peak_halfwidth_s: float = 0.15  # side: Zeni's contact / toe-off is an extremum over ± this time
    contact_lift_max: float = 0.25  # side: a heel higher than this (leg lengths) above the ground is
                                    # not landing (the model's stray heel points sit mid-shin or higher)
    realternate_s: float = 0.75     # side: after this long without a contact the feet are named by the
                                    # labels' vote again, not by alternation
    landing_window_s: float = 0.3    # rear/front: how long after the descent the contact is sought
    turn_frac: float = 0.2           # rear: a downward kick of the heel this strong (× the landing
                                     # deceleration) marks the contact
    warmup_s: float = 1.2            # no decision before the window holds this much of the clip:
                                     # the adaptive thresholds need about one stride of history


class GaitEventDetector:
    """Streaming per-foot event detector (see module docstring for the method).

    Parameters: ``fps`` nominal frame rate (Hz, sets window and latency in frames); ``view``
    "rear" | "front" | "side"; ``facing`` for side views, +1 if the runner faces image-right,
    −1 if image-left; ``config`` thresholds.
    """

    def __init__(self, *, fps: float, view: View, facing: int = 1, config: DetectorConfig = DetectorConfig()) -> None:
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.fps = float(fps)
        self.view = view
        self.facing = 1 if facing >= 0 else -1
        self.cfg = config
        self.window = max(8, int(round(config.window_s * fps)))
        self.latency = max(2, int(round(config.latency_s * fps)))
        # the warm-up frames are decided in one go once it is over, so they must still be in the window
        self.warmup = max(0, min(int(round(config.warmup_s * fps)), self.window - self.latency - 2))
        self.reset()

    # ------------------------------------------------------------------ public API
    def reset(self) -> None:
        """Forget everything (a new clip or a new runner)."""
        self.n = 0
        self._t: deque = deque(maxlen=self.window)
        self._feet: deque = deque(maxlen=self.window)    # (2, 3, 2) per frame, in TRACK order
        self._pelvis: deque = deque(maxlen=self.window)  # (2,)
        self._scale: deque = deque(maxlen=self.window)   # leg length px
        self._tracks = [_Track(), _Track()]
        self._vote = 0.0  # > 0: track 0 is the left foot
        self.tracked: list[np.ndarray] = []   # per frame: (2, 3, 2) feet in track order
        self.swap_count = 0
        self._next_k = 0  # the next frame to decide
        # side view (see _side_step): open stances (contact frame, track, foot, time), oldest first, at
        # most two; the frame and foot of the last contact
        self._open: list[tuple[int, int, Side, float]] = []
        self._last_contact: Optional[tuple[int, Side]] = None

    def update(self, t: float, feet: np.ndarray, pelvis: np.ndarray, leg_px: float) -> list[Stance]:
        """Add one frame; return the stances completed by it (usually none).

        ``t`` seconds; ``feet`` (2, 3, 2) pixels — the model's left and right foot, each
        (heel, ankle, foot index) × (x, y), NaN where missing; ``pelvis`` (2,) pixels, the hip
        midpoint; ``leg_px`` the runner's leg length in pixels (hip to ankle), NaN if unknown.
        """
        feet = np.asarray(feet, float).reshape(2, N_POINTS, 2)
        tracked, swapped = self._assign(feet)
        self._vote_update(swapped)
        self.swap_count += int(swapped == (self._vote >= 0))  # the labelled-left foot is not the left one
        self._t.append(float(t))
        self._feet.append(tracked)
        self._pelvis.append(np.asarray(pelvis, float).reshape(2))
        self._scale.append(float(leg_px))
        self.tracked.append(tracked)
        self.n += 1
        if self.n - self.latency <= self.warmup:  # warming up: the thresholds have not seen a stride
            return []
        return self._decide_until(self.n - 1 - self.latency)

    def finish(self) -> list[Stance]:
        """End of the stream: decide the frames still undecided (the last ``latency`` frames, or a
        clip shorter than the warm-up) and return what they complete."""
        return self._decide_until(self.n - 1)

    def _decide_until(self, last: int) -> list[Stance]:
        """Decide every frame from the next undecided one to ``last``, in order."""
        out: list[Stance] = []
        ks = range(max(self._next_k, self.n - len(self._t)), last + 1)
        sig = self._signals() if len(ks) else None   # the window is the same for all of them
        for k in ks:
            out += self._decide(k, sig)
        self._next_k = max(self._next_k, last + 1)
        return out

    # ------------------------------------------------------------------ feet through time
    def _predictions(self, j: int) -> list[np.ndarray]:
        """Two (3, 2) predictions of track ``j``'s points for the new frame.

        Constant velocity from the last two frames (follows fast feet), and a glitch-robust one:
        the median of the last 3 frames moved on by the velocity between it and the median of the
        3 frames before (a single wrong frame does not throw it). Short history: the last position.
        """
        hist = np.array([f[j] for f in list(self._feet)[-6:]])
        if len(hist) == 0:
            return [np.full((N_POINTS, 2), np.nan)]
        last = hist[-1]
        if len(hist) < 6:
            return [last]
        fast = 2 * last - hist[-2]
        if np.isfinite(hist).all():  # the common case, and np.median is far faster than nanmedian
            recent, before = np.median(hist[3:], axis=0), np.median(hist[:3], axis=0)
        else:
            with warnings.catch_warnings():  # an all-NaN column (a point never seen) stays NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                recent, before = np.nanmedian(hist[3:], axis=0), np.nanmedian(hist[:3], axis=0)
        robust = recent + 2.0 * (recent - before) / 3.0
        return [np.where(np.isfinite(p), p, last) for p in (fast, robust)]

    def _assign(self, feet: np.ndarray) -> tuple[np.ndarray, bool]:
        """Put the two observed feet on the two tracks by continuity; return (tracked, swapped).

        The cost of an assignment is the summed squared image distance of every point seen in
        both the frame and a prediction. The labels are kept unless, under every prediction,
        swapping costs less than ``swap_ratio`` times keeping.
        """

        def d(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
            ok = np.all(np.isfinite(a), axis=1) & np.all(np.isfinite(b), axis=1)
            return float(np.sum((a[ok] - b[ok]) ** 2)), int(ok.sum())

        votes = []
        for p0, p1 in zip(self._predictions(0), self._predictions(1)):
            (k0, n0), (k1, n1) = d(feet[0], p0), d(feet[1], p1)
            (s0, m0), (s1, m1) = d(feet[0], p1), d(feet[1], p0)
            votes.append(n0 + n1 > 0 and n0 + n1 == m0 + m1 and (s0 + s1) < self.cfg.swap_ratio * (k0 + k1))
        swapped = all(votes)
        return (feet[::-1].copy() if swapped else feet.copy()), bool(swapped)

    def _vote_update(self, swapped: bool) -> None:
        """Slowly forgetting majority of the model's labels: > 0 means track 0 is the left foot.

        Image order is deliberately not used: a crossover gait puts the feet in the wrong order.
        """
        decay = np.exp(-1.0 / (self.cfg.vote_memory_s * self.fps))
        self._vote = decay * self._vote + (-1.0 if swapped else 1.0)

    # ------------------------------------------------------------------ decisions
    def _signals(self) -> dict[str, np.ndarray]:
        """Smoothed signals over the trailing window (global frame index = offset + i).

        ``pelvis_y`` (W,) pixels, despiked; side view: that and :meth:`_side_signals`; rear and
        front: ``heel_y``/``heel_a`` (W, 2), image height of the heel (leg lengths, + down) and its
        acceleration, and ``v``/``a`` (W, 2), vertical velocity / acceleration of the foot's lowest
        point (leg lengths/s, /s², + down).
        """
        feet = np.array(self._feet)            # (W, 2, 3, 2)
        pel = np.array(self._pelvis)           # (W, 2)
        scale = np.nanmedian(np.array(self._scale)) if np.isfinite(self._scale).any() else np.nan
        if not np.isfinite(scale) or scale <= 0:
            scale = float(np.nanmax(np.abs(feet[..., 1] - pel[:, None, None, 1]))) if np.isfinite(feet).any() else 1.0
        fps, fc = self.fps, self.cfg.cutoff_hz
        # the midstance is where the pelvis is lowest: despiked only, as a low-pass moves that point
        # (a jump of 2 % of the leg length from its neighbours' median is a glitch of the model)
        out: dict[str, np.ndarray] = {"pelvis_y": despike_runs(pel[:, 1], fps, 0.02 * scale)}
        low = np.fmax(feet[:, :, HEEL, 1], feet[:, :, TOE, 1])
        low = np.where(np.isfinite(feet[:, :, HEEL, 1]) & np.isfinite(feet[:, :, TOE, 1]), low, np.nan) / scale
        if self.view == "side":   # the side view's events use only these (see _side_step)
            return {**out, **self._side_signals(feet, pel, low, scale)}
        y = _smooth_feet(low, fps, fc)
        out["heel_y"] = hy = _smooth_feet(feet[:, :, HEEL, 1] / scale, fps, fc)
        out["heel_a"] = np.gradient(np.gradient(hy, axis=0), axis=0) * fps ** 2 if len(hy) > 2 else np.zeros_like(hy)
        v = np.gradient(y, axis=0) * fps if len(y) > 2 else np.zeros_like(y)
        out["v"] = v
        out["a"] = np.gradient(v, axis=0) * fps if len(y) > 2 else np.zeros_like(y)
        return out

    def _side_signals(self, feet: np.ndarray, pel: np.ndarray, low: np.ndarray, scale: float) -> dict[str, np.ndarray]:
        """Label-free side-view signals (see :meth:`_side_step`), each (W,).

        Positions are image x relative to the pelvis, toward the runner's front, in leg lengths.
        A point higher than ``contact_lift_max`` above the ground (the window's 90th percentile of
        the feet's lowest points) is not on the ground and counts as neither foremost nor rearmost
        (it is given the window's extreme on the other side, so the signals stay unbroken).
        ``front``: the more anterior heel, smoothed; ``front_track``: the track holding it (0 or 1,
        unsmoothed); ``rear``: the more posterior foot index (toe), smoothed; ``seen``: a heel was
        seen (bool).
        """
        fps, fc = self.fps, self.cfg.cutoff_hz
        with warnings.catch_warnings():  # a window with no foot seen stays NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            lowest_ok = np.nanpercentile(low, 90) - self.cfg.contact_lift_max

            def grounded_ap(point: int, sign: int) -> np.ndarray:
                ap = (feet[:, :, point, 0] - pel[:, None, 0]) * self.facing / scale
                far = sign * np.nanmax(sign * ap)    # the window's extreme on the other side
                return np.where(feet[:, :, point, 1] / scale >= lowest_ok, ap, np.where(np.isfinite(ap), far, np.nan))

            heel, toe = grounded_ap(HEEL, -1), grounded_ap(TOE, +1)
        return {"front": smooth_runs(np.fmax(heel[:, 0], heel[:, 1]), fps, fc),
                "front_track": (heel[:, 1] > heel[:, 0]).astype(int),
                "rear": smooth_runs(np.fmin(toe[:, 0], toe[:, 1]), fps, fc),
                "seen": np.isfinite(feet[:, :, HEEL, 0]).any(axis=1)}

    def _decide(self, k: int, sig: dict) -> list[Stance]:
        """Decide frame ``k`` from ``sig``, the :meth:`_signals` of the current window."""
        W = len(self._t)
        off = self.n - W
        i = k - off
        if i < 1 or i >= W - 1:
            return []
        done = [self._side_step(k, i, sig)] if self.view == "side" else [self._step(j, k, i, sig) for j in (0, 1)]
        return [st for st in done if st is not None]

    def _side_step(self, k: int, i: int, sig: dict) -> Optional[Stance]:
        """Side view, label-free: one stance at a time for the two feet together.

        From the side the model's left/right labels, and so the tracks, often sit on the front and
        the back foot rather than on the left and right one (on renders: always), so each track's
        heel peaks forward at every step. Zeni 2008 is therefore applied to the two feet at once:
        the contact is a most anterior point of the FOREMOST grounded heel, the toe-off the next
        most posterior point of the REARMOST grounded toe (each a strict extremum over
        ± ``peak_halfwidth_s``). With little flight a foot's toe-off can come just after the other
        foot's contact (Zeni's contact is a little early), so a stance stays open until
        ``min_stance_s`` after the next contact. The feet are named by alternation from the first
        contact, which the labels' vote names (again after ``realternate_s`` with no contact).
        """
        if not sig["seen"][i]:
            self._open = []   # a stance is never completed across a gap
            return None
        fps, cfg = self.fps, self.cfg
        m = max(1, int(round(cfg.peak_halfwidth_s * fps)))
        self._open = [o for o in self._open if k - o[0] <= cfg.max_stance_s * fps]
        done = None
        if self._open and k - self._open[0][0] >= cfg.min_stance_s * fps and self._is_peak(sig["rear"], i, m, -1):
            c, j, side, c_t = self._open.pop(0)
            if c >= k - i:   # the contact is still in the window
                done = self._stance(j, c, k, sig, side, (c_t, self._peak_time(sig["rear"], i)))
        # after the toe-off: with little flight the next contact can come in the same frame
        if self._is_peak(sig["front"], i, m, +1):
            j = int(sig["front_track"][i])
            last = self._last_contact
            if last is None or k - last[0] > cfg.realternate_s * fps:
                side = "left" if ((self._vote >= 0) == (j == 0)) else "right"
            else:
                side = "right" if last[1] == "left" else "left"
            self._last_contact = (k, side)
            self._open = self._open[-1:] + [(k, j, side, self._peak_time(sig["front"], i))]
        if len(self._open) == 2 and k - self._open[1][0] > cfg.min_stance_s * fps:
            self._open.pop(0)   # its toe-off did not come by shortly after the next contact
        return done

    def _step(self, j: int, k: int, i: int, sig: dict) -> Optional[Stance]:
        """Advance track ``j``'s swing → landing → stance state at frame ``k`` (window index ``i``)."""
        v, a = sig["v"][:, j], sig["a"][:, j]
        tr = self._tracks[j]
        if not np.isfinite(v[i]) or not np.isfinite(v[i - 1]):
            # a gap, or the first frame after one: an open stance cannot be completed across it;
            # after more than a blink (settle_s) the foot must be seen not descending again, as at
            # the clip's start: a foot first seen mid-descent cannot be timed (it began unseen)
            tr.state, tr.contact, tr.armed_from = "swing", None, None
            tr.gap += int(not np.isfinite(v[i]))
            tr.ready = tr.ready and tr.gap <= max(2, int(round(self.cfg.settle_s * self.fps)))
            return None
        tr.gap = 0
        down = np.nanpercentile(v, 95)
        up = -np.nanpercentile(v, 5)
        if not (down > 0 and up > 0):
            return None
        off = k - i
        rising = v[i] < -self.cfg.rise_frac * up
        if tr.state == "swing":
            if k - tr.toe_off < self.cfg.min_swing_s * self.fps:
                return None
            if v[i] > self.cfg.descent_frac * down:
                if not tr.ready:  # descending since the clip or the valid run began: its contact is unseen
                    return None
                if tr.armed_from is None or tr.armed_from < off:
                    tr.armed_from, tr.peak_v = k, v[i]
                tr.peak_v = max(tr.peak_v, v[i])
            elif not tr.ready:
                tr.ready = True
            elif tr.armed_from is not None and self._stays_below(v, i, self.cfg.landed_frac * tr.peak_v):
                # the descent has ended here: the contact unless a turn follows (module docstring)
                tr.armed_from, tr.contact, tr.state = None, k, "landing"
            return None
        if tr.state == "landing":
            # wait out the landing window (or the rise), then find the turn (see module docstring)
            if not rising and k - tr.contact < self.cfg.landing_window_s * self.fps:
                return None
            lo = max(tr.contact - off, 0)
            if self.view == "rear":
                seg = sig["heel_a"][lo:i + 1, j]
                decel = abs(a[lo]) if np.isfinite(a[lo]) else np.inf
                if np.isfinite(seg).any() and np.nanmax(seg) > self.cfg.turn_frac * decel:
                    tr.contact = off + lo + int(np.nanargmax(seg))
            else:
                seg = sig["heel_y"][lo:i + 1, j]
                if np.isfinite(seg).any():
                    tr.contact = off + lo + int(np.nanargmax(seg))
            tr.state = "stance"
            if not rising:
                return None
        # stance: ends when the foot's lowest point rises fast; toe-off = greatest upward acceleration
        if tr.contact is None or k - tr.contact > self.cfg.max_stance_s * self.fps:
            tr.state, tr.contact = "swing", None
            return None
        if rising:
            c = tr.contact
            lo = max(c + int(round(self.cfg.min_stance_s * self.fps)) - off, 0)
            seg = a[lo:i + 1]
            tr.state, tr.contact = "swing", None
            if lo > i or c - off < 0 or not np.isfinite(seg).any():
                return None
            tr.toe_off = off + lo + int(np.nanargmin(seg))
            return self._stance(j, c, tr.toe_off, sig)
        return None

    def _stays_below(self, v: np.ndarray, i: int, level: float) -> bool:
        """``v`` is below ``level`` from ``i`` on for ``settle_s`` (so noise cannot end a descent)."""
        n = max(2, int(round(self.cfg.settle_s * self.fps)))
        w = v[i:i + n]
        return len(w) == n and bool(np.all(w < level))

    def _peak_time(self, x: np.ndarray, i: int) -> float:
        """Time (s) of the extremum of ``x`` at window index ``i``, between frames: the vertex of the
        parabola through ``x[i-1:i+2]`` (an event time is then not rounded to a frame — at 30 fps
        that rounding alone is up to ±17 ms)."""
        t = self._t
        a, b, c = x[i - 1], x[i], x[i + 1]
        den = a - 2 * b + c
        d = float(np.clip(0.5 * (a - c) / den, -0.5, 0.5)) if np.isfinite(den) and den != 0 else 0.0
        return t[i] + d * ((t[i + 1] - t[i]) if d > 0 else (t[i] - t[i - 1]))

    @staticmethod
    def _is_peak(x: np.ndarray, i: int, m: int, sign: int) -> bool:
        """``x[i]`` is a strict local extremum (max for sign +1) over ±m and in the outer quarter of the window's range."""
        lo, hi = i - m, i + m + 1
        if lo < 0 or hi > len(x):
            return False
        w = sign * x[lo:hi]
        if not np.all(np.isfinite(w)):
            return False
        c = w[m]
        if not (c == w.max() and np.sum(w == c) == 1):
            return False
        rng = sign * x[np.isfinite(x)]
        return bool(c > np.percentile(rng, 75))

    def _stance(self, j: int, contact: int, toe_off: int, sig: dict, side: Optional[Side] = None,
                times: Optional[tuple[float, float]] = None) -> Optional[Stance]:
        """The stance of track ``j``; its foot is ``side`` if given, else the labels' vote for ``j``;
        contact and toe-off times are ``times`` if given, else those of their frames."""
        if toe_off <= contact:
            return None
        off = self.n - len(self._t)
        py = sig["pelvis_y"]
        seg = py[contact - off: toe_off - off + 1]
        mid = contact + int(np.nanargmax(seg)) if np.isfinite(seg).any() else (contact + toe_off) // 2
        t = self._t
        if side is None:
            side = "left" if ((self._vote >= 0) == (j == 0)) else "right"  # identity as known now
        c_t, o_t = times if times is not None else (t[contact - off], t[toe_off - off])
        return Stance(side, contact, mid, toe_off, c_t, t[mid - off], o_t, j)


def _smooth_feet(x: np.ndarray, fps: float, cutoff_hz: float) -> np.ndarray:
    """:func:`smooth_runs` of (W, 2) per-foot signals, each foot over its own valid runs (a foot
    not seen must not blank the other: the other's descent would then begin unseen)."""
    ok = np.isfinite(x)
    if np.array_equal(ok[:, 0], ok[:, 1]):  # the common case: one call
        return smooth_runs(x, fps, cutoff_hz)
    return np.stack([smooth_runs(x[:, j], fps, cutoff_hz) for j in range(x.shape[1])], axis=1)


@dataclass(frozen=True)
class EventResult:
    """Offline result: ``stances`` sorted by contact; ``feet`` (T, 2, 3, 2) pixels of the two
    followed feet in TRACK order (``Stance.track``) × (heel, ankle, foot index) × (x, y);
    ``missing_fraction`` of frames with a foot point missing; ``swap_fraction`` of frames whose
    foot labels were overruled by continuity."""

    stances: list[Stance]
    feet: np.ndarray
    missing_fraction: float
    swap_fraction: float
    method: str = field(default="")


METHODS = {
    "rear": "foot vertical velocity (after Fellin 2010; O'Connor 2007)",
    "front": "foot vertical velocity (after Fellin 2010; O'Connor 2007)",
    "side": "heel/toe anteroposterior position relative to the pelvis, both feet at once (Zeni 2008)",
}


def leg_length_px(series: PoseSeries) -> float:
    """Median hip-to-ankle distance in pixels over detected frames (NaN if never seen)."""
    d = np.linalg.norm(series.xy[:, [lm.L_HIP, lm.R_HIP]] - series.xy[:, [lm.L_ANKLE, lm.R_ANKLE]], axis=2)
    return float(np.nanmedian(d)) if np.isfinite(d).any() else float("nan")


def detect_events(series: PoseSeries, view: View, *, facing: int = 1, config: DetectorConfig = DetectorConfig()) -> EventResult:
    """Run :class:`GaitEventDetector` over a whole (side-relabelled) series."""
    fps = series.fps if np.isfinite(series.fps) else 30.0
    det = GaitEventDetector(fps=fps, view=view, facing=facing, config=config)
    feet_all = series.xy[:, [list(p) for p in FOOT_POINTS]]          # (T, 2, 3, 2)
    pelvis = (series.xy[:, lm.L_HIP] + series.xy[:, lm.R_HIP]) / 2
    leg = leg_length_px(series)
    stances: list[Stance] = []
    for n in range(len(series)):
        stances += det.update(series.t[n], feet_all[n], pelvis[n], leg)
    stances += det.finish()
    stances.sort(key=lambda s: s.contact)
    tracked = np.array(det.tracked).reshape(len(series), 2, N_POINTS, 2) if len(series) else np.zeros((0, 2, N_POINTS, 2))
    missing = float(np.mean(~np.all(np.isfinite(feet_all), axis=(1, 2, 3)))) if len(series) else 1.0
    return EventResult(stances, tracked, missing, det.swap_count / max(1, len(series)), METHODS[view])
