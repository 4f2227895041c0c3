"""``PoseSeries``: the one contract between the pose model and everything after it.

A PoseSeries holds, for ``T`` frames and BlazePose's ``K = 33`` landmarks:

============  ===============  ====================================================
field         shape / type     meaning
============  ===============  ====================================================
xy            (T, 33, 2) f8    landmark positions in **pixels** of the upright frame
                               (x right, y down); NaN where no person was detected
visibility    (T, 33) f8       model visibility score 0..1; NaN where not detected
presence      (T, 33) f8       model presence score 0..1; NaN where not detected
world         (T, 33, 3) f8    world landmarks in **metres**, hip-centred; NaN where
                               not detected
t             (T,) f8          presentation time of each frame in **seconds** from the
                               container's timestamps (strictly increasing)
detected      (T,) bool        a runner was found in the frame
n_people      (T,) i4          persons the model found in the frame (0, 1, 2, …)
width, height int              size of the upright frame in pixels
source        dict             JSON-able metadata: file name, codec, nominal fps,
                               rotation, model, time_scale, …
============  ===============  ====================================================

Frames with no detection are NaN plus ``detected == False``, never zeros. Shapes and dtypes are
checked on construction with an error naming the expected and actual shape.

File format ``gaitscan.pose/1``: a NumPy ``.npz`` archive (uncompressed, so values round-trip
bit-exactly) with the arrays above under their field names and one 0-d unicode array ``meta``
holding JSON ``{"schema": "gaitscan.pose/1", "width": …, "height": …, "source": {…}}``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np

from ..atomic import atomic_path
from ..errors import InputError
from .landmarks import N_LANDMARKS

SCHEMA = "gaitscan.pose/1"
PathLike = Union[str, Path]


class ShapeError(ValueError):
    """An array given to PoseSeries does not have the expected shape."""


def _check(name: str, arr: np.ndarray, expected: tuple) -> None:
    actual = arr.shape
    ok = len(actual) == len(expected) and all(e is None or e == a for e, a in zip(expected, actual))
    if not ok:
        shown = "(" + ", ".join("T" if e is None else str(e) for e in expected) + ("," if len(expected) == 1 else "") + ")"
        raise ShapeError(f"PoseSeries.{name}: expected shape {shown}, got {tuple(actual)}")


@dataclass(frozen=True, eq=False)
class PoseSeries:
    """Timestamped BlazePose landmarks of one runner through one video (see module docstring)."""

    xy: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    t: np.ndarray
    detected: np.ndarray
    n_people: np.ndarray
    width: int
    height: int
    source: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cast = object.__setattr__
        for name in ("xy", "visibility", "presence", "world", "t"):
            cast(self, name, np.asarray(getattr(self, name), dtype=np.float64))
        cast(self, "detected", np.asarray(self.detected, dtype=bool))
        cast(self, "n_people", np.asarray(self.n_people, dtype=np.int32))
        if self.t.ndim != 1:
            raise ShapeError(f"PoseSeries.t: expected shape (T,), got {self.t.shape}")
        T = self.t.shape[0]
        _check("xy", self.xy, (T, N_LANDMARKS, 2))
        _check("visibility", self.visibility, (T, N_LANDMARKS))
        _check("presence", self.presence, (T, N_LANDMARKS))
        _check("world", self.world, (T, N_LANDMARKS, 3))
        _check("detected", self.detected, (T,))
        _check("n_people", self.n_people, (T,))
        if T > 1 and not np.all(np.diff(self.t) > 0):
            raise ValueError("PoseSeries.t: timestamps must be strictly increasing")
        if int(self.width) <= 0 or int(self.height) <= 0:
            raise ValueError(f"PoseSeries: frame size must be positive, got {self.width}x{self.height}")
        cast(self, "width", int(self.width))
        cast(self, "height", int(self.height))

    # ------------------------------------------------------------------ convenience
    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def duration_s(self) -> float:
        """Time from the first to the last frame, in seconds (0 for fewer than 2 frames)."""
        return float(self.t[-1] - self.t[0]) if len(self) > 1 else 0.0

    @property
    def fps(self) -> float:
        """Mean frame rate from the timestamps (frames per second); NaN for fewer than 2 frames."""
        return float((len(self) - 1) / self.duration_s) if len(self) > 1 and self.duration_s > 0 else float("nan")

    @classmethod
    def empty_like(cls, t: np.ndarray, width: int, height: int, source: dict | None = None) -> "PoseSeries":
        """A series with timestamps ``t`` and no detection in any frame."""
        T = len(t)
        nan = np.full
        return cls(
            xy=nan((T, N_LANDMARKS, 2), np.nan), visibility=nan((T, N_LANDMARKS), np.nan),
            presence=nan((T, N_LANDMARKS), np.nan), world=nan((T, N_LANDMARKS, 3), np.nan),
            t=np.asarray(t, float), detected=np.zeros(T, bool), n_people=np.zeros(T, np.int32),
            width=width, height=height, source=dict(source or {}),
        )

    def slice(self, start: int, stop: int) -> "PoseSeries":
        """Frames ``start:stop`` as a new series (same metadata)."""
        s = slice(start, stop)
        return PoseSeries(self.xy[s], self.visibility[s], self.presence[s], self.world[s], self.t[s],
                          self.detected[s], self.n_people[s], self.width, self.height, dict(self.source))

    # ------------------------------------------------------------------ file format
    def save(self, path: PathLike) -> Path:
        """Write the series to ``path`` (``.npz``, format ``gaitscan.pose/1``) atomically."""
        path = Path(path)
        meta = json.dumps({"schema": SCHEMA, "width": self.width, "height": self.height, "source": self.source})
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, xy=self.xy, visibility=self.visibility, presence=self.presence, world=self.world,
                         t=self.t, detected=self.detected, n_people=self.n_people, meta=np.array(meta))
        return path

    @classmethod
    def load(cls, path: PathLike) -> "PoseSeries":
        """Read a series written by :meth:`save`; a wrong or damaged file raises :class:`InputError`."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                if meta.get("schema") != SCHEMA:
                    raise InputError(f"not a gaitscan pose file (schema {meta.get('schema')!r}, expected {SCHEMA!r})", path)
                return cls(xy=z["xy"], visibility=z["visibility"], presence=z["presence"], world=z["world"],
                           t=z["t"], detected=z["detected"], n_people=z["n_people"],
                           width=meta["width"], height=meta["height"], source=meta.get("source", {}))
        except InputError:
            raise
        except FileNotFoundError:
            raise InputError("file not found", path) from None
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            raise InputError(f"not a readable gaitscan pose file ({type(exc).__name__}: {exc})", path) from None
