"""A full game from the command line equals a direct run_scenario replay of its decisions."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from classroom_helpers import cvm, direct_replay

PERIODS, ROUNDS = 2, 3

# round -> team firm -> list of submissions (the last one counts; earlier ones are revisions)
PLAY = {
    1: {"Alpha": [{"price": 9.5}],
        "Beta": [{"price": 7.0}, {"attributes": {"quality": 0.65}, "price": 8.6}],
        "Gamma": [{"price": 10.4, "internal_marketing": 150.0, "advertising": 80.0}]},
    2: {"Alpha": [{"price": 9.1, "attributes": {"service": 0.6}}],
        "Gamma": [{"relationship_level": "proactive", "quality_investment": 60.0}]},
    3: {"Alpha": [{"price": 9.0}], "Beta": [{"price": 8.4}],
        "Gamma": [{"price": 10.0, "research": [{"kind": "competitor_benchmark", "sample": 40}]}]},
}


def test_full_game_from_the_cli(tmp_path, scenario_file, small):
    db = tmp_path / "game.db"
    rc, created, err = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 3,
                           "--rounds", ROUNDS, "--periods", PERIODS)
    assert rc == 0, err
    game, teacher = created["game"], created["teacher_secret"]
    secrets = {t["firm"]: t["secret"] for t in created["teams"]}
    assert [t["firm"] for t in created["teams"]] == ["Alpha", "Beta", "Gamma"]
    assert len(set(secrets.values()) | {teacher}) == 4

    for k in range(1, ROUNDS + 1):
        for firm, submissions in PLAY[k].items():
            for i, decision in enumerate(submissions):
                path = tmp_path / f"r{k}-{firm}-{i}.json"
                path.write_text(json.dumps(decision))
                rc, stored, err = cvm("classroom", "submit", "--db", db, "--game", game,
                                      "--team-secret", secrets[firm], "--decision", path)
                assert rc == 0, err
                assert (stored["round"], stored["revision"]) == (k, i + 1)
        rc, status, _ = cvm("classroom", "status", "--db", db, "--game", game)
        assert status["round"] == k - 1
        assert status["submitted"] == [f"Team {f}" for f in PLAY[k]]
        rc, closed, err = cvm("classroom", "close-round", "--db", db, "--game", game,
                              "--teacher-secret", teacher)
        assert rc == 0, err
        assert closed["round"] == k and closed["steps"] == k * PERIODS

    rc, status, _ = cvm("classroom", "status", "--db", db, "--game", game)
    assert status["round"] == ROUNDS and status["finished"] and status["submitted"] == []

    out = tmp_path / "export"
    rc, exported, err = cvm("classroom", "export", "--db", db, "--game", game,
                            "--teacher-secret", teacher, "--out", out)
    assert rc == 0, err
    assert {"firms.csv", "decisions.csv", "segments.csv", "summary.json"} <= set(exported["files"])

    effective = {k: {firm: subs[-1] for firm, subs in PLAY[k].items()} for k in PLAY}
    direct = direct_replay(small, PERIODS, ROUNDS, effective)
    assert (out / "firms.csv").read_text() == direct.firms.to_csv(index=False)
    assert (out / "segments.csv").read_text() == direct.segments.to_csv(index=False)

    firms = pd.read_csv(out / "firms.csv")
    assert firms["step"].max() == ROUNDS * PERIODS  # every round applied exactly once
    prices = firms.set_index(["step", "firm"])["price"]
    assert prices[(1, "Beta")] == 8.6 and prices[(3, "Alpha")] == 9.1 and prices[(6, "Beta")] == 8.4

    decisions = pd.read_csv(out / "decisions.csv")
    assert len(decisions) == sum(len(v) for v in PLAY.values())
    beta1 = decisions[(decisions["round"] == 1) & (decisions["firm"] == "Beta")].iloc[0]
    assert beta1["revisions"] == 2 and beta1["price"] == 8.6
    assert json.loads(beta1["decision"]) == PLAY[1]["Beta"][-1]


def test_reports_and_research_after_a_round(tmp_path, scenario_file):
    db = tmp_path / "game.db"
    _, created, _ = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 2,
                        "--rounds", 2, "--periods", 2)
    game, teacher = created["game"], created["teacher_secret"]
    alpha = created["teams"][0]["secret"]
    decision = tmp_path / "d.json"
    decision.write_text(json.dumps({"price": 9.6, "research": [
        {"kind": "segment_survey", "segment": "a", "sample": 200},
        {"kind": "satisfaction_survey", "sample": 50}]}))
    assert cvm("classroom", "submit", "--db", db, "--game", game, "--team-secret", alpha,
               "--decision", decision)[0] == 0
    assert cvm("classroom", "close-round", "--db", db, "--game", game,
               "--teacher-secret", teacher)[0] == 0
    rc, report, err = cvm("classroom", "report", "--db", db, "--game", game, "--secret", alpha)
    assert rc == 0, err
    public, private = report["public"], report["private"]
    assert {f["firm"] for f in public["firms"]} == {"Alpha", "Beta", "Gamma", "Delta"}
    assert abs(sum(f["share"] for f in public["firms"]) - 1) < 1e-9
    assert {s["segment"] for s in public["segments"]} == {"a", "b"}
    assert private["firm"] == "Alpha" and private["round"] == 1
    assert set(private["ladder"]) == {"prospect", "customer", "client", "supporter", "advocate",
                                      "partner"}
    assert private["clv"] == pytest.approx(private["clv_per_customer"] * private["customers"])
    assert private["pnl"]["profit"] == pytest.approx(
        private["pnl"]["revenue"] - private["pnl"]["variable_cost"] - private["pnl"]["fixed_cost"]
        - private["pnl"]["marketing_spend"])
    survey = private["research"][0]
    assert survey["kind"] == "segment_survey" and set(survey["weights"]) == {"quality", "service"}
    # noisy but informative: segment a values quality (0.7) more than service (0.3)
    assert survey["weights"]["quality"] > survey["weights"]["service"]
    cost = 400 + 4 * 200 + 300 + 3 * 50
    assert private["pnl"]["research_spend"] == cost
    # research is in the model's own books (test_decided_programmes.py compares cash with a game
    # without research): this round's marketing spend holds it, cash is after it
    assert private["pnl"]["marketing_spend"] == pytest.approx(
        private["pnl"]["programme_spend"] + cost)
    assert private["pnl"]["programme_spend"] == 0
    assert private["cash_after_research"] == private["cash"]
