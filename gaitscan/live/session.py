"""The streaming analysis of live mode: one frame's people in, the runner, new steps and rolling
per-side numbers out — pure (no clock, no I/O, no model).

It chains the offline pipeline's own parts, frame by frame:

1. :class:`~gaitscan.pose.landmarker.RunnerTracker` picks the runner among the people;
2. after a warm-up (``warmup_s`` of frames with the runner) the view is decided with
   :func:`~gaitscan.metrics.view.detect_view`, the frame rate is measured from the processed
   frames' timestamps (so dropped frames lower it honestly) and a
   :class:`~gaitscan.metrics.events.GaitEventDetector` is built; the warm-up frames are fed to it;
3. every frame's sides are assigned with :func:`~gaitscan.metrics.view.relabel_sides` and fed to
   that detector (``update``), exactly as :func:`~gaitscan.metrics.events.detect_events` does;
4. each stance the detector completes gets its metrics from
   :func:`~gaitscan.metrics.steps.compute_steps` on a trailing window of frames (the previous
   stance and half a second before it);
5. pelvic obliquity (rear/front views) comes from the pelvis in the image, as in ``gaitscan
   analyze``: every frame's image and runner landmarks go to a streaming
   :class:`~gaitscan.pelvis.PelvisEstimator` (``update``), whose answer against the template
   built so far plus that template's level (:meth:`~gaitscan.pelvis.PelvisEstimator.live_obliquity`)
   is the frame's obliquity — the step's drop is read at midstance, unsmoothed, as offline. While
   the estimator withholds its answer (warming up, runner too small, pelvis covered, too few
   confident frames) the hip-landmark line is used and the reason is given
   (:attr:`FrameUpdate.pelvis_reason`, ``not_measurable["pelvic_drop_image"]`` of the step).

So a live step and an offline step on the same frames come from the same code; they differ only
in where the zero-phase smoothing sees the clip's edge (the window's start and end instead of the
clip's), which the tests bound.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from ..metrics.analysis import facing_direction
from ..metrics.events import FOOT_POINTS, HEEL, METHODS, EventResult, GaitEventDetector, Stance, leg_length_px
from ..metrics.filtering import smooth_runs
from ..metrics.pelvis import ESTIMATORS, image_to_runner, landmark_obliquity
from ..metrics.steps import Step, body_scale, compute_steps
from ..metrics.summary import cadence, cadence_events
from ..metrics.view import View, detect_view, relabel_sides
from ..pelvis import METHOD as IMAGE_METHOD
from ..pelvis import PelvisEstimator
from ..pose import landmarks as lm
from ..pose.landmarker import People, RunnerTracker
from ..pose.landmarks import N_LANDMARKS
from ..pose.series import PoseSeries

#: frames of context kept before the previous stance when a step's metrics are computed (s)
CONTEXT_S = 0.5


@dataclass(frozen=True)
class Runner:
    """The runner in one frame, sides assigned: ``xy (33, 2)`` px, ``visibility (33,)``."""

    xy: np.ndarray
    visibility: np.ndarray

    @property
    def hip_centre(self) -> np.ndarray:
        return 0.5 * (self.xy[lm.L_HIP] + self.xy[lm.R_HIP])


@dataclass(frozen=True)
class Landing:
    """Where a foot last landed: heel pixel ``xy`` at initial contact, and whether it crossed over."""

    side: str
    xy: tuple[float, float]
    crossover: Optional[bool]
    t: float


@dataclass(frozen=True)
class SideStats:
    """Rolling numbers of one stance side over its last steps (None = not measured yet)."""

    n_steps: int
    pelvic_drop_deg: Optional[float]
    foot_offset_hipw: Optional[float]
    crossover_rate: Optional[float]


@dataclass(frozen=True)
class Rolling:
    """Rolling per-side numbers and cadence over the last ``window_steps`` steps per side."""

    left: SideStats
    right: SideStats
    cadence_spm: Optional[float]
    n_steps: int

    def side(self, side: str) -> SideStats:
        return self.left if side == "left" else self.right


@dataclass(frozen=True)
class FrameUpdate:
    """What one processed frame changed.

    ``runner``: the runner with sides assigned, None when not found; ``obliquity_deg``: the hip
    line's angle in this frame (runner frame, + = right hip lower; None before the view is known
    or without hips); ``view``: None during the warm-up; ``new_steps``: steps completed by this
    frame; ``rolling``: the rolling numbers after them; ``landings``: each side's last landing;
    ``pelvis_method``: what ``obliquity_deg`` and new steps' drops come from (``"pelvis-image"`` or
    ``"landmarks"``); ``pelvis_reason``: why not from the image, when it is not.
    """

    t: float
    runner: Optional[Runner]
    n_people: int
    obliquity_deg: Optional[float]
    view: Optional[View]
    new_steps: list[Step]
    rolling: Rolling
    landings: dict[str, Landing] = field(default_factory=dict)
    row: Optional[PoseRow] = None
    pelvis_method: str = "landmarks"
    pelvis_reason: Optional[str] = None


def _mean(values: list) -> Optional[float]:
    v = [x for x in values if x is not None and np.isfinite(x)]
    return float(np.mean(v)) if v else None


def rolling_stats(steps: list[Step], window_steps: int, view: Optional[str]) -> Rolling:
    """Per side, the mean pelvic drop, mean landing offset and crossover rate of its last
    ``window_steps`` steps; cadence (:func:`gaitscan.metrics.summary.cadence`) over the last
    ``2 × window_steps`` steps' events of the ``view``, as analyze measures it
    (:func:`~gaitscan.metrics.summary.cadence_events`)."""
    per_side = {}
    for side in ("left", "right"):
        mine = [s for s in steps if s.stance == side][-window_steps:]
        cross = [s.crossover for s in mine if s.crossover is not None]
        per_side[side] = SideStats(len(mine), _mean([s.pelvic_drop_deg for s in mine]),
                                   _mean([s.foot_offset_hipw for s in mine]),
                                   float(np.mean(cross)) if cross else None)
    cad = cadence(cadence_events(steps[-2 * window_steps:], view))["cadence_spm"]
    return Rolling(per_side["left"], per_side["right"], cad, len(steps))


@dataclass(frozen=True)
class PoseRow:
    """One processed frame of the runner: ``t`` s, ``xy (33, 2)`` px, ``visibility``/``presence
    (33,)``, ``world (33, 3)`` m (NaN where not detected), ``detected``, ``n_people`` — one row of
    a :class:`~gaitscan.pose.series.PoseSeries`."""

    t: float
    xy: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    detected: bool
    n_people: int
    #: the frame's pelvis rotation against the image estimator's template so far (image degrees,
    #: level not added; NaN = not matched) and its confidence 0..1
    pelvis_match_deg: float = float("nan")
    pelvis_confidence: float = 0.0


def detector_feet(xy: np.ndarray) -> np.ndarray:
    """One frame's feet for :meth:`GaitEventDetector.update`: the labelled left and right foot's
    points (:data:`~gaitscan.metrics.events.FOOT_POINTS`) in pixels, ``xy (33, 2)`` → ``(2, 3, 2)``
    — built as :func:`~gaitscan.metrics.events.detect_events` builds them (``tests/test_live.py``
    checks that streaming gives the offline steps frame for frame)."""
    return xy[[list(p) for p in FOOT_POINTS]]


def rows_to_series(rows: list[PoseRow], width: int, height: int) -> PoseSeries:
    """The :class:`PoseSeries` of ``rows`` (in time order)."""
    return PoseSeries(np.array([r.xy for r in rows]).reshape(-1, N_LANDMARKS, 2),
                      np.array([r.visibility for r in rows]).reshape(-1, N_LANDMARKS),
                      np.array([r.presence for r in rows]).reshape(-1, N_LANDMARKS),
                      np.array([r.world for r in rows]).reshape(-1, N_LANDMARKS, 3),
                      np.array([r.t for r in rows], float), np.array([r.detected for r in rows], bool),
                      np.array([r.n_people for r in rows], np.int32), width, height)


class LiveSession:
    """Streaming per-frame analysis (see module docstring); :meth:`add` one frame at a time.

    ``width``/``height``: frame size (px); ``warmup_s``: runner-visible time before the view and
    frame rate are decided; ``window_steps``: steps per side in the rolling numbers;
    ``pelvis_method``: ``"pelvis-image"`` (the default: the image estimator on the frames given to
    :meth:`add`, the hip-landmark line where it refuses or no frame is given) or a name in
    :data:`gaitscan.metrics.pelvis.ESTIMATORS`;
    ``camera_roll_deg``/``height_cm``: as for ``gaitscan analyze``.
    """

    def __init__(self, *, width: int, height: int, warmup_s: float = 2.0, window_steps: int = 10,
                 pelvis_method: str = IMAGE_METHOD, camera_roll_deg: Optional[float] = None,
                 height_cm: Optional[float] = None, keep_s: float = 6.0) -> None:
        if pelvis_method not in ESTIMATORS and pelvis_method != IMAGE_METHOD:
            raise ValueError(f"unknown pelvis method {pelvis_method!r}; known: {sorted([*ESTIMATORS, IMAGE_METHOD])}")
        self.width, self.height = int(width), int(height)
        self.warmup_s, self.window_steps, self.keep_s = warmup_s, window_steps, keep_s
        self.pelvis_method, self.height_cm = pelvis_method, height_cm
        self.roll = float(camera_roll_deg or 0.0)
        self.reset()

    def reset(self) -> None:
        """Forget the runner, the view and every step (a new runner steps on)."""
        self.tracker = RunnerTracker()
        self.view: Optional[View] = None
        self.fps = float("nan")
        self.facing = 1
        self.detector: Optional[GaitEventDetector] = None
        self.steps: list[Step] = []
        self.landings: dict[str, Landing] = {}
        self._warm: list[PoseRow] = []
        self._rows: deque = deque()     # (detector frame index, relabelled PoseRow)
        self._fed = 0
        self._recent: list[Stance] = []   # the last stances completed, in contact order
        self._leg = float("nan")
        self.pelvis = PelvisEstimator(keep_patches=False) if self.pelvis_method == IMAGE_METHOD else None
        self.pelvis_reason: Optional[str] = "no image given" if self.pelvis is not None else None

    # ------------------------------------------------------------------ per frame
    def add(self, t: float, people: People, rgb: Optional[np.ndarray] = None) -> FrameUpdate:
        """Add the people found in the frame at ``t`` seconds; return what changed. ``rgb``
        (H, W, 3) uint8: the frame itself, for the pelvis image estimator (without it the pelvis
        is measured from the hip landmarks)."""
        pick = self.tracker.update(people.hip_centre, people.torso_px, t) if len(people) else None
        nan2, nan1, nan3 = np.full((N_LANDMARKS, 2), np.nan), np.full(N_LANDMARKS, np.nan), np.full((N_LANDMARKS, 3), np.nan)
        if pick is None:
            row = PoseRow(t, nan2, nan1, nan1, nan3, False, people.count_distinct(None))
        else:
            row = PoseRow(t, people.xy[pick], people.visibility[pick], people.presence[pick], people.world[pick], True,
                       people.count_distinct(pick))
        row = self._measure_pelvis(row, rgb)
        new: list[Step] = []
        if self.detector is None:
            self._warm.append(row)
            new = self._try_start()
            rel = self._rows[-1][1] if self.detector is not None else None
        else:
            rel = self._relabel([row])[0]
            new = self._feed(rel)
        runner = Runner(rel.xy, rel.visibility) if rel is not None and rel.detected else None
        obl, method = None, "landmarks"
        if runner is not None and self.view is not None and self.view != "side":
            v = float(self._image_obliquity([rel])[0]) if self._image_ok() else float("nan")
            if np.isfinite(v):
                method = IMAGE_METHOD
            else:
                one = rows_to_series([rel], self.width, self.height)
                v = float(landmark_obliquity(one, self.view, self.roll).deg[0])
            obl = v if np.isfinite(v) else None
        return FrameUpdate(t, runner, row.n_people, obl, self.view, new,
                           rolling_stats(self.steps, self.window_steps, self.view), dict(self.landings), row,
                           method, None if self.pelvis is None else self.pelvis_reason)

    # ------------------------------------------------------------------ pelvis from the image
    def _measure_pelvis(self, row: PoseRow, rgb: Optional[np.ndarray]) -> PoseRow:
        """Feed the frame to the image estimator (rear/front views, or while the view is being
        decided — its patch needs only the hips' midpoint and distance, not their labels)."""
        if self.pelvis is None or self.view == "side":
            if self.view == "side" and self.pelvis is not None:
                self.pelvis_reason = "side view: the pelvis image method needs a rear or front view"
            return row
        if rgb is None:
            self.pelvis_reason = "no image given"
            return row
        match = self.pelvis.update(rgb, row.xy)
        self.pelvis_reason = self.pelvis.live_refusal()
        if match is None:
            return row
        return replace(row, pelvis_match_deg=float(match.deg), pelvis_confidence=self.pelvis.confidence(match))

    def _image_ok(self) -> bool:
        return self.pelvis is not None and self.pelvis_reason is None and self.view in ("rear", "front")

    def _image_obliquity(self, rows: list[PoseRow]) -> np.ndarray:
        """Runner-frame obliquity of ``rows`` from the image estimator: the template's current
        level plus each frame's match; NaN where not matched or not confident."""
        min_conf = self.pelvis.lim["confidence"]["min_frame_confidence"]
        rel = np.array([r.pelvis_match_deg if r.pelvis_confidence >= min_conf else np.nan for r in rows], float)
        return image_to_runner(self.pelvis.live_level() + rel, self.view, self.roll)

    def finish(self) -> list[Step]:
        """End of the stream (file ended, camera stopped): the stances still undecided in the
        detector's latency, with their metrics — as :func:`~gaitscan.metrics.events.detect_events`
        does at the end of a clip."""
        if self.detector is None:
            return []
        stances = self.detector.finish()
        return self._steps(sorted(stances, key=lambda s: s.contact)) if stances else []

    # ------------------------------------------------------------------ warm-up
    def _try_start(self) -> list[Step]:
        seen = [r for r in self._warm if r.detected]
        if not seen or seen[-1].t - seen[0].t < self.warmup_s:
            if self._warm and self._warm[-1].t - self._warm[0].t > 2 * self.warmup_s:
                self._warm = [r for r in self._warm if r.t >= self._warm[-1].t - self.warmup_s]
            return []
        series = rows_to_series(self._warm, self.width, self.height)
        view = detect_view(series)
        if view.n_frames < 2 or not np.isfinite(series.fps):
            return []
        self.view = view.view
        self.fps = series.fps
        rel = relabel_sides(series, view.view).series
        self.facing = facing_direction(rel) if view.view == "side" else 1
        self._leg = leg_length_px(rel)
        self.detector = GaitEventDetector(fps=self.fps, view=view.view, facing=self.facing)
        warm, self._warm = self._warm, []
        new: list[Step] = []
        for i, r in enumerate(warm):
            new += self._feed(replace(r, xy=rel.xy[i], visibility=rel.visibility[i], presence=rel.presence[i],
                                      world=rel.world[i]))
        return new

    def _relabel(self, rows: list[PoseRow]) -> list[PoseRow]:
        rel = relabel_sides(rows_to_series(rows, self.width, self.height), self.view).series
        return [replace(r, xy=rel.xy[i], visibility=rel.visibility[i], presence=rel.presence[i], world=rel.world[i])
                for i, r in enumerate(rows)]

    # ------------------------------------------------------------------ events and steps
    def _feed(self, row: PoseRow) -> list[Step]:
        k = self._fed
        self._fed += 1
        self._rows.append((k, row))
        feet = detector_feet(row.xy)
        pelvis = 0.5 * (row.xy[lm.L_HIP] + row.xy[lm.R_HIP])
        stances = self.detector.update(row.t, feet, pelvis, self._leg)
        steps = self._steps(sorted(stances, key=lambda s: s.contact)) if stances else []
        keep_from = min(k - int(self.keep_s * self.fps), self._recent[0].contact - self._context() if self._recent else k)
        while self._rows and self._rows[0][0] < keep_from:
            self._rows.popleft()
        return steps

    def _context(self) -> int:
        return int(round(CONTEXT_S * self.fps))

    def _steps(self, stances: list[Stance]) -> list[Step]:
        """Metrics of ``stances`` (just completed) with the offline per-step code on a window.

        As offline, a step's previous step is the stance with the latest earlier contact — also
        when the detector completes two stances out of contact order."""
        new = sorted(stances, key=lambda s: s.contact)
        before = [s for s in self._recent if s.contact < new[0].contact][-1:]
        chain = sorted(set(before + new + [s for s in self._recent if s.contact > new[0].contact]), key=lambda s: s.contact)
        first_buffered = self._rows[0][0]
        lo = max(first_buffered, chain[0].contact - self._context())
        chain = [s for s in chain if s.contact >= lo]
        rows = [r for k, r in self._rows if k >= lo]
        window = rows_to_series(rows, self.width, self.height)
        feet = np.array(self.detector.tracked[lo:lo + len(rows)])[..., :2]   # (W, 2, points, 2) track order, px
        shifted = [replace(s, contact=s.contact - lo, midstance=s.midstance - lo, toe_off=s.toe_off - lo) for s in chain]
        events = EventResult(shifted, feet, 0.0, 0.0, METHODS[self.view])
        fps = window.fps if np.isfinite(window.fps) else self.fps
        obl_lm = smooth_runs(landmark_obliquity(window, self.view, self.roll).deg, fps)
        if self._image_ok():
            obl = self._image_obliquity(rows)   # final per-frame values: not low-passed again, as offline
        elif self.pelvis is not None:
            obl = obl_lm
        else:
            obl = smooth_runs(ESTIMATORS[self.pelvis_method](window, self.view, self.roll).deg, fps)
        computed = compute_steps(window, self.view, events, obl, obl_lm, scale=body_scale(window, self.height_cm),
                                 facing=self.facing, camera_roll_deg=self.roll)
        out = []
        for original, st, step in zip(chain, shifted, computed):
            if original not in new:
                continue
            step = replace(step, contact_frame=step.contact_frame + lo, midstance_frame=step.midstance_frame + lo,
                           toe_off_frame=step.toe_off_frame + lo)
            if self.pelvis is not None and not self._image_ok() and self.view != "side":
                step.not_measurable["pelvic_drop_image"] = f"{self.pelvis_reason}; hip-landmark line used"
            out.append(step)
            heel = feet[st.contact, st.track, HEEL]
            if np.all(np.isfinite(heel)):
                self.landings[st.side] = Landing(st.side, (float(heel[0]), float(heel[1])), step.crossover, step.contact_t)
        self.steps = sorted(self.steps + out, key=lambda s: s.contact_t)   # contact order, as offline
        for i, step in enumerate(self.steps):
            step.index = i
        self._recent = sorted(self._recent + new, key=lambda s: s.contact)[-4:]
        return out
