"""Shared fixtures: a network that refuses every connection, the shared real videos, a private model cache."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

#: real videos live next to the repository (``../shared/videos``); CI clones the repo beside them
SHARED_VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "videos"


class NetworkBlocked(RuntimeError):
    """Raised by every socket entry point while :func:`no_network` is active."""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to open a network connection fail loudly for the test's duration."""

    def refuse(*args, **kwargs):
        raise NetworkBlocked(f"network access attempted: {args!r}")

    class RefusingSocket(socket.socket):  # a class, so modules that subclass socket.socket still import
        def __init__(self, *args, **kwargs):
            refuse(*args)

    monkeypatch.setattr(socket, "socket", RefusingSocket)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    """The folder of real videos (with MANIFEST.json); skips the test where it is absent."""
    if not (SHARED_VIDEOS / "MANIFEST.json").is_file():
        pytest.skip(f"real videos not available: {SHARED_VIDEOS} (expected ../shared/videos next to the repo)")
    return SHARED_VIDEOS


@pytest.fixture
def model_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty, private model cache folder (``GAITSCAN_CACHE_DIR``) and no ``GAITSCAN_MODEL``."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("GAITSCAN_CACHE_DIR", str(cache))
    monkeypatch.delenv("GAITSCAN_MODEL", raising=False)
    return cache


def write_test_video(path: Path, n_frames: int = 6, *, width: int = 64, height: int = 48, fps: int = 30,
                     rotation: int = 0, codec: str = "libx264") -> Path:
    """Write a tiny video with PyAV: frame ``i`` is grey level ``8·i mod 256`` with a white 8×8 marker in
    the top-left corner; ``rotation`` (degrees counter-clockwise, as PyAV reads it back) is stored
    as display-matrix metadata. ``codec="png"`` allows odd sizes (use a ``.mov`` path)."""
    import numpy as np
    from corpus import encode_rgb_frames

    def frames():
        for i in range(n_frames):
            rgb = np.full((height, width, 3), 8 * i % 256, np.uint8)
            rgb[:8, :8] = 255
            yield rgb

    return encode_rgb_frames(path, frames(), fps=fps, rotation=rotation, codec=codec)


@pytest.fixture
def make_video():
    """The :func:`write_test_video` builder."""
    return write_test_video


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With ``GAITSCAN_REQUIRE_ALL=1`` (set by ``.ci/run``) a skipped test fails instead.

    On a user's clone, tests that need ``../shared/videos`` or Chromium skip with their reason; in
    CI everything they need is installed, so a skip there means a check silently did not run.
    """
    outcome = yield
    report = outcome.get_result()
    xfail = hasattr(report, "wasxfail")  # an expected failure is reported as skipped: not a skip
    if report.skipped and not xfail and os.environ.get("GAITSCAN_REQUIRE_ALL") == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (GAITSCAN_REQUIRE_ALL=1), which counts as a failure: {reason}"
