"""Issue 9, bad input: every case of the generated corpus (:mod:`corpus`) through the real CLI.

A case the user cannot analyse gets exactly one line on stderr, ``gaitscan: <file>: <problem>``,
no traceback, and the exit code documented in :mod:`gaitscan.errors`. A case that can still be
analysed exits 0 and says what is doubtful in ``analysis.json`` ``quality.checks`` (and in the
printed warnings). README.md's "What gaitscan does with bad input" is the table of these cases; keep the two in step.

Cases already covered elsewhere and not repeated here: missing file (``test_video.py``,
``test_pipeline.py``), every broken model bundle through ``gaitscan pose`` (``test_pose_model.py``),
every broken knowledge-base field (``test_kb.py``), bad batch manifests and ``../`` escapes
(``test_batch.py``), no camera (``test_live.py``).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import corpus as C

EXAMPLE = Path(__file__).parent / "data" / "analysis_rear_example.json"


def gaitscan(*args: object, cwd: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run the real CLI in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "gaitscan.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def assert_one_error_line(proc: subprocess.CompletedProcess, code: int, named: Path, *words: str) -> str:
    """Exactly one non-empty stderr line ``gaitscan: <named>: …`` containing ``words``; exit ``code``."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"gaitscan: {named}: "), lines[0]
    for w in words:
        assert w in lines[0], lines[0]
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    return lines[0]


def check(analysis: dict, id_: str) -> dict:
    return next(c for c in analysis["quality"]["checks"] if c["id"] == id_)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rear-view render every transformed case starts from (320×240, 2 s, 30 fps)."""
    return C.base_render(tmp_path_factory.mktemp("corpus") / "base.mp4")


# ------------------------------------------------------------------------ unreadable: exit 3
def _unreadable(kind: str, folder: Path, base: Path) -> Path:
    if kind == "zero-byte":
        return C.zero_byte(folder / "zero.mp4")
    if kind == "text named .mp4":
        return C.text_as_mp4(folder / "notes.mp4")
    if kind == "audio only":
        return C.audio_only(folder / "voice.mp4")
    if kind == "cut, index at the end":
        end = C.index_at_end(base, folder / "end.mp4")
        assert C.moov_position(end) == "end"
        return C.cut(end, folder / "cut_end.mp4", 0.6)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind, words", [
    ("zero-byte", ["file is empty (0 bytes)"]),
    ("text named .mp4", ["not a readable video"]),
    ("audio only", ["no video stream (contains audio)"]),
    ("cut, index at the end", ["incomplete MP4", "index ('moov') is missing"]),
])
def test_unreadable_input_is_one_line_exit_3_and_writes_nothing(tmp_path: Path, base: Path, kind: str, words: list[str]):
    path = _unreadable(kind, tmp_path, base)
    out = tmp_path / "out"
    proc = gaitscan("analyze", path, "--out", out)
    assert_one_error_line(proc, 3, path, *words)
    assert not out.exists()


def test_model_file_that_is_not_a_model_is_exit_6(tmp_path: Path, base: Path):
    model = C.not_a_model(tmp_path / "pose.task")
    proc = gaitscan("analyze", base, "--out", tmp_path / "out", "--model", model)
    assert_one_error_line(proc, 6, model, "not a MediaPipe .task bundle")


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_output_folder_under_a_file_is_exit_5_before_any_work(tmp_path: Path, base: Path, command: str):
    # root ignores permission bits, so "not writable" is a folder that cannot exist: one under a file
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder\n")
    out = blocker / "sub"
    src = base if command == "analyze" else EXAMPLE
    proc = gaitscan(command, src, "--out", out, timeout=60)
    assert_one_error_line(proc, 5, out, "cannot write here")
    assert blocker.read_text() == "a file, not a folder\n"


def test_knowledge_base_with_an_error_is_exit_7_naming_entry_and_field(tmp_path: Path):
    kb = C.broken_kb(tmp_path / "clinic kb.yaml")
    proc = gaitscan("report", EXAMPLE, "--out", tmp_path / "r", "--kb", kb, timeout=60)
    assert_one_error_line(proc, 7, kb, "findings.pelvic_drop: unknown field 'treshold'")
    assert not (tmp_path / "r" / "report.html").exists()


def test_symptoms_file_with_an_unknown_field_is_exit_7(tmp_path: Path):
    sym = C.symptoms_with_unknown_field(tmp_path / "symptoms.yaml")
    proc = gaitscan("report", EXAMPLE, "--out", tmp_path / "r", "--symptoms", sym, timeout=60)
    assert_one_error_line(proc, 7, sym, "unknown symptom field 'favourite_shoe'", "known: pain_location")
    assert not (tmp_path / "r" / "report.html").exists()


# ------------------------------------------------------------------------ through the model
def analyse(video: Path, out: Path) -> tuple[subprocess.CompletedProcess, dict]:
    proc = gaitscan("analyze", video, "--out", out, "--no-report")
    a = out / "analysis.json"
    return proc, (json.loads(a.read_text()) if a.exists() else {})


@pytest.mark.slow
def test_cut_with_the_index_at_the_front_is_analysed_but_flagged_truncated(tmp_path: Path):
    # 4 s, so that what survives the cut still holds complete strides after the detector's warm-up
    base = C.base_render(tmp_path / "base4s.mp4", duration_s=4.0)
    assert C.moov_position(base) == "front"  # the writer uses movflags=+faststart
    cut = C.cut(base, tmp_path / "cut_front.mp4", 0.75)
    proc, a = analyse(cut, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert 30 < a["source"]["frames"] < 120
    t = check(a, "truncated")
    assert t["ok"] is False and t["value"] is True and "of 120 frames decoded" in t["message"]
    assert "warning (truncated)" in proc.stdout
    whole, b = analyse(base, tmp_path / "whole")
    assert check(b, "truncated")["ok"] is True and b["source"]["frames"] == 120


@pytest.mark.slow
@pytest.mark.parametrize("kind, words", [
    ("one frame", ["nothing measurable", "fewer than 2 frames"]),
    ("no person", ["nothing measurable", "no runner found"]),
    ("very dark", ["nothing measurable", "no runner found"]),
    ("4K, 3 frames", ["nothing measurable", "no complete stance"]),
])
def test_nothing_measurable_is_exit_4_with_an_analysis_saying_why(tmp_path: Path, base: Path, kind: str, words: list[str]):
    path = {"one frame": lambda: C.one_frame(base, tmp_path / "one.mp4"),
            "no person": lambda: C.no_person(tmp_path / "empty room.mp4"),
            "very dark": lambda: C.dark(base, tmp_path / "dark.mp4"),
            "4K, 3 frames": lambda: C.uhd(base, tmp_path / "uhd.mp4")}[kind]()
    proc, a = analyse(path, tmp_path / "out")
    assert_one_error_line(proc, 4, path, *words)
    assert a["steps"] == [] and a["cadence_spm"] is None  # analysis.json says why, with no numbers
    if kind == "4K, 3 frames":
        assert (a["source"]["width"], a["source"]["height"], a["source"]["frames"]) == (3840, 2160, 3)


@pytest.mark.slow
def test_two_people_side_by_side_warn_other_person(tmp_path: Path, base: Path):
    proc, a = analyse(C.two_people(base, tmp_path / "two.mp4"), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    other = check(a, "other_person")
    assert other["ok"] is False and other["value"] > 0.5 and "wrong person" in other["message"]
    assert "warning (other_person)" in proc.stdout


@pytest.mark.slow
def test_very_small_runner_warns_runner_size_and_refuses_the_pelvis_image(tmp_path: Path, base: Path):
    proc, a = analyse(C.small_runner(base, tmp_path / "far.mp4", scale=0.5), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    size = check(a, "runner_size")
    assert size["ok"] is False and size["value"]["hip_width_px"] < 12 and "move the camera closer" in size["message"]
    assert "runner too small" in a["not_measurable"]["pelvic_drop_image"]


@pytest.mark.slow
def test_portrait_phone_video_with_rotation_metadata_is_analysed_upright(tmp_path: Path):
    upright = C.base_render(tmp_path / "upright.mp4", width=240, height=320)
    phone = C.portrait_rotated(upright, tmp_path / "phone.mp4", rotation=90)
    proc, a = analyse(phone, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert (a["source"]["width"], a["source"]["height"]) == (240, 320)  # upright, not as stored (320×240)
    assert a["view"] == "rear" and len(a["steps"]) >= 2


@pytest.mark.slow
def test_variable_frame_rate_keeps_the_container_times(tmp_path: Path, base: Path):
    vfr, times = C.variable_frame_rate(base, tmp_path / "vfr.mp4")
    proc, a = analyse(vfr, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert a["series"]["t"] == pytest.approx(times, abs=1e-3)  # not index / fps
    assert a["duration_s"] == pytest.approx(times[-1] - times[0], abs=1e-3)


@pytest.mark.slow
def test_240_fps_slow_motion_second_keeps_its_frame_rate(tmp_path: Path):
    fast = C.base_render(tmp_path / "fast.mp4", fps=240, duration_s=1.0)
    proc, a = analyse(fast, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert a["source"]["frames"] == 240 and a["fps"] == pytest.approx(240, rel=0.01)
    assert check(a, "fps")["ok"] is True
    assert a["cadence_spm"] is None and "contacts" in a["not_measurable"]["cadence_spm"]  # 1 s: too few, said so


@pytest.mark.slow
def test_side_view_gives_no_rear_metrics_and_says_why(tmp_path: Path):
    # analyze has no --view option: the view is detected, and rear-view metrics are null with the reason
    side = C.base_render(tmp_path / "side.mp4", view="side")
    proc, a = analyse(side, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert a["view"] == "side"
    assert "side view" in a["not_measurable"]["pelvic_drop_deg"]
    assert all(st["pelvic_drop_deg"] is None and st["crossover"] is None for st in a["steps"])
    assert "need a rear or front view" in check(a, "view")["message"]
    assert "may be swapped" in check(a, "view")["message"]   # left/right from the side is a guess
    assert "not measured pelvic_drop_deg" in proc.stdout


@pytest.mark.slow
def test_path_with_spaces_and_non_ascii_characters(tmp_path: Path, base: Path):
    folder = tmp_path / "my runs é"
    folder.mkdir()
    video = folder / "Zoë 跑步 run.mp4"
    shutil.copy(base, video)
    out = folder / "résultats 1"
    proc = gaitscan("analyze", video.name, "--out", out.name, cwd=folder)
    assert proc.returncode == 0, proc.stderr
    a = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert a["source"]["file"] == "Zoë 跑步 run.mp4"
    assert "Zoë 跑步 run.mp4" in (out / "report.html").read_text(encoding="utf-8")
    rows = (out / "steps.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("index,stance,contact_t") and len(rows) == len(a["steps"]) + 1
