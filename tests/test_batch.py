"""``gaitscan batch``: identification, index bookkeeping, resumability, clinic outputs.

The fast tests drive the batch with a small fake per-video job (it reads the file and "analyses"
files starting with ``GOOD``) to check the bookkeeping; the slow ones run the real pipeline on
synthetic videos, including a real SIGKILL of the batch process.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gaitscan.batch.discover import discover, identify, parse_date, path_component, read_manifest
from gaitscan.batch.driver import run_batch
from gaitscan.batch.index import INDEX_NAME
from gaitscan.batch.job import run_job
from gaitscan.batch.keymetrics import key_metrics
from gaitscan.batch.outdir import STAGING, OutputFolder
from gaitscan.errors import InputError, OutputError, UsageError
from gaitscan.report.pdf import CHROMIUM, OFFLINE_ARGS

EXAMPLE = Path(__file__).parent / "data" / "analysis_rear_example.json"


# ------------------------------------------------------------------------ a fake per-video job
def fake_analyze(path: str, *, out_dir: str, progress: bool, **settings) -> dict:
    """Stands in for gaitscan.pipeline.analyze: GOOD… files give the example analysis."""
    data = Path(path).read_bytes()
    if data.startswith(b"CRASH"):
        os._exit(7)  # a native crash in the worker process
    if not data.startswith(b"GOOD"):
        raise InputError("not a video (fake)", path)
    analysis = json.loads(EXAMPLE.read_text())
    analysis["cadence_spm"] = float(data.split(b":")[1]) if b":" in data else analysis["cadence_spm"]
    Path(out_dir, "analysis.json").write_text(json.dumps(analysis))
    Path(out_dir, "report.html").write_text("<!DOCTYPE html><title>r</title>")
    return analysis


fake_job = functools.partial(run_job, analyze=fake_analyze)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _analyses(out: Path) -> list[tuple]:
    with sqlite3.connect(out / INDEX_NAME) as db:
        return db.execute("SELECT source_path, status, reason, attempts FROM analyses ORDER BY source_path").fetchall()


def _summary(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "summary.csv", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    folder = tmp_path / "clinic"
    _write(folder / "anna" / "2024-01-05_rear.mp4", "GOOD:170")
    _write(folder / "anna" / "2024-03-01.mov", "GOOD:180")
    _write(folder / "bob" / "2024-02-02.mp4", "a text file, not a video")
    _write(folder / "bob" / "copy.mp4", "GOOD:170")  # same bytes as anna's first video
    _write(folder / "Carl_2024-04-04 run.MP4", "GOOD:160")
    _write(folder / "notes.txt", "not a video suffix")
    _write(folder / ".hidden" / "x.mp4", "GOOD:1")
    return folder


# ------------------------------------------------------------------------------ identification
@pytest.mark.parametrize("rel, runner, date, source", [
    ("anna/2024-01-05_rear.mp4", "anna", dt.date(2024, 1, 5), "name"),
    ("anna/sessions/2024_02_03/clip.mov", "anna", dt.date(2024, 2, 3), "name"),
    ("anna/20240304.mp4", "anna", dt.date(2024, 3, 4), "name"),
    ("Carl_2024-04-04 run.mp4", "Carl", dt.date(2024, 4, 4), "name"),
    ("2024-05-06.mp4", "unknown", dt.date(2024, 5, 6), "name"),
    ("anna/2024-13-45.mp4", "anna", dt.date(2001, 9, 9), "file date"),  # not a calendar date
    ("loose.mp4", "unknown", dt.date(2001, 9, 9), "file date"),
])
def test_identify_runner_and_date_from_the_path(rel, runner, date, source):
    mtime = dt.datetime(2001, 9, 9, 12, 0).timestamp()
    assert identify(rel, mtime) == (runner, date, source)


def test_parse_date_needs_one_separator_style():
    assert parse_date("2024-01_05") is None
    assert parse_date("x2024.06.07y") == dt.date(2024, 6, 7)


@pytest.mark.parametrize("name", ["../../etc", "..", "a/b", "Anna M", "<script>", "", "."])
def test_path_component_is_one_safe_folder_name(name):
    safe = path_component(name)
    assert "/" not in safe and "\\" not in safe and safe not in ("", ".", "..") and not safe.startswith(".")


def test_path_component_keeps_distinct_names_distinct():
    assert path_component("Anna M") != path_component("Anna_M")
    assert path_component("Anna_M") == "Anna_M"


def test_discover_skips_hidden_and_non_videos_and_the_output_folder(clinic: Path):
    _write(clinic / "out" / "videos" / "x.mp4", "GOOD")
    found = [v.rel for v in discover(clinic, exclude=clinic / "out")]
    assert found == ["Carl_2024-04-04 run.MP4", "anna/2024-01-05_rear.mp4", "anna/2024-03-01.mov",
                     "bob/2024-02-02.mp4", "bob/copy.mp4"]


def test_manifest_names_runner_date_and_height(clinic: Path, tmp_path: Path):
    manifest = _write(tmp_path / "m.csv", "file,runner,date,height_cm\nanna/2024-03-01.mov,Anna K,2023-12-31,172\n"
                                          "copy.mp4,Bob B,2024-02-03,\n")
    videos = {v.rel: v for v in discover(clinic, manifest=read_manifest(manifest))}
    assert (videos["anna/2024-03-01.mov"].runner, videos["anna/2024-03-01.mov"].session_date,
            videos["anna/2024-03-01.mov"].height_cm) == ("Anna K", dt.date(2023, 12, 31), 172.0)
    assert videos["bob/copy.mp4"].date_source == "manifest"
    assert videos["anna/2024-01-05_rear.mp4"].date_source == "name"


@pytest.mark.parametrize("text, message", [
    ("file,runner\na.mp4,x\n", "lacks the column(s) date"),
    ("file,runner,date\na.mp4,x,05/01/2024\n", "line 2: date '05/01/2024' is not YYYY-MM-DD"),
    ("file,runner,date\na.mp4,,2024-01-01\n", "line 2: 'file' and 'runner' must not be empty"),
    ("file,runner,date,height_cm\na.mp4,x,2024-01-01,tall\n", "line 2: height_cm 'tall'"),
])
def test_bad_manifest_is_a_usage_error_naming_the_line(tmp_path: Path, text: str, message: str):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_manifest(_write(tmp_path / "m.csv", text))


# ------------------------------------------------------------------------------- pure parts
def test_key_metrics_read_the_analysis_summary():
    analysis = json.loads(EXAMPLE.read_text())
    m = key_metrics(analysis)
    assert m["pelvic_drop_left_deg"] == analysis["summary"]["left"]["pelvic_drop_deg"]["mean"]
    assert m["crossover_rate_right"] == analysis["summary"]["right"]["crossover_rate"]
    assert m["cadence_spm"] == analysis["cadence_spm"] and m["n_steps"] == len(analysis["steps"])
    assert key_metrics({"cadence_spm": None, "summary": {"left": {"pelvic_drop_deg": {"mean": None}}}}) == {
        **{k: None for k in m}, "n_steps": 0, "quality_warnings": ""}


def test_output_folder_refuses_paths_outside_it(tmp_path: Path):
    with OutputFolder(tmp_path / "out") as out:
        with pytest.raises(OutputError, match="outside the output folder"):
            out.inside("../evil")
        with pytest.raises(OutputError, match="leaves its folder"):
            out.commit_video("videos/a/b", {"../../../x.json": b"{}"})
        assert not (tmp_path / "x.json").exists()
    assert not (tmp_path / "out" / STAGING).exists()


def test_a_second_batch_on_the_same_output_folder_is_refused(tmp_path: Path):
    with OutputFolder(tmp_path / "out"):
        with pytest.raises(UsageError, match="another gaitscan batch"):
            OutputFolder(tmp_path / "out").__enter__()


# ------------------------------------------------------------------- the batch, with a fake job
def test_batch_records_done_failed_skipped_and_exits_1(clinic: Path, tmp_path: Path):
    out = tmp_path / "out"
    outcome = run_batch(clinic, out=out, jobs=2, job_fn=fake_job)
    assert (outcome.found, outcome.done, outcome.failed, outcome.skipped, outcome.exit_code) == (5, 3, 1, 1, 1)
    summary = _summary(out)
    assert summary["bob/2024-02-02.mp4"]["status"] == "failed"
    assert summary["bob/2024-02-02.mp4"]["reason"] == "not a video (fake)"
    assert summary["bob/copy.mp4"]["status"] == "skipped"
    assert summary["bob/copy.mp4"]["reason"] == "same content as anna/2024-01-05_rear.mp4"
    assert summary["bob/copy.mp4"]["cadence_spm"] == ""
    assert summary["anna/2024-03-01.mov"]["cadence_spm"] == "180"
    assert summary["anna/2024-03-01.mov"]["pelvic_drop_right_deg"] == "7.283"
    report = out / summary["anna/2024-03-01.mov"]["report"]
    assert report.read_text() == "<!DOCTYPE html><title>r</title>"
    assert out.resolve() in report.resolve().parents
    assert [r[1] for r in _analyses(out)].count("done") == 3


def test_rerun_analyses_nothing_and_a_moved_file_is_recognised(clinic: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_batch(clinic, out=out, jobs=1, job_fn=fake_job)
    before = _summary(out)["anna/2024-03-01.mov"]["output_folder"]
    (clinic / "anna" / "2024-03-01.mov").rename(clinic / "anna" / "renamed-2024-03-01.mov")
    again = run_batch(clinic, out=out, jobs=1, job_fn=fake_job)
    assert (again.analysed, again.already_done, again.done, again.failed) == (0, 3, 3, 1)
    moved = _summary(out)["anna/renamed-2024-03-01.mov"]
    assert (moved["status"], moved["output_folder"]) == ("done", before)
    assert "anna/2024-03-01.mov" not in _summary(out)
    assert sorted(attempts for *_, attempts in _analyses(out)) == [1, 1, 1, 1]


def test_failed_videos_are_retried_only_when_asked(clinic: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_batch(clinic, out=out, jobs=1, job_fn=fake_job)
    assert run_batch(clinic, out=out, jobs=1, job_fn=fake_job).analysed == 0
    _write(clinic / "bob" / "2024-02-02.mp4", "GOOD:150")  # the clinic replaced the file: new content
    fixed = run_batch(clinic, out=out, jobs=1, job_fn=fake_job)
    assert (fixed.analysed, fixed.failed, fixed.exit_code) == (1, 0, 0)
    _write(clinic / "bad.mp4", "still bad")
    run_batch(clinic, out=out, jobs=1, job_fn=fake_job)
    retried = run_batch(clinic, out=out, jobs=1, job_fn=fake_job, retry_failed=True)
    assert retried.analysed == 1
    assert [a for p, s, r, a in _analyses(out) if p.endswith("bad.mp4")] == [2]


def test_deleted_outputs_are_made_again(clinic: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_batch(clinic, out=out, jobs=1, job_fn=fake_job)
    folder = out / _summary(out)["anna/2024-03-01.mov"]["output_folder"]
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()
    again = run_batch(clinic, out=out, jobs=1, job_fn=fake_job)
    assert again.analysed == 1 and (folder / "analysis.json").is_file()


def test_leftovers_of_a_killed_run_are_cleaned_and_replaced(clinic: Path, tmp_path: Path):
    out = tmp_path / "out"
    _write(out / STAGING / "half-written" / "analysis.json", "{")
    _write(out / ".tmp-summary.csv.abc.csv", "torn")
    run_batch(clinic, out=out, jobs=1, job_fn=fake_job)
    assert not (out / STAGING).exists() and not list(out.glob(".tmp-*"))


def test_a_crashing_worker_fails_its_video_only(clinic: Path, tmp_path: Path):
    _write(clinic / "dora" / "2024-06-01.mp4", "CRASH")
    outcome = run_batch(clinic, out=tmp_path / "out", jobs=2, job_fn=fake_job)
    summary = _summary(tmp_path / "out")
    assert summary["dora/2024-06-01.mp4"]["reason"] == "the analysis process crashed 2 times on this video"
    assert (outcome.done, outcome.failed) == (3, 2)


def test_index_html_escapes_user_text_and_links_reports(clinic: Path, tmp_path: Path):
    manifest = _write(tmp_path / "m.csv", 'file,runner,date\nanna/2024-03-01.mov,"<script>alert(1)</script>",2024-03-01\n'
                                          "Carl_2024-04-04 run.MP4,../../../etc,2024-04-04\n")
    out = tmp_path / "out"
    run_batch(clinic, out=out, jobs=1, job_fn=fake_job, manifest=manifest)
    html = (out / "index.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    pages = sorted(p.name for p in (out / "runners").iterdir())
    assert len(pages) == 4 and all(out.resolve() in p.resolve().parents for p in (out / "runners").iterdir())
    assert not (tmp_path / "etc").exists()
    for link in _links(html):
        assert (out / link).is_file(), link


def test_runner_history_compares_consecutive_sessions(clinic: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_batch(clinic, out=out, jobs=1, job_fn=fake_job)
    page = (out / "runners" / "anna.html").read_text()
    assert "2024-01-05" in page and "2024-03-01" in page
    assert page.count("<h3>") == 1  # two sessions: one comparison, against the earlier one
    assert "+10.00 steps/min" in page  # cadence 170 → 180
    assert "no detectable change" in page  # identical pelvic drop in both sessions
    assert "pelvic_drop_deg 2.8°" in page  # the SDD from the knowledge base
    assert "Fewer than two analysed sessions" in (out / "runners" / "Carl.html").read_text()


def _links(html: str) -> list[str]:
    import re

    return re.findall(r'href="([^"#]+)"', html)


# --------------------------------------------------- the real pipeline on synthetic videos (slow)
GOOD_VIDEOS = {  # rel path → (pelvic drop left, right) of the synthetic runner
    "anna/2024-01-05_rear.mp4": (4.0, 6.0),
    "anna/2024-03-01_rear.mp4": (4.0, 3.0),
    "bob_2024-02-02.mp4": (5.0, 5.0),
}


def render_clinic(folder: Path, *, bad: bool) -> Path:
    """Small synthetic runner videos (640×360, 30 fps, 2.5 s) and, with ``bad``, three broken files."""
    from gaitscan.synth.camera import Camera
    from gaitscan.synth.params import RunnerParams
    from gaitscan.synth.render import render_video

    for i, (rel, (left, right)) in enumerate(GOOD_VIDEOS.items()):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        render_video(RunnerParams(drop_left_deg=left, drop_right_deg=right, seed=i), Camera(width=640, height=360),
                     fps=30, duration_s=2.5, out=folder / rel)
        (folder / rel).with_suffix(".truth.json").unlink()
    if bad:
        _write(folder / "carl" / "2024-04-01_notes.mp4", "this is a text file, not a video\n")
        (folder / "carl" / "2024-04-02_empty.mp4").write_bytes(b"")
        whole = (folder / "anna" / "2024-01-05_rear.mp4").read_bytes()
        (folder / "carl" / "2024-04-03_truncated.mp4").write_bytes(whole[:4000])
    return folder


BAD_REASONS = {  # rel path → the start of the reason recorded for it
    "carl/2024-04-01_notes.mp4": "not a readable video",
    "carl/2024-04-02_empty.mp4": "file is empty (0 bytes)",
    "carl/2024-04-03_truncated.mp4": "no decodable video frame",
}


def batch_cli(folder: Path, out: Path, *extra: str) -> subprocess.Popen:
    """``python -m gaitscan.cli batch FOLDER --out OUT`` in its own process group."""
    return subprocess.Popen([sys.executable, "-m", "gaitscan.cli", "batch", str(folder), "--out", str(out),
                             "--no-progress", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _done_count(out: Path) -> int:
    try:
        with sqlite3.connect(f"file:{out / INDEX_NAME}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM analyses WHERE status = 'done'").fetchone()[0]
    except sqlite3.Error:
        return 0


def _assert_complete_and_clean(out: Path, n_videos: int) -> None:
    folders = sorted(p for p in (out / "videos").glob("*/*") if p.is_dir())
    assert len(folders) == n_videos, folders
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == ["analysis.json", "pose.npz", "report.html", "steps.csv"]
        json.loads((folder / "analysis.json").read_text())
    assert not list(out.rglob(".tmp-*")) and not (out / STAGING).exists()


@pytest.fixture(scope="module")
def real_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """The real ``gaitscan batch`` CLI run once over good and bad synthetic videos."""
    root = tmp_path_factory.mktemp("real_batch")
    folder = render_clinic(root / "clinic", bad=True)
    proc = batch_cli(folder, root / "out", "--jobs", "2")
    stdout, stderr = proc.communicate(timeout=300)
    return folder, root / "out", subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.slow
def test_real_batch_good_videos_done_bad_ones_failed_with_reasons(real_batch):
    folder, out, proc = real_batch
    assert proc.returncode == 1, proc.stderr
    assert "6 videos: 3 done" in proc.stdout and "3 failed" in proc.stdout
    summary = _summary(out)
    for rel in GOOD_VIDEOS:
        assert summary[rel]["status"] == "done", summary[rel]
        assert float(summary[rel]["cadence_spm"]) > 0 and summary[rel]["view"] == "rear"
    for rel, reason in BAD_REASONS.items():
        assert summary[rel]["status"] == "failed" and summary[rel]["reason"].startswith(reason), summary[rel]
    assert (summary["bob_2024-02-02.mp4"]["runner"], summary["bob_2024-02-02.mp4"]["session_date"]) == ("bob", "2024-02-02")
    _assert_complete_and_clean(out, 3)
    with sqlite3.connect(out / INDEX_NAME) as db:
        codes = dict(db.execute("SELECT source_path, exit_code FROM analyses WHERE status = 'failed'").fetchall())
    assert sorted(codes.values()) == [3, 3, 3]  # InputError for all three


@pytest.mark.slow
def test_sigkill_after_the_first_video_then_rerun_finishes_exactly_once(tmp_path: Path):
    folder = render_clinic(tmp_path / "clinic", bad=False)
    out = tmp_path / "out"
    proc = batch_cli(folder, out, "--jobs", "1")
    try:
        deadline = time.monotonic() + 240
        while _done_count(out) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proc.poll() is None, f"the batch ended before it could be killed: {proc.communicate()}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the orphaned pool worker, if any
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    killed_at = _done_count(out)
    assert 1 <= killed_at < len(GOOD_VIDEOS)

    rerun = batch_cli(folder, out, "--jobs", "1")
    stdout, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, stderr
    assert f"{killed_at} already done" in stdout
    with sqlite3.connect(out / INDEX_NAME) as db:
        rows = db.execute("SELECT status, attempts, out_dir FROM analyses").fetchall()
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert sorted(r[:2] for r in rows) == [("done", 1)] * len(GOOD_VIDEOS)
    assert len({r[2] for r in rows}) == len(GOOD_VIDEOS)
    _assert_complete_and_clean(out, len(GOOD_VIDEOS))
    assert sorted(_summary(out)) == sorted(GOOD_VIDEOS)




@pytest.mark.slow
@pytest.mark.browser
def test_index_html_opens_in_headless_chromium_without_errors_or_network(real_batch):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        pytest.skip(f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)")
    _, out, _ = real_batch
    pages = [out / "index.html", *sorted((out / "runners").glob("*.html"))]
    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(OFFLINE_ARGS))
        try:
            page = browser.new_page()
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda req: requests.append(req.url))
            for html in pages:
                page.goto(html.resolve().as_uri())
                assert page.title().startswith("gaitscan")
            rows = page.goto((out / "index.html").resolve().as_uri()) and page.locator("td.flag, td.ok, td.watch, td.unknown").count()
            links = page.locator("a[href$='report.html']").count()
        finally:
            browser.close()
    assert errors == []
    assert requests == [p.resolve().as_uri() for p in pages] + [(out / "index.html").resolve().as_uri()]
    assert links == 3 and rows > 0


def test_local_workers_share_the_cores_with_the_pose_model_threads(monkeypatch):
    # run_pose runs the model on two threads when it has two cores; two batch workers on two cores
    # must not each start two (a second Landmarker's ~110 MB and thread switching, no speed)
    import os

    from gaitscan.batch.runner import worker_pose_threads
    from gaitscan.pose.landmarker import THREADS_ENV

    monkeypatch.delenv(THREADS_ENV, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert worker_pose_threads(1) == "2" and worker_pose_threads(2) == "1"
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    assert worker_pose_threads(4) == "2" and worker_pose_threads(5) == "1"
    monkeypatch.setenv(THREADS_ENV, "2")
    assert worker_pose_threads(2) == "2"      # the user's choice stands
