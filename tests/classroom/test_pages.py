"""AppTest per classroom page: what renders for each role, and that wrong secrets are refused."""

from __future__ import annotations

import pytest
from classroom_helpers import ROOT
from streamlit.testing.v1 import AppTest

from sim.classroom import Classroom, GameSettings
from sim.scenario import load_scenario

TEAM = str(ROOT / "dashboard" / "pages" / "classroom_team.py")
TEACHER = str(ROOT / "dashboard" / "pages" / "classroom_teacher.py")


@pytest.fixture
def game(tmp_path, scenario_file, monkeypatch):
    db = tmp_path / "classroom.db"
    monkeypatch.setenv("CVM_CLASSROOM_DB", str(db))
    room = Classroom(db)
    created = room.create(load_scenario(scenario_file),
                          GameSettings(teams=2, rounds=2, periods_per_round=1))
    return room, created


def _texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "info", "success", "error", "warning",
                                              "header", "title", "subheader")
                     for e in getattr(at, kind))


def test_team_page_refuses_a_wrong_secret(game):
    room, created = game
    at = AppTest.from_file(TEAM, default_timeout=60).run()
    assert at.text_input(key="cr_join_code") is not None
    at.text_input(key="cr_join_code").input(created["game"])
    at.text_input(key="cr_join_secret").input("1-WRONG-SECRET")
    at.button[0].click().run()
    assert "Access denied" in _texts(at)
    assert "cr_team" not in at.session_state


def test_team_page_after_joining_shows_the_form_and_own_report_only(game):
    room, created = game
    alpha = created["teams"][0]
    at = AppTest.from_file(TEAM, default_timeout=60)
    at.session_state["cr_team"] = (created["game"], alpha["secret"])
    at.run()
    assert not at.exception
    assert "Team Alpha — you run Alpha" in _texts(at)
    assert "round 1 of 2 is open" in _texts(at)
    assert any(b.label == "Submit decision" for b in at.button)
    price = at.number_input(key="cr_price_1")
    price.set_value(25.0).run()  # outside the price range: a live warning, submit disabled
    assert "Price must lie between 5.00 and 20.00" in _texts(at)
    assert next(b for b in at.button if b.label == "Submit decision").disabled


HOST_PASSWORD = "correct horse battery"


def test_without_a_host_password_no_game_can_be_created_here(game, monkeypatch):
    room, created = game
    monkeypatch.delenv("CVM_CLASSROOM_HOST_PASSWORD", raising=False)
    at = AppTest.from_file(TEACHER, default_timeout=60).run()
    assert not at.exception
    assert not any(b.label == "Create game" for b in at.button)
    assert "Creating games here is switched off" in _texts(at)
    assert "--host-password-file" in _texts(at)


def test_a_wrong_host_password_creates_nothing(game, monkeypatch):
    room, created = game
    monkeypatch.setenv("CVM_CLASSROOM_HOST_PASSWORD", HOST_PASSWORD)
    before = room.games()
    at = AppTest.from_file(TEACHER, default_timeout=60).run()
    for wrong in ("", "correct horse batter", HOST_PASSWORD + " "):
        at.text_input(key="cr_host_password").input(wrong)
        at.button(key="FormSubmitter:cr_create-Create game").click().run()
        assert not at.exception
        assert "wrong host password" in _texts(at)
        assert room.games() == before and "cr_created" not in at.session_state


def test_teacher_page_create_form_and_game_view(game, monkeypatch):
    room, created = game
    monkeypatch.setenv("CVM_CLASSROOM_HOST_PASSWORD", HOST_PASSWORD)
    at = AppTest.from_file(TEACHER, default_timeout=60).run()
    assert any(b.label == "Create game" for b in at.button)  # a shipped scenario by default
    assert "classroom_starter" in at.selectbox(key="cr_shipped").value
    at.number_input(key="cr_customers").set_value(500)
    at.number_input(key="cr_periods").set_value(1)
    at.text_input(key="cr_host_password").input(HOST_PASSWORD)
    at.button(key="FormSubmitter:cr_create-Create game").click().run()
    assert not at.exception
    assert "Secrets to hand out" in str([e.label for e in at.expander])
    made = at.session_state["cr_created"]
    info = room.info(made["game"])
    assert info.scenario.market.customers == 500 and info.periods == 1
    at = AppTest.from_file(TEACHER, default_timeout=60)
    at.session_state["cr_teacher"] = (created["game"], created["teacher_secret"])
    at.run()
    assert not at.exception
    assert "Round 1 of 2 is open: 0 of 2 teams have submitted." in _texts(at)
    at = AppTest.from_file(TEACHER, default_timeout=60)
    at.session_state["cr_teacher"] = (created["game"], created["teams"][0]["secret"])
    at.run()  # a team secret smuggled into the teacher's session is refused by the server
    assert "Access denied" in _texts(at)


def test_teacher_debrief_and_what_if_render(game):
    room, created = game
    g, teacher = created["game"], created["teacher_secret"]
    room.submit(g, created["teams"][0]["secret"], {"price": 8.5})
    room.close_round(g, teacher)
    room.close_round(g, teacher)
    at = AppTest.from_file(TEACHER, default_timeout=90)
    at.session_state["cr_teacher"] = (g, teacher)
    at.run()
    assert "All 2 rounds are closed." in _texts(at)
    at.toggle(key="cr_debrief_on").set_value(True).run()
    assert not at.exception
    text = _texts(at)
    assert "Round 1: Alpha's share of purchases" in text and "cut its price from 10.00 to 8.50" in text
    # the what-if form is the team's, starting from what Team Alpha played in round 1
    assert at.number_input(key="cr_wi_price_Team Alpha_1").value == 8.5
    at.checkbox(key="cr_wi_none").check().run()  # no decision that round
    at.button(key="cr_wi_go").click().run()
    assert not at.exception
    table = at.table[-1].value
    assert {"share_actual", "share_counterfactual", "share_difference"} <= set(table.columns)
    assert (table["share_difference"].abs() > 0).any()  # without the price cut, shares differ
    assert "What if Team Alpha had played `no decision` in round 1" in _texts(at)
    # the same price as played changes nothing; a deeper cut wins Alpha share
    at.checkbox(key="cr_wi_none").uncheck().run()
    at.button(key="cr_wi_go").click().run()
    same = at.table[-1].value
    assert (same["share_difference"].astype(float) == 0).all()
    at.number_input(key="cr_wi_price_Team Alpha_1").set_value(7.0).run()
    at.button(key="cr_wi_go").click().run()
    cut = at.table[-1].value
    alpha = cut[(cut["firm"] == "Alpha") & (cut["round"] == 1)]
    assert float(alpha["share_difference"].iloc[0]) > 0


def test_team_page_decides_the_service_programmes_within_the_schema(game):
    room, created = game
    alpha = created["teams"][0]
    at = AppTest.from_file(TEAM, default_timeout=60)
    at.session_state["cr_team"] = (created["game"], alpha["secret"])
    at.run()
    at.toggle(key="cr_promise_on_1").set_value(True).run()
    ratio = at.number_input(key="cr_promise_ratio_1")
    assert (ratio.min, ratio.max, ratio.value) == (0.3, 3.0, 1.0)  # the scenario schema's
    ratio.set_value(1.25).run()
    at.toggle(key="cr_targeting_on_1").set_value(True).run()
    at.number_input(key="cr_targeting_budget_1").set_value(50.0).run()
    at.selectbox(key="cr_targeting_mode_1").set_value("tiered").run()
    at.number_input(key="cr_targeting_top_share_1").set_value(0.0).run()
    assert "top_share: Input should be greater than 0" in _texts(at)  # live, from the schema
    assert next(b for b in at.button if b.label == "Submit decision").disabled
    at.number_input(key="cr_targeting_top_share_1").set_value(0.3).run()
    next(b for b in at.button if b.label == "Submit decision").click().run()
    assert not at.exception
    stored = room.team_view(created["game"], alpha["secret"])["pending"]["decision"]
    assert stored["promise"] == {"ratio": 1.25}
    assert stored["targeting"] == {"budget": 50.0, "mode": "tiered", "top_share": 0.3,
                                   "estimate_noise": 0.3}
    assert "participation" not in stored  # left off: the team keeps what it runs
