"""Print a report to PDF with headless Chromium (Debian ``chromium``), offline."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional, Union

from ..atomic import atomic_path
from ..errors import OutputError

PathLike = Union[str, Path]
#: Debian's Chromium, the browser the report is printed and tested with
CHROMIUM = Path("/usr/bin/chromium")
CANDIDATES = (str(CHROMIUM), "chromium", "chromium-browser", "google-chrome")
#: flags for a Chromium that never reaches the network on its own (no background services,
#: updates or sync — on a closed network they fail noisily) and runs as root without a GPU;
#: shared by the PDF printer, tools/screenshot_report.py and the browser tests (Playwright ``args``)
OFFLINE_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync")
FLAGS = ("--headless", *OFFLINE_ARGS, "--no-pdf-header-footer")
TIMEOUT_S = 120


def find_chromium() -> Optional[str]:
    """Path of a Chromium executable, or None."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_path: PathLike, pdf_path: PathLike) -> Path:
    """Render ``html_path`` to ``pdf_path`` (atomically); OutputError with a clear message on failure."""
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    exe = find_chromium()
    if exe is None:
        raise OutputError("--pdf needs Chromium (Debian/Ubuntu: apt-get install chromium); "
                          f"the HTML report was written to {html_path}", pdf_path)
    with tempfile.TemporaryDirectory(prefix="gaitscan-chromium-") as profile, atomic_path(pdf_path) as tmp:
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html_path.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise OutputError(f"Chromium did not finish printing within {TIMEOUT_S} s", pdf_path) from None
        if proc.returncode != 0 or tmp.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise OutputError(f"Chromium could not print the report (exit {proc.returncode}: {tail[0]})", pdf_path)
    return pdf_path
