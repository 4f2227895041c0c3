"""The pose stage without the network: model bundle, bad models, runner tracking, overlay."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gaitscan.errors import ModelError
from gaitscan.pose.landmarker import Landmarker, RunnerTracker, run_pose
from gaitscan.pose.model import (BUNDLE_MEMBERS, DEFAULT_BUNDLE_NAME, DEFAULT_MODEL_LABEL, check_bundle,
                                 resolve_model)
from gaitscan.pose.overlay import LEFT_RGB, draw_skeleton, write_overlay
from gaitscan.pose.series import PoseSeries
from gaitscan.pose.video import iter_frames, probe

TFLITE_HEAD = b"\x1c\x00\x00\x00TFL3"


# ---------------------------------------------------------------- the embedded model, offline
def test_the_network_block_really_blocks(no_network) -> None:
    import socket
    import urllib.request

    from conftest import NetworkBlocked

    for attempt in (lambda: socket.socket(), lambda: socket.create_connection(("example.org", 80)),
                    lambda: socket.getaddrinfo("example.org", 443),
                    lambda: urllib.request.urlopen("http://example.org", timeout=1)):
        with pytest.raises((NetworkBlocked, OSError)) as err:
            attempt()
        assert "network access attempted" in str(err.value)


def test_default_model_builds_offline_and_runs(model_cache: Path, no_network, make_video, tmp_path: Path) -> None:
    assert not model_cache.exists()
    path = resolve_model()
    assert path == model_cache / DEFAULT_BUNDLE_NAME
    check_bundle(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == sorted(BUNDLE_MEMBERS)
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
    record = json.loads(path.with_suffix(".json").read_text())
    assert record["size"] == path.stat().st_size
    blank = make_video(tmp_path / "blank.mp4", n_frames=3)
    series = run_pose(blank)
    assert len(series) == 3 and not series.detected.any() and (series.n_people == 0).all()
    assert series.source["model"] == DEFAULT_MODEL_LABEL


def test_default_model_finds_a_real_runner_offline(model_cache: Path, no_network, shared_videos: Path) -> None:
    frame = next(iter(iter_frames(shared_videos / "treadmill_side_01.mp4")))
    with Landmarker() as landmarker:
        people = landmarker.detect(frame.rgb, frame.t)
    assert len(people) == 1
    # portrait 720x1280, runner filling most of the height: torso well over 150 px, hips inside the frame
    assert people.torso_px[0] > 150
    x, y = people.hip_centre[0]
    assert 0 < x < 720 and 0 < y < 1280


def _damage(kind: str, bundle: Path) -> None:
    if kind == "truncated":
        bundle.write_bytes(bundle.read_bytes()[: bundle.stat().st_size // 3])
    elif kind == "not-a-zip":
        bundle.write_text("garbage\n")
    elif kind == "missing-member":
        with zipfile.ZipFile(bundle, "w") as zf:
            zf.writestr(BUNDLE_MEMBERS[0], TFLITE_HEAD + b"\0" * 64)
    elif kind == "same-size-other-bytes":
        data = bytearray(bundle.read_bytes())
        data[len(data) // 2] ^= 0xFF
        bundle.write_bytes(bytes(data))


@pytest.mark.parametrize("kind", ["truncated", "not-a-zip", "missing-member", "same-size-other-bytes"])
def test_damaged_cached_bundle_is_rebuilt(model_cache: Path, no_network, kind: str) -> None:
    bundle = resolve_model()
    good = bundle.read_bytes()
    _damage(kind, bundle)
    assert bundle.read_bytes() != good
    again = resolve_model()
    assert again == bundle and bundle.read_bytes() == good  # the build is deterministic
    with Landmarker(again) as landmarker:
        assert len(landmarker.detect(np.zeros((64, 64, 3), np.uint8), 0.0)) == 0


def test_explicit_path_and_environment_variable(model_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    default = resolve_model()
    copy = tmp_path / "pose_landmarker_full.task"
    copy.write_bytes(default.read_bytes())
    monkeypatch.setenv("GAITSCAN_MODEL", str(tmp_path / "absent.task"))
    with pytest.raises(ModelError, match="not found"):
        resolve_model()
    assert resolve_model(copy) == copy  # --model wins over the environment
    monkeypatch.setenv("GAITSCAN_MODEL", str(copy))
    assert resolve_model() == copy


def _bad_model(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{kind}.task"
    if kind == "text":
        path.write_text("not a model\n")
    elif kind == "zip-without-members":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "hello")
    elif kind == "not-tflite-members":
        with zipfile.ZipFile(path, "w") as zf:
            for member in BUNDLE_MEMBERS:
                zf.writestr(member, b"plain text, no flatbuffer")
    elif kind == "broken-tflite":  # passes our checks, refused by MediaPipe itself
        with zipfile.ZipFile(path, "w") as zf:
            for member in BUNDLE_MEMBERS:
                zf.writestr(member, TFLITE_HEAD + b"\0" * 100)
    return path  # "missing": never created


@pytest.mark.parametrize("kind, words", [
    ("missing", "model file not found"), ("text", "not a zip archive"),
    ("zip-without-members", "missing pose_detector.tflite"), ("not-tflite-members", "is not a TFLite model"),
    ("broken-tflite", "MediaPipe cannot load this model"),
])
def test_bad_model_is_one_line_and_exit_6(tmp_path: Path, make_video, kind: str, words: str) -> None:
    video = make_video(tmp_path / "v.mp4")
    model = _bad_model(kind, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "gaitscan.cli", "pose", str(video), "-o", str(tmp_path / "o.npz"),
                           "--model", str(model)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 6
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"gaitscan: {model}: ") and words in lines[0]


# ---------------------------------------------------------------- following the runner
def test_tracker_follows_the_runner_not_the_model_order() -> None:
    tracker = RunnerTracker()
    runner_hip, runner_size = np.array([640.0, 400.0]), 150.0
    picks = []
    for i in range(40):
        walker = np.array([100.0 + 30 * i, 420.0])  # a clinician crossing the frame, passing the runner
        hips = np.array([walker, runner_hip + [3 * np.sin(i), 5 * np.cos(i)]])
        sizes = np.array([140.0, runner_size])
        order = [1, 0] if i % 3 == 0 else [0, 1]  # the model's order changes from frame to frame
        pick = tracker.update(hips[order], sizes[order], t=i / 30)
        picks.append(order[pick])
    assert picks == [1] * 40


def test_tracker_refuses_a_lone_passer_by_then_reacquires() -> None:
    tracker = RunnerTracker(reacquire_s=1.0)
    assert tracker.update([[640.0, 400.0]], [150.0], t=0.0) == 0
    assert tracker.update([[100.0, 420.0]], [140.0], t=0.1) is None   # far from the runner: not the runner
    assert tracker.update([[640.0, 400.0], [120.0, 420.0]], [150.0, 140.0], t=0.2) == 0
    assert tracker.update([[300.0, 300.0]], [80.0], t=1.5) == 0       # a second of nothing: start over


def test_tracker_starts_with_the_largest_person() -> None:
    assert RunnerTracker().update([[100.0, 100.0], [500.0, 400.0]], [40.0, 160.0], t=0.0) == 1


# ---------------------------------------------------------------- overlay
def _two_point_series(t: np.ndarray, width: int, height: int) -> PoseSeries:
    series = PoseSeries.empty_like(t, width, height)
    series.xy[:, 23] = [10.0, 10.0]   # left hip
    series.xy[:, 25] = [10.0, 40.0]   # left knee: a vertical left-side edge at x = 10
    series.visibility[:, [23, 25]] = 1.0
    series.detected[:] = True
    return series


def test_draw_skeleton_draws_visible_edges_only() -> None:
    rgb = np.zeros((50, 40, 3), np.uint8)
    xy = np.full((33, 2), np.nan)
    xy[23], xy[25], xy[27] = [10, 10], [10, 40], [30, 40]
    vis = np.zeros(33)
    vis[[23, 25]] = 1.0
    vis[27] = 0.1  # the ankle is not trusted: the knee-ankle edge is not drawn
    out = draw_skeleton(rgb, xy, vis)
    assert np.abs(out[25, 10].astype(int) - LEFT_RGB).max() < 40  # anti-aliased, so not exact
    assert out[40, 20:26].max() == 0
    assert rgb.max() == 0  # the input is left alone


def test_overlay_keeps_series_frames_and_times_and_pads_odd_sizes(tmp_path: Path, make_video) -> None:
    video = make_video(tmp_path / "odd.mov", n_frames=12, width=65, height=49, codec="png")
    times = np.array([f.t for f in iter_frames(video)])
    series = _two_point_series(times[2::3], 65, 49)  # as if made with a time range and stride 3
    out = write_overlay(video, series, tmp_path / "overlay.mp4")
    info = probe(out)
    assert (info.width, info.height, info.codec) == (66, 50, "h264")
    frames = list(iter_frames(out))
    assert np.allclose([f.t for f in frames], series.t - series.t[0], atol=1e-4)
    assert frames[0].rgb[25, 10, 0] > 150 and frames[0].rgb[25, 30, 0] < 60  # skeleton drawn on the left only
    # grey level 8·i of the source frame survives where nothing was drawn: frames 2, 5, 8, 11
    assert [int(round(f.rgb[30, 50, 1] / 8)) for f in frames] == [2, 5, 8, 11]
