"""Body segment lengths of the synthetic runner, from stature (anthropometric proportions).

Segment lengths as fractions of height follow Drillis & Contini's proportions as tabulated by
Winter (Biomechanics and Motor Control of Human Movement, 4th ed., fig. 4.1): thigh 0.245 H,
shank 0.246 H, ankle height 0.039 H, foot length 0.152 H, upper arm 0.186 H, forearm 0.146 H,
hand 0.108 H, shoulder height 0.818 H, chin 0.870 H. The inter-hip-joint-centre distance is a
parameter (``RunnerParams.hip_width_ratio``, typically 0.09–0.11 H).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Body:
    """Segment lengths in metres (see module docstring)."""

    height: float
    thigh: float          #: hip joint centre to knee joint centre
    shank: float          #: knee to ankle joint centre
    ankle_h: float        #: ankle joint centre above the sole
    heel_back: float      #: heel (back of the sole) behind the ankle, horizontally
    toe_fwd: float        #: toe tip ahead of the ankle, horizontally
    hip_width: float      #: distance between the two hip joint centres
    trunk: float          #: hip-centre midpoint to the neck base (C7 level)
    shoulder_half: float  #: half the distance between the shoulder joint centres
    shoulder_drop: float  #: shoulder joint centres below the neck base
    upper_arm: float
    forearm: float
    hand: float
    neck: float           #: neck base to the head centre
    head_r: float         #: head half-height

    @classmethod
    def from_height(cls, height_m: float, hip_width_ratio: float = 0.10) -> "Body":
        """Proportions for a runner of stature ``height_m`` (m)."""
        H = float(height_m)
        foot = 0.152 * H
        return cls(
            height=H, thigh=0.245 * H, shank=0.246 * H, ankle_h=0.039 * H,
            heel_back=0.22 * foot, toe_fwd=0.78 * foot, hip_width=hip_width_ratio * H,
            trunk=(0.818 + 0.02 - 0.53) * H, shoulder_half=0.10 * H, shoulder_drop=0.02 * H,
            upper_arm=0.186 * H, forearm=0.146 * H, hand=0.108 * H,
            neck=(0.935 - 0.838) * H, head_r=0.065 * H,
        )
