"""The lab walk in a real browser: Playwright driving Debian's Chromium against ``chipdx serve`` on 127.0.0.1.

log in -> upload the demo cartridge -> wait for the analysis -> review queue -> override one call with a
reason -> log out -> log in as a releaser -> release with the e-signature -> download the FHIR bundle ->
the audit page shows the chain intact. Screenshots of each step go to the test's temporary folder
(``CHIPDX_SCREENSHOTS=DIR`` keeps them somewhere to look at).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chipdx.store import Store
from tests.service.conftest import DEMO_ASSAY, PASSWORD
from tests.service.servers import Server

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (`make test`)")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (`make browser` installs it)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data = tmp_path / "lab"
    data.mkdir()
    store = Store.open(f"sqlite:///{data / 'chipdx.db'}")
    for name, role in (("tech", "technician"), ("rev", "reviewer"), ("rel", "releaser")):
        store.add_user(name, role, PASSWORD)
    store.close()
    running = Server(data, workers=1)
    yield running
    running.stop()


def _log_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{url}/runs")


def test_browser_walk(browser: Any, server: Server, cartridge_rdml: Path, tmp_path: Path) -> None:
    shots = Path(os.environ.get("CHIPDX_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    url = server.url

    _log_in(page, url, "tech")
    page.set_input_files("input[name=file]", str(cartridge_rdml))
    page.select_option("select[name=assay]", DEMO_ASSAY)
    page.click("button:has-text('Upload and analyse')")
    page.wait_for_url(f"{url}/runs/*")
    run_url = page.url
    page.wait_for_selector("#status:text-is('done')", timeout=120_000)  # the page refreshes itself
    page.screenshot(path=str(shots / "1-analysed.png"), full_page=True)
    assert page.locator("table.plate td.well").count() >= 6
    page.click("#logout")

    _log_in(page, url, "rev")
    page.goto(f"{url}/review")
    page.screenshot(path=str(shots / "2-review-queue.png"), full_page=True)
    page.goto(run_url)
    row = page.locator("#sample-S3")
    row.locator("select[name=result]").select_option("inconclusive")
    row.locator("input[name=reason]").fill("late amplification, repeat from the eluate")
    row.locator("button:has-text('Override')").click()
    page.wait_for_load_state()
    assert "inconclusive" in page.locator("#sample-S3").inner_text()
    assert "late amplification" in page.locator("#sample-S3").inner_text()
    page.screenshot(path=str(shots / "3-overridden.png"), full_page=True)
    page.click("#logout")

    _log_in(page, url, "rel")
    page.goto(run_url)
    page.fill("#release input[name=password]", PASSWORD)
    page.click("button:has-text('Sign and release')")
    page.wait_for_selector("#status:text-is('released')")
    page.screenshot(path=str(shots / "4-released.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#fhir")
    bundle = json.loads(Path(download.value.path()).read_text())
    assert bundle["resourceType"] == "Bundle"
    page.goto(f"{url}/audit?run={run_url.rsplit('/', 1)[1]}")
    assert "Chain intact" in page.locator("#chain").inner_text()
    page.screenshot(path=str(shots / "5-audit.png"), full_page=True)
    context.close()
    assert sorted(p.name for p in shots.glob("*.png")) == ["1-analysed.png", "2-review-queue.png",
                                                            "3-overridden.png", "4-released.png", "5-audit.png"]
    if "CHIPDX_SCREENSHOTS" not in os.environ:
        shutil.rmtree(shots)
