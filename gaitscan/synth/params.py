"""Parameters of the synthetic runner: gait, frontal-plane mechanics, body and appearance.

All parameters are frozen dataclasses so a render is fully described by them (they are written
into the ``.truth.json`` next to every video). Units are in the field names' docs: metres,
degrees, steps per minute, RGB 0..255.

Sign conventions (the same as ``docs/analysis-schema.md``):

- ``drop_left_deg``: while the **left** foot is on the ground, the **right** (swing) hip is lower
  than the left hip by this angle at midstance. Positive = swing side lower (contralateral drop).
- ``offset_left_m``: lateral distance of the left heel from the pelvis midline at initial contact,
  positive = lateral, toward the left (stance) side; ``<= 0`` = on or across the midline
  (crossover).
- ``trunk_lean_deg``: lateral trunk lean toward the stance side at midstance.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Variation:
    """Natural step-to-step variation: standard deviations of per-step values (Gaussian)."""

    step_time_cv: float = 0.015     #: SD of step time as a fraction of the mean step time
    drop_sd_deg: float = 0.4        #: SD of the per-step pelvic drop amplitude (deg)
    offset_sd_m: float = 0.004      #: SD of the per-step foot-landing offset (m)
    trunk_lean_sd_deg: float = 0.3  #: SD of the per-step lateral trunk lean (deg)


#: no variation at all: every step exactly as the parameters say
NO_VARIATION = Variation(0.0, 0.0, 0.0, 0.0)


#: skin tones (RGB) from light to dark, for varying :attr:`Appearance.skin`
SKIN_TONES: dict[str, RGB] = {
    "light": (236, 200, 176), "medium": (214, 168, 132), "tan": (172, 120, 84),
    "brown": (124, 82, 56), "dark": (74, 48, 34),
}
SHORTS_STYLES = ("fitted", "loose", "tights")
SHIRT_STYLES = ("fitted", "hang_left", "hang_right", "long")
SIDES = ("none", "left", "right")


@dataclass(frozen=True)
class Appearance:
    """Colours (RGB 0..255) and clothing of the figure (issues 4, 11).

    Clothing that does *not* follow the pelvis, to keep pelvis estimators honest:

    - ``shorts_style``: ``fitted`` (default), ``loose`` (wider, longer legs that swing with the
      thighs) or ``tights`` (leg cover down to the ankles).
    - ``shorts_pattern``: ``True`` puts ``pattern`` coloured dots on the seat of the shorts.
    - ``logo``: ``left``/``right`` puts a ``logo`` coloured patch on that side of the seat
      (breaks the mirror symmetry of the pelvis region).
    - ``shirt_style``: ``fitted`` (default, hem above the waistband), ``hang_left``/``hang_right``
      (a loose shirt tail over that hip, moving with the trunk) or ``long`` (covers the pelvis
      down to mid-thigh — the pelvis is not visible).
    - ``markers``: ``True`` sticks round ``marker_colour`` skin markers (``marker_diameter_m``
      across) over both posterior superior iliac spines (on the pelvis: they move exactly with
      its obliquity) and on both heel counters (issue 11; :func:`gaitscan.synth.figure.marker_sites`).
    """

    skin: RGB = (214, 168, 132)
    hair: RGB = (58, 40, 28)
    shirt: RGB = (40, 90, 170)
    shorts: RGB = (30, 30, 36)
    shoes: RGB = (235, 235, 235)
    soles: RGB = (60, 60, 60)
    shorts_style: str = "fitted"
    shorts_pattern: bool = False
    pattern: RGB = (200, 200, 60)
    logo: str = "none"
    logo_colour: RGB = (230, 60, 40)
    shirt_style: str = "fitted"
    markers: bool = False
    marker_colour: RGB = (60, 255, 40)   #: fluorescent green, gaitscan's documented default
    marker_diameter_m: float = 0.025

    def __post_init__(self) -> None:
        if not 0.005 <= self.marker_diameter_m <= 0.08:
            raise ValueError(f"Appearance.marker_diameter_m={self.marker_diameter_m!r}: allowed 0.005..0.08")
        for name, allowed in (("shorts_style", SHORTS_STYLES), ("shirt_style", SHIRT_STYLES), ("logo", SIDES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"Appearance.{name}={getattr(self, name)!r}: allowed {', '.join(allowed)}")


@dataclass(frozen=True)
class RunnerParams:
    """Everything that defines the synthetic runner's motion and looks.

    Gait: ``cadence_spm`` (steps/min), ``speed_mps`` (belt speed, m/s), ``duty_factor`` (stance time
    / stride time; < 0.5 gives a flight phase), ``overstride_m`` (heel ahead of the hip joint
    centre at contact, m), knee flexion ``knee_contact_deg`` at contact, ``knee_midstance_deg`` at
    midstance, ``knee_toeoff_deg`` at toe-off and ``knee_swing_peak_deg`` in swing, ``trunk_forward_deg`` (forward lean).
    Frontal plane: per-stance-side ``drop_*_deg`` and ``offset_*_m`` (see the module docstring),
    ``trunk_lean_deg``. Body: ``height_m`` scales the anthropometric proportions
    (:mod:`gaitscan.synth.body`); ``hip_width_ratio`` is the inter-hip-joint-centre distance as a
    fraction of height. ``seed`` and ``variation`` give natural step-to-step variation.
    """

    cadence_spm: float = 170.0
    speed_mps: float = 3.2
    duty_factor: float = 0.34
    overstride_m: float = 0.12
    knee_contact_deg: float = 20.0
    knee_midstance_deg: float = 45.0
    knee_toeoff_deg: float = 22.0
    knee_swing_peak_deg: float = 105.0
    trunk_forward_deg: float = 6.0
    drop_left_deg: float = 5.0
    drop_right_deg: float = 5.0
    offset_left_m: float = 0.04
    offset_right_m: float = 0.04
    trunk_lean_deg: float = 0.0
    height_m: float = 1.75
    hip_width_ratio: float = 0.10
    first_stance: str = "left"
    seed: int = 0
    variation: Variation = field(default_factory=Variation)
    appearance: Appearance = field(default_factory=Appearance)

    def __post_init__(self) -> None:
        checks = [
            ("cadence_spm", 100 <= self.cadence_spm <= 240, "100..240"),
            ("speed_mps", 0.5 <= self.speed_mps <= 8, "0.5..8"),
            ("duty_factor", 0.2 <= self.duty_factor <= 0.49, "0.2..0.49 (running needs a flight phase)"),
            ("height_m", 1.2 <= self.height_m <= 2.2, "1.2..2.2"),
            ("drop_left_deg", -15 <= self.drop_left_deg <= 20, "-15..20"),
            ("drop_right_deg", -15 <= self.drop_right_deg <= 20, "-15..20"),
            ("offset_left_m", -0.15 <= self.offset_left_m <= 0.2, "-0.15..0.2"),
            ("offset_right_m", -0.15 <= self.offset_right_m <= 0.2, "-0.15..0.2"),
            ("trunk_lean_deg", -20 <= self.trunk_lean_deg <= 20, "-20..20"),
            ("first_stance", self.first_stance in ("left", "right"), "'left' or 'right'"),
        ]
        for name, ok, allowed in checks:
            if not ok:
                raise ValueError(f"RunnerParams.{name}={getattr(self, name)!r}: allowed {allowed}")

    def drop_deg(self, side: str) -> float:
        """Pelvic drop amplitude (deg) for stance side ``side``."""
        return self.drop_left_deg if side == "left" else self.drop_right_deg

    def offset_m(self, side: str) -> float:
        """Foot-landing offset (m) for stance side ``side``."""
        return self.offset_left_m if side == "left" else self.offset_right_m

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of all parameters (nested dataclasses as dicts, colours as lists)."""
        return _jsonable(asdict(self))


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj
