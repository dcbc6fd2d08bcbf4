"""Open a ``report.html`` in headless Chromium with the network off; shared by report tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def render_offline(report: Path, script: str, screenshot: str):
    """Load ``report`` offline, wait for its charts, return ``(page.evaluate(script), remote,
    errors)``: the script's result, every non-file URL the page asked for (all refused), and
    every console error or page exception. Skips when Debian's Chromium is not installed.
    """
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("no /usr/bin/chromium (apt-get install chromium; .ci/test installs it)")
    from playwright.sync_api import sync_playwright

    remote, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1100, "height": 900})
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                "file:") else (remote.append(route.request.url), route.abort()))
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(report.as_uri())
            page.wait_for_selector("body[data-charts-done=true]", timeout=30_000)
            result = page.evaluate(script)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
        finally:
            browser.close()
    return result, remote, errors
