"""Real browser: the teacher's what-if on the starter game — fill the team's form, press
Re-run, read the answer within 5 seconds."""

from __future__ import annotations

import re
import time

import pytest
from classroom_helpers import ROOT
from test_browser import ARGS, CHROMIUM, TIMEOUT, _field, playwright, server  # noqa: F401

from sim.classroom import Classroom, GameSettings
from sim.scenario import load_scenario

pytestmark = pytest.mark.browser
ANSWER_SECONDS = 5.0


def _played_starter_game(db) -> tuple[str, str]:
    """The starter game as shipped (6 rounds of 4 periods, 3,000 customers), every round closed."""
    room = Classroom(db)
    created = room.create(load_scenario(ROOT / "scenarios" / "classroom_starter.yaml"),
                          GameSettings(teams=4))
    game, teacher = created["game"], created["teacher_secret"]
    for k in range(6):
        for i, team in enumerate(created["teams"]):
            room.submit(game, team["secret"], {"price": round(10.0 - 0.3 * i + 0.1 * k, 2)})
        room.close_round(game, teacher)
    return game, teacher


def test_what_if_form_answers_in_a_real_browser(server):  # noqa: F811
    url, db = server
    game, teacher_secret = _played_starter_game(db)
    expect = playwright.expect
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(url)
        expect(_field(page, "Game code")).to_be_visible(timeout=TIMEOUT)
        page.get_by_role("link", name="Teacher").click()
        page.get_by_role("tab", name="Open a game").click()
        open_form = page.get_by_test_id("stForm").filter(has_text="Teacher secret")
        open_form.get_by_label("Game code", exact=True).fill(game)
        open_form.get_by_label("Teacher secret", exact=True).fill(teacher_secret)
        page.get_by_role("button", name="Open game").click()
        expect(page.get_by_text("All 6 rounds are closed.")).to_be_visible(timeout=TIMEOUT)

        page.get_by_role("tab", name="Debrief").click()
        shown = time.perf_counter()
        page.get_by_text("Show the debrief").click()
        expect(page.get_by_role("heading", name="What if?")).to_be_visible(timeout=TIMEOUT)
        print(f"debrief and what-if form shown in {time.perf_counter() - shown:.2f} s")
        page.get_by_label("Round to change", exact=True).fill("3")
        page.get_by_label("Round to change", exact=True).press("Enter")
        expect(page.get_by_text("Team A's decision in round 3")).to_be_visible(timeout=TIMEOUT)
        price = page.get_by_label(re.compile(r"^Price \(between"))
        expect(price).to_have_count(1)  # round 1's form is gone once the fragment has rerun
        expect(price).to_have_value("10.20")  # the form starts from what Team A played
        timings = []
        for asked in ("7.50", "8.00"):
            price.fill(asked)
            price.press("Enter")
            page.wait_for_timeout(1000)  # let the rerun of the edited price settle
            rerun = page.get_by_role("button", name="Re-run")
            expect(rerun).to_be_enabled()
            started = time.perf_counter()
            rerun.click(timeout=10_000)  # reachable: a click that waits long fails here
            answer = page.get_by_text(f'What if Team A had played {{"price": {float(asked)}}}')
            expect(answer).to_be_visible(timeout=TIMEOUT)
            timings.append(time.perf_counter() - started)
            server = re.search(r"re-run in ([\d.]+) s", page.inner_text("body")).group(1)
            print(f"what-if {asked}: answered in {timings[-1]:.2f} s in the browser "
                  f"({server} s on the server)")
        body = page.inner_text("body")
        browser.close()
    assert max(timings) < ANSWER_SECONDS, f"what-if took {timings} s"
    # the answer table: Team A's round-3 share rises with the deeper cut (+ sign in the table)
    assert "share_counterfactual" in body and "profit_difference" in body
