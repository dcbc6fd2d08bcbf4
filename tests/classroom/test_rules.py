"""Decision schema and server-side checks; the scorecard averages rounds."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from classroom_helpers import cvm, db_dump

from sim.classroom import Classroom, ClassroomError, GameSettings, Scoring
from sim.classroom.reports import scorecard, totals
from sim.scenario import load_scenario


def test_decision_schema_and_the_minimal_decision():
    rc, schema, _ = cvm("classroom", "decision-schema")
    assert rc == 0 and schema["type"] == "object"
    assert {"price", "attributes", "internal_marketing", "advertising", "quality_investment",
            "relationship_level", "promise", "participation", "targeting",
            "research"} == set(schema["properties"])
    # the programme sections carry the scenario schema's own bounds
    ratio = schema["$defs"]["PromiseProgramme"]["properties"]["ratio"]
    assert (ratio["minimum"], ratio["maximum"]) == (0.3, 3.0)
    assert schema.get("required", []) == []
    assert schema["additionalProperties"] is False


@pytest.fixture
def room(tmp_path, scenario_file):
    room = Classroom(tmp_path / "game.db")
    created = room.create(load_scenario(scenario_file), GameSettings(
        teams=2, rounds=2, periods_per_round=2, starting_cash=5000,
        open_decisions=["price", "attributes", "advertising", "research"]))
    return room, created


@pytest.mark.parametrize("decision, message", [
    ({"price": 4.9}, "price: must lie between 5.00 and 20.00"),
    ({"price": 20.5}, "price: must lie between 5.00 and 20.00"),
    ({"price": -1}, "price: Input should be greater than 0"),
    ({"price": "cheap"}, "price: Input should be a valid number"),
    ({"prize": 9}, "prize: Extra inputs are not permitted"),
    ({"attributes": {"quality": 0.9}}, "attributes.quality: can move at most 0.2 per round"),
    ({"attributes": {"colour": 0.5}}, "attributes.colour: unknown dimension"),
    ({"attributes": {"quality": 1.5}}, "level of 'quality' must lie in [0, 1]"),
    ({"internal_marketing": 10}, "internal_marketing: not open in this game"),
    ({"advertising": 1000}, "budget: this decision spends 2,000.00 this round but Team Alpha "
                            "has 5,000.00"),
    ({"advertising": 3000}, "budget: this decision spends 6,000.00"),
    ({"research": [{"kind": "segment_survey"}]}, "a segment_survey needs a segment"),
    ({"research": [{"kind": "segment_survey", "segment": "zz"}]}, "unknown segment 'zz'"),
])
def test_invalid_decisions_are_refused_and_change_nothing(room, decision, message):
    room, created = room
    before = db_dump(room.store.path)
    secret = created["teams"][0]["secret"]
    if message.startswith("budget: this decision spends 2,000.00"):
        room.submit(created["game"], secret, decision)  # within budget: accepted
        return
    with pytest.raises(ClassroomError) as err:
        room.submit(created["game"], secret, decision)
    assert message in str(err.value)
    assert db_dump(room.store.path) == before


def test_cli_invalid_decision_exits_2(tmp_path, scenario_file):
    db = tmp_path / "g.db"
    _, created, _ = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 1)
    bad = tmp_path / "bad.json"
    for text in ('{"price": 9.5, "colour": 1}', "not json", "[1, 2]"):
        bad.write_text(text)
        before = db_dump(db)
        rc, _, err = cvm("classroom", "submit", "--db", db, "--game", created["game"],
                         "--team-secret", created["teams"][0]["secret"], "--decision", bad)
        assert rc == 2 and err.startswith("error: invalid decision") and db_dump(db) == before
    rc, _, err = cvm("classroom", "submit", "--db", db, "--game", created["game"],
                     "--team-secret", created["teams"][0]["secret"], "--decision",
                     tmp_path / "missing.json")
    assert rc == 2 and "cannot read" in err


def test_create_refuses_bad_settings(tmp_path, scenario_file):
    db = tmp_path / "g.db"
    rc, _, err = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 5)
    assert rc == 2 and "at most 4 teams" in err
    rc, _, err = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 1,
                     "--open", "price,colour")
    assert rc == 2 and "unknown decision 'colour'" in err
    rc, _, err = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 1,
                     "--weights", "profit=0,share=0,satisfaction=0,clv=0")
    assert rc == 2 and "at least one scoring weight" in err
    rc, _, err = cvm("classroom", "create", tmp_path / "nope.yaml", "--db", db, "--teams", 1)
    assert rc == 2 and "invalid scenario" in err
    rc, _, err = cvm("classroom", "status", "--db", tmp_path / "absent.db", "--game", "X")
    assert rc == 2 and "no game database" in err and not (tmp_path / "absent.db").exists()


def test_game_over_and_demo_without_teams(tmp_path, scenario_file):
    db = tmp_path / "g.db"
    rc, created, _ = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 0,
                         "--rounds", 2, "--periods", 1)
    assert rc == 0 and created["teams"] == []
    for k in (1, 2):
        rc, closed, err = cvm("classroom", "close-round", "--db", db, "--game", created["game"],
                              "--teacher-secret", created["teacher_secret"])
        assert rc == 0 and closed["round"] == k, err
    rc, _, err = cvm("classroom", "close-round", "--db", db, "--game", created["game"],
                     "--teacher-secret", created["teacher_secret"])
    assert rc == 2 and "game is over" in err
    rc, debrief, _ = cvm("classroom", "debrief", "--db", db, "--game", created["game"],
                         "--teacher-secret", created["teacher_secret"])
    assert rc == 0 and set(debrief["accounts"]) == {"Alpha", "Beta", "Gamma", "Delta"}


def test_scoring_averages_rounds_so_one_lucky_round_cannot_dominate():
    rows = []
    for k in range(1, 5):
        lucky = 1e9 if k == 1 else 0.0
        rows += [
            {"round": k, "firm": "Lucky", "profit": 100.0 + lucky, "share": 0.2,
             "satisfaction": 0.5, "clv": 10.0},
            {"round": k, "firm": "Steady", "profit": 500.0, "share": 0.4,
             "satisfaction": 0.7, "clv": 30.0},
        ]
    card = scorecard(pd.DataFrame(rows), Scoring(profit=1, share=0, satisfaction=0, clv=0))
    assert card["score"].between(0, 1).all()
    result = totals(card).set_index("firm")["score"]
    assert result["Lucky"] == pytest.approx(0.25) and result["Steady"] == pytest.approx(0.75)
    balanced = totals(scorecard(pd.DataFrame(rows), Scoring())).set_index("firm")["score"]
    assert balanced["Steady"] > balanced["Lucky"]


def test_decision_json_round_trips_through_the_store(room):
    room, created = room
    decision = {"price": 9.5, "attributes": {"quality": 0.7},
                "research": [{"kind": "competitor_benchmark", "sample": 20}]}
    stored = room.submit(created["game"], created["teams"][0]["secret"], json.dumps(decision))
    assert stored["decision"] == decision


def test_records_are_append_only(room):
    import sqlite3

    room, created = room
    room.submit(created["game"], created["teams"][0]["secret"], {"price": 9.0})
    room.close_round(created["game"], created["teacher_secret"])
    con = sqlite3.connect(room.store.path)
    try:
        for sql in ("UPDATE decisions SET decision_json='{}'", "DELETE FROM decisions",
                    "DELETE FROM rounds", "UPDATE teams SET secret_hash='x'",
                    "INSERT INTO rounds SELECT * FROM rounds"):
            with pytest.raises(sqlite3.DatabaseError):
                con.execute(sql)
    finally:
        con.close()
