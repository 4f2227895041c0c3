"""Screenshot a gaitscan report in headless Chromium: ``python tools/screenshot_report.py OUTDIR PNG``.

OUTDIR holds ``report.html`` (from ``gaitscan analyze`` or ``gaitscan report``). The page is opened
from disk with every network request refused, 1200 px wide, and the top ``--height`` pixels
(default 1800) are saved as PNG — the README's ``docs/report-screenshot.png`` is made by:

    gaitscan analyze samples/rear_drop_left_crossover_right.mp4 --out /tmp/rear
    python tools/screenshot_report.py /tmp/rear docs/report-screenshot.png
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from gaitscan.report.pdf import CHROMIUM, OFFLINE_ARGS


@click.command()
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("png", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--width", type=click.IntRange(min=320), default=1200, show_default=True, help="Viewport width (px).")
@click.option("--height", type=click.IntRange(min=200), default=1800, show_default=True,
              help="Top of the page to keep (px).")
@click.option("--full", is_flag=True, help="The whole page instead of the top.")
def main(out_dir: Path, png: Path, width: int, height: int, full: bool) -> None:
    report = out_dir / "report.html"
    if not report.is_file():
        raise click.ClickException(f"no report.html in {out_dir}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(OFFLINE_ARGS))
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())
            page.goto(report.resolve().as_uri(), wait_until="load")
            png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png), full_page=full)
        finally:
            browser.close()
    for e in errors:
        click.echo(f"console error: {e}", err=True)
    click.echo(f"{png} ({png.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    sys.exit(main())
