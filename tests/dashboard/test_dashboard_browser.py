"""One real-browser end-to-end run: ``cvm dashboard`` on a loopback port, driven by Chromium.

Playwright (Python) drives Debian's Chromium (``/usr/bin/chromium``). The test runs a scenario
on the Explore page, checks that the customer matrix and the share chart rendered (a canvas or
SVG inside each chart, no exception box) and saves a screenshot to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"cvm dashboard exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("the dashboard did not become healthy")


@pytest.fixture
def dashboard():
    """A running ``cvm dashboard`` on a free loopback port; stopped afterwards."""
    port = _free_port()
    cvm = shutil.which("cvm", path=str(Path(sys.executable).parent)) or shutil.which("cvm")
    cmd = [cvm] if cvm else [sys.executable, "-c", "from sim.cli import entry; entry()"]
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "dashboard-server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([*cmd, "dashboard", "--port", str(port)], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_healthy(port, proc)
        yield f"http://127.0.0.1:{port}/"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_explore_renders_matrix_and_share_charts_in_chromium(dashboard):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install "
                    "chromium) to run the browser test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2600})
            page.goto(dashboard, wait_until="domcontentloaded")
            page.get_by_text("Explore a market").first.wait_for(timeout=60_000)
            # a small population keeps the run quick on a shared machine
            customers = page.get_by_label("Customers", exact=True)
            customers.fill("1500")
            customers.press("Enter")
            steps = page.get_by_label("Steps", exact=True)
            steps.fill("20")
            steps.press("Enter")
            page.get_by_role("button", name="Run simulation").click()
            charts = page.locator('[data-testid="stVegaLiteChart"]')
            charts.nth(1).wait_for(timeout=90_000)
            page.wait_for_function(
                """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                       .slice(0, 2).every(c => c.querySelector('canvas, svg'))""",
                timeout=90_000)
            page.wait_for_timeout(2000)  # let the last chart paint before the screenshot
            matrix, share = charts.nth(0), charts.nth(1)
            assert matrix.locator("canvas, svg").count() > 0
            assert share.locator("canvas, svg").count() > 0
            assert page.locator('[data-testid="stException"]').count() == 0
            body = page.inner_text("body")
            assert "Customer matrix" in body or "customer matrix" in body
            for firm in ("Alpha", "Beta", "Gamma", "Delta"):
                assert firm in body  # the numbers beside the matrix name every firm
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dashboard-explore.png"), full_page=True)
        finally:
            browser.close()
