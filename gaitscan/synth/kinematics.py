"""3D kinematics of a runner on a treadmill: gait timeline, planted feet, pelvis, trunk, arms, head.

World frame (metres): **X = the runner's right, Y = forward (running direction), Z = up**; the
belt surface is ``z = 0`` and the runner stays in place around ``x = y = 0`` while the belt moves
backward at ``speed_mps``.

How the motion is made:

- **Timeline** (:func:`make_steps`): alternating left/right contacts, step time ``60/cadence``
  (with per-step variation from ``seed``); stance lasts ``duty_factor × stride time``, so each
  step has a flight phase.
- **Stance**: the foot is planted on the belt and moves backward with it — heel strike with the
  toes up, foot flat, heel rise pivoting about the toe tip until toe-off. The knee follows a set
  flexion curve (``knee_contact_deg``, ``knee_midstance_deg``, ``knee_toeoff_deg``): the stance hip's
  height is set by the leg length those flexions leave, the knee elsewhere follows by inverse
  kinematics, so the
  pelvis is lowest around midstance. The pelvis rotates about the AP axis through the stance hip:
  the swing hip drops by the step's drop amplitude times a smooth bump that peaks at midstance.
- **Flight**: the pelvis height is a cubic Hermite bridge between the stance ends.
- **Swing**: the leg moves in joint space (lateral leg-plane angle, thigh angle, knee flexion,
  foot pitch) from its toe-off pose to its next contact pose, with the knee peaking at
  ``knee_swing_peak_deg`` and a little late-swing hip flexion overshoot.
- **Upper body**: trunk with forward lean and a lateral lean toward the stance side; arms swing
  opposite to the legs with bent elbows; the head stays nearly upright.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .body import Body
from .params import RunnerParams

SIDES = ("left", "right")
#: sign of the X coordinate on each side (X points to the runner's right)
SIDE_SIGN = {"left": -1.0, "right": 1.0}

# stance sub-phases (fractions of stance)
_FOOT_FLAT = 0.15      # heel strike → foot flat
_HEEL_OFF = 0.50       # heel rise starts
_MID = 0.45            # knee flexion and pelvic drop peak (midstance)
_PITCH_CONTACT = np.radians(8.0)    # toes up at heel strike
_PITCH_TOEOFF = np.radians(-38.0)   # heel up at toe-off
_VZ_CONTACT = -0.45    # stance-hip vertical velocity at contact (m/s): descending
_VZ_TOEOFF = 0.45      # ... at toe-off: rising into the flight phase
_MIN_RISE = 0.25       # the hip at toe-off is at least this fraction of the contact-to-midstance
                       # descent above its midstance height (a runner's centre of mass is lowest
                       # near midstance); slow cadences with long stances otherwise kept sinking


@dataclass(frozen=True)
class Step:
    """One stance: its side, exact event times (s) and the per-step true values."""

    index: int
    side: str
    t_contact: float
    t_toeoff: float
    drop_deg: float      #: pelvic-drop amplitude of this step (swing side lower, deg)
    offset_m: float      #: heel lateral offset from the midline at contact (+ toward stance side)
    lean_deg: float      #: lateral trunk lean toward the stance side at midstance (deg)

    def u(self, t: np.ndarray) -> np.ndarray:
        """Fraction of this stance elapsed at times ``t`` (0 at contact, 1 at toe-off)."""
        return (t - self.t_contact) / (self.t_toeoff - self.t_contact)


def make_steps(params: RunnerParams, t_end: float) -> list[Step]:
    """The gait timeline covering ``[-1 s, t_end + 1 s]``, drawn with ``params.seed``.

    The third step (index 2) is the first contact after ``t = 0`` and is on
    ``params.first_stance``.
    """
    rng = np.random.default_rng(params.seed)
    var = params.variation
    ts = 60.0 / params.cadence_spm
    other = {"left": "right", "right": "left"}
    t = -1.75 * ts
    steps: list[Step] = []
    side = params.first_stance
    k = 0
    while t < t_end + 1.0 + 2 * ts or k < 4:
        step_time = ts * (1.0 + var.step_time_cv * rng.standard_normal())
        stance = 2.0 * params.duty_factor * step_time
        steps.append(Step(
            index=k, side=side, t_contact=t, t_toeoff=t + stance,
            drop_deg=params.drop_deg(side) + var.drop_sd_deg * rng.standard_normal(),
            offset_m=params.offset_m(side) + var.offset_sd_m * rng.standard_normal(),
            lean_deg=params.trunk_lean_deg + var.trunk_lean_sd_deg * rng.standard_normal(),
        ))
        t += step_time
        side = other[side]
        k += 1
    return steps


# ---------------------------------------------------------------------------------------- helpers
def smoothstep(s: np.ndarray) -> np.ndarray:
    """0 → 1 with zero slope at both ends, for ``s`` in [0, 1] (clipped outside)."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * (3.0 - 2.0 * s)


def bump(s: np.ndarray, peak_at: float) -> np.ndarray:
    """A smooth 0 → 1 → 0 bump over ``s`` in [0, 1] with its maximum 1 exactly at ``peak_at``."""
    s = np.clip(s, 0.0, 1.0)
    w = s ** (np.log(0.5) / np.log(peak_at))
    return np.sin(np.pi * w) ** 2


def _stance_curve(u: np.ndarray, start: float, mid: float, end: float) -> np.ndarray:
    """A value going smoothly start → mid (at ``_MID``) → end over the stance fraction ``u``."""
    a = start + (mid - start) * np.sin(0.5 * np.pi * np.clip(u / _MID, 0, 1)) ** 2
    b = end + (mid - end) * np.sin(0.5 * np.pi * np.clip((1 - u) / (1 - _MID), 0, 1)) ** 2
    return np.where(u < _MID, a, b)


def _hermite(s, z0, v0, z1, v1):
    """Cubic Hermite from (z0, slope v0) at s=0 to (z1, slope v1) at s=1 (slopes per unit s)."""
    h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
    h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
    return h00 * z0 + h10 * v0 + h01 * z1 + h11 * v1


def _rot_sagittal(y: np.ndarray, z: np.ndarray, pitch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotate points (y, z) by ``pitch`` (rad, positive = toes up) in the sagittal plane."""
    c, s = np.cos(pitch), np.sin(pitch)
    return y * c - z * s, y * s + z * c


def _knee_to_reach(body: Body, knee: np.ndarray) -> np.ndarray:
    """Hip-to-ankle distance (m) for knee flexion ``knee`` (rad)."""
    a, b = body.thigh, body.shank
    return np.sqrt(a * a + b * b + 2 * a * b * np.cos(knee))


# ---------------------------------------------------------------------------------------- the model
class Runner:
    """Evaluates the runner's joint positions at any times within the timeline.

    ``Runner(params, duration_s)`` builds the timeline; :meth:`joints` gives positions.
    """

    def __init__(self, params: RunnerParams, duration_s: float) -> None:
        self.params = params
        self.body = Body.from_height(params.height_m, params.hip_width_ratio)
        self.steps = make_steps(params, duration_s)

    # ------------------------------------------------------------------ stance geometry
    def _stance_foot(self, st: Step, t: np.ndarray):
        """Ankle (x, y, z), foot pitch (rad) of the stance foot of step ``st`` at times ``t``."""
        b, v = self.body, self.params.speed_mps
        u = st.u(t)
        dt = t - st.t_contact
        pitch = np.where(
            u < _FOOT_FLAT, _PITCH_CONTACT * (1 - smoothstep(u / _FOOT_FLAT)),
            np.where(u < _HEEL_OFF, 0.0, _PITCH_TOEOFF * smoothstep((u - _HEEL_OFF) / (1 - _HEEL_OFF))))
        heel_y = self.params.overstride_m - v * dt
        toe_y = heel_y + b.heel_back + b.toe_fwd
        # ankle from the pivot: heel on the belt until heel-off, then the toe tip
        hy, hz = _rot_sagittal(-b.heel_back, -b.ankle_h, pitch)
        ty, tz = _rot_sagittal(b.toe_fwd, -b.ankle_h, pitch)
        on_toe = u >= _HEEL_OFF
        ay = np.where(on_toe, toe_y - ty, heel_y - hy)
        az = np.where(on_toe, -tz, -hz)
        ax = np.full_like(t, SIDE_SIGN[st.side] * st.offset_m)
        return np.stack([ax, ay, az], -1), pitch

    def _obliquity(self, st: Step, t: np.ndarray) -> np.ndarray:
        """Swing-side-down pelvic obliquity (rad) during stance ``st``."""
        return np.radians(st.drop_deg) * bump(st.u(t), _MID)

    def _stance_hip_z(self, st: Step, u_key: np.ndarray, knee_deg: np.ndarray) -> np.ndarray:
        """Stance-hip height (m) at stance fractions ``u_key`` that gives knee flexion ``knee_deg``."""
        b = self.body
        t = st.t_contact + u_key * (st.t_toeoff - st.t_contact)
        ankle, _ = self._stance_foot(st, t)
        hx = SIDE_SIGN[st.side] * 0.5 * b.hip_width
        reach = _knee_to_reach(b, np.radians(knee_deg))
        vertical2 = reach**2 - (hx - ankle[:, 0])**2 - ankle[:, 1]**2
        if np.any(vertical2 < (0.5 * reach) ** 2):
            p = self.params
            raise ValueError(
                f"the {st.side} leg cannot reach the belt in stance with the knee flexions asked for: "
                f"belt travel {p.speed_mps * (st.t_toeoff - st.t_contact):.2f} m per stance is too long "
                f"for a {p.height_m} m runner; lower speed_mps or duty_factor, or raise cadence_spm")
        return ankle[:, 2] + np.sqrt(vertical2)

    def _stance_pelvis(self, st: Step, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pelvis midpoint (T, 3) and obliquity (rad, swing side down) during stance ``st``.

        The stance hip's height passes through the heights at which the knee has exactly its
        contact, midstance and toe-off flexion (cubic Hermite pieces: descending at ``_VZ_CONTACT`` m/s at contact, lowest with zero slope at
        midstance, rising at ``_VZ_TOEOFF`` m/s at toe-off); the knee at other times follows by
        inverse kinematics. When the asked toe-off flexion would leave the hip below its
        midstance height (long stances at slow cadence), the toe-off height is raised to
        ``_MIN_RISE`` of the descent above midstance and the knee straightens to reach it (at most
        to a straight leg).
        """
        p, b = self.params, self.body
        z_c, z_m, z_o = self._stance_hip_z(
            st, np.array([0.0, _MID, 1.0]), np.array([p.knee_contact_deg, p.knee_midstance_deg, p.knee_toeoff_deg]))
        if z_o < z_m + _MIN_RISE * (z_c - z_m):
            # the foot has travelled so far back that the asked toe-off knee flexion would keep the
            # hip sinking to toe-off: straighten the knee instead, at most to a straight leg (a
            # stance so long that even that cannot rise, e.g. 0.8 m of belt for a 1.6 m runner,
            # still sinks to toe-off: the truth's midstance is then at toe-off)
            z_straight = self._stance_hip_z(st, np.array([1.0]), np.array([0.0]))[0]
            z_o = max(z_o, min(z_m + _MIN_RISE * (z_c - z_m), z_straight - 1e-3))
        dur = st.t_toeoff - st.t_contact
        u = st.u(t)
        first = u < _MID
        s = np.where(first, u / _MID, (u - _MID) / (1 - _MID))
        za, zb = np.where(first, z_c, z_m), np.where(first, z_m, z_o)
        # end slopes per unit s, limited so that the pieces stay monotonic (lowest at midstance)
        va = np.where(first, max(_VZ_CONTACT * dur * _MID, 2.5 * (z_m - z_c)), 0.0)
        vb = np.where(first, 0.0, min(_VZ_TOEOFF * dur * (1 - _MID), 2.5 * (z_o - z_m)))
        hz = _hermite(s, za, va, zb, vb)
        alpha = self._obliquity(st, t)
        # midpoint: from the stance hip toward the swing side, which is lower by alpha
        mid = np.stack([np.zeros_like(t), np.zeros_like(t), hz - 0.5 * b.hip_width * np.sin(alpha)], -1)
        return mid, alpha

    # ------------------------------------------------------------------ pelvis over time
    def pelvis(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pelvis midpoint (T, 3), obliquity (T,) rad with **right hip down positive**, and stance
        step index (T,) (-1 in flight) at times ``t`` (s)."""
        t = np.asarray(t, float)
        mid = np.full((len(t), 3), np.nan)
        right_down = np.zeros(len(t))
        idx = np.full(len(t), -1)
        eps = 1e-4
        for i, st in enumerate(self.steps):
            m = (t >= st.t_contact) & (t < st.t_toeoff)
            if m.any():
                mm, a = self._stance_pelvis(st, t[m])
                mid[m] = mm
                right_down[m] = a if st.side == "left" else -a
                idx[m] = i
            if i + 1 < len(self.steps):
                nxt = self.steps[i + 1]
                f = (t >= st.t_toeoff) & (t < nxt.t_contact)
                if f.any():
                    t0, t1 = st.t_toeoff, nxt.t_contact
                    z0 = self._stance_pelvis(st, np.array([t0 - eps, t0]))[0][:, 2]
                    z1 = self._stance_pelvis(nxt, np.array([t1, t1 + eps]))[0][:, 2]
                    v0, v1 = (z0[1] - z0[0]) / eps, (z1[1] - z1[0]) / eps
                    h = t1 - t0
                    mid[f] = 0.0
                    mid[f, 2] = _hermite((t[f] - t0) / h, z0[1], h * v0, z1[0], h * v1)
        if np.isnan(mid).any():
            raise ValueError("times outside the runner's timeline")
        return mid, right_down, idx

    def hips(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """Left and right hip joint centres (T, 3) at times ``t``."""
        mid, right_down, _ = self.pelvis(t)
        half = 0.5 * self.body.hip_width
        lat = np.stack([np.cos(right_down), np.zeros_like(right_down), -np.sin(right_down)], -1)
        return {"hip_l": mid - half * lat, "hip_r": mid + half * lat, "pelvis": mid}

    # ------------------------------------------------------------------ legs
    def _leg_angles(self, hip: np.ndarray, ankle: np.ndarray):
        """Joint-space leg pose from hip and ankle positions: (gamma, thigh, knee) in rad."""
        b = self.body
        v = ankle - hip
        ell = np.hypot(v[:, 0], v[:, 2])
        gamma = np.arctan2(v[:, 0], -v[:, 2])
        beta = np.arctan2(v[:, 1], ell)
        D = np.minimum(np.linalg.norm(v, axis=1), b.thigh + b.shank - 1e-9)
        a = np.arccos(np.clip((b.thigh**2 + D**2 - b.shank**2) / (2 * b.thigh * D), -1, 1))
        knee = np.pi - np.arccos(np.clip((b.thigh**2 + b.shank**2 - D**2) / (2 * b.thigh * b.shank), -1, 1))
        return gamma, beta + a, knee

    def _leg_points(self, hip, gamma, thigh, knee, pitch):
        """Knee, ankle, heel, toe (T, 3 each) from the hip and joint-space angles."""
        b = self.body
        down = np.stack([np.sin(gamma), np.zeros_like(gamma), -np.cos(gamma)], -1)
        fwd = np.array([0.0, 1.0, 0.0])
        kn = hip + b.thigh * (np.sin(thigh)[:, None] * fwd + np.cos(thigh)[:, None] * down)
        sh = thigh - knee
        an = kn + b.shank * (np.sin(sh)[:, None] * fwd + np.cos(sh)[:, None] * down)
        return kn, an, *self._foot_points(an, pitch)

    def _foot_points(self, ankle, pitch):
        b = self.body
        hy, hz = _rot_sagittal(-b.heel_back, -b.ankle_h, pitch)
        ty, tz = _rot_sagittal(b.toe_fwd, -b.ankle_h, pitch)
        heel = ankle + np.stack([np.zeros_like(hy), hy, hz], -1)
        toe = ankle + np.stack([np.zeros_like(ty), ty, tz], -1)
        return heel, toe

    def leg(self, side: str, t: np.ndarray, hips: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Knee, ankle, heel, toe (T, 3), foot pitch (T,) rad and stance flag (T,) of one leg."""
        p, b = self.params, self.body
        hip_all = hips["hip_l" if side == "left" else "hip_r"]
        T = len(t)
        out = {k: np.full((T, 3), np.nan) for k in ("knee", "ankle", "heel", "toe")}
        pitch_all = np.full(T, np.nan)
        stance = np.zeros(T, bool)
        mine = [s for s in self.steps if s.side == side]
        for st, nxt in zip(mine, mine[1:] + [None]):
            m = (t >= st.t_contact) & (t < st.t_toeoff)
            if m.any():
                ankle, pitch = self._stance_foot(st, t[m])
                reach = np.linalg.norm(ankle - hip_all[m], axis=1).max()
                if reach > b.thigh + b.shank + 1e-6:
                    raise ValueError(
                        f"the {side} leg cannot reach the belt in stance ({reach:.3f} m > leg "
                        f"{b.thigh + b.shank:.3f} m): belt travel {p.speed_mps * (st.t_toeoff - st.t_contact):.2f} m "
                        f"per stance is too long; lower speed_mps or duty_factor, or raise cadence_spm")
                g, th, kn = self._leg_angles(hip_all[m], ankle)
                pts = self._leg_points(hip_all[m], g, th, kn, pitch)
                for k, v in zip(("knee", "ankle", "heel", "toe"), pts):
                    out[k][m] = v
                pitch_all[m] = pitch
                stance[m] = True
            if nxt is None:
                continue
            f = (t >= st.t_toeoff) & (t < nxt.t_contact)
            if not f.any():
                continue
            ends = np.array([st.t_toeoff, nxt.t_contact])
            end_hips = self.hips(ends)["hip_l" if side == "left" else "hip_r"]
            a0, p0 = self._stance_foot(st, ends[:1] - 1e-9)
            a1, p1 = self._stance_foot(nxt, ends[1:])
            g0, th0, k0 = self._leg_angles(end_hips[:1], a0)
            g1, th1, k1 = self._leg_angles(end_hips[1:], a1)
            s = (t[f] - ends[0]) / (ends[1] - ends[0])
            w = smoothstep(s)
            gamma = g0 + (g1 - g0) * w
            thigh = th0 + (th1 - th0) * smoothstep(s / 0.8) + np.radians(6.0) * bump(s, 0.8)
            base_knee = k0 + (k1 - k0) * w
            peak = np.radians(p.knee_swing_peak_deg)
            knee = (base_knee + (peak - (k0 + (k1 - k0) * smoothstep(np.array(0.38)))) * bump(s, 0.38)
                    + np.radians(20.0) * bump(s, 0.8))   # late-swing flexion keeps the foot off the belt
            pitch = p0 + (p1 - p0) * smoothstep(s / 0.9) + np.radians(-12.0) * bump(s, 0.3)
            pts = self._leg_points(hip_all[f], gamma, thigh, knee, pitch)
            for _ in range(12):   # keep the swing foot off the belt: flex the knee where it dips
                dip = np.maximum(0.0, 0.01 * np.sin(np.pi * s) - np.minimum(pts[2][:, 2], pts[3][:, 2]))
                if not dip.any():
                    break
                knee = knee + 2.0 * dip / b.shank
                pts = self._leg_points(hip_all[f], gamma, thigh, knee, pitch)
            for k, v in zip(("knee", "ankle", "heel", "toe"), pts):
                out[k][f] = v
            pitch_all[f] = pitch
        out["pitch"] = pitch_all
        out["stance"] = stance
        out["thigh"] = self._thigh_angle(hip_all, out["knee"])
        return out

    @staticmethod
    def _thigh_angle(hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
        """Sagittal thigh angle (rad) from vertical, positive forward (hip flexion-like)."""
        v = knee - hip
        return np.arctan2(v[:, 1], -v[:, 2])

    # ------------------------------------------------------------------ everything
    def joints(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """All named points (T, 3) in metres at times ``t`` (s), plus frames and stance flags.

        Points: ``pelvis`` (hip-centre midpoint), ``hip_l/_r``, ``knee_*``, ``ankle_*``, ``heel_*``,
        ``toe_*``, ``neck`` (neck base), ``shoulder_*``, ``elbow_*``, ``wrist_*``, ``hand_*`` (finger
        tips), ``head`` (head centre), and head landmarks ``nose``, ``eye_*``, ``ear_*``,
        ``mouth_*``. Unit vectors (T, 3): ``trunk_up``, ``trunk_right``, ``head_up``, ``pelvis_right``.
        Also ``stance_l``/``stance_r`` (T,) bool, ``pitch_l``/``pitch_r`` foot pitch (T,) rad and
        ``right_down`` pelvic obliquity (T,) rad (right hip lower positive).
        """
        t = np.asarray(t, float)
        b, p = self.body, self.params
        out: dict[str, np.ndarray] = {}
        mid, right_down, idx = self.pelvis(t)
        hips = self.hips(t)
        out.update(hips)
        out["right_down"] = right_down
        out["pelvis_right"] = (hips["hip_r"] - hips["hip_l"]) / b.hip_width
        legs = {}
        for side, sfx in (("left", "_l"), ("right", "_r")):
            leg = self.leg(side, t, hips)
            legs[side] = leg
            for k in ("knee", "ankle", "heel", "toe"):
                out[k + sfx] = leg[k]
            out["stance" + sfx] = leg["stance"]
            out["pitch" + sfx] = leg["pitch"]
        # trunk: forward lean + lateral lean toward the stance side (bump over stance)
        lean = np.zeros(len(t))
        for i, st in enumerate(self.steps):
            m = idx == i
            if m.any():
                lean[m] = SIDE_SIGN[st.side] * np.radians(st.lean_deg) * bump(st.u(t[m]), _MID)
        fwd = np.radians(p.trunk_forward_deg)
        up = np.stack([np.sin(lean) * np.cos(fwd), np.full_like(lean, np.sin(fwd)), np.cos(lean) * np.cos(fwd)], -1)
        up /= np.linalg.norm(up, axis=1, keepdims=True)
        right = np.cross(np.array([0.0, 1.0, 0.0]), up)
        right /= np.linalg.norm(right, axis=1, keepdims=True)
        fwd_t = np.cross(up, right)
        out["trunk_up"], out["trunk_right"] = up, right
        neck = mid + b.trunk * up
        out["neck"] = neck
        # arms: swing opposite to the legs, elbows bent ~85°
        for side, sfx, opp in (("left", "_l", "right"), ("right", "_r", "left")):
            sgn = SIDE_SIGN[side]
            sh = neck - b.shoulder_drop * up + sgn * b.shoulder_half * right
            swing = 0.75 * legs[opp]["thigh"] - np.radians(8.0)
            abd = np.radians(8.0)
            ua = (np.sin(swing)[:, None] * fwd_t - np.cos(swing)[:, None] * up) * np.cos(abd) + sgn * np.sin(abd) * right
            el = sh + b.upper_arm * ua
            elbow_flex = np.radians(85.0) + 0.25 * swing
            fa_ang = swing + elbow_flex
            inward = np.radians(20.0)
            fa = (np.sin(fa_ang)[:, None] * fwd_t - np.cos(fa_ang)[:, None] * up) * np.cos(inward) - sgn * np.sin(inward) * right
            wr = el + b.forearm * fa
            out["shoulder" + sfx], out["elbow" + sfx], out["wrist" + sfx] = sh, el, wr
            out["hand" + sfx] = wr + 0.75 * b.hand * fa
            out["forearm_dir" + sfx] = fa
        # head: nearly upright, facing forward
        hup = up + np.array([0.0, -0.05, 2.0])
        hup /= np.linalg.norm(hup, axis=1, keepdims=True)
        hright = np.cross(np.array([0.0, 1.0, 0.0]), hup)
        hright /= np.linalg.norm(hright, axis=1, keepdims=True)
        hfwd = np.cross(hup, hright)
        head = neck + b.neck * hup
        out["head"], out["head_up"], out["head_right"], out["head_fwd"] = head, hup, hright, hfwd
        r = b.head_r
        def at(f, u, l):  # noqa: E306 - point on the head in its frame (forward, up, lateral)
            return head + r * (f * hfwd + u * hup + l * hright)
        out["nose"] = at(1.0, -0.1, 0.0)
        for side, sfx in (("left", "_l"), ("right", "_r")):
            s = SIDE_SIGN[side]
            out["eye" + sfx] = at(0.82, 0.12, 0.32 * s)
            out["eye_inner" + sfx] = at(0.85, 0.12, 0.18 * s)
            out["eye_outer" + sfx] = at(0.76, 0.12, 0.46 * s)
            out["ear" + sfx] = at(0.0, 0.0, 0.78 * s)
            out["mouth" + sfx] = at(0.8, -0.48, 0.22 * s)
        return out
