"""The cut-list page in a real browser: headless Chromium from the distribution, driven by Playwright.

It types a cut list into the page, solves it, sees the plan, stops a long job
and gets its best plan, downloads the PDF, and sees the error for a piece wider
than every sheet next to that piece. Chromium is never downloaded: the
distribution's binary is used (CI installs it), and the test is skipped, saying
so, where it is absent.
"""
from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

from nnopt.server.config import ServerConfig  # noqa: E402
from nnopt.server.local import running_server  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
KITCHEN_CSV = "name,width,height,count,rotation\nside,720,560,4,no\nshelf,564,300,8,yes\ndoor,715,396,4,no\n"


def long_csv() -> str:
    """Pieces whose best plan the search does not prove within seconds (as in the API tests)."""
    rng = random.Random(3)
    rows = [f"p{k},{rng.randint(300, 1300)},{rng.randint(200, 1000)},{rng.randint(1, 3)}" for k in range(60)]
    return "name,width,height,count\n" + "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def page() -> Any:
    with running_server(ServerConfig(port=0, workers=2, max_time_limit=60)) as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1000})
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        tab.goto(url + "/")
        yield tab
        browser.close()


def type_pieces(page: Any, csv_text: str) -> None:
    if page.locator("#paste").get_attribute("open") is None:
        page.click("#paste summary")
    page.fill("#pieces-csv", csv_text)
    page.click("#load-csv")


def test_a_typed_cut_list_solves_to_a_plan_with_downloads(page: Any, tmp_path: Path) -> None:
    type_pieces(page, KITCHEN_CSV)
    assert page.locator("#pieces tbody tr").count() == 3
    page.select_option("#stages", "3")
    page.fill("#time_limit", "1")
    page.click("#solve")
    page.wait_for_selector("#plan-image", state="visible")
    summary = page.text_content("#summary")
    assert "verified" in summary and "NOT" not in summary
    assert page.locator("#sheets tbody tr").count() >= 1
    assert "done" in page.text_content("#progress")
    with page.expect_download() as caught:
        page.click("#dl-pdf")
    pdf = tmp_path / "plan.pdf"
    caught.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    with page.expect_download() as caught:
        page.click("#dl-cuts")
    cuts = tmp_path / "cuts.csv"
    caught.value.save_as(cuts)
    assert cuts.read_text().startswith("sheet,stage,orientation,position")


def test_stopping_a_long_job_shows_its_best_plan(page: Any) -> None:
    type_pieces(page, long_csv())
    page.select_option("#stages", "")  # free placement: the full search, which runs until stopped
    while page.locator("#stock tbody tr").count() > 1:
        page.locator("#stock tbody tr .remove").last.click()
    page.locator('#stock tbody tr [data-column="count"]').fill("")
    page.fill("#time_limit", "30")
    page.click("#solve")
    page.wait_for_function("document.querySelector('#progress').textContent.includes('best cost')")
    page.click("#stop")
    page.wait_for_function("document.querySelector('#summary').dataset.status === 'interrupted'", timeout=20_000)
    assert page.is_visible("#plan-image")
    assert "stopped" in page.text_content("#progress")


def test_a_piece_wider_than_every_sheet_is_flagged_in_its_row(page: Any) -> None:
    type_pieces(page, KITCHEN_CSV + "worktop,9000,600,1,no\n")
    page.click("#solve")
    page.wait_for_function("document.querySelector('#error-cut_list').textContent.length > 0")
    line = page.text_content("#error-cut_list")
    assert "items[3] ('worktop')" in line and "fits no stock sheet" in line
    row = page.locator("#pieces tbody tr").nth(3)
    assert "invalid" in (row.get_attribute("class") or "")
    assert "invalid" in (row.locator('[data-column="width"]').get_attribute("class") or "")
