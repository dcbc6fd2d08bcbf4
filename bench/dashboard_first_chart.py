"""Time to first charts in the dashboard for a 10,000-customer, 52-step run.

Two measurements:

1. headless: ``run_scenario`` plus building every chart spec that Explore draws (what the
   server does before the browser can paint), split into simulate / build charts;
2. browser (``--browser``): ``cvm dashboard`` on a loopback port, Chromium uploads the scenario
   on Explore and we time from the upload until the customer matrix and the share chart have
   painted (canvas or SVG present). This is the number the 3-second quality bar is about.

Run: ``.venv/bin/python bench/dashboard_first_chart.py [--browser] [--repeat N]``
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CUSTOMERS, STEPS = 10_000, 52


def scenario_data() -> dict:
    from sim.scenario import shipped_scenarios_dir

    data = yaml.safe_load((shipped_scenarios_dir() / "baseline.yaml").read_text())
    data["market"]["customers"] = CUSTOMERS
    data["steps"] = STEPS
    data["replicates"] = 1
    data["name"] = f"baseline {CUSTOMERS} customers {STEPS} steps"
    return data


def headless(repeat: int) -> None:
    from dashboard import charts, scenarios, tables
    from sim import load_scenario, run_scenario

    spec = load_scenario(scenario_data())
    segs = scenarios.segment_lines(spec)
    sims, builds = [], []
    for i in range(repeat):
        t0 = time.perf_counter()
        result = run_scenario(spec, seed=100 + i)
        t1 = time.perf_counter()
        firms, order = result.firms, tables.firm_order(result.firms)
        for chart in (charts.matrix_chart(firms, None, segs, order), charts.share_chart(firms, order),
                      charts.metrics_chart(firms, ["satisfaction", "trust", "loyalty"], "r", order),
                      charts.ladder_chart(firms, order=order),
                      charts.metrics_chart(firms, ["profit", "cash"], "m", order),
                      charts.segment_chart(result.segments, order=order)):
            if chart is not None:
                chart.to_dict()
        tables.key_numbers(firms)
        t2 = time.perf_counter()
        sims.append(t1 - t0)
        builds.append(t2 - t1)
    print(f"headless, {CUSTOMERS} customers x {STEPS} steps, {repeat} run(s):")
    print(f"  simulate      median {statistics.median(sims):.2f} s  (min {min(sims):.2f})")
    print(f"  build charts  median {statistics.median(builds):.2f} s  (min {min(builds):.2f})")
    print(f"  total         median {statistics.median(s + b for s, b in zip(sims, builds, strict=True)):.2f} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_idle(page) -> None:
    """Until the app's "running" indicator has been gone for a moment."""
    page.wait_for_timeout(300)
    page.wait_for_function("""() => !document.querySelector(
        '[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"], '
        + '[data-testid="stStatusWidgetRunningManIcon"]')""", timeout=120_000)
    page.wait_for_timeout(500)


def browser(repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    cmd = [sys.executable, "-c", "from sim.cli import entry; entry()", "dashboard", "--port", str(port)]
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    times, attached = [], []
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            for i in range(repeat):
                data = scenario_data()
                data["seed"] = 1000 + i  # a fresh seed: no cache hit
                path = Path(tmp) / f"bench{i}.yaml"
                path.write_text(yaml.safe_dump(data, sort_keys=False))
                page = b.new_page(viewport={"width": 1400, "height": 1400})
                page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
                # let the default scenario's first load finish, so we time only our own run
                page.locator('[data-testid="stVegaLiteChart"]').nth(1).wait_for(timeout=120_000)
                _wait_idle(page)
                page.get_by_text("Upload a YAML file").click()
                page.locator('input[type="file"]').wait_for(state="attached", timeout=60_000)
                page.wait_for_function("""() => document.querySelectorAll(
                    '[data-testid="stVegaLiteChart"]').length === 0""", timeout=60_000)
                _wait_idle(page)
                t0 = time.perf_counter()
                page.locator('input[type="file"]').set_input_files(str(path))
                page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(
                    state="attached", timeout=120_000)
                attached.append(time.perf_counter() - t0)
                page.wait_for_function(
                    """() => { const c = document.querySelectorAll('[data-testid="stVegaLiteChart"]');
                               return c.length >= 2 && [...c].slice(0, 2).every(
                                   e => e.querySelector('canvas, svg')); }""", timeout=120_000)
                times.append(time.perf_counter() - t0)
                page.close()
            b.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    print(f"browser (Chromium), upload -> matrix and share painted, {repeat} run(s):")
    print(f"  first chart element sent: median {statistics.median(attached):.2f} s")
    print(f"  matrix and share painted: median {statistics.median(times):.2f} s  "
          f"(min {min(times):.2f}, max {max(times):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true", help="also time a real browser")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    headless(args.repeat)
    if args.browser:
        browser(args.repeat)


if __name__ == "__main__":
    main()
