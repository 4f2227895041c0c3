"""The live window: what the runner sees.

:func:`render` (pure) draws onto a copy of the frame: the skeleton
(:func:`gaitscan.pose.overlay.draw_skeleton`), the hip line coloured by the current pelvic drop
(:data:`LEVEL_RGB`: green below half the target maximum, amber below it, red above; the pelvis
image estimator's current obliquity, the hip-landmark line's while it withholds it), the body
midline (a vertical through the hip midpoint — the crossover reference), each foot's last landing
point (green, red when it crossed over), a panel of rolling per-side numbers, the feedback cues,
the measured throughput/drop/latency, and a one-line key help. :class:`Window` shows it with
OpenCV's highgui and reads the keys.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from ..errors import UsageError
from ..pose import landmarks as lm
from ..pose.overlay import draw_skeleton
from .feedback import FeedbackState, drop_level
from .session import FrameUpdate

#: RGB colours of the feedback levels (hip line, cues, landing points)
LEVEL_RGB = {"ok": (40, 220, 60), "warn": (255, 210, 0), "fault": (255, 40, 40)}
MIDLINE_RGB = (255, 255, 255)
TEXT_RGB = (235, 235, 235)
PANEL_RGB = (20, 20, 20)
HELP = "q quit   p pause   b reset baseline   a audio on/off"
#: key code -> action
KEYS = {ord("q"): "quit", 27: "quit", ord("p"): "pause", ord("b"): "baseline", ord("a"): "audio"}
#: the hip line extends this fraction of the hip width beyond each hip, so it shows past the skeleton
HIP_LINE_EXTEND = 0.35


@dataclass(frozen=True)
class Status:
    """Session health shown in the window: processed ``fps``, ``dropped`` share 0..1, median
    capture-to-display ``latency_ms``, ``paused``, ``audio`` ("on", "off" or "none")."""

    fps: Optional[float]
    dropped: Optional[float]
    latency_ms: Optional[float]
    paused: bool
    audio: str


def _fmt(v: Optional[float], spec: str, unit: str = "") -> str:
    return "--" if v is None else f"{v:{spec}}{unit}"


def render(rgb: np.ndarray, update: Optional[FrameUpdate], fb: Optional[FeedbackState], *, max_drop_deg: float,
           status: Status) -> np.ndarray:
    """The window image (BGR ``uint8``, same size as ``rgb``) for one processed frame."""
    h, w = rgb.shape[:2]
    s = h / 720.0
    thick = max(1, int(round(2 * s)))
    img = np.array(rgb, dtype=np.uint8, copy=True, order="C")
    runner = update.runner if update is not None else None
    if runner is not None:
        img = draw_skeleton(img, runner.xy, runner.visibility)
        hips = runner.xy[[lm.L_HIP, lm.R_HIP]]
        if np.all(np.isfinite(hips)):
            mid = hips.mean(axis=0)
            cv2.line(img, (int(mid[0]), int(mid[1])), (int(mid[0]), h - 1), MIDLINE_RGB, thick, cv2.LINE_8)
            d = hips[1] - hips[0]
            a, b = hips[0] - HIP_LINE_EXTEND * d, hips[1] + HIP_LINE_EXTEND * d
            drop = abs(update.obliquity_deg) if update.obliquity_deg is not None else None
            colour = LEVEL_RGB[drop_level(drop, max_drop_deg)]
            cv2.line(img, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), colour, max(3, int(round(5 * s))), cv2.LINE_8)
    if update is not None:
        for landing in update.landings.values():
            colour = LEVEL_RGB["fault" if landing.crossover else "ok"]
            centre = (int(landing.xy[0]), int(landing.xy[1]))
            cv2.circle(img, centre, max(4, int(round(9 * s))), colour, thick, cv2.LINE_8)
            cv2.putText(img, landing.side[0].upper(), (centre[0] - int(5 * s), centre[1] + int(30 * s)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.6 * s, colour, thick, cv2.LINE_AA)
    _panel(img, update, fb, status, s)
    return cv2.cvtColor(img, cv2.COLOR_RGB2BGR)


def _panel(img: np.ndarray, update: Optional[FrameUpdate], fb: Optional[FeedbackState], status: Status, s: float) -> None:
    font, scale, th = cv2.FONT_HERSHEY_SIMPLEX, 0.55 * s, max(1, int(round(1.3 * s)))
    line_h = int(round(24 * s))
    rows: list[tuple[str, tuple[int, int, int]]] = []
    view = update.view if update is not None and update.view else "deciding..."
    rows.append((f"view {view}   {_fmt(status.fps, '.1f', ' fps')}   dropped {_fmt(None if status.dropped is None else 100 * status.dropped, '.0f', '%')}"
                 f"   latency {_fmt(status.latency_ms, '.0f', ' ms')}", TEXT_RGB))
    if update is not None:
        r = update.rolling
        rows.append((f"{'':14s}{'LEFT':>9s}{'RIGHT':>9s}   (last {max(r.left.n_steps, r.right.n_steps)} steps)", TEXT_RGB))
        for label, key, spec in (("pelvic drop", "pelvic_drop_deg", "+.1f"), ("landing off.", "foot_offset_hipw", "+.2f")):
            lv, rv = getattr(r.left, key), getattr(r.right, key)
            rows.append((f"{label:14s}{_fmt(lv, spec):>9s}{_fmt(rv, spec):>9s}", TEXT_RGB))
        lc, rc = r.left.crossover_rate, r.right.crossover_rate
        rows.append((f"{'crossover':14s}{_fmt(None if lc is None else 100 * lc, '.0f', '%'):>9s}"
                     f"{_fmt(None if rc is None else 100 * rc, '.0f', '%'):>9s}", TEXT_RGB))
        target = f"   target {fb.target_spm[0]:.0f}-{fb.target_spm[1]:.0f}" if fb is not None and fb.target_spm else ""
        rows.append((f"cadence {_fmt(r.cadence_spm, '.0f', ' steps/min')}{target}", TEXT_RGB))
        if update.pelvis_reason:
            rows.append((f"pelvis from hip landmarks: {update.pelvis_reason}"[:90], LEVEL_RGB["warn"]))
    if fb is not None:
        rows += [(c.text, LEVEL_RGB[c.level]) for c in fb.cues]
    width = max(cv2.getTextSize(t, font, scale, th)[0][0] for t, _ in rows) + int(20 * s)
    x0, y0 = int(10 * s), int(10 * s)
    box = img[y0:y0 + line_h * len(rows) + int(10 * s), x0:x0 + width]
    box[:] = (0.35 * box + 0.65 * np.array(PANEL_RGB)).astype(np.uint8)
    for i, (text, colour) in enumerate(rows):
        cv2.putText(img, text, (x0 + int(10 * s), y0 + line_h * (i + 1)), font, scale, colour, th, cv2.LINE_AA)
    foot = f"{HELP}   [audio {status.audio}]" + ("   PAUSED" if status.paused else "")
    h = img.shape[0]
    band = img[h - line_h - int(10 * s):, :]
    band[:] = (0.35 * band + 0.65 * np.array(PANEL_RGB)).astype(np.uint8)
    cv2.putText(img, foot, (int(10 * s), h - int(12 * s)), font, scale, TEXT_RGB, th, cv2.LINE_AA)


def display_available() -> Optional[str]:
    """None if a window can be opened here, else why not (checked before Qt would abort)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display (DISPLAY is not set)"
    return None


class Window:
    """An OpenCV highgui window; :meth:`show` displays a BGR image and returns the key action
    ("quit", "pause", "baseline", "audio") or None. Raises :class:`~gaitscan.errors.UsageError`
    where no window can be opened."""

    def __init__(self, title: str = "gaitscan live") -> None:
        why = display_available()
        if why is not None:
            raise UsageError(f"cannot open the live window: {why}; use --no-window to run headless")
        self.title = title
        cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE)
        self._shown = False

    def show(self, bgr: np.ndarray) -> Optional[str]:
        cv2.imshow(self.title, bgr)
        key = cv2.waitKey(1)
        if self._shown and cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            return "quit"  # closed with the window's own button
        self._shown = True
        return KEYS.get(key & 0xFF) if key >= 0 else None

    def close(self) -> None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)
