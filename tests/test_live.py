"""Live mode: streaming = offline on the same frames, newest-frame-wins capture with a measured
latency bound, recording → analysis.json, feedback and audio, the window under Xvfb, no camera."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from gait_builder import Gait, build

from gaitscan.errors import InputError
from gaitscan.live.audio import SAMPLE_RATE, fault_cue, open_audio, tone, wav_bytes
from gaitscan.live.feedback import Feedback, load_targets
from gaitscan.live.loop import run_live
from gaitscan.live.record import Recorder
from gaitscan.live.session import LiveSession, rolling_stats
from gaitscan.live.source import FileSource, FrameSource, LatestSlot, open_camera
from gaitscan.metrics.analysis import analyse_series
from gaitscan.metrics.steps import Step
from gaitscan.pose.landmarker import People
from gaitscan.pose.series import PoseSeries
from gaitscan.pose.video import iter_frames

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "rear_drop_left_crossover_right.mp4"
NOBODY = People(np.zeros((0, 33, 2)), np.zeros((0, 33)), np.zeros((0, 33)), np.zeros((0, 33, 3)))


def people_at(series: PoseSeries, i: int) -> People:
    """Frame ``i`` of a series as the landmarker would return it (one person or nobody)."""
    if not series.detected[i]:
        return NOBODY
    return People(series.xy[i][None], series.visibility[i][None], series.presence[i][None], series.world[i][None])


def series_detector(series: PoseSeries):
    """A ``detect(rgb, t)`` that answers from ``series`` by timestamp (no model)."""
    def detect(rgb: np.ndarray, t: float) -> People:
        return people_at(series, int(np.argmin(np.abs(series.t - t))))
    return detect


# ---------------------------------------------------------------------------- streaming = offline
def test_live_session_gives_the_offline_steps_on_the_same_frames():
    series, _ = build(Gait(drop_deg=(6.0, 3.0), offset_hipw=(0.2, -0.1)))
    session = LiveSession(width=series.width, height=series.height, window_steps=1000)
    for i in range(len(series)):
        session.add(float(series.t[i]), people_at(series, i))
    session.finish()
    offline = analyse_series(series)
    live = session.steps
    assert len(live) == len(offline["steps"]) >= 20
    for lv, off in zip(live, offline["steps"]):
        assert (lv.stance, lv.contact_frame, lv.toe_off_frame) == (off["stance"], off["contact_frame"], off["toe_off_frame"])
        # the only difference: zero-phase smoothing over a trailing window instead of the whole clip
        assert lv.pelvic_drop_deg == pytest.approx(off["pelvic_drop_deg"], abs=0.02)
        assert lv.foot_offset_hipw == pytest.approx(off["foot_offset_hipw"], abs=0.005)
        assert lv.crossover == off["crossover"]
    roll = rolling_stats(live, 1000, session.view)
    assert roll.left.pelvic_drop_deg == pytest.approx(offline["summary"]["left"]["pelvic_drop_deg"]["mean"], abs=0.01)
    assert roll.right.pelvic_drop_deg == pytest.approx(offline["summary"]["right"]["pelvic_drop_deg"]["mean"], abs=0.01)
    assert roll.cadence_spm == pytest.approx(offline["cadence_spm"], abs=0.5)
    assert roll.left.crossover_rate == 0.0 and roll.right.crossover_rate == 1.0  # offsets +0.2 / −0.1 hip widths


def test_rolling_numbers_cover_only_the_last_steps():
    def step(i: int, side: str, drop: float, cross: bool) -> Step:
        return Step(i, side, 0.35 * i, 0.35 * i + 0.1, 0.35 * i + 0.2, i, i, i, pelvic_drop_deg=drop, crossover=cross,
                    foot_offset_hipw=-0.1 if cross else 0.1)
    steps = [step(i, "left" if i % 2 == 0 else "right", 10.0 if i < 10 else 2.0, i < 10) for i in range(30)]
    roll = rolling_stats(steps, 5, "rear")
    assert roll.left.pelvic_drop_deg == pytest.approx(2.0) and roll.left.crossover_rate == 0.0
    assert roll.left.n_steps == 5 and roll.n_steps == 30
    assert roll.cadence_spm == pytest.approx(60 / 0.35, abs=0.1)


def test_rolling_cadence_and_baseline_come_from_the_views_cadence_event():
    # analyze measures cadence on toe-offs from behind and on contacts from the side; live must do
    # the same (it read contacts in every view, and from behind with ~18 of 60 fps reaching the model
    # they scattered enough for the rolling cadence to miscount a step now and then)
    steps = [Step(i, "left" if i % 2 == 0 else "right", 0.33 * i, 0.35 * i + 0.2, 0.35 * i + 0.25, i, i, i)
             for i in range(24)]
    assert rolling_stats(steps, 10, "rear").cadence_spm == pytest.approx(60 / 0.35, abs=0.1)
    assert rolling_stats(steps, 10, "front").cadence_spm == pytest.approx(60 / 0.35, abs=0.1)
    assert rolling_stats(steps, 10, "side").cadence_spm == pytest.approx(60 / 0.33, abs=0.1)
    for view, step_s in (("rear", 0.35), ("side", 0.33)):
        baseline = Feedback(load_targets()).update(_update(steps, steps[-1:], view), steps).baseline_spm
        assert baseline == pytest.approx(60 / step_s, abs=0.1)


# ---------------------------------------------------------------------------- newest frame wins
class TickSource(FrameSource):
    """Frames of a fixed image every ``period`` s for ``duration`` s (a synthetic camera)."""

    name = "ticks"

    def __init__(self, period: float, duration: float) -> None:
        super().__init__()
        self.period, self.duration = period, duration
        self.width, self.height = 64, 48
        self.fps = 1.0 / period

    def _capture(self) -> str:
        t0 = time.monotonic()
        k = 0
        while not self._stop.is_set():
            due = t0 + k * self.period
            if due - t0 > self.duration:
                return "end of ticks"
            time.sleep(max(0.0, due - time.monotonic()))
            if not self._deliver(k * self.period, due, np.zeros((48, 64, 3), np.uint8)):
                return "closed"
            k += 1
        return "closed"


def test_latest_slot_keeps_only_the_newest_frame():
    slot = LatestSlot()
    frames = [np.full((2, 2, 3), i, np.uint8) for i in range(5)]
    from gaitscan.live.source import Captured
    for i, f in enumerate(frames):
        slot.put(Captured(i, i / 30, 0.0, f))
    got = slot.take(0.1)
    assert got.seq == 4 and slot.dropped == 4 and slot.delivered == 5
    assert slot.take(0.05) is None and "no frame" in slot.end_reason


def test_slow_consumer_drops_frames_instead_of_falling_behind():
    """A 100 fps source and a consumer needing 50 ms a frame: about 4 of 5 frames must be dropped,
    and the latency must stay below one consumer period plus one source period (+ margin) from
    the first second to the last — a queue would instead grow it by ~0.5 s every second."""
    period, work = 0.01, 0.05
    source = TickSource(period, 2.5)
    session = LiveSession(width=64, height=48)
    targets = load_targets()
    rep = run_live(source.start(), lambda rgb, t: NOBODY, session, Feedback(targets), targets,
                   process_hook=lambda update: time.sleep(work))
    lat = np.array(rep.latency_s)
    # measured here (2 shared cores): latency median ≈ 55 ms, p95 ≈ 62 ms, dropped ≈ 80 %
    assert 0.6 <= rep.dropped_share <= 0.9
    assert rep.latency_ms(0.95) < 1000 * (work + period + 0.1)
    third = max(1, len(lat) // 3)
    assert np.median(lat[-third:]) < np.median(lat[:third]) + 0.03   # does not grow with time
    assert rep.end_reason == "end of ticks"


def test_realtime_file_source_paces_and_drops(make_video, tmp_path):
    """A 30 fps file played in real time to a consumer taking 100 ms per frame: frames come out
    at their own times (the session takes as long as the clip) and about 2 of 3 are dropped."""
    video = make_video(tmp_path / "clip.mp4", n_frames=60, width=64, height=48, fps=30)
    with FileSource(video, realtime=True) as src:
        t0, seen = time.monotonic(), []
        while (f := src.next(timeout=1.0)) is not None:
            seen.append(f)
            time.sleep(0.1)
        elapsed = time.monotonic() - t0
    assert src.delivered == 60 and src.dropped == 60 - len(seen)
    assert 14 <= len(seen) <= 24
    assert elapsed == pytest.approx(59 / 30, abs=0.4)
    assert all(b.seq > a.seq for a, b in zip(seen, seen[1:]))
    assert src.end_reason.startswith("end of file")


def test_lossless_file_source_hands_over_every_frame(make_video, tmp_path):
    video = make_video(tmp_path / "clip.mp4", n_frames=20, width=64, height=48, fps=30)
    with FileSource(video, realtime=False) as src:
        seen = []
        while (f := src.next(timeout=1.0)) is not None:
            seen.append(f)
            time.sleep(0.01)
    assert [f.seq for f in seen] == list(range(20)) and src.dropped == 0
    assert [f.t for f in seen] == pytest.approx([i / 30 for i in range(20)], abs=1e-6)


# ---------------------------------------------------------------------------- recording
class StallingSource(FrameSource):
    """Delivers the first ``n`` frames of a series' timeline as blank images, then goes silent
    (an unplugged camera: no end-of-stream, just no more frames)."""

    name = "stalling camera"

    def __init__(self, t: np.ndarray, n: int, width: int, height: int) -> None:
        super().__init__(lossless=True)
        self.t, self.n, self.width, self.height, self.fps = t, n, width, height, 60.0

    def _capture(self) -> str:
        for i in range(self.n):
            if not self._deliver(float(self.t[i]), time.monotonic(), np.zeros((self.height, self.width, 3), np.uint8)):
                return "closed"
        self._stop.wait()
        return "closed"


def test_stream_that_stops_mid_session_keeps_the_recording_and_writes_the_report(tmp_path):
    g = Gait(duration_s=5.0, width=320, height=240, hip_w=20.0, lift_px=20.0, belt_px_s=25.0)
    series, _ = build(g)
    n = 200   # of 300 frames: the stream stops at 3.3 s
    source = StallingSource(series.t, n, series.width, series.height)
    targets = load_targets()
    session = LiveSession(width=series.width, height=series.height, window_steps=1000)
    rec = Recorder(tmp_path / "rec", width=series.width, height=series.height, fps_hint=60.0, source_name=source.name)
    rep = run_live(source.start(), series_detector(series), session, Feedback(targets), targets, recorder=rec, stall_s=0.5)
    assert rep.end_reason == "no frame for 0.5 s" and rep.processed == n
    analysis = rec.finish(rep.to_dict())
    out = tmp_path / "rec"
    assert {"live.mp4", "pose.npz", "analysis.json", "steps.csv", "live.json"} <= {p.name for p in out.iterdir()}
    saved = PoseSeries.load(out / "pose.npz")
    assert len(saved) == n and saved.t == pytest.approx(series.t[:n] - series.t[0])
    with iter_frames(out / "live.mp4") as frames:
        video_t = [f.t for f in frames]
    assert video_t == pytest.approx(saved.t.tolist(), abs=1e-4)    # the real capture times, frame for frame
    assert json.loads((out / "analysis.json").read_text())["steps"] == analysis["steps"]
    assert len(analysis["steps"]) == len(rep.steps) >= 6
    assert json.loads((out / "live.json").read_text())["frames_processed"] == n


def test_ctrl_c_ends_the_session_cleanly():
    source = TickSource(0.02, 5.0)
    targets = load_targets()

    def interrupt(update):
        if update.t > 0.3:
            raise KeyboardInterrupt
    rep = run_live(source.start(), lambda rgb, t: NOBODY, LiveSession(width=64, height=48), Feedback(targets), targets,
                   process_hook=interrupt)
    assert rep.end_reason == "interrupted (Ctrl-C)" and rep.processed >= 10
    assert not source._thread.is_alive()


# ---------------------------------------------------------------------------- feedback and audio
def _steps(n: int, step_s: float, *, crossover_right: bool = False) -> list[Step]:
    return [Step(i, "left" if i % 2 == 0 else "right", i * step_s, i * step_s + 0.1, i * step_s + 0.2, i, i, i,
                 pelvic_drop_deg=2.0, crossover=(crossover_right and i % 2 == 1), foot_offset_hipw=0.1)
            for i in range(n)]


def _update(steps: list[Step], new: list[Step], view: str = "rear"):
    from gaitscan.live.session import FrameUpdate
    return FrameUpdate(steps[-1].contact_t if steps else 0.0, None, 1, None, view, new, rolling_stats(steps, 10, view))


def test_cadence_target_is_5_to_10_percent_over_the_measured_baseline():
    targets = load_targets()
    assert targets.cadence_increase_pct == (5.0, 10.0) and targets.baseline_steps == 20
    fb = Feedback(targets)
    steps = _steps(19, 0.375)   # 160 steps/min
    state = fb.update(_update(steps, steps[-1:]), steps)
    assert state.baseline_spm is None and state.metronome_spm is None and "19/20" in state.cues[0].text
    steps = _steps(21, 0.375)
    state = fb.update(_update(steps, steps[-1:]), steps)
    assert state.baseline_spm == pytest.approx(160.0, abs=0.1)
    assert state.target_spm == pytest.approx((168.0, 176.0), abs=0.1)
    assert state.metronome_spm == pytest.approx(172.0, abs=0.1)
    assert state.cues[0].metric == "cadence" and state.cues[0].level == "fault"  # still at 160 < 168
    fb.reset_baseline(len(steps))
    assert fb.update(_update(steps, []), steps).baseline_spm is None


def test_a_fault_repeated_three_times_on_one_side_triggers_one_audio_cue():
    fb = Feedback(load_targets())
    steps = _steps(12, 0.35, crossover_right=True)
    cued = []
    for k in range(1, len(steps) + 1):
        state = fb.update(_update(steps[:k], [steps[k - 1]]), steps[:k])
        cued += [(k, f) for f in state.repeated_faults]
    # right steps are 2, 4, 6, … (1-based k): the 3rd and 6th crossovers cue
    assert cued == [(6, ("crossover", "right")), (12, ("crossover", "right"))]
    assert any(c.metric == "crossover" and c.side == "right" and c.level == "fault" for c in state.cues)
    assert Feedback(load_targets(), visual=False).update(_update(steps, steps[-1:]), steps).cues == ()


def test_tones_are_generated_at_their_frequency_and_written_as_wav():
    y = tone(440.0, 0.5)
    spectrum = np.abs(np.fft.rfft(y))
    assert np.fft.rfftfreq(len(y), 1 / SAMPLE_RATE)[np.argmax(spectrum)] == pytest.approx(440.0, abs=2.0)
    assert abs(y[0]) < 1e-3 and abs(y[-1]) < 1e-3          # faded, no click
    cue = fault_cue()
    with wave.open(io.BytesIO(wav_bytes(cue))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()) == (SAMPLE_RATE, 1, 2, len(cue))


def test_no_audio_device_is_reported_once_not_fatal():
    audio, how = open_audio()
    if audio is not None:
        audio.close()
        pytest.skip(f"this machine has sound ({how})")
    assert how.startswith("no audio output") and "audio cues off" in how


# ---------------------------------------------------------------------------- cameras
def test_no_camera_gives_the_device_and_the_cameras_found(tmp_path):
    dev, sysfs = tmp_path / "dev", tmp_path / "sys"
    dev.mkdir()
    with pytest.raises(InputError, match=r"camera 1 \(.*video1\) not found; no cameras found"):
        open_camera(1, dev_dir=dev, sysfs_dir=sysfs)
    for name, label in (("video0", "Integrated Camera"), ("video2", "")):
        (dev / name).touch()
        if label:
            (sysfs / name).mkdir(parents=True)
            (sysfs / name / "name").write_text(label + "\n")
    with pytest.raises(InputError, match=r"camera 1 .* not found; cameras found: .*video0 \(Integrated Camera\), .*video2$"):
        open_camera(1, dev_dir=dev, sysfs_dir=sysfs)


def test_cli_without_a_camera_exits_3_with_one_clear_line():
    if list(Path("/dev").glob("video*")):
        pytest.skip("this machine has a camera device")
    proc = subprocess.run([sys.executable, "-m", "gaitscan.cli", "live", "--camera", "7", "--no-window", "--no-audio"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    assert proc.stderr.strip() == ("gaitscan: camera 7 (/dev/video7) not found; no cameras found "
                                   "(no /dev/video* device)")


# ---------------------------------------------------------------------------- window under Xvfb
@pytest.fixture
def xvfb(monkeypatch):
    """A private Xvfb display for the test; stopped afterwards."""
    exe = shutil.which("Xvfb")
    if exe is None:
        if os.environ.get("GAITSCAN_REQUIRE_ALL"):
            pytest.fail("Xvfb missing (Debian package xvfb) and GAITSCAN_REQUIRE_ALL is set")
        pytest.skip("Xvfb not installed (Debian package xvfb): the live window cannot be tested")
    num = 90 + os.getpid() % 9
    sock = Path(f"/tmp/.X11-unix/X{num}")
    proc = subprocess.Popen([exe, f":{num}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not sock.exists():
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"Xvfb :{num} did not start")
            time.sleep(0.05)
        monkeypatch.setenv("DISPLAY", f":{num}")
        yield f":{num}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


WINDOW_SCRIPT = r"""
import sys, time, numpy as np
sys.path.insert(0, sys.argv[1])
from gait_builder import Gait, build
from gaitscan.live.display import LEVEL_RGB, Status, Window, render
from gaitscan.live.feedback import Feedback, load_targets
from gaitscan.live.session import LiveSession
from gaitscan.pose.landmarker import People
from PIL import ImageGrab

series, _ = build(Gait(width=640, height=360, hip_w=40.0, lift_px=40.0, belt_px_s=50.0, drop_deg=(9.0, 9.0)))
session, targets = LiveSession(width=640, height=360), load_targets()
fb = Feedback(targets)
best = None
for i in range(len(series)):
    u = session.add(float(series.t[i]), People(series.xy[i][None], series.visibility[i][None],
                                               series.presence[i][None], series.world[i][None]))
    if u.obliquity_deg is not None and (best is None or abs(u.obliquity_deg) > abs(best[1].obliquity_deg)):
        best = (i, u)
i, u = best
rgb = np.full((360, 640, 3), 90, np.uint8)
bgr = render(rgb, u, fb.update(u, session.steps), max_drop_deg=targets.max_drop_deg,
             status=Status(29.5, 0.4, 48.0, False, "none"))
win = Window()
for _ in range(20):
    win.show(bgr)
    time.sleep(0.05)
shot = np.asarray(ImageGrab.grab(xdisplay=sys.argv[2]).convert("RGB"))
win.close()
np.save(sys.argv[3], shot)
np.save(sys.argv[4], bgr[:, :, ::-1])
print(abs(u.obliquity_deg))
"""


def test_window_opens_and_shows_the_overlay_under_xvfb(xvfb, tmp_path):
    """A real highgui window on a private X server, read back from the screen: the hip line in the
    fault colour (a 9° drop against the 5° target) and the rendered panel are on the screen."""
    script = tmp_path / "window.py"
    script.write_text(WINDOW_SCRIPT)
    shot_f, rendered_f = tmp_path / "shot.npy", tmp_path / "rendered.npy"
    proc = subprocess.run([sys.executable, str(script), str(REPO / "tests"), xvfb, str(shot_f), str(rendered_f)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "DISPLAY": xvfb})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert float(proc.stdout.split()[-1]) > 5.0            # the frame shown has a drop above the target
    shot, rendered = np.load(shot_f), np.load(rendered_f)
    from gaitscan.live.display import LEVEL_RGB
    red = np.all(shot == np.array(LEVEL_RGB["fault"], np.uint8), axis=2)
    assert red.sum() > 100                                  # the hip line, in the fault colour
    import cv2
    panel = rendered[10:120, 10:300]                         # the numbers panel as rendered
    score = cv2.matchTemplate(shot, np.ascontiguousarray(panel), cv2.TM_SQDIFF_NORMED).min()
    assert score < 0.01                                      # … and shown, pixel for pixel


# ---------------------------------------------------------------------------- the real model
@pytest.mark.slow
def test_no_realtime_live_equals_analyze_and_realtime_stays_close(tmp_path):
    """The sample clip through the real model. ``--no-realtime`` processes every frame: the live
    steps must be the analyze steps of the recording (same contacts; landmark drops within 0.02°),
    and live's pelvic drop — the streaming pelvis image estimator, template built from past frames
    only — must agree with analyze's image-method ``pelvic_drop_deg`` (offline, iterated template
    over the whole clip): per-side means within 0.5°, each step within 1.5° (measured at a596645,
    where live cuts every patch at one scale from the 90th frame on: 0.16° / 0.10°, every step
    within 0.41°; with the running scale before, f0b6ba6, 0.31° / 0.07° and 0.92°; sessions
    before that allowed 4.0° for 3.6° on an older sample — live reads each midstance frame's match
    against the template built so far, offline the iterated one). In real time the model
    keeps only some frames; the image-measured steps' per-side pelvic drop must stay within 1.5°
    and cadence within 5 % of analyze on the whole clip (tolerances from measured runs)."""
    if not SAMPLE.is_file():
        pytest.skip(f"sample clip missing: {SAMPLE}")
    out = tmp_path / "rec"
    proc = subprocess.run([sys.executable, "-m", "gaitscan.cli", "live", "--source", str(SAMPLE), "--no-realtime",
                           "--no-window", "--no-audio", "--window-steps", "1000", "--record", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    live = json.loads((out / "live.json").read_text())
    analysis = json.loads((out / "analysis.json").read_text())
    with iter_frames(SAMPLE) as frames:
        n_video = sum(1 for _ in frames)
    assert live["frames_processed"] == live["frames_captured"] == n_video and live["frames_dropped"] == 0
    assert [s["contact_frame"] for s in live["steps"]] == [s["contact_frame"] for s in analysis["steps"]]
    assert [s["stance"] for s in live["steps"]] == [s["stance"] for s in analysis["steps"]]
    for lv, off in zip(live["steps"], analysis["steps"]):
        if off["pelvic_drop_landmarks_deg"] is not None:
            assert lv["pelvic_drop_landmarks_deg"] == pytest.approx(off["pelvic_drop_landmarks_deg"], abs=0.02)
        if off["foot_offset_hipw"] is not None:
            assert lv["foot_offset_hipw"] == pytest.approx(off["foot_offset_hipw"], abs=0.005)
    # the pelvic drop: live's streaming image estimator against analyze's offline one, same frames
    assert analysis["pelvic_drop_method"] == "pelvis-image"
    image_steps = [(lv, off) for lv, off in zip(live["steps"], analysis["steps"])
                   if lv["pelvic_drop_deg"] is not None and off["pelvic_drop_deg"] is not None]
    assert len(image_steps) >= 0.8 * len(analysis["steps"])
    for lv, off in image_steps:
        assert lv["pelvic_drop_deg"] == pytest.approx(off["pelvic_drop_deg"], abs=1.5)
    for side in ("left", "right"):
        pairs = [(lv["pelvic_drop_deg"], off["pelvic_drop_deg"]) for lv, off in image_steps if lv["stance"] == side]
        assert np.mean([a for a, _ in pairs]) == pytest.approx(np.mean([b for _, b in pairs]), abs=0.5)
    assert (out / "report.html").is_file()

    from gaitscan.pose.landmarker import Landmarker
    targets = load_targets()
    with FileSource(SAMPLE, realtime=True) as src, Landmarker() as lmk:
        session = LiveSession(width=src.width, height=src.height, window_steps=1000)
        rep = run_live(src, lmk.detect, session, Feedback(targets), targets)
    assert rep.end_reason.startswith("end of file")
    assert rep.dropped_share > 0.2            # the model cannot keep up with 60 fps on this machine …
    assert rep.latency_ms(0.95) < 400         # … yet what it shows is recent (measured p95 ≈ 100 ms)
    rt_drop = {}
    for side in ("left", "right"):
        off = np.mean([s["pelvic_drop_deg"] for s in analysis["steps"]
                       if s["stance"] == side and s["pelvic_drop_deg"] is not None])
        mine = [s.pelvic_drop_deg for s in rep.steps if s.stance == side and s.pelvic_drop_deg is not None
                and "pelvic_drop_image" not in s.not_measurable]    # measured from the image, not the fallback
        rt_drop[side] = (np.mean(mine) if mine else None, len(mine), off)
        assert mine and np.mean(mine) == pytest.approx(off, abs=1.5)
    print(f"realtime: {rep.summary_line()}; image-measured drop (mean, steps, analyze) {rt_drop}, "
          f"cadence {rep.rolling.cadence_spm} vs analyze {analysis['cadence_spm']}")
    assert rep.rolling.cadence_spm == pytest.approx(analysis["cadence_spm"], rel=0.05)


@pytest.mark.slow
def test_live_refuses_the_image_drop_for_loose_plain_shorts(tmp_path):
    # offline analyze refuses loose plain shorts (the seat turns less than the waistband); the live
    # estimator runs the same check on its recent frames, or the screen would show a drop that was
    # up to 12° off with the wrong sign (benchmarks/validate_pelvis.py, loose_* clips)
    from gaitscan.synth import Appearance, Camera, RunnerParams
    from gaitscan.synth.render import render_video

    reasons = {}
    for style in ("loose", "fitted"):
        video = tmp_path / f"{style}.mp4"
        render_video(RunnerParams(drop_left_deg=8.0, drop_right_deg=2.0, appearance=Appearance(shorts_style=style), seed=5),
                     Camera(view="rear"), fps=30, duration_s=5.0, out=video)
        with FileSource(video, realtime=False) as src:
            from gaitscan.pose.landmarker import Landmarker
            with Landmarker() as lmk:
                session = LiveSession(width=src.width, height=src.height, window_steps=1000)
                rep = run_live(src, lmk.detect, session, Feedback(load_targets()), load_targets())
        late = [s for s in rep.steps if s.contact_t > 3.5]   # after the warm-up and the first halves readings
        assert late, f"{style}: no step after 3.5 s"
        reasons[style] = [s.not_measurable.get("pelvic_drop_image") for s in late]
    print("live halves check, steps after 3.5 s:", reasons)   # pytest -s: the ratios read
    # measured: the loose clip's late steps read 0.35-0.39 against the 0.75 limit since the
    # sub-pixel search (0.65-0.69 before it; before the release margin one step at 0.75 got
    # through), 0.35-0.40 with session 8's wider patch and exhaustive halves search; none of the
    # fitted clip's steps is refused
    assert all(r is not None and "loose shorts" in r for r in reasons["loose"]), reasons["loose"]
    assert all(r is None for r in reasons["fitted"]), reasons["fitted"]
