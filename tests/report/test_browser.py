"""Screenshot smoke test: the report renders in a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chipdx.report import render_html
from tests.report.test_render import example_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser_page():  # type: ignore[no-untyped-def]
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (make test installs Debian's chromium when it can)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1200, "height": 900})
        finally:
            browser.close()


def test_report_renders_with_every_figure(browser_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "report.html"
    page.write_text(render_html(example_report()))
    browser_page.goto(page.as_uri())
    images = browser_page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
    assert len(images) == 4
    assert all(complete and width > 100 for complete, width in images), images
    headings = browser_page.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.textContent)")
    assert "Plate map" in headings and "Digital PCR partitions" in headings
    shot = tmp_path / "report.png"
    browser_page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000, "a blank page would be a few kB"
    assert browser_page.evaluate("document.body.scrollHeight") > 2000


def test_demo_report_renders_in_the_browser(browser_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import contextlib
    import io

    from chipdx.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["demo", "--out", str(tmp_path)]) == 0
    browser_page.goto((tmp_path / "report.html").as_uri())
    images = browser_page.evaluate("Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])")
    kinds = " ".join(alt for alt, _, _ in images)
    assert "plate map" in kinds and "amplification" in kinds and "melt" in kinds and "partitions" in kinds
    assert all(complete and width > 100 for _, complete, width in images)
    browser_page.screenshot(path=str(tmp_path / "demo.png"), full_page=True)
    assert (tmp_path / "demo.png").stat().st_size > 200_000
