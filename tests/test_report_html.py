"""report.html: self-contained, escaped, complete — checked as text and in a real headless Chromium."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from gaitscan.pose.landmarks import L_HEEL, L_HIP, L_SHOULDER, N_LANDMARKS, R_HEEL, R_HIP, R_SHOULDER
from gaitscan.pose.series import PoseSeries
from gaitscan.report import write_report
from gaitscan.report.keyframes import pick_steps

DATA = Path(__file__).parent / "data"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
EVIL = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
from gaitscan.report.pdf import CHROMIUM, OFFLINE_ARGS

CHROMIUM_ARGS = list(OFFLINE_ARGS)


@pytest.fixture()
def analysis():
    data = json.loads((DATA / "analysis_rear_example.json").read_text())
    data["source"]["file"] = EVIL + ".mp4"
    return data


def _runner_video(tmp_path: Path, analysis: dict) -> tuple[Path, PoseSeries]:
    """A small rear-view video (a drawn runner) and its PoseSeries, 30 fps over the analysis' span."""
    from gaitscan.videowriter import open_writer

    w, h, fps = 320, 240, 30.0
    t = np.arange(int(analysis["duration_s"] * fps) + 1) / fps
    xy = np.full((len(t), N_LANDMARKS, 2), np.nan)
    xy[:, L_HIP] = (140, 120)
    xy[:, R_HIP] = (180, 126)          # left hip higher: right hip dropped in the image
    xy[:, L_SHOULDER], xy[:, R_SHOULDER] = (135, 60), (185, 60)
    xy[:, L_HEEL], xy[:, R_HEEL] = (150, 210), (172, 210)
    vis = np.where(np.isnan(xy[..., 0]), np.nan, 0.9)
    series = PoseSeries(xy=xy, visibility=vis, presence=vis, world=np.full((len(t), N_LANDMARKS, 3), np.nan), t=t,
                        detected=np.ones(len(t), bool), n_people=np.ones(len(t), np.int32), width=w, height=h)
    frame = np.full((h, w, 3), 90, np.uint8)
    frame[60:130, 130:190] = (40, 60, 160)       # shirt
    frame[118:150, 128:192] = (30, 30, 30)        # shorts
    frame[150:210, 140:158] = frame[150:210, 164:182] = (200, 160, 130)
    path = tmp_path / "runner.mp4"
    with open_writer(path, fps, w, h) as writer:
        for ti in t:
            writer.write(frame, ti)
    return path, series


def _report(tmp_path, analysis, **kwargs) -> str:
    return write_report(analysis, tmp_path / "out", **kwargs).read_text(encoding="utf-8")


def test_self_contained_and_escaped(tmp_path, analysis):
    html = _report(tmp_path, analysis, runner_name=EVIL)
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html)
    assert all(src.startswith("data:") for src in re.findall(r'src="([^"]*)"', html))
    assert "url(" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(2)&gt;", "")


def test_content_for_the_rear_example(tmp_path, analysis):
    html = _report(tmp_path, analysis)
    assert "While standing on your right leg, your left hip drops 7.3°" in html
    assert "Gluteal tendinopathy / greater trochanteric pain syndrome (GTPS)" in html
    assert "evidence: indirect, low for runners, plausible" in html
    assert "7.3° (6.6 to 7.9), n = 12" in html
    assert html.count('class="exercise"') >= 5 and 'id="referral"' not in html and 'id="red-flags"' not in html
    assert "screening heuristic" in html and "A screening tool, not a diagnosis." in html
    assert "1.1% of frames had no runner detected" in html
    assert "Keyframes need the video" in html


def test_red_flag_banner_replaces_programme(tmp_path, analysis):
    html = _report(tmp_path, analysis, symptoms={"pain_location": ["front_hip_groin"], "pain_at_rest_or_night": True})
    assert html.index('id="red-flags"') < html.index('id="summary"')
    assert "See a clinician now" in html and "Exercise advice is withheld" in html
    assert 'class="exercise"' not in html


def test_null_metrics_render_reasons_not_numbers(tmp_path, analysis):
    analysis["summary"]["left"]["pelvic_drop_deg"] = {"mean": None, "sd": None, "ci95": None, "n": 4,
                                                      "reason": "not enough steps (4 < 7)"}
    analysis["cadence_spm"], analysis["cadence_ci95"] = None, None
    analysis["series"] = None
    html = _report(tmp_path, analysis)
    assert "Pelvic drop (left stance): not measured — not enough steps (4 &lt; 7)." in html
    assert "No per-frame pelvic trace" in html and ">not measurable<" in html


def test_keyframes_are_drawn_from_the_video(tmp_path, analysis):
    video, series = _runner_video(tmp_path, analysis)
    html = _report(tmp_path, analysis, video=video, series=series)
    assert html.count('class="keyframe" src="data:image/jpeg;base64,') == 2
    assert set(pick_steps(analysis)) == {"left", "right"}


def _browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    if not os.access(CHROMIUM, os.X_OK) and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    return sync_api


@pytest.mark.browser
def test_report_in_headless_chromium(tmp_path, analysis):
    sync_api = _browser()
    video, series = _runner_video(tmp_path, analysis)
    path = write_report(analysis, tmp_path / "out", video=video, series=series, runner_name=EVIL,
                        symptoms={"pain_location": ["outer_hip"], "worse_lying_on_side": True})
    requests, errors, dialogs = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            assert page.locator(".card.flag").count() >= 2
            assert page.locator(".card").first.is_visible()
            for sel in ("#plot-obliquity img", "#plot-footprints img", "#plot-steps img"):
                img = page.locator(sel)
                assert img.is_visible() and img.evaluate("e => e.complete && e.naturalWidth > 100"), sel
            frames = page.locator("img.keyframe")
            assert frames.count() == 2 and frames.first.evaluate("e => e.naturalWidth > 50")
            assert page.locator("#runner-name").inner_text() == EVIL
            assert EVIL + ".mp4" == page.locator("#source-file").inner_text()
            assert page.locator("main script, main img[src='x']").count() == 0
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        finally:
            browser.close()
    assert requests == [path.as_uri()]
    assert errors == [] and dialogs == []


def test_report_command_with_symptoms_file_and_non_tty_ask(tmp_path):
    from click.testing import CliRunner

    from gaitscan.report.command import report_command

    src = DATA / "analysis_rear_example.json"
    result = CliRunner().invoke(report_command, [str(src), "--out", str(tmp_path), "--symptoms",
                                                 str(DATA / "symptoms_stress_fracture.yaml"), "--runner", "Jo"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text()
    assert "Possible femoral neck stress fracture" in html and 'class="exercise"' not in html
    asked = CliRunner().invoke(report_command, [str(src), "--out", str(tmp_path), "--ask-symptoms"])
    assert asked.exit_code != 0 and "needs an interactive terminal" in str(asked.exception)


@pytest.mark.browser
def test_pdf_is_printed(tmp_path, analysis):
    _browser()
    from gaitscan.report.pdf import print_pdf

    html = write_report(analysis, tmp_path)
    pdf = print_pdf(html, tmp_path / "report.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
