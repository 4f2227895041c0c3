"""Decoding: container timestamps (VFR), rotation metadata, time ranges, bad and truncated files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gaitscan.errors import InputError
from gaitscan.pose.video import iter_frames, probe
from gaitscan.videowriter import VideoWriter, open_writer

#: irregular frame times (s) as a phone writes them: jitter, a dropped frame, a long gap
VFR_TIMES = [0.0, 0.041, 0.07, 0.15, 0.16, 0.3, 0.31, 0.4, 0.433, 0.9]


def test_vfr_video_yields_the_written_times_not_index_over_fps(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mp4"
    writer = VideoWriter(path, 30, 64, 48)
    for i, t in enumerate(VFR_TIMES):
        writer.write(np.full((48, 64, 3), 25 * i, np.uint8), t)
    writer.close()
    times = [f.t for f in iter_frames(path)]
    assert times == pytest.approx(VFR_TIMES, abs=1e-6)
    naive = np.arange(len(VFR_TIMES)) / probe(path).fps
    assert np.max(np.abs(np.array(times) - naive)) > 0.3  # what i/fps would have said instead


@pytest.mark.parametrize("rotation, marker_corner", [
    (90, "bottom-left"),    # turn counter-clockwise: the top-left marker goes to the bottom-left
    (-90, "top-right"),     # a phone's portrait tag: turn clockwise
    (180, "bottom-right"),
])
def test_rotation_metadata_gives_upright_frames(tmp_path: Path, make_video, rotation: int, marker_corner: str) -> None:
    path = make_video(tmp_path / "rot.mp4", width=64, height=48, rotation=rotation)
    info = probe(path)
    assert info.rotation == rotation % 360
    expected_wh = (48, 64) if rotation % 180 else (64, 48)
    assert (info.width, info.height) == expected_wh
    frame = next(iter(iter_frames(path)))
    assert frame.rgb.shape == (expected_wh[1], expected_wh[0], 3)
    ys, xs = np.nonzero(frame.rgb[..., 0] > 200)
    h, w = frame.rgb.shape[:2]
    corner = ("top" if ys.mean() < h / 2 else "bottom") + "-" + ("left" if xs.mean() < w / 2 else "right")
    assert corner == marker_corner


def test_time_range_and_stride(tmp_path: Path, make_video) -> None:
    path = make_video(tmp_path / "v.mp4", n_frames=30, fps=10)
    frames = list(iter_frames(path, start_s=1.0, end_s=2.5, stride=4))
    assert [f.index for f in frames] == [0, 4, 8, 12]
    assert [f.t for f in frames] == pytest.approx([1.0, 1.4, 1.8, 2.2])
    # grey level 8·i identifies the decoded frame: i = 10, 14, 18, 22
    assert [int(round(f.rgb[40, 40, 0] / 8)) for f in frames] == [10, 14, 18, 22]


def test_closing_early_stops_the_decoder_thread(tmp_path: Path, make_video) -> None:
    path = make_video(tmp_path / "v.mp4", n_frames=40)
    stream = iter_frames(path)
    next(stream)
    stream.close()
    assert not stream._thread.is_alive()


def test_truncated_file_yields_what_decodes_and_says_so(tmp_path: Path) -> None:
    whole = tmp_path / "whole.mp4"
    rng = np.random.default_rng(0)
    with open_writer(whole, 30, 160, 120) as writer:  # faststart: the index is at the front
        for _ in range(60):
            writer.write(rng.integers(0, 255, (120, 160, 3), np.uint8))
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    stream = iter_frames(cut)
    frames = list(stream)
    assert 5 < len(frames) < 60
    assert stream.truncated
    assert any("ends early" in w or "stopped early" in w for w in stream.warnings)
    assert len(list(iter_frames(whole))) == 60


def _audio_only(path: Path) -> Path:
    from corpus import audio_only  # the bad-input corpus's builder

    return audio_only(path)


def _bad_input(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{kind}.mp4"
    if kind == "zero-byte":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is not a video\n" * 20, encoding="utf-8")
    elif kind == "audio-only":
        _audio_only(path)
    return path  # "missing": never created


BAD_INPUTS = [("missing", "file not found"), ("zero-byte", "empty"), ("text", "not a readable video"),
              ("audio-only", "no video stream")]


@pytest.mark.parametrize("kind, words", BAD_INPUTS)
def test_bad_input_raises_input_error_naming_the_file(tmp_path: Path, kind: str, words: str) -> None:
    path = _bad_input(kind, tmp_path)
    with pytest.raises(InputError) as err:
        probe(path)
    assert err.value.path == path
    assert words in str(err.value)
    assert err.value.exit_code == 3


@pytest.mark.parametrize("kind, words", BAD_INPUTS)
def test_bad_input_on_the_command_line_is_one_line_exit_3(tmp_path: Path, kind: str, words: str) -> None:
    path = _bad_input(kind, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "gaitscan.cli", "pose", str(path), "-o", str(tmp_path / "out.npz")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"gaitscan: {path}: ") and words in lines[0]
    assert not (tmp_path / "out.npz").exists()
