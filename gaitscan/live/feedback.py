"""Retraining feedback: targets (data), the runner's baseline cadence, visual cues, fault repeats.

Pure: :class:`Feedback` turns each :class:`~gaitscan.live.session.FrameUpdate` into a
:class:`FeedbackState` — the cadence target, the cue lines for the window (each with a level
``ok``/``warn``/``fault``) and whether a fault has just repeated ``fault_repeat`` times on one side
(the moment for the audio cue). Targets come from ``targets.yaml`` next to this module
(EVIDENCE.md §4): cadence +5–10 % over the runner's own baseline, pelvic drop below a value, no
crossover.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Literal, Optional

import yaml

from ..metrics.steps import Step
from ..metrics.summary import cadence, cadence_events
from .session import FrameUpdate

Level = Literal["ok", "warn", "fault"]


@dataclass(frozen=True)
class Targets:
    """Feedback targets (units in the names); ``texts`` are the cue templates."""

    cadence_increase_pct: tuple[float, float]
    metronome_pct: float
    baseline_steps: int
    max_drop_deg: float
    max_crossover_rate: float
    fault_repeat: int
    texts: dict[str, str] = field(default_factory=dict)

    def cadence_band(self, baseline_spm: float) -> tuple[float, float]:
        """(low, high) target cadence in steps/min for a baseline."""
        lo, hi = self.cadence_increase_pct
        return baseline_spm * (1 + lo / 100.0), baseline_spm * (1 + hi / 100.0)

    def metronome_spm(self, baseline_spm: float) -> float:
        return baseline_spm * (1 + self.metronome_pct / 100.0)


def load_targets(**overrides) -> Targets:
    """The packaged ``targets.yaml`` as :class:`Targets`; keyword ``overrides`` (not None) win."""
    raw = yaml.safe_load(resources.files("gaitscan.live").joinpath("targets.yaml").read_text(encoding="utf-8"))
    targets = Targets(
        cadence_increase_pct=(float(raw["cadence"]["increase_pct"][0]), float(raw["cadence"]["increase_pct"][1])),
        metronome_pct=float(raw["cadence"]["metronome_pct"]), baseline_steps=int(raw["cadence"]["baseline_steps"]),
        max_drop_deg=float(raw["pelvic_drop"]["max_deg"]), max_crossover_rate=float(raw["crossover"]["max_rate"]),
        fault_repeat=int(raw["fault_repeat"]), texts=dict(raw["texts"]))
    return replace(targets, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Cue:
    """One line of feedback: ``metric`` ("cadence", "pelvic_drop", "crossover"), ``side`` or None,
    ``level`` and the ``text`` shown."""

    metric: str
    side: Optional[str]
    level: Level
    text: str


@dataclass(frozen=True)
class FeedbackState:
    """Feedback after one frame: ``baseline_spm`` (None while measuring), ``target_spm`` band,
    ``metronome_spm`` (None = no metronome yet), ``cues`` for the window (empty when visual cues
    are off), ``repeated_faults`` — (metric, side) pairs that just reached ``fault_repeat``."""

    baseline_spm: Optional[float]
    target_spm: Optional[tuple[float, float]]
    metronome_spm: Optional[float]
    cues: tuple[Cue, ...]
    repeated_faults: tuple[tuple[str, str], ...]


def drop_level(drop_deg: Optional[float], max_deg: float) -> Level:
    """Colour level of a pelvic drop value: ok below half the maximum, warn below it, else fault."""
    if drop_deg is None:
        return "ok"
    return "ok" if drop_deg < 0.5 * max_deg else "warn" if drop_deg < max_deg else "fault"


class Feedback:
    """Baseline, cues and fault repeats (see module docstring); ``visual=False`` hides the cues."""

    def __init__(self, targets: Targets, *, visual: bool = True) -> None:
        self.targets, self.visual = targets, visual
        self.baseline_spm: Optional[float] = None
        self._from_step = 0
        self._streak: dict[tuple[str, str], int] = {}

    def reset_baseline(self, steps_so_far: int) -> None:
        """Measure the baseline again from the next step on (the 'b' key)."""
        self.baseline_spm, self._from_step = None, steps_so_far

    def update(self, update: FrameUpdate, steps: list[Step]) -> FeedbackState:
        """Feedback after ``update``; ``steps`` are all the session's steps so far."""
        tg = self.targets
        if self.baseline_spm is None:
            mine = steps[self._from_step:]
            if len(mine) >= tg.baseline_steps:
                self.baseline_spm = cadence(cadence_events(mine, update.view))["cadence_spm"]
        repeated = []
        for step in update.new_steps:
            for metric, bad in (("pelvic_drop", step.pelvic_drop_deg is not None and step.pelvic_drop_deg > tg.max_drop_deg),
                                ("crossover", bool(step.crossover))):
                key = (metric, step.stance)
                self._streak[key] = self._streak.get(key, 0) + 1 if bad else 0
                if self._streak[key] >= tg.fault_repeat:
                    repeated.append(key)
                    self._streak[key] = 0
        band = tg.cadence_band(self.baseline_spm) if self.baseline_spm else None
        metro = tg.metronome_spm(self.baseline_spm) if self.baseline_spm else None
        cues = self._cues(update, band, len(steps) - self._from_step) if self.visual else ()
        return FeedbackState(self.baseline_spm, band, metro, cues, tuple(repeated))

    def _cues(self, update: FrameUpdate, band: Optional[tuple[float, float]], n_baseline: int) -> tuple[Cue, ...]:
        tg, txt, roll = self.targets, self.targets.texts, update.rolling
        cues: list[Cue] = []
        if band is None:
            cues.append(Cue("cadence", None, "warn", txt["baseline"].format(n=max(0, n_baseline), need=tg.baseline_steps)))
        elif roll.cadence_spm is not None:
            lo, hi = band
            c = roll.cadence_spm
            key, level = ("cadence_low", "fault") if c < lo else ("cadence_high", "warn") if c > hi else ("cadence_ok", "ok")
            cues.append(Cue("cadence", None, level, txt[key].format(value=c, lo=lo, hi=hi)))
        for side in ("left", "right"):
            st = roll.side(side)
            if st.pelvic_drop_deg is not None and st.pelvic_drop_deg > tg.max_drop_deg:
                cues.append(Cue("pelvic_drop", side, "fault", txt["pelvic_drop"].format(side=side.title(), value=st.pelvic_drop_deg)))
            if st.crossover_rate is not None and st.crossover_rate > tg.max_crossover_rate:
                cues.append(Cue("crossover", side, "fault", txt["crossover"].format(side=side.title())))
        return tuple(cues)
