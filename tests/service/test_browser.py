"""The lab walk in a real browser: Playwright driving Debian's Chromium against ``chipdx serve`` on 127.0.0.1.

An admin uploads an assay (the demo panel with one more result row: each SARS-CoV-2 detection goes to a
person) -> log in -> upload the demo cartridge with it -> wait for the analysis -> review queue: override
every ``review`` call with a reason -> override one more call on the run page -> log out -> log in as a
releaser -> release with the e-signature -> download the FHIR bundle -> the audit page shows the chain intact.
Screenshots of each step go to the test's temporary folder (``CHIPDX_SCREENSHOTS=DIR`` keeps them somewhere
to look at).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from chipdx.store import Store
from tests.service.conftest import DEMO_ASSAY, PASSWORD
from tests.service.servers import Server

CHROMIUM = Path("/usr/bin/chromium")
REVIEW_ASSAY = "resp-4plex-review"
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
    for name, role in (("tech", "technician"), ("rev", "reviewer"), ("rel", "releaser"), ("adm", "admin")):
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


def _review_assay(folder: Path) -> Path:
    """The demo panel under another id whose first result row sends every SARS-CoV-2 detection to review."""
    shipped = (resources.files("chipdx.interpret") / "assays" / f"{DEMO_ASSAY}.yaml").read_text()
    text = re.sub(r"(?m)^id: .*$", f"id: {REVIEW_ASSAY}", shipped)
    row = ('  - {id: REV-1, when: {SARS-CoV-2: detected}, result: review, action: review, '
           'note: "SARS-CoV-2 detected: a person confirms each one"}\n')
    text = re.sub(r"(?m)^results:\n", "results:\n" + row, text, count=1)
    path = folder / f"{REVIEW_ASSAY}.yaml"
    path.write_text(text)
    return path


def _override_the_queue(page: Any, url: str) -> int:
    """Confirm every result in the review queue, each with a reason; returns how many."""
    done = 0
    page.goto(f"{url}/review")
    while (rows := page.locator("table.queue tr[id^=queue-]")).count() and done < 20:
        row = rows.first
        row.locator("select[name=result]").select_option("detected")
        row.locator("input[name=reason]").fill("clean sigmoid curve, SARS-CoV-2 confirmed")
        row.locator("button:has-text('Override')").click()
        page.wait_for_url(f"{url}/review")
        done += 1
    return done


def test_browser_walk(browser: Any, server: Server, cartridge_rdml: Path, tmp_path: Path) -> None:
    shots = Path(os.environ.get("CHIPDX_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    url = server.url

    _log_in(page, url, "adm")
    page.goto(f"{url}/admin/assays")
    page.set_input_files("#assay-upload input[name=file]", str(_review_assay(tmp_path)))
    page.click("#assay-upload button")
    page.wait_for_url(f"{url}/admin/assays")
    assert page.locator(f"tr[data-assay='{REVIEW_ASSAY}'][data-status='active']").count() == 1
    page.screenshot(path=str(shots / "0-assays.png"), full_page=True)
    page.click("#logout")

    _log_in(page, url, "tech")
    page.set_input_files("input[name=file]", str(cartridge_rdml))
    page.select_option("select[name=assay]", REVIEW_ASSAY)
    page.click("button:has-text('Upload and analyse')")
    page.wait_for_url(f"{url}/runs/*")
    run_url = page.url
    page.wait_for_selector("#status:text-is('done')", timeout=120_000)  # the page refreshes itself
    page.screenshot(path=str(shots / "1-analysed.png"), full_page=True)
    assert page.locator("table.plate td.well").count() >= 6
    page.click("#logout")

    _log_in(page, url, "rev")
    page.goto(f"{url}/review")
    assert "SARS-CoV-2" in page.locator("table.queue").inner_text()  # the pathogen each review call rests on
    page.screenshot(path=str(shots / "2-review-queue.png"), full_page=True)
    assert _override_the_queue(page, url) >= 1  # every `review` call overridden with a reason
    assert "Nothing to review" in page.locator("table.queue").inner_text()
    page.goto(run_url)
    assert "clean sigmoid curve" in page.locator("table.samples").inner_text()
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
    assert sorted(p.name for p in shots.glob("*.png")) == ["0-assays.png", "1-analysed.png", "2-review-queue.png",
                                                            "3-overridden.png", "4-released.png", "5-audit.png"]
    if "CHIPDX_SCREENSHOTS" not in os.environ:
        shutil.rmtree(shots)
