"""The filming setup: a pinhole camera behind, in front of or beside the treadmill.

World frame as in :mod:`gaitscan.synth.kinematics` (X = runner's right, Y = forward, Z = up),
except that here ``z = 0`` is the **room floor**; the belt surface is ``deck_height_m`` above it
(0 without a treadmill). Image coordinates: pixels, x right, y down, origin at the top-left
corner of the top-left pixel (pixel centres at ``i + 0.5``).

Camera roll: ``roll_deg > 0`` turns the camera counter-clockwise about its viewing axis (as the
operator sees it), so level world lines appear rotated **clockwise** in the image: a horizontal
line's right end is lower, ``atan2(dy, dx) = +roll`` in image coordinates (y down).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np

View = Literal["rear", "front", "side"]
VIEWS: tuple[str, ...] = ("rear", "front", "side")


@dataclass(frozen=True)
class Camera:
    """Where the camera is and what stands between it and the runner.

    ``view``: ``rear`` (behind the runner, runner's left on the image left), ``front`` (mirrored)
    or ``side`` (on the runner's right side, runner facing image right). ``distance_m``:
    horizontal distance from the pelvis; ``height_m``: lens height above the floor; ``pitch_deg``:
    downward tilt (0 = level); ``roll_deg``: see module docstring; ``hfov_deg``: horizontal field
    of view; ``width``/``height``: pixels (even, for H.264). ``treadmill``: draw a treadmill
    (belt ``deck_height_m`` above the floor); ``rails``: its side handrails (may hide hands/feet).
    """

    view: View = "rear"
    distance_m: float = 3.5
    height_m: float = 1.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    hfov_deg: float = 60.0
    width: int = 1280
    height: int = 720
    treadmill: bool = True
    rails: bool = True
    deck_height_m: float = 0.2

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"Camera.view={self.view!r}: allowed {', '.join(VIEWS)}")
        if self.width % 2 or self.height % 2 or self.width < 64 or self.height < 64:
            raise ValueError(f"Camera size {self.width}x{self.height}: width and height must be even and >= 64")
        if not 1.0 <= self.distance_m <= 20.0:
            raise ValueError(f"Camera.distance_m={self.distance_m}: allowed 1..20")
        if not 10.0 <= self.hfov_deg <= 120.0:
            raise ValueError(f"Camera.hfov_deg={self.hfov_deg}: allowed 10..120")
        if not -30.0 <= self.roll_deg <= 30.0:
            raise ValueError(f"Camera.roll_deg={self.roll_deg}: allowed -30..30")

    @property
    def belt_z(self) -> float:
        """Height of the belt surface above the floor (m)."""
        return self.deck_height_m if self.treadmill else 0.0

    @property
    def focal_px(self) -> float:
        """Focal length in pixels."""
        return 0.5 * self.width / np.tan(np.radians(self.hfov_deg) / 2)

    @property
    def position(self) -> np.ndarray:
        """Camera centre (3,) in world metres (floor frame)."""
        d, h = self.distance_m, self.height_m
        return {"rear": np.array([0.0, -d, h]), "front": np.array([0.0, d, h]),
                "side": np.array([d, 0.0, h])}[self.view]

    @property
    def rotation(self) -> np.ndarray:
        """World-to-camera rotation (3, 3): rows are the camera's x (right), y (down), z (forward)."""
        fwd = {"rear": np.array([0.0, 1.0, 0.0]), "front": np.array([0.0, -1.0, 0.0]),
               "side": np.array([-1.0, 0.0, 0.0])}[self.view]
        up = np.array([0.0, 0.0, 1.0])
        p = np.radians(self.pitch_deg)
        fwd = np.cos(p) * fwd - np.sin(p) * up
        right = np.cross(fwd, up)
        right /= np.linalg.norm(right)
        down = np.cross(fwd, right)
        r = np.radians(self.roll_deg)
        # roll the camera CCW (operator's view) = image content turns clockwise
        right_r = np.cos(r) * right - np.sin(r) * down
        down_r = np.sin(r) * right + np.cos(r) * down
        return np.stack([right_r, down_r, fwd])

    def level(self) -> "Camera":
        """The same camera with zero roll."""
        return replace(self, roll_deg=0.0)

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) → camera coordinates (..., 3): x right, y down, z depth (m)."""
        return (np.asarray(points, float) - self.position) @ self.rotation.T

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) in metres → pixel positions (..., 2) (x right, y down)."""
        c = self.to_camera(points)
        f = self.focal_px
        return np.stack([f * c[..., 0] / c[..., 2] + self.width / 2,
                         f * c[..., 1] / c[..., 2] + self.height / 2], -1)

    def ray_directions(self) -> np.ndarray:
        """World directions (H, W, 3) float32 through every pixel centre, scaled so that the
        camera-z component is 1 (a ray parameter is then the depth in metres)."""
        f = self.focal_px
        xs = (np.arange(self.width) + 0.5 - self.width / 2) / f
        ys = (np.arange(self.height) + 0.5 - self.height / 2) / f
        cam = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.ones((1, 1))), -1)
        return (cam @ self.rotation).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able parameters plus the derived focal length, position and rotation."""
        d = asdict(self)
        d.update(focal_px=self.focal_px, position_m=self.position.tolist(),
                 rotation_world_to_camera=self.rotation.tolist())
        return d
