"""Marker mode in the outputs (issue 11): the report's marker section and capture guide, steps.csv's
marker columns, and ``gaitscan batch --markers``.

``data/analysis_markers_example.json`` (remade by ``tools/make_markers_example.py``) is the real ``analysis.json`` of ``analyze(series,
video=..., markers=True)`` on a 5.5 s, 30 fps marker render (drop 8° left / 2° right, seed 3,
ideal pose series), with ``source.file`` named; the slow test below makes a shorter one afresh.
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gaitscan.batch.job import settings_hash
from gaitscan.markers.metrics import MIDSTANCE_KEY, STEP_KEYS, add_markers
from gaitscan.markers.track import MarkerTrack
from gaitscan.pipeline import CSV_COLUMNS, steps_csv
from gaitscan.report import write_report
from test_report_html import CHROMIUM, CHROMIUM_ARGS, _browser

DATA = Path(__file__).parent / "data"


@pytest.fixture()
def marked() -> dict:
    return json.loads((DATA / "analysis_markers_example.json").read_text())


def _report(tmp_path: Path, analysis: dict) -> str:
    return write_report(analysis, tmp_path / "out").read_text(encoding="utf-8")


def _section(page: str, ident: str) -> str:
    """The text of the element with id ``ident`` up to the next ``<h2`` (or the end of its table)."""
    start = page.index(f'id="{ident}"')
    end = page.find("<h2", start + 1)
    return page[start:end if end > 0 else None]


def _signed(x: float, dec: int) -> str:
    """As the report writes a difference: with its sign, and no "-0.0"."""
    return f"{(0.0 if round(x, dec) == 0 else x):+.{dec}f}°"


def _no_markers(analysis: dict, why: str) -> dict:
    """``analysis`` through the real add_markers with a track that found no markers."""
    T = 10
    track = MarkerTrack(np.full((T, 2, 2), np.nan), ["lost"] * T, [np.zeros((0, 2))] * T, float("nan"),
                        float("nan"), why, "green")
    return add_markers(analysis, track)


# ------------------------------------------------------------------------------- the fixture
def test_fixture_has_the_real_marker_keys(marked):
    assert marked["markers"]["found"] and marked["markers"]["steps_measured"] == len(marked["steps"]) == 14
    assert all(list(s)[-len(STEP_KEYS):] == list(STEP_KEYS) for s in marked["steps"])
    assert {"all", "left", "right", "pairs"} <= set(marked["agreement"])
    for side in ("left", "right"):
        assert marked["summary"][side]["pelvic_drop_markers_deg"]["n"] == 7


# -------------------------------------------------------------------------------- the report
def test_report_shows_markerless_vs_marker_per_side_and_step(tmp_path, marked):
    page = _report(tmp_path, marked)
    sec = html.unescape(_section(page, "markers"))
    for side in ("left", "right"):
        a = marked["summary"][side]["pelvic_drop_deg"]["mean"]
        b = marked["summary"][side]["pelvic_drop_markers_deg"]["mean"]
        assert f"{a:.1f}°" in sec and f"{b:.1f}°" in sec and _signed(a - b, 1) in sec
    rows = re.findall(r'<tr data-step="(\d+)">(.*?)</tr>', sec, re.S)
    assert len(rows) == len(marked["steps"])
    for (idx, row), st in zip(rows, marked["steps"]):
        assert int(idx) == st["index"]
        d = st["pelvic_drop_deg"] - st["pelvic_drop_markers_deg"]
        assert f"{st['pelvic_drop_deg']:.1f}°" in row and f"{st['pelvic_drop_markers_deg']:.1f}°" in row
        assert _signed(d, 1) in row
    ag = marked["agreement"]
    for key in ("all", "left", "right"):
        s = ag[key]
        assert _signed(s['mean_diff'], 2) in sec and f"{s['sd_diff']:.2f}°" in sec
        assert f"{s['loa'][0]:+.2f}° to {s['loa'][1]:+.2f}°" in sec
    img = re.search(r'<figure class="figure" id="plot-bland-altman">\s*<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"',
                    page)
    assert img and len(img.group(1)) > 5000
    assert f"Marker frames measured: {marked['markers']['frames']} of {marked['markers']['frames']}" in sec
    # the marker summaries are in this section, not repeated as raw key names in "Numbers per side"
    assert "pelvic drop markers deg" not in page and "markers-missing" not in page


def test_report_says_markers_were_not_found_and_keeps_the_markerless_numbers(tmp_path):
    plain = json.loads((DATA / "analysis_rear_example.json").read_text())
    why = "no markers found: no blob of the marker colour near the pelvis in 98% of frames"
    page = _report(tmp_path, _no_markers(plain, why))
    sec = html.unescape(_section(page, "markers"))
    assert 'id="markers-missing"' in sec and why in sec and "markerless analysis above is unaffected" in sec
    assert "markers-sides" not in page and "plot-bland-altman" not in page
    assert 'id="numbers-table"' in page and f"{plain['summary']['left']['pelvic_drop_deg']['mean']:.1f}°" in page


def test_plain_report_has_no_marker_section_but_the_capture_guide(tmp_path):
    page = _report(tmp_path, json.loads((DATA / "analysis_rear_example.json").read_text()))
    assert 'id="markers"' not in page
    guide = html.unescape(_section(page, "capture-guide"))
    for point in ("pelvis height", "3 m", "60 fps", "120 fps", "posterior superior iliac spine", "2–3 cm", "6 px",
                  "Tight shorts"):
        assert point.lower() in guide.lower(), point
    assert '<a href="#capture-guide">How to film</a>' in page
    assert not re.search(r'(?:src|href)="(?!data:|#|overlay\.mp4)', page)   # nothing outside the page


def test_capture_guide_in_the_report_matches_the_guide():
    """The report's key points carry the guide's own numbers (docs/capture-guide.md)."""
    root = Path(__file__).resolve().parents[1]
    guide = (root / "docs" / "capture-guide.md").read_text(encoding="utf-8")
    tpl = (root / "gaitscan" / "report" / "templates" / "capture_guide.html.j2").read_text(encoding="utf-8")
    pairs = [("2–3 cm", "2–3 cm"), ("≥ 3 m", "at least 3 m"), ("≥ 60 fps", "at least 60 fps"), ("120 fps", "120 fps"),
             ("6 px", "6 px"), ("≈ 50 px", "about 50 px"), ("6–10 min", "6–10 minute"), ("≥ 30 s", "at least 30 s"),
             ("1/500 s", "1/500 s"), ("pelvis height", "pelvis height"), ("heel counter", "heel counter")]
    for in_guide, in_report in pairs:
        assert in_guide in guide and in_report in tpl, (in_guide, in_report)


@pytest.mark.browser
def test_marker_report_in_headless_chromium(tmp_path, marked):
    sync_api = _browser()
    path = write_report(marked, tmp_path / "out")
    requests, errors = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 700})
            for event, log in (("request", lambda r: requests.append(r.url)), ("pageerror", lambda e: errors.append(str(e))),
                               ("console", lambda m: errors.append(m.text) if m.type == "error" else None)):
                page.on(event, log)
            page.goto(path.as_uri())
            img = page.locator("#plot-bland-altman img")
            img.scroll_into_view_if_needed()
            assert img.is_visible()
            size = img.evaluate("i => [i.complete, i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width]")
            assert size[0] and size[1] >= 400 and size[2] >= 250 and size[3] > 200
            assert page.locator("#markers-steps tbody tr").count() == len(marked["steps"])
            assert page.locator("#capture-guide").is_visible()
            page.click('a[href="#capture-guide"]')
        finally:
            browser.close()
    assert requests == [path.as_uri()] and errors == []


# ---------------------------------------------------------------------------------- steps.csv
def test_steps_csv_has_the_marker_columns_after_the_step_fields(marked):
    rows = list(csv.DictReader(io.StringIO(steps_csv(marked))))
    assert list(rows[0]) == CSV_COLUMNS + [MIDSTANCE_KEY] + list(STEP_KEYS)
    for row, st in zip(rows, marked["steps"]):
        for k in (MIDSTANCE_KEY, *STEP_KEYS):
            assert row[k] == ("" if st[k] is None else str(st[k]))
    plain = json.loads((DATA / "analysis_rear_example.json").read_text())
    assert list(csv.DictReader(io.StringIO(steps_csv(plain))).fieldnames) == CSV_COLUMNS


# -------------------------------------------------------------------------------------- batch
def test_batch_settings_hash_tells_a_markers_run_from_a_plain_one():
    base = {"height_cm": None, "camera_roll_deg": None, "model": None, "stride": 1}
    plain = settings_hash(base)
    assert settings_hash({**base, "markers": False, "marker_color": None}) == plain   # old indexes stay valid
    with_markers = settings_hash({**base, "markers": True, "marker_color": None})
    assert with_markers != plain
    assert settings_hash({**base, "markers": True, "marker_color": "magenta"}) not in (plain, with_markers)


def test_batch_cli_passes_markers_to_the_job(monkeypatch, tmp_path):
    import gaitscan.batch.command as cmd
    from gaitscan.batch.driver import BatchOutcome

    seen = {}

    def fake_run_batch(folder, **kwargs):
        seen.update(kwargs)
        return BatchOutcome(1, 0, 0, 0, 0, 0, 0, Path(kwargs["out"]))

    monkeypatch.setattr(cmd, "run_batch", fake_run_batch)
    (tmp_path / "videos").mkdir()
    res = CliRunner().invoke(cmd.command, [str(tmp_path / "videos"), "--out", str(tmp_path / "out"), "--markers",
                                           "--marker-color", "magenta", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert seen["markers"] is True and seen["marker_color"] == "magenta"
    res = CliRunner().invoke(cmd.command, [str(tmp_path / "videos"), "--out", str(tmp_path / "out"), "--no-progress"])
    assert res.exit_code == 0 and seen["markers"] is False


def test_batch_job_settings_carry_markers_to_analyze(tmp_path):
    from gaitscan.batch.job import JobSpec, run_job

    got = {}

    def fake_analyze(path, *, out_dir, progress, **settings):
        got.update(settings)
        Path(out_dir, "analysis.json").write_text("{}")
        return {}

    settings = {"height_cm": None, "camera_roll_deg": None, "model": None, "stride": 1, "markers": True,
                "marker_color": None}
    res = run_job(JobSpec("k", str(tmp_path / "v.mp4"), settings), fake_analyze)
    assert res.ok and got["markers"] is True and "analysis.json" in res.files


# ------------------------------------------------------------------- end to end on a render
@pytest.mark.slow
def test_analyze_markers_on_a_short_render_writes_the_marker_report_and_csv(tmp_path):
    from gaitscan.pipeline import analyze
    from gaitscan.synth.camera import Camera
    from gaitscan.synth.ideal import ideal_pose_series
    from gaitscan.synth.params import Appearance, RunnerParams
    from gaitscan.synth.render import render_video

    params = RunnerParams(drop_left_deg=8.0, drop_right_deg=2.0, seed=3, appearance=Appearance(markers=True))
    cam, fps, dur = Camera(), 30.0, 2.5
    video = tmp_path / "runner_markers.mp4"
    render_video(params, cam, fps=fps, duration_s=dur, out=video)
    series, _ = ideal_pose_series(params, cam, fps=fps, duration_s=dur)
    out = tmp_path / "out"
    a = analyze(series, video=video, out_dir=out, markers=True)
    assert a["markers"]["found"] and a["agreement"]["all"]["n"] >= 4
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="markers-steps"' in page and 'src="data:image/png;base64,' in _section(page, "markers")
    assert f"{a['agreement']['all']['mean_diff']:+.2f}°" in html.unescape(page)
    rows = list(csv.DictReader(io.StringIO((out / "steps.csv").read_text(encoding="utf-8"))))
    assert list(rows[0])[-len(STEP_KEYS):] == list(STEP_KEYS)
    assert all(r["pelvic_drop_markers_deg"] for r in rows)
