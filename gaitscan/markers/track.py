"""Tracking the PSIS markers and the heel markers through a clip.

:class:`MarkerTracker` takes one frame at a time (``update(rgb, xy_row)`` with the frame's pose
landmarks in pixels, ``reset``) and only *collects* the marker-coloured blobs inside search boxes
given by the landmarks: a pelvis box above and around the hip landmarks, a box around each heel
landmark. :meth:`MarkerTracker.result` then decides, for the whole clip:

1. **Which pair is the PSIS pair.** Pairs of pelvis-box blobs that pass the geometry gate (side by
   side: 0.2–1.0 hip widths apart, line within 25° of level, centred on the hips) and are the only
   such pair in their frame give the runner's reference layout (median position of each marker
   relative to the hip-landmark midpoint, in hip widths).
2. **Per frame**, the gated pair nearest that layout — or a rejection with its reason:
   ``lost`` (a marker not seen: covered by an arm, out of the box), ``ambiguous`` (another pair —
   a logo, a pattern — fits almost as well), ``partly hidden`` (a blob under half the marker's
   usual area: its centre is biased), ``jump`` (a marker moved more than continuity allows since
   the previous accepted frame, or the PSIS line turned more than 8° since it, + 3° per frame in
   between: a same-colour blob taken for a hidden marker), ``no pose`` (no landmarks to search around).

Rejected frames stay NaN: nothing is interpolated; the metrics say when a stance's midstance
was rejected. Heel-box blobs are kept per frame for the landing metrics (:mod:`.metrics`).
"""
from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..pose import landmarks as lm
from .detect import Blob, MarkerColor, config, find_blobs, parse_color

_GATE_SEP = (0.2, 1.0)        # PSIS pair separation, hip widths
_GATE_ANGLE_DEG = 25.0
_GATE_CENTRE = 0.45           # |pair midpoint x − hip midpoint x| in hip widths
_LAYOUT_TOL = 0.35            # a marker this far (hip widths) from its reference place is not it
_AMBIGUOUS_MARGIN = 0.12      # a second pair within this much of the best one's cost: ambiguous
_JUMP = 0.25                  # hip widths between consecutive accepted frames
_JUMP_ANGLE_DEG = 8.0         # PSIS-line turn since the previous accepted frame ...
_TURN_DEG = 3.0               # ... plus this per further frame (obliquity changes ≤ ≈ 3° per 30 fps frame)
_PARTLY_HIDDEN = 0.5          # of the marker's median area
_MIN_LAYOUT_FRAMES = 5


@dataclass
class _Frame:
    pelvis: list[Blob] = field(default_factory=list)
    heels: list[Blob] = field(default_factory=list)
    mid: Optional[np.ndarray] = None
    hw: float = float("nan")
    dropped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MarkerTrack:
    """The markers of one clip.

    ``psis`` (T, 2, 2): image-left and image-right PSIS marker centres (pixels), NaN where the
    frame was rejected; ``status`` (T,): ``"ok"`` or the rejection reason; ``heels``: per frame, an
    (n, 2) array of heel-marker candidates (pixels); ``hip_width_px``: median hip-landmark
    distance; ``diameter_px``: median PSIS-marker diameter; ``reason``: why the clip has no
    usable markers (then every frame is rejected), else None; ``color``: the colour searched.
    """

    psis: np.ndarray
    status: list[str]
    heels: list[np.ndarray]
    hip_width_px: float
    diameter_px: float
    reason: Optional[str]
    color: str

    def rejected(self) -> dict[str, int]:
        """Count of rejected frames by reason."""
        return dict(Counter(s for s in self.status if s != "ok"))


class MarkerTracker:
    """Streaming collector + whole-clip resolver of skin markers (module docstring)."""

    def __init__(self, color: MarkerColor | str | None = None) -> None:
        self.color = color if isinstance(color, MarkerColor) else parse_color(color)
        self.reset()

    def reset(self) -> None:
        self.frames: list[_Frame] = []
        self._hw: deque[float] = deque(maxlen=31)

    def update(self, rgb: Optional[np.ndarray], xy_row: np.ndarray) -> None:
        """Collect the candidate blobs of one frame (``rgb`` None: no frame for this row)."""
        f = _Frame()
        self.frames.append(f)
        hips = xy_row[[lm.L_HIP, lm.R_HIP]]
        if rgb is None or not np.isfinite(hips).all():
            return
        hw_now = float(np.linalg.norm(hips[0] - hips[1]))
        if hw_now > 2:
            self._hw.append(hw_now)
        if not self._hw:
            return
        hw = float(np.median(self._hw))
        f.mid, f.hw = hips.mean(axis=0), hw
        b = config()["blob"]
        area = np.pi / 4 * (b["expected_diameter_hipw"] * hw) ** 2
        kw = dict(min_area=max(2.0, b["min_area_ratio"] * area), max_area=max(8.0, b["max_area_ratio"] * area))
        x0, x1 = hips[:, 0].min() - 0.5 * hw, hips[:, 0].max() + 0.5 * hw
        y = hips[:, 1].mean()
        f.pelvis, f.dropped = find_blobs(rgb, (x0, y - 1.3 * hw, x1, y + 0.6 * hw), self.color, **kw)
        f.pelvis = [p for p in f.pelvis if p.elongation <= b["max_elongation"]]
        seen: list[Blob] = []
        for k in (lm.L_HEEL, lm.R_HEEL):
            h = xy_row[k]
            if not np.isfinite(h).all():
                continue
            found, _ = find_blobs(rgb, (h[0] - 0.6 * hw, h[1] - 0.7 * hw, h[0] + 0.6 * hw, h[1] + 0.5 * hw), self.color, **kw)
            for c in found:
                if c.elongation <= b["max_elongation"] and all(abs(c.x - s.x) + abs(c.y - s.y) > 1.0 for s in seen):
                    seen.append(c)
        f.heels = seen

    def result(self) -> MarkerTrack:
        """Resolve the PSIS pair frame by frame (module docstring)."""
        T = len(self.frames)
        psis = np.full((T, 2, 2), np.nan)
        heels = [np.array([[c.x, c.y] for c in f.heels]).reshape(-1, 2) for f in self.frames]
        hws = [f.hw for f in self.frames if np.isfinite(f.hw)]
        hw_med = float(np.median(hws)) if hws else float("nan")
        status = ["no pose" if f.mid is None else "lost" for f in self.frames]
        pairs = [self._gated_pairs(f) for f in self.frames]
        unique = [p[0][2] for p in pairs if len(p) == 1]
        n_blob_frames = sum(1 for f in self.frames if f.pelvis)
        if len(unique) < _MIN_LAYOUT_FRAMES:
            if n_blob_frames == 0:
                too_small = sum(f.dropped.count("too small") for f in self.frames)
                why = (f"no markers found: no {self.color.name} blob near the pelvis"
                       + (f" ({too_small} blobs too small in pixels — move closer or zoom in)" if too_small else ""))
            else:
                why = (f"no markers found: {self.color.name} blobs near the pelvis in {n_blob_frames} frames, but "
                       f"only {len(unique)} frames with one clear pair of PSIS markers")
            return MarkerTrack(psis, ["no markers"] * T, heels, hw_med, float("nan"), why, self.color.name)
        layout = np.median(np.stack(unique), axis=0)            # (2, 2) relative positions, hip widths
        areas: list[float] = []
        chosen: list[Optional[tuple[Blob, Blob]]] = [None] * T
        for i, (f, ps) in enumerate(zip(self.frames, pairs)):
            if f.mid is None:
                continue
            costs = sorted((float(np.max(np.linalg.norm(rel - layout, axis=1))), a, b) for a, b, rel in ps)
            costs = [c for c in costs if c[0] <= _LAYOUT_TOL]
            if not costs:
                continue
            if len(costs) > 1 and costs[1][0] - costs[0][0] < _AMBIGUOUS_MARGIN:
                status[i] = "ambiguous"
                continue
            chosen[i] = (costs[0][1], costs[0][2])
            areas += [costs[0][1].area, costs[0][2].area]
        med_area = float(np.median(areas)) if areas else float("nan")
        last: Optional[tuple[int, np.ndarray, float]] = None
        for i, pair in enumerate(chosen):
            if pair is None:
                continue
            f = self.frames[i]
            if min(pair[0].area, pair[1].area) < _PARTLY_HIDDEN * med_area:
                status[i] = "partly hidden"
                continue
            pts = np.array([[pair[0].x, pair[0].y], [pair[1].x, pair[1].y]])
            rel = (pts - f.mid) / f.hw
            ang = float(np.degrees(np.arctan2(*(pts[1] - pts[0])[::-1])))
            gap = i - last[0] if last is not None else 0
            if last is not None and ((gap <= 2 and np.max(np.linalg.norm(rel - last[1], axis=1)) > _JUMP * gap)
                                     or abs(ang - last[2]) > _JUMP_ANGLE_DEG + _TURN_DEG * (gap - 1)):
                status[i] = "jump"
                continue
            psis[i], status[i], last = pts, "ok", (i, rel, ang)
        diam = float(np.median([2 * np.sqrt(a / np.pi) for a in areas])) if areas else float("nan")
        reason = None
        if np.isfinite(diam) and diam < config()["blob"]["min_diameter_px"]:
            reason = f"markers too small in pixels ({diam:.1f} px across; need ≥ {config()['blob']['min_diameter_px']} px)"
            psis[:] = np.nan
            status = ["too small" for _ in status]
        return MarkerTrack(psis, status, heels, hw_med, diam, reason, self.color.name)

    @staticmethod
    def _gated_pairs(f: _Frame) -> list[tuple[Blob, Blob, np.ndarray]]:
        if f.mid is None or len(f.pelvis) < 2:
            return []
        out = []
        for i, a in enumerate(f.pelvis):
            for b in f.pelvis[i + 1:]:
                a_, b_ = (a, b) if a.x <= b.x else (b, a)
                dx, dy = (b_.x - a_.x) / f.hw, (b_.y - a_.y) / f.hw
                mid_x = ((a_.x + b_.x) / 2 - f.mid[0]) / f.hw
                if (_GATE_SEP[0] <= dx <= _GATE_SEP[1] and abs(np.degrees(np.arctan2(dy, dx))) <= _GATE_ANGLE_DEG
                        and abs(mid_x) <= _GATE_CENTRE):
                    rel = (np.array([[a_.x, a_.y], [b_.x, b_.y]]) - f.mid) / f.hw
                    out.append((a_, b_, rel))
        return out
