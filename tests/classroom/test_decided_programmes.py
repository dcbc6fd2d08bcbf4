"""Every firm programme can be decided by a team; research is paid out of the team's cash.

Each programme is checked against a control game that differs only by that decision, so the
test sees the decision move the market in the direction the mechanism says, from the round it
was decided in and not before.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from classroom_helpers import RESEARCH_PRICE, cvm, db_dump, direct_replay

from sim.classroom import Classroom, GameSettings
from sim.scenario import load_scenario

PERIODS, ROUNDS = 2, 2
FIRST_STEP_2 = PERIODS + 1  # first step of round 2


def _play(tmp_path, scenario_file, name: str, round2: dict | None, round1=None) -> pd.DataFrame:
    """A two-team game: Alpha plays ``round1`` then ``round2``; returns the firms table."""
    room = Classroom(tmp_path / f"{name}.db")
    created = room.create(load_scenario(scenario_file),
                          GameSettings(teams=2, rounds=ROUNDS, periods_per_round=PERIODS))
    game, teacher = created["game"], created["teacher_secret"]
    alpha = created["teams"][0]["secret"]
    for decision in (round1 or {"price": 9.5}, round2):
        if decision is not None:
            room.submit(game, alpha, decision)
        room.close_round(game, teacher)
    return room.results(room.info(game))["firms"]


def _alpha(firms: pd.DataFrame) -> pd.DataFrame:
    return firms[firms["firm"] == "Alpha"].set_index("step")


@pytest.fixture(scope="module")
def control(tmp_path_factory):
    """Alpha decides nothing in round 2."""
    path = tmp_path_factory.mktemp("control")
    return _play(path, _scenario(path), "control", None)


def _scenario(path):
    import yaml
    from classroom_helpers import SMALL

    file = path / "small.yaml"
    file.write_text(yaml.safe_dump(SMALL))
    return file


def _same_round_1(played: pd.DataFrame, control: pd.DataFrame) -> None:
    early = played["step"] < FIRST_STEP_2
    pd.testing.assert_frame_equal(played[early], control[control["step"] < FIRST_STEP_2])


def test_an_over_promise_raises_expectations_and_draws_customers(tmp_path, scenario_file,
                                                                 control):
    played = _play(tmp_path, scenario_file, "promise", {"promise": {"ratio": 1.5}})
    _same_round_1(played, control)
    mine, base = _alpha(played), _alpha(control)
    assert mine.loc[FIRST_STEP_2, "expected_quality"] > base.loc[FIRST_STEP_2, "expected_quality"]
    assert mine.loc[FIRST_STEP_2, "puv"] > base.loc[FIRST_STEP_2, "puv"]  # the promise's draw
    assert mine.loc[FIRST_STEP_2, "share"] > base.loc[FIRST_STEP_2, "share"]


def test_participation_makes_customers_co_produce_and_lowers_unit_costs(tmp_path,
                                                                        scenario_file, control):
    played = _play(tmp_path, scenario_file, "participation",
                   {"participation": {"level": 0.8, "training": 40.0}})
    _same_round_1(played, control)
    mine, base = _alpha(played), _alpha(control)
    assert (base["participants"] == 0).all() and (mine.loc[:PERIODS, "participants"] == 0).all()
    assert (mine.loc[FIRST_STEP_2:, "participants"] > 0).all()
    assert (mine.loc[FIRST_STEP_2:, "participation_saving"] > 0).all()
    per_unit = mine["variable_cost"] / mine["units"]
    base_per_unit = base["variable_cost"] / base["units"]
    assert (per_unit.loc[FIRST_STEP_2:] < base_per_unit.loc[FIRST_STEP_2:]).all()
    # training is paid every period, as marketing spend
    assert (mine.loc[FIRST_STEP_2:, "marketing_spend"]
            == base.loc[FIRST_STEP_2:, "marketing_spend"] + 40.0).all()


def test_targeting_spends_its_care_budget_on_the_top_tier(tmp_path, scenario_file, control):
    played = _play(tmp_path, scenario_file, "targeting",
                   {"targeting": {"budget": 120.0, "mode": "tiered", "top_share": 0.25}})
    _same_round_1(played, control)
    mine, base = _alpha(played), _alpha(control)
    assert (base["care_spend"] == 0).all() and (mine.loc[:PERIODS, "care_spend"] == 0).all()
    assert (mine.loc[FIRST_STEP_2:, "care_spend"] == 120.0).all()
    treated = mine.loc[FIRST_STEP_2:, "treated"]
    customers = mine.loc[FIRST_STEP_2:, "customers"]
    assert ((treated > 0) & (treated <= 0.3 * customers)).all()  # the top quarter only
    assert mine.loc[PERIODS * ROUNDS, "puv"] > base.loc[PERIODS * ROUNDS, "puv"]  # care is valued


def test_research_is_paid_from_the_teams_cash_in_its_round(tmp_path, scenario_file, control):
    orders = [{"kind": "segment_survey", "segment": "a", "sample": 200},
              {"kind": "competitor_benchmark", "sample": 50}]
    cost = sum(RESEARCH_PRICE[o["kind"]][0] + RESEARCH_PRICE[o["kind"]][1] * o["sample"]
               for o in orders)
    played = _play(tmp_path, scenario_file, "research", {"research": orders})
    _same_round_1(played, control)
    mine, base = _alpha(played), _alpha(control)
    # the market is the same (research has its own random stream) ...
    for column in ("share", "customers", "revenue", "satisfaction"):
        pd.testing.assert_series_equal(mine[column], base[column])
    # ... and the cost is booked once, in round 2's first period
    spent = mine["marketing_spend"] - base["marketing_spend"]
    assert spent.loc[FIRST_STEP_2] == cost and (spent.drop(FIRST_STEP_2) == 0).all()
    assert (base["cash"] - mine["cash"]).loc[FIRST_STEP_2:].tolist() == [cost] * PERIODS
    # money is conserved: cash(t) = cash(t-1) + profit(t), from the starting cash
    cash = [10_000.0, *mine["cash"]]
    for t, profit in enumerate(mine["profit"], start=1):
        assert cash[t] == pytest.approx(cash[t - 1] + profit, abs=1e-6)


PLAY = {
    1: {"Alpha": {"price": 9.4, "promise": {"ratio": 0.9, "attributes": {"quality": 0.7}}},
        "Beta": {"participation": {"level": 0.5, "optional": True, "training": 20.0},
                 "research": [{"kind": "satisfaction_survey", "sample": 60}]}},
    2: {"Alpha": {"targeting": {"budget": 80.0, "mode": "uniform"},
                  "relationship_level": "accountable", "advertising": 30.0},
        "Beta": {"participation": {"level": 0.0}, "promise": {"ratio": 1.3}}},
}


def test_cli_game_with_every_programme_exports_what_run_scenario_gives(tmp_path, scenario_file,
                                                                       small):
    db = tmp_path / "game.db"
    rc, created, err = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 2,
                           "--rounds", ROUNDS, "--periods", PERIODS)
    assert rc == 0, err
    secrets = {t["firm"]: t["secret"] for t in created["teams"]}
    for k, decisions in PLAY.items():
        for firm, decision in decisions.items():
            path = tmp_path / f"{k}-{firm}.json"
            path.write_text(json.dumps(decision))
            rc, stored, err = cvm("classroom", "submit", "--db", db, "--game", created["game"],
                                  "--team-secret", secrets[firm], "--decision", path)
            assert rc == 0, err
        assert cvm("classroom", "close-round", "--db", db, "--game", created["game"],
                   "--teacher-secret", created["teacher_secret"])[0] == 0
    out = tmp_path / "export"
    rc, _, err = cvm("classroom", "export", "--db", db, "--game", created["game"],
                     "--teacher-secret", created["teacher_secret"], "--out", out)
    assert rc == 0, err
    direct = direct_replay(small, PERIODS, ROUNDS, PLAY)
    assert (out / "firms.csv").read_text() == direct.firms.to_csv(index=False)
    decisions = pd.read_csv(out / "decisions.csv").set_index(["round", "firm"])
    assert json.loads(decisions.loc[(2, "Alpha"), "targeting"])["budget"] == 80.0
    assert json.loads(decisions.loc[(1, "Alpha"), "promise"]) == {
        "ratio": 0.9, "attributes": {"quality": 0.7}}
    firms = pd.read_csv(out / "firms.csv").set_index(["step", "firm"])
    assert firms.loc[(PERIODS, "Beta"), "participants"] > 0
    assert firms.loc[(ROUNDS * PERIODS, "Beta"), "participants"] == 0  # level 0 stops it
    assert firms.loc[(ROUNDS * PERIODS, "Alpha"), "care_spend"] == 80.0


BAD = [
    ({"promise": {"ratio": 5}}, "promise.ratio: Input should be less than or equal to 3"),
    ({"promise": {"ratio": 1.2, "attributes": {"colour": 0.9}}},
     "promise.attributes.colour: unknown dimension"),
    ({"participation": {"level": 1.5}}, "participation.level: Input should be less than or equal"),
    ({"participation": {"level": 0.5, "push": True}},
     "participation.push: Extra inputs are not permitted"),
    ({"targeting": {"budget": 50, "mode": "vip"}}, "targeting.mode: Input should be 'uniform'"),
    ({"targeting": {"budget": 6000}}, "budget: this decision spends 12,000.00 this round but "
                                      "Team Alpha has 10,000.00 available"),
    ({"participation": {"level": 0.5, "training": 6000}}, "budget: this decision spends 12,000.00"),
    ({"research": [{"kind": "segment_survey", "segment": "a", "sample": 5000}] * 2},
     "budget: this decision spends 40,800.00"),
]


@pytest.mark.parametrize("decision, message", BAD, ids=range(len(BAD)))
def test_out_of_rules_programmes_exit_2_and_change_nothing(tmp_path, scenario_file, decision,
                                                            message):
    db = tmp_path / "game.db"
    _, created, _ = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 1,
                        "--periods", PERIODS)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(decision))
    before = db_dump(db)
    rc, _, err = cvm("classroom", "submit", "--db", db, "--game", created["game"],
                     "--team-secret", created["teams"][0]["secret"], "--decision", path)
    assert rc == 2 and message in err, err
    assert db_dump(db) == before


def test_a_programme_the_teacher_did_not_open_is_refused(tmp_path, scenario_file):
    db = tmp_path / "game.db"
    _, created, _ = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 1,
                        "--open", "price,promise")
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"promise": {"ratio": 1.1}, "targeting": {"budget": 10}}))
    before = db_dump(db)
    rc, _, err = cvm("classroom", "submit", "--db", db, "--game", created["game"],
                     "--team-secret", created["teams"][0]["secret"], "--decision", path)
    assert rc == 2 and "targeting: not open in this game (open: price, promise)" in err
    assert "promise: not open" not in err and db_dump(db) == before


def test_a_snapshot_cached_before_research_was_booked_is_not_served(tmp_path, scenario_file):
    from sim.classroom.game import _dump_results

    room = Classroom(tmp_path / "old.db")
    created = room.create(load_scenario(scenario_file),
                          GameSettings(teams=1, rounds=1, periods_per_round=PERIODS))
    game = created["game"]
    room.submit(game, created["teams"][0]["secret"],
                {"research": [{"kind": "competitor_benchmark", "sample": 40}]})
    room.close_round(game, created["teacher_secret"])
    info = room.info(game)
    booked = room.results(info)
    # what an older version cached under the bare decisions digest: research not in the cash
    old = {**booked, "firms": booked["firms"].assign(cash=booked["firms"]["cash"] + 800.0)}
    closed, _, digest = room.frozen(info)
    room.store.put_snapshot(game, closed, digest, _dump_results(old))
    served = room.results(info)["firms"]
    pd.testing.assert_series_equal(served["cash"], booked["firms"]["cash"])


@pytest.mark.parametrize("decision, column, effect", [
    ({"internal_marketing": 300.0}, "employee_satisfaction", "higher"),
    ({"advertising": 300.0}, "advertising_stock", "higher"),
    ({"quality_investment": 300.0}, "marketing_spend", "+300"),
    ({"relationship_level": "partnership"}, "relationship_spend", "higher"),
])
def test_the_spending_programmes_and_the_relationship_level_apply_in_their_round(
        tmp_path, scenario_file, control, decision, column, effect):
    played = _play(tmp_path, scenario_file, "spend", decision)
    _same_round_1(played, control)
    mine, base = _alpha(played).loc[FIRST_STEP_2:, column], _alpha(control).loc[FIRST_STEP_2:, column]
    if effect == "higher":
        assert (mine > base).all(), (mine, base)
    else:
        assert (mine == base + 300.0).all()
