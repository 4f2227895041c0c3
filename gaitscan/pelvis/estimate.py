"""Pelvic obliquity from the pelvis in the image: template rotation + mirror-symmetry level.

Method (chosen by measurement, ``benchmarks/validate_pelvis.py``):

1. Every frame, an upright, scale-normalised contrast patch around the hip landmarks
   (:mod:`gaitscan.pelvis.patch`), cut at one scale: the median hip-landmark distance of the first
   ``SCALE_FRAMES`` frames with hips (a treadmill runner stays at one distance, while the landmark
   distance swings ±5 % with the pose and drifts by a few % over seconds). Offline, every patch is
   then brought to the clip's median distance, which also mends the first frames' patches.
2. **Relative obliquity**: the runner's own pelvis template is the average of the patches; each
   frame's patch is searched over in-plane rotations × translations against it
   (:func:`gaitscan.pelvis.search.match_rotation`), the template is re-averaged from the aligned
   patches, and the search repeated (``template_iterations``). The first search is coarse-to-fine
   over the whole grid (``coarse_every``), the repeats only near each frame's previous angle
   (``refine_window_deg``, the whole grid when the best is at the window's edge). Offline, the
   frames are then matched once more with the template pixels that turn significantly less than
   the estimate down-weighted (:func:`lagging_weights`, cross-fitted; ``lagging_z``): at big drops
   part of the seat's outline follows the thighs, and the whole patch read the drop low.
3. **Absolute level**: the tilt of the template's left–right mirror-symmetry axis
   (:func:`gaitscan.pelvis.search.symmetry_tilt`). Frame obliquity = template tilt + relative.
   Relative tracking alone cannot tell a constant asymmetry from camera roll; the symmetry axis
   can, as long as the pelvis region (shorts, glutes) is left–right symmetric on average — a
   logo or a shirt tail over one hip biases it (measured in the validation script). The axis is
   searched within ±``level_max_deg``; a best axis at that edge is refused.
4. Confidence per frame from the correlation score (:mod:`gaitscan.pelvis.quality`); whole-clip
   refusals (runner too small, pelvis covered by the upper garment, too few confident frames)
   with the reason.

Assumptions: rear or front view, camera roughly at pelvis height, the pelvis region not hidden
by a long garment; angles are in the image (camera roll is removed by the caller).

Streaming: :class:`PelvisEstimator` takes frames one at a time (``update`` / ``reset``); live
use reads ``update``'s answer against the template built so far, offline use calls
:meth:`PelvisEstimator.result` after the last frame for the iterated template.
"""
from __future__ import annotations

import os
import tempfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Optional

import cv2
import numpy as np
import yaml

from ..cores import usable_cores
from ..pose import landmarks as lm
from . import quality
from .patch import PatchGeometry, contrast, extract
from .search import Match, match_rotation, rotate, symmetry_tilt

METHOD = "pelvis-image"
#: frames before a live estimate is given (the template needs a few strides of averaging)
_WARMUP_FRAMES = 30
#: frames with hips whose median hip-landmark distance becomes the patch scale for the rest of the
#: stream (before that, the median of the frames so far)
SCALE_FRAMES = 90
#: live use: frames of template before an estimate is shown (:meth:`PelvisEstimator.live_refusal`)
_LIVE_WARMUP_FRAMES = 90
#: live use: template frames between two recomputations of its symmetry-axis tilt
_LEVEL_EVERY = 15
#: live use: every this many matched frames, the waistband and seat halves are read
#: (:func:`quality.halves_refusal`), and no halves refusal before this many were read
_LIVE_HALVES_EVERY = 3
_LIVE_HALVES_MIN = 20


@lru_cache(maxsize=1)
def limits() -> dict[str, Any]:
    """The parsed ``gaitscan/pelvis/limits.yaml`` (nested dict; do not mutate)."""
    return yaml.safe_load(resources.files("gaitscan.pelvis").joinpath("limits.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class PelvisTrace:
    """Per-frame image obliquity of one clip.

    ``image_deg`` (T,): pelvis obliquity in the image, degrees, + = image-right end lower, camera
    roll **not** removed; NaN where not measured. ``relative_deg`` (T,): the same minus its mean
    over the measured frames (the runner's own mean obliquity). ``confidence`` (T,) 0..1.
    ``level_deg``: the template's symmetry-axis tilt (image); ``hip_width_px``: median
    hip-landmark distance; ``reason``: why the clip is not measurable (then all NaN), else None.
    """

    image_deg: np.ndarray
    relative_deg: np.ndarray
    confidence: np.ndarray
    level_deg: float
    hip_width_px: float
    reason: Optional[str]
    #: the seat's swing over the waistband's (:func:`~gaitscan.pelvis.quality.seat_turn_ratio`; None
    #: when not computed: refused earlier, or nothing moved)
    seat_turn_ratio: Optional[float] = None


def rigidity(aligned: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Template and per-pixel weights from patches aligned to the pelvis (iterable of (R, C)).

    Template = mean; weight = mean² / (mean² + SD²) over the aligned stack: edges that move with
    the pelvis stay put after alignment (weight → 1), edges of things that move on their own —
    a shirt tail swinging with the trunk, thighs, hands — blur out (weight → 0). float32 (R, C).
    Running float64 sums, so memory does not grow with the number of patches.
    """
    n, s1, s2 = 0, None, None
    for a in aligned:
        a = np.asarray(a, np.float64)
        s1, s2 = (a.copy(), a * a) if s1 is None else (s1 + a, s2 + a * a)
        n += 1
    if s1 is None:
        raise ValueError("rigidity: no patches")
    m = s1 / n
    var = np.maximum(s2 / n - m * m, 0.0)
    return m.astype(np.float32), (m * m / (m * m + var + 1e-6)).astype(np.float32)


def lagging_weights(aligned: Iterable[np.ndarray], deg: np.ndarray, z_limit: float) -> np.ndarray:
    """Per-pixel weights (R, C) float32 in 0..1 that set aside template pixels turning
    significantly less than the pelvis as a whole.

    ``aligned``: the frames' patches turned level by their matched angles ``deg`` (n,), image
    degrees relative to the template. Content that turns with gain g relative to the matched angle
    is left at (g − 1)·deg after alignment, so a pixel's aligned value changes with ``deg`` at
    the slope b = (g − 1)·D, D being the mean aligned patch's change per degree of rotation. The
    slope is the least-squares one of the pixel's values on ``deg`` and se its standard error;
    z = b·sign(D)/se. Weight 1 where z ≥ −``z_limit``, exp(−(z + z_limit)²/2) below (a pixel
    turning less than the estimate beyond chance, e.g. the outline of a thigh at the seat's edge).
    Running float64 sums; all ones with fewer than 3 frames or angles that do not vary.
    """
    dc = np.asarray(deg, float)
    dc = dc - dc.mean() if dc.size else dc
    sxx = float(dc @ dc)
    n, s1, s2, sxy = 0, 0.0, 0.0, 0.0
    for a, x in zip(aligned, dc):
        a = np.asarray(a, np.float64)
        s1, s2, sxy, n = s1 + a, s2 + a * a, sxy + x * a, n + 1
    if n < 3 or not sxx > 0:
        return np.ones(np.shape(s1) if n else (1, 1), np.float32)
    mean = (s1 / n).astype(np.float32)
    b = sxy / sxx
    rss = np.maximum(s2 - n * mean.astype(np.float64) ** 2 - b * b * sxx, 0.0)
    se = np.sqrt(rss / (n - 2) / sxx)
    D = (rotate(mean, -1.0) - rotate(mean, 1.0)) / 2.0
    z = b * np.sign(D) / (se + 1e-9)
    return np.where(z >= -z_limit, 1.0, np.exp(-0.5 * (z + z_limit) ** 2)).astype(np.float32)


class _PatchStore:
    """Equal-shape float32 patches by key: the first ``in_memory`` kept in memory, the rest in an
    unlinked temporary file, so a 10-minute clip needs no more memory than a 1-minute one
    (the offline result reads every patch again, several times). :meth:`get` is thread-safe."""

    def __init__(self, in_memory: int = 1800) -> None:
        self.in_memory = int(in_memory)
        self._mem: list[np.ndarray] = []
        self._file: Any = None
        self._shape: Optional[tuple[int, ...]] = None
        self._n = 0

    def append(self, patch: np.ndarray) -> int:
        patch = np.ascontiguousarray(patch, np.float32)
        if self._shape is None:
            self._shape = patch.shape
        elif patch.shape != self._shape:
            raise ValueError(f"patch shape {patch.shape}, expected {self._shape}")
        key, self._n = self._n, self._n + 1
        if key < self.in_memory:
            self._mem.append(patch)
        else:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="gaitscan-pelvis-")
            self._file.write(patch.tobytes())
        return key

    def get(self, key: int) -> np.ndarray:
        if key < self.in_memory:
            return self._mem[key]
        if self._file is not None and not self._file.closed:
            self._file.flush()
        n = int(np.prod(self._shape)) * 4
        raw = os.pread(self._file.fileno(), n, (key - self.in_memory) * n)
        return np.frombuffer(raw, np.float32).reshape(self._shape)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._mem, self._file, self._n = [], None, 0


class PelvisEstimator:
    """Frame-by-frame pelvis obliquity (see the module docstring). Not thread-safe."""

    def __init__(self, lim: Optional[dict[str, Any]] = None, *, keep_patches: bool = True) -> None:
        """``keep_patches=False`` (live use, which never calls :meth:`result`): no patch is kept
        beyond the running template sum, so an hour-long session needs no growing temporary file."""
        self.lim = lim if lim is not None else limits()
        self.geo = PatchGeometry.from_limits(self.lim["patch"])
        self.keep_patches = keep_patches
        self.reset()

    def reset(self) -> None:
        """Forget every frame (a new clip or a new runner)."""
        if getattr(self, "_store", None) is not None:
            self._store.close()
        self._store = _PatchStore()
        self._patches: list[Optional[int]] = []  # per frame: the patch's key in the store, or None
        self._patch_hw: list[float] = []         # per stored patch: the hip width it is scaled by (px)
        self._covered: list[float] = []
        self._all_hipw: list[float] = []       # hip-landmark distances (px); live: the first SCALE_FRAMES only
        self._scale: Optional[float] = None   # the patch scale, once fixed (:data:`SCALE_FRAMES`)
        self._sum: Optional[np.ndarray] = None
        self._n = 0
        self._level: Optional[tuple[int, float]] = None   # live: (template frames, symmetry tilt)
        self._matched = 0    # live: frames matched against the running template …
        self._confident = 0  # … and those confident enough to give an angle
        #: live: (waistband, seat) angles of recent matched frames (:func:`quality.halves_refusal`)
        self._live_halves: deque[tuple[float, float]] = deque(maxlen=int(self.lim["refuse"]["halves_frames"]))
        self._halves_refused = False
        #: live: the uniform template's (rotation, halves) weights, made on the first match
        self._live_weights: Optional[tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]] = None

    def update(self, rgb: np.ndarray, xy_row: np.ndarray, *, match: bool = True) -> Optional[Match]:
        """Add one frame: ``rgb`` (H, W, 3) uint8, ``xy_row`` (33, 2) landmark pixels (NaN = none).

        The patch is scaled by the runner's hip-landmark distance: the median over the first
        ``SCALE_FRAMES`` frames with hips, fixed from then on (the live template sums every patch
        since :meth:`reset`, so its patches must share a scale; a running median followed the
        landmarks' drift — 44–47 px early, 42–45 px late on one render whose true distance stayed
        46 px — and the live reading with it). Before that, the median of the frames so far, which
        at the start of a stream rests on a few frames (on a 60 fps render it was 5 % wide for
        0.3 s); the offline :meth:`result` brings every patch to the clip's one scale.

        Returns the frame's match against the template averaged so far (live use), or None
        while warming up or when the hips are not seen; ``match=False`` (offline use, which only
        needs :meth:`result`) skips that search and returns None.
        """
        hl, hr = xy_row[lm.L_HIP], xy_row[lm.R_HIP]
        if not (np.all(np.isfinite(hl)) and np.all(np.isfinite(hr))):
            return self.skip()
        if self.keep_patches or self._scale is None:  # live needs them only until the scale is fixed
            self._all_hipw.append(float(np.linalg.norm(hr - hl)))
        if self._scale is None and len(self._all_hipw) >= SCALE_FRAMES:
            self._scale = float(np.median(self._all_hipw))
        hw = self._patch_scale()
        if hw < 2:
            return self.skip()
        centre = (hl + hr) / 2
        patch = extract(rgb, centre, hw, self.geo)
        c = contrast(patch)
        self._patches.append(self._store.append(c) if self.keep_patches else -1)
        if self.keep_patches:
            self._patch_hw.append(hw)
        self._covered.append(quality.covered_fraction(rgb, patch, centre, hw, self.geo, self.lim["refuse"]))
        self._sum = c.astype(np.float64) if self._sum is None else self._sum + c
        self._n += 1
        if self._n < _WARMUP_FRAMES or not match:
            return None
        core = self._core(self._sum / self._n)
        if self._live_weights is None:  # the template's shape is fixed by the geometry: weigh it once
            self._live_weights = (self._rotation_weights(core, None), self._halves_weights(core, None))
        rotation_w, halves_w = self._live_weights
        found = match_rotation(c, core, self.lim["search"]["max_deg"], self.lim["search"]["step_deg"], rotation_w)
        self._matched += 1
        if self._matched % _LIVE_HALVES_EVERY == 0:
            self._live_halves.append(self._halves_of(c, found.deg, core, halves_w))
        self._confident += int(self.confidence(found) >= self.lim["confidence"]["min_frame_confidence"])
        return found

    def skip(self) -> None:
        """Add a frame with nothing to measure (no hips, or a pose row no video frame belongs to):
        it keeps the frame count in step with the rows and gets no angle."""
        self._patches.append(None)
        self._covered.append(np.nan)

    # ------------------------------------------------------------------ live use
    def confidence(self, match: Match) -> float:
        """A frame's confidence 0..1 from its match (:func:`gaitscan.pelvis.quality.frame_confidence`)."""
        return quality.frame_confidence(match, self.lim["confidence"])

    def live_obliquity(self, match: Optional[Match]) -> tuple[float, float]:
        """(image obliquity in degrees, confidence) of the frame :meth:`update` just matched, from
        the frames seen so far: the running template's symmetry-axis tilt (:meth:`live_level`) plus
        the frame's rotation against that template — :meth:`result`'s sum without its iterated
        template. NaN (and the confidence) when the frame is not matched, not confident, or the
        estimate is withheld (:meth:`live_refusal`)."""
        if match is None:
            return float("nan"), 0.0
        conf = self.confidence(match)
        if conf < self.lim["confidence"]["min_frame_confidence"] or self.live_refusal() is not None:
            return float("nan"), conf
        return self.live_level() + match.deg, conf

    def live_level(self) -> float:
        """The running template's symmetry-axis tilt (image degrees; NaN before any patch),
        recomputed every ``_LEVEL_EVERY`` frames added to the template."""
        if self._sum is None:
            return float("nan")
        if self._level is None or self._n - self._level[0] >= _LEVEL_EVERY:
            srch = self.lim["search"]
            tilt = symmetry_tilt((self._sum / self._n).astype(np.float32), self.geo.margin_px,
                                 srch["level_max_deg"], srch["step_deg"] / 2)
            self._level = (self._n, tilt.deg)
        return self._level[1]

    def live_refusal(self) -> Optional[str]:
        """Why no live estimate is given yet (or at all), from the frames seen so far; None when it is.

        The whole-clip refusals of :meth:`result` (runner too small, pelvis covered, too few
        confident frames) on the frames so far, and a warm-up: nothing until ``_LIVE_WARMUP_FRAMES``
        frames have built the template (the first patches are scaled by a hip-width median of few
        frames, and the template of a handful of strides is still blurred); and, once
        ``_LIVE_HALVES_MIN`` readings are in, a seat that turns less than the waistband over the
        recent frames (:func:`~gaitscan.pelvis.quality.halves_refusal`: loose plain shorts; once
        refused, the estimate comes back only above ``halves_release_ratio``)."""
        reason = quality.clip_refusal(self._patch_scale(), np.asarray(self._covered, float), self.lim["refuse"])
        if reason is not None:
            return reason
        if self._n < _LIVE_WARMUP_FRAMES:
            return f"warming up: pelvis seen in {self._n} of the {_LIVE_WARMUP_FRAMES} frames needed"
        if self._matched and self._confident / self._matched < self.lim["refuse"]["min_valid_fraction"]:
            return quality.too_few(np.ones(self._confident, bool), np.ones(self._matched, bool), self.lim["refuse"])
        if len(self._live_halves) >= _LIVE_HALVES_MIN:
            ref = self.lim["refuse"]
            if self._halves_refused:   # once refused, given back only well clear of the limit (no flicker)
                ref = {**ref, "halves_min_ratio": ref["halves_release_ratio"]}
            reason = quality.halves_refusal(quality.seat_turn_ratio(*np.array(self._live_halves).T, ref), ref)
            self._halves_refused = reason is not None
            return reason
        return None

    def _patch_scale(self) -> float:
        """The hip-landmark distance (px) patches are cut at now: fixed once ``SCALE_FRAMES`` frames
        with hips were seen, before that the median of those so far; NaN before any."""
        if self._scale is not None:
            return self._scale
        return float(np.median(self._all_hipw)) if self._all_hipw else float("nan")

    def _patch(self, i: int) -> np.ndarray:
        """Frame ``i``'s stored contrast patch."""
        return self._store.get(self._patches[i])

    def _to_one_scale(self, hw: float) -> np.ndarray:
        """Rescale every stored patch, about its hip-midpoint pixel, from the hip width it was cut
        with to ``hw`` (once: the store is replaced); returns their mean, the first template.

        The patch scale then no longer follows the hip-landmark distance's ±5 % swings from frame
        to frame, which matched patches against a template of another scale (see :meth:`result`)."""
        new, total = _PatchStore(self._store.in_memory), None
        for key, used in enumerate(self._patch_hw):
            c = _rescaled(self._store.get(key), hw / used, self.geo.hip_row)
            new.append(c)
            total = c.astype(np.float64) if total is None else total + c
        self._store.close()
        self._store, self._patch_hw = new, [hw] * len(self._patch_hw)
        return (total / len(self._patch_hw)).astype(np.float32)

    def _core(self, full: np.ndarray) -> np.ndarray:
        m = self.geo.margin_px
        return np.ascontiguousarray(full[m:full.shape[0] - m, m:full.shape[1] - m], dtype=np.float32)

    def _align(self, c: np.ndarray, match: Match) -> np.ndarray:
        """``c`` shifted back by the match's translation and turned level relative to the template."""
        M = np.float32([[1, 0, -match.shift[0]], [0, 1, -match.shift[1]]])
        shifted = cv2.warpAffine(c, M, (c.shape[1], c.shape[0]), borderMode=cv2.BORDER_REPLICATE)
        return rotate(shifted, match.deg)

    def _match_all(self, idx: list[int], core: np.ndarray, wcore: Optional[np.ndarray],
                   before: Optional[dict[int, Match]] = None) -> dict[int, Match]:
        """Every frame in ``idx`` searched against ``core``: over the whole grid coarse-to-fine, or,
        given each frame's match against the previous template (``before``), within
        ``refine_window_deg`` of it (:func:`~gaitscan.pelvis.search.match_rotation`)."""
        srch = self.lim["search"]
        wcore = self._rotation_weights(core, wcore)

        def one(i: int) -> Match:
            patch = self._patch(i)
            if before is None:
                return match_rotation(patch, core, srch["max_deg"], srch["step_deg"], wcore, coarse=int(srch["coarse_every"]))
            return match_rotation(patch, core, srch["max_deg"], srch["step_deg"], wcore, around=before[i].deg,
                                  window_deg=srch["refine_window_deg"])
        return dict(zip(idx, _on_threads(one, idx)))

    def _rotation_weights(self, core: np.ndarray, wcore: Optional[np.ndarray]) -> np.ndarray:
        """The template weights the rotation search uses: ``wcore`` (or uniform) with the rows more
        than ``search.rotation_rows_below_hipw`` hip widths below the hip line set to zero (the
        upper thighs: their outline swings with the legs, not the pelvis)."""
        w = np.ones_like(core) if wcore is None else wcore.copy()
        w[self._core_row(self.lim["search"]["rotation_rows_below_hipw"]):] = 0.0
        return np.ascontiguousarray(w, np.float32)

    def _core_row(self, below_hipw: float) -> int:
        """The template (core) row ``below_hipw`` hip widths below the hip line."""
        return int(round((self.geo.above_hipw + below_hipw) * self.geo.hip_width_px))

    def _halves_weights(self, core: np.ndarray, wcore: Optional[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The template weights (``wcore``, or uniform) of the rows above the hip line (waistband,
        lower back) and of those below it (seat, gluteal folds), each zero elsewhere and beyond
        ``refuse.halves_half_width_hipw`` hip widths of the centre column."""
        w = np.ones_like(core) if wcore is None else wcore
        split = self._core_row(0.0)
        half = self.lim["refuse"]["halves_half_width_hipw"] * self.geo.hip_width_px
        outside = np.abs(np.arange(core.shape[1]) + 0.5 - core.shape[1] / 2) > half
        upper, lower = w.copy(), w.copy()
        upper[split:], lower[:split] = 0.0, 0.0
        upper[:, outside], lower[:, outside] = 0.0, 0.0
        return upper, lower

    def _halves_of(self, patch: np.ndarray, deg: float, core: np.ndarray,
                   halves: tuple[np.ndarray, np.ndarray]) -> tuple[float, float]:
        """(waistband, seat) image obliquity in degrees of one frame's ``patch`` whose whole-patch
        match is ``deg``: each half of the template (:meth:`_halves_weights`) searched within
        ±``halves_max_deg`` of ``deg``, over every grid angle: a half has fewer edges than the
        whole patch and a bumpier score, and the coarse-to-fine search (until session 8) climbed
        to another hill depending on ``deg`` (with the row cut at 0.35 hip widths, the live check
        of a fitted test clip read 0.69-0.82 coarse-to-fine, 0.83-0.88 exhaustively)."""
        turned = rotate(patch, deg)
        srch, half_range = self.lim["search"], self.lim["refuse"]["halves_max_deg"]
        up, low = (deg + match_rotation(turned, core, half_range, srch["step_deg"], w).deg for w in halves)
        return up, low

    def _halves(self, idx: list[int], core: np.ndarray, wcore: Optional[np.ndarray],
                matches: dict[int, Match]) -> tuple[np.ndarray, np.ndarray]:
        """(waistband, seat) angles (:meth:`_halves_of`) of up to ``halves_frames`` frames of
        ``idx``, evenly spread."""
        step = max(1, -(-len(idx) // int(self.lim["refuse"]["halves_frames"])))
        halves = self._halves_weights(core, wcore)
        got = np.array(_on_threads(lambda i: self._halves_of(self._patch(i), matches[i].deg,
                                                              core, halves), idx[::step]), float).reshape(-1, 2)
        return got[:, 0], got[:, 1]

    def _without_lagging_pixels(self, idx: list[int], core: np.ndarray, weights: Optional[np.ndarray],
                                matches: dict[int, Match]) -> dict[int, Match]:
        """Every frame matched once more with the template pixels that turn less than the estimate
        down-weighted (:func:`lagging_weights`, ``search.lagging_z``).

        Cross-fitted: the frames are cut into ``search.lagging_blocks`` runs of consecutive frames,
        alternately in two folds, and each fold is matched with the weights measured on the other
        (weights measured on the frames they then weigh would keep the pixels that happen to
        follow those frames' noise, and the angles' scatter grew). The weights change how far each
        frame turns, not the template's zero, on which the level is measured: the mean angle of the
        confident frames is kept."""
        srch, conf = self.lim["search"], self.lim["confidence"]
        good = [i for i in idx if matches[i].score >= conf["score_floor"]] or idx
        run = max(1, len(idx) // int(srch["lagging_blocks"]))
        fold = {i: (k // run) % 2 for k, i in enumerate(idx)}
        full = np.ones(self.geo.shape, np.float32) if weights is None else weights
        new: dict[int, Match] = {}
        for f in (0, 1):
            other = [i for i in good if fold[i] != f] or good
            lag = lagging_weights((self._align(self._patch(i), matches[i]) for i in other),
                                  np.array([matches[i].deg for i in other]), float(srch["lagging_z"]))
            new.update(self._match_all([i for i in idx if fold[i] == f], core, self._core(full * lag), matches))
        ok = [i for i in idx if quality.frame_confidence(new[i], conf) >= conf["min_frame_confidence"]]
        if not ok:
            return new
        shift = float(np.mean([matches[i].deg for i in ok]) - np.mean([new[i].deg for i in ok]))
        return {i: replace(m, deg=m.deg + shift) for i, m in new.items()}

    def result(self) -> PelvisTrace:
        """The offline estimate over every frame given so far (iterated template)."""
        if not self.keep_patches:
            raise RuntimeError("PelvisEstimator(keep_patches=False) keeps no patches: result() needs them")
        T = len(self._patches)
        nan = np.full(T, np.nan)
        hw = float(np.median(self._all_hipw)) if self._all_hipw else float("nan")
        reason = quality.clip_refusal(hw, np.asarray(self._covered, float), self.lim["refuse"])
        if reason is not None:
            return PelvisTrace(nan, nan.copy(), np.zeros(T), float("nan"), hw, reason)
        idx = [i for i, c in enumerate(self._patches) if c is not None]
        srch = self.lim["search"]
        n_it = int(srch["template_iterations"])
        # one patch scale for the clip: its median hip-landmark distance. A treadmill runner stays at
        # one distance, but that distance swings ±5 % with the pose and drifts over seconds, and
        # the first patches were cut with a median of few frames (all a stream can know); a patch
        # whose scale differs from the template's matches it off (full validate_analyze grid:
        # per-frame residual SD 2.2-3.4 deg on 6 of 14 renders, 0.8-1.6 with one scale)
        template, weights = self._to_one_scale(hw), None
        matches: dict[int, Match] = {}
        for it in range(n_it + 1):
            core = self._core(template)
            wcore = None if weights is None else self._core(weights)
            matches = self._match_all(idx, core, wcore, matches or None)
            if it == n_it:
                break
            good = [i for i in idx if matches[i].score >= self.lim["confidence"]["score_floor"]] or idx
            template, weights = rigidity(self._align(self._patch(i), matches[i]) for i in good)
        ratio = quality.seat_turn_ratio(*self._halves(idx, core, wcore, matches), self.lim["refuse"])
        reason = quality.halves_refusal(ratio, self.lim["refuse"])
        if reason is not None:
            return PelvisTrace(nan, nan.copy(), np.zeros(T), float("nan"), hw, reason, ratio)
        matches = self._without_lagging_pixels(idx, core, weights, matches)
        level = symmetry_tilt((template * (1.0 if weights is None else weights)).astype(np.float32),
                              self.geo.margin_px, srch["level_max_deg"], srch["step_deg"] / 2)
        if abs(level.deg) >= srch["level_max_deg"] - srch["step_deg"]:
            return PelvisTrace(nan, nan.copy(), np.zeros(T), level.deg, hw,
                               f"pelvis level not found: the left–right symmetry axis of the seat is tilted "
                               f"±{srch['level_max_deg']:g}° or more (a strongly tilted camera, or a logo or "
                               f"pattern on one side); level the camera or give --camera-roll", ratio)
        conf = np.zeros(T)
        rel = nan.copy()
        for i in idx:
            conf[i] = quality.frame_confidence(matches[i], self.lim["confidence"])
            rel[i] = matches[i].deg
        ok = conf >= self.lim["confidence"]["min_frame_confidence"]
        reason = quality.too_few(ok, np.array([p is not None for p in self._patches]), self.lim["refuse"])
        if reason is not None:
            return PelvisTrace(nan, nan.copy(), conf, level.deg, hw, reason, ratio)
        rel = np.where(ok, rel, np.nan)
        image = level.deg + rel
        return PelvisTrace(image, image - np.nanmean(image), conf, level.deg, hw, None, ratio)


def _rescaled(c: np.ndarray, k: float, hip_row: float) -> np.ndarray:
    """Patch ``c`` (R, C) zoomed out by ``k`` (> 1: more of the image per patch pixel) about
    (C / 2, ``hip_row``), the hip-midpoint pixel; ``c`` itself when ``k`` is within 0.1 % of 1."""
    if abs(k - 1.0) < 1e-3:
        return c
    cu = c.shape[1] / 2
    M = np.float32([[k, 0, (1 - k) * cu], [0, k, (1 - k) * hip_row]])
    return cv2.warpAffine(c, M, (c.shape[1], c.shape[0]), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def _on_threads(fn: Any, items: list) -> list:
    """``[fn(x) for x in items]`` on up to 2 threads (OpenCV releases the GIL; the order the work
    is done in does not change the answers)."""
    threads = min(2, usable_cores())
    if threads < 2 or len(items) < 64:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="pelvis-match") as pool:
        return list(pool.map(fn, items))
