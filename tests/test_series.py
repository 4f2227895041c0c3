"""PoseSeries: exact round trip through its file format, shape errors that name both shapes."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaitscan.errors import InputError
from gaitscan.pose.series import SCHEMA, PoseSeries, ShapeError


def _series(T: int = 12, seed: int = 3) -> PoseSeries:
    rng = np.random.default_rng(seed)
    detected = rng.random(T) > 0.3
    detected[0] = True
    xy = rng.normal(400.0, 120.0, (T, 33, 2))
    vis, pres, world = rng.random((T, 33)), rng.random((T, 33)), rng.normal(0.0, 0.4, (T, 33, 3))
    for arr in (xy, vis, pres, world):
        arr[~detected] = np.nan
    t = np.cumsum(rng.uniform(0.01, 0.05, T))  # irregular, like a phone video
    return PoseSeries(xy=xy, visibility=vis, presence=pres, world=world, t=t, detected=detected,
                      n_people=detected.astype(int) + (rng.random(T) > 0.8), width=1280, height=720,
                      source={"file": "clip.mp4", "fps_nominal": 29.97, "rotation": 90, "truncated": False,
                              "warnings": ["x"], "other_person_fraction": 0.25})


def test_round_trip_is_exact_including_nan_positions(tmp_path: Path) -> None:
    a = _series()
    assert np.isnan(a.xy).any() and not a.detected.all()
    b = PoseSeries.load(a.save(tmp_path / "p.npz"))
    for name in ("xy", "visibility", "presence", "world", "t", "detected", "n_people"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=name not in ("detected", "n_people")), name
        assert getattr(b, name).dtype == getattr(a, name).dtype
    assert np.array_equal(np.isnan(a.xy), np.isnan(b.xy))
    assert (b.width, b.height, b.source) == (1280, 720, a.source)


def test_file_records_its_schema(tmp_path: Path) -> None:
    path = _series().save(tmp_path / "p.npz")
    with np.load(path) as z:
        assert json.loads(str(z["meta"]))["schema"] == SCHEMA == "gaitscan.pose/1"


@pytest.mark.parametrize("field, bad_shape, expected_text", [
    ("xy", (12, 33, 3), "expected shape (12, 33, 2), got (12, 33, 3)"),
    ("xy", (12, 17, 2), "expected shape (12, 33, 2), got (12, 17, 2)"),
    ("visibility", (11, 33), "expected shape (12, 33), got (11, 33)"),
    ("world", (12, 33, 2), "expected shape (12, 33, 3), got (12, 33, 2)"),
    ("detected", (12, 1), "expected shape (12,), got (12, 1)"),
])
def test_shape_errors_name_expected_and_actual_shape(field: str, bad_shape: tuple, expected_text: str) -> None:
    good = _series()
    kwargs = {name: getattr(good, name) for name in
              ("xy", "visibility", "presence", "world", "t", "detected", "n_people", "width", "height")}
    kwargs[field] = np.zeros(bad_shape)
    with pytest.raises(ShapeError) as err:
        PoseSeries(**kwargs)
    assert str(err.value) == f"PoseSeries.{field}: {expected_text}"


def test_non_increasing_times_are_refused() -> None:
    good = _series(T=4)
    with pytest.raises(ValueError, match="strictly increasing"):
        PoseSeries.empty_like(np.array([0.0, 0.1, 0.1, 0.2]), good.width, good.height)


def test_loading_something_else_is_an_input_error(tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(InputError) as err:
        PoseSeries.load(other)
    assert err.value.path == other and err.value.exit_code == 3
