"""Redraw ``docs/serve.png``: the cut-list page of ``nnopt serve`` after solving its example job.

Uses the distribution's Chromium through Playwright (never a download):

    python docs/serve_screenshot.py            # writes docs/serve.png
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from nnopt.server.config import ServerConfig
from nnopt.server.local import running_server

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no chromium on PATH (apt-get install chromium)")
    out = Path(__file__).resolve().parent / "serve.png"
    with running_server(ServerConfig(port=0, workers=1)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        page.goto(url + "/")
        page.fill("#time_limit", "2")
        page.click("#solve")
        page.wait_for_selector("#plan-image", state="visible", timeout=60_000)
        page.wait_for_function("document.querySelector('#plan-image').complete")
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
