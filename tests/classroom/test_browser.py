"""Real browser: the teacher creates a game, two teams submit from two browser contexts, the
teacher closes the round, each team sees the market report and only its own private report."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from classroom_helpers import ROOT

from sim.classroom import Classroom

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT = 60_000
HOST_PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    port, db = _free_port(), tmp_path / "classroom.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "classroom_app.py"),
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env={**os.environ, "CVM_CLASSROOM_DB": str(db),
                       "CVM_CLASSROOM_HOST_PASSWORD": HOST_PASSWORD},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start")
        yield url, db
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _field(page, label):
    return page.get_by_label(label, exact=True)


def test_two_teams_and_a_teacher_in_real_browsers(server, scenario_file):
    url, db = server
    expect = playwright.expect
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        teacher = browser.new_context().new_page()
        teacher.set_default_timeout(TIMEOUT)
        teacher.goto(url)
        # Let the first run finish importing the simulator before navigating (a click during
        # the first import would stop that run half-way through its imports).
        expect(_field(teacher, "Game code")).to_be_visible(timeout=TIMEOUT)
        teacher.get_by_role("link", name="Teacher").click()
        teacher.get_by_text("Upload a YAML file").click()
        teacher.locator("input[type=file]").set_input_files(str(scenario_file))
        expect(teacher.get_by_text("firms Alpha, Beta, Gamma, Delta")).to_be_visible()
        _field(teacher, "Periods per round").fill("2")
        _field(teacher, "Rounds").fill("3")
        _field(teacher, "Host password").fill("wrong password")
        teacher.get_by_role("button", name="Create game").click()
        expect(teacher.get_by_text("wrong host password")).to_be_visible(timeout=TIMEOUT)
        assert Classroom(db).games() == []  # a visitor without the password creates nothing
        _field(teacher, "Host password").fill(HOST_PASSWORD)
        teacher.get_by_role("button", name="Create game").click()
        expect(teacher.get_by_text("Secrets to hand out")).to_be_visible(timeout=TIMEOUT)
        text = teacher.inner_text("body")
        game = re.search(r"Game code: (\w+)", text).group(1)
        secrets = dict(re.findall(r"(Team \w+)\t\w+\t(\d-[\w-]+)", text))
        assert set(secrets) == {"Team Alpha", "Team Beta"}

        teams = {}
        for name, price in (("Team Alpha", "9.40"), ("Team Beta", "8.60")):
            page = browser.new_context().new_page()  # a separate browser session per team
            page.set_default_timeout(TIMEOUT)
            page.goto(url)
            _field(page, "Game code").fill(game)
            _field(page, "Team secret").fill(secrets[name])
            page.get_by_role("button", name="Join").click()
            expect(page.get_by_text(f"{name} — you run")).to_be_visible(timeout=TIMEOUT)
            box = page.get_by_label(re.compile(r"^Price \(between"))
            box.fill(price)
            box.press("Enter")
            expect(page.get_by_role("button", name="Submit decision")).to_be_enabled()
            page.wait_for_timeout(500)
            page.get_by_role("button", name="Submit decision").click()
            expect(page.get_by_text("Decision stored for round 1")).to_be_visible(timeout=TIMEOUT)
            teams[name] = page

        teacher.get_by_role("button", name="Refresh").click()
        expect(teacher.get_by_text("2 of 2 teams have submitted")).to_be_visible(timeout=TIMEOUT)
        teacher.get_by_role("button", name="Close round 1").click()
        expect(teacher.get_by_text("Round 1 closed.")).to_be_visible(timeout=TIMEOUT)

        room = Classroom(db)
        teacher_secret = re.search(r"Teacher secret: (T-[\w-]+)", text).group(1)
        private = {n: room.private_report(game, teacher_secret, team_name=n) for n in teams}
        assert private["Team Alpha"]["pnl"]["revenue"] != private["Team Beta"]["pnl"]["revenue"]
        for name, page in teams.items():
            other = "Team Beta" if name == "Team Alpha" else "Team Alpha"
            page.get_by_role("button", name="Refresh").click()
            expect(page.get_by_text("round 2 of 3 is open")).to_be_visible(timeout=TIMEOUT)
            page.get_by_role("tab", name="Market report").click()
            expect(page.get_by_text("Market report — round 1")).to_be_visible(timeout=TIMEOUT)
            for price in ("9.40", "8.60"):  # both prices are public
                expect(page.get_by_role("cell", name=price, exact=True)).to_be_visible()
            market = page.inner_text("body")
            page.get_by_role("tab", name="Our report").click()
            expect(page.get_by_text(f"Private report of {name} — round 1")).to_be_visible(
                timeout=TIMEOUT)
            mine, theirs = private[name]["pnl"], private[other]["pnl"]
            expect(page.get_by_role("cell", name=f"{mine['revenue']:,.0f}", exact=True)
                   ).to_be_visible()
            own = page.inner_text("body")
            everything = market + own + page.content()  # hidden tabs included
            for figure in ("revenue", "variable_cost", "profit_after_research"):
                assert f"{theirs[figure]:,.0f}" not in everything, (name, figure)
            assert f"Private report of {other}" not in everything
        browser.close()
