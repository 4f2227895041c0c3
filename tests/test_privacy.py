"""Issue 9, privacy: no network, user text escaped, no absolute paths of this machine in reports.

Subprocesses get a ``sitecustomize.py`` on ``PYTHONPATH`` that makes every socket entry point
raise, the same block as the in-process ``no_network`` fixture. (``../`` in batch names and
manifests is covered by ``test_batch.py::test_output_folder_refuses_paths_outside_it`` and
``test_path_component_is_one_safe_folder_name``.)
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import corpus as C
from gaitscan.report.pdf import CHROMIUM, OFFLINE_ARGS

BLOCK = '''
import socket
class _NetworkBlocked(RuntimeError):
    pass
def _refuse(*args, **kwargs):
    raise _NetworkBlocked("network access attempted: %r" % (args,))
class _RefusingSocket(socket.socket):
    def __init__(self, *args, **kwargs):
        _refuse(*args)
socket.socket = _RefusingSocket
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
'''
#: a file name and a runner name that would run script if pasted into HTML unescaped (no '/': file names)
EVIL_FILE = """<img src=x onerror="window.__pwned=1"> 'q' "run".mp4"""
EVIL_RUNNER = """<script>window.__pwned=2</script>"Ann" 'O'Neil'"""


def offline_env(tmp: Path) -> dict[str, str]:
    site = tmp / "offline_site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(BLOCK)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    return env


def gaitscan(env: dict, *args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gaitscan.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_the_subprocess_block_really_blocks(tmp_path: Path):
    proc = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
                          capture_output=True, text=True, env=offline_env(tmp_path), timeout=60)
    assert proc.returncode != 0 and "_NetworkBlocked: network access attempted" in proc.stderr


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """analyze, report (runner name), batch and live from a file, all with sockets blocked."""
    root = tmp_path_factory.mktemp("privacy")
    env = offline_env(root)
    video = root / EVIL_FILE
    C.base_render(root / "base.mp4")
    shutil.copy(root / "base.mp4", video)
    procs = {"analyze": gaitscan(env, "analyze", video, "--out", root / "out")}
    procs["report"] = gaitscan(env, "report", root / "out", "--runner", EVIL_RUNNER)
    clinic = root / "clinic"
    clinic.mkdir()
    shutil.copy(root / "base.mp4", clinic / "ann_2024-01-01.mp4")
    procs["batch"] = gaitscan(env, "batch", clinic, "--out", root / "batch", "--jobs", "1", "--no-progress")
    procs["live"] = gaitscan(env, "live", "--source", root / "base.mp4", "--no-window", "--no-audio",
                             "--no-realtime", "--record", root / "live")
    return {"root": root, "procs": procs}


@pytest.mark.slow
@pytest.mark.parametrize("command", ["analyze", "report", "batch", "live"])
def test_every_command_succeeds_with_the_network_blocked(offline_run: dict, command: str):
    proc = offline_run["procs"][command]
    assert proc.returncode == 0, proc.stderr
    assert "network access attempted" not in proc.stderr + proc.stdout


@pytest.mark.slow
def test_outputs_hold_no_absolute_path_of_this_machine(offline_run: dict):
    root: Path = offline_run["root"]
    secrets = {str(root), str(Path.home()), str(Path(sys.prefix)), os.getcwd()}
    files = [root / "out" / n for n in ("analysis.json", "steps.csv", "report.html")]
    files += [root / "live" / n for n in ("analysis.json", "steps.csv") if (root / "live" / n).exists()]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for secret in secrets:
            assert secret not in text, f"{path.name} contains {secret}"
    assert json.loads((root / "out" / "analysis.json").read_text())["source"]["file"] == EVIL_FILE


@pytest.mark.slow
def test_file_and_runner_names_are_escaped_in_the_report(offline_run: dict):
    html = (offline_run["root"] / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in html and '<img src=x onerror="' not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html


@pytest.mark.slow
@pytest.mark.browser
def test_report_with_hostile_names_runs_no_script_in_chromium(offline_run: dict):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        pytest.skip(f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)")
    html = offline_run["root"] / "out" / "report.html"
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(OFFLINE_ARGS))
        try:
            page = browser.new_page()
            page.on("request", lambda req: requests.append(req.url))
            page.goto(html.resolve().as_uri())
            page.wait_for_timeout(300)
            pwned = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
            shown = page.inner_text("body")
        finally:
            browser.close()
    assert pwned is None
    assert EVIL_RUNNER.split("</script>")[1][:5] in shown or "Ann" in shown  # shown as text, not run
    assert all(u.startswith(("file:", "data:", "blob:", "about:")) for u in requests), requests
