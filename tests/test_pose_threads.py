"""The pose model on two threads (issue 8): the same series as on one, and no thread left behind.

Real model, real video, no mocks: ``run_pose(..., threads=2)`` hands the frames of one decoder to
two Landmarkers and must give bit-identical arrays to ``threads=1``; every way out of it (return,
an exception in ``on_frame``, Ctrl-C, a truncated file) joins its model threads — a thread still
running MediaPipe at interpreter exit aborts the process.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gaitscan.errors import UsageError
from gaitscan.pose.landmarker import MIN_THREADED_FRAMES, THREADS_ENV, pose_threads, run_pose
from gaitscan.pose.video import probe

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "rear_drop_left_crossover_right.mp4"
ARRAYS = ("xy", "visibility", "presence", "world", "t", "detected", "n_people")


def _pose_threads_alive() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("pose:")]


def _run(video: Path, threads: int, **kw):
    calls: list[tuple[float, np.ndarray]] = []
    series = run_pose(video, threads=threads, on_frame=lambda t, xy: calls.append((t, xy)), **kw)
    assert _pose_threads_alive() == []
    return series, calls


def _assert_same(a, b, calls_a, calls_b) -> None:
    for name in ARRAYS:
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert a.source == b.source
    assert [t for t, _ in calls_a] == [t for t, _ in calls_b] == list(a.t)
    assert np.array_equal(np.array([xy for _, xy in calls_a]), a.xy, equal_nan=True)
    assert np.array_equal(np.array([xy for _, xy in calls_b]), b.xy, equal_nan=True)


@pytest.fixture(scope="module")
def short_render(tmp_path_factory) -> Path:
    import corpus as C

    return C.base_render(tmp_path_factory.mktemp("threads") / "rear.mp4", view="rear", duration_s=3.0)


@pytest.mark.slow
def test_two_threads_give_the_sequential_series_exactly_on_the_sample() -> None:
    one, calls1 = _run(SAMPLE, 1)
    two, calls2 = _run(SAMPLE, 2)
    assert len(one) == 420 and one.detected.mean() > 0.9
    _assert_same(one, two, calls1, calls2)


@pytest.mark.slow
@pytest.mark.parametrize("kw", [{}, {"start_s": 0.5, "end_s": 2.6, "stride": 3}])
def test_two_threads_give_the_sequential_series_exactly_on_a_render(short_render: Path, kw) -> None:
    one, calls1 = _run(short_render, 1, **kw)
    two, calls2 = _run(short_render, 2, **kw)
    assert len(one) > 20 and one.detected.any()
    _assert_same(one, two, calls1, calls2)


@pytest.mark.slow
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_no_model_thread_outlives_an_exception_in_on_frame(short_render: Path, error) -> None:
    seen: list[str] = []

    def on_frame(t, xy):
        seen.extend(_pose_threads_alive())
        if t > 1.0:
            raise error("stop")

    with pytest.raises(error):
        run_pose(short_render, threads=2, on_frame=on_frame)
    assert len(set(seen)) == 2          # both model threads were running...
    assert _pose_threads_alive() == []  # ...and neither is now


@pytest.mark.slow
@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals go to the main thread")
def test_ctrl_c_while_waiting_for_the_model_joins_the_threads(short_render: Path) -> None:
    # a real SIGINT while the consuming thread blocks on the model threads' answers
    started = threading.Event()
    timer = threading.Thread(target=lambda: (started.wait(10), time.sleep(0.3), os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    returned = []
    try:
        with pytest.raises(KeyboardInterrupt):
            run_pose(short_render, threads=2, on_frame=lambda t, xy: started.set())
            returned.append(True)
            time.sleep(5)  # the run was shorter than the timer: the signal lands here instead
    finally:
        timer.join()
    assert not returned, "the signal came after run_pose had returned: nothing was tested"
    assert _pose_threads_alive() == []


@pytest.mark.slow
def test_truncated_file_says_so_on_two_threads_as_on_one(tmp_path: Path, short_render: Path) -> None:
    import corpus as C

    whole = C.base_render(tmp_path / "whole.mp4", view="rear", duration_s=4.0)
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6)])
    one, calls1 = _run(cut, 1)
    two, calls2 = _run(cut, 2)
    assert one.source["truncated"] and 10 < len(one) < probe(whole).n_frames
    _assert_same(one, two, calls1, calls2)


def test_thread_count_decision(short_render: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = probe(short_render)  # 3 s at 30 fps: 90 frames
    monkeypatch.delenv(THREADS_ENV, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert pose_threads(info) == 2
    assert pose_threads(info, end_s=(MIN_THREADED_FRAMES - 1) / info.fps) == 1  # too short to pay for a 2nd model
    assert pose_threads(info, stride=2) == 1
    assert pose_threads(info, threads=1) == 1
    monkeypatch.setenv(THREADS_ENV, "1")      # the escape hatch
    assert pose_threads(info) == 1
    monkeypatch.setenv(THREADS_ENV, "two")
    with pytest.raises(UsageError):
        pose_threads(info)
    monkeypatch.delenv(THREADS_ENV)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert pose_threads(info) == 1


@pytest.mark.slow
def test_the_environment_variable_keeps_the_model_on_one_thread(short_render: Path, monkeypatch) -> None:
    monkeypatch.setenv(THREADS_ENV, "1")
    seen: list[str] = []
    run_pose(short_render, on_frame=lambda t, xy: seen.extend(_pose_threads_alive()))
    assert seen == []
