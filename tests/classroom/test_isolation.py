"""Roles: a team secret reads and changes only its own team; wrong or missing secrets change nothing."""

from __future__ import annotations

import json

import pytest
from classroom_helpers import cvm, db_dump

from sim.classroom import AccessDenied, Classroom


@pytest.fixture
def game(tmp_path, scenario_file):
    db = tmp_path / "game.db"
    _, created, _ = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 2,
                        "--rounds", 3, "--periods", 2)
    secrets = {t["firm"]: t["secret"] for t in created["teams"]}
    for firm, price in (("Alpha", 9.41), ("Beta", 8.77)):
        path = tmp_path / f"{firm}.json"
        path.write_text(json.dumps({"price": price}))
        assert cvm("classroom", "submit", "--db", db, "--game", created["game"],
                   "--team-secret", secrets[firm], "--decision", path)[0] == 0
    return db, created, secrets, tmp_path


def _decision(tmp_path, data, name="x.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_wrong_or_missing_secrets_exit_2_and_change_nothing(game):
    db, created, secrets, tmp = game
    g, d = created["game"], _decision(tmp, {"price": 5.55})
    before = db_dump(db)
    alpha_token = secrets["Alpha"].split("-", 1)[1]
    attempts = [
        ("submit", "--team-secret", "wrong"),
        ("submit",),
        ("submit", "--team-secret", ""),
        ("submit", "--team-secret", f"2-{alpha_token}"),  # Alpha's token under Beta's number
        ("submit", "--team-secret", created["teacher_secret"]),  # the teacher is not a team
        ("close-round", "--teacher-secret", secrets["Alpha"]),  # a team cannot close rounds
        ("close-round", "--teacher-secret", "T-AAAA-AAAA-AAAA-AAAA-AAAA"),
        ("close-round",),
        ("export", "--teacher-secret", secrets["Beta"], "--out", tmp / "leak"),
        ("debrief", "--teacher-secret", secrets["Beta"]),
        ("report", "--secret", "nope"),
    ]
    for verb, *flags in attempts:
        extra = ["--decision", d] if verb == "submit" else []
        rc, out, err = cvm("classroom", verb, "--db", db, "--game", g, *flags, *extra)
        assert rc == 2, (verb, flags, out)
        assert "secret" in err or "teacher" in err, err
        assert "Traceback" not in err
    assert db_dump(db) == before
    assert not (tmp / "leak").exists()


def test_a_team_cannot_read_or_change_another_teams_decision(game):
    db, created, secrets, tmp = game
    g = created["game"]
    # Alpha revises: only Alpha's decision changes, Beta's stays.
    rc, stored, _ = cvm("classroom", "submit", "--db", db, "--game", g, "--team-secret",
                        secrets["Alpha"], "--decision", _decision(tmp, {"price": 9.0}))
    assert rc == 0 and stored["team"] == "Team Alpha"
    room = Classroom(db)
    subs = {s["team"]: s for s in room.teacher_view(g, created["teacher_secret"])["submissions"]}
    assert subs["Team Beta"]["decision"] == {"price": 8.77}
    assert subs["Team Alpha"]["decision"] == {"price": 9.0}
    # Pending decisions are not in anything a team can read.
    view = room.team_view(g, secrets["Alpha"])
    assert "8.77" not in json.dumps(view)
    assert view["pending"]["decision"] == {"price": 9.0}
    rc, report, _ = cvm("classroom", "report", "--db", db, "--game", g, "--secret",
                        secrets["Alpha"])
    assert rc == 0 and "8.77" not in json.dumps(report)
    # The teacher view needs the teacher.
    with pytest.raises(AccessDenied):
        room.teacher_view(g, secrets["Alpha"])


def test_private_reports_stay_private(game):
    db, created, secrets, tmp = game
    g = created["game"]
    assert cvm("classroom", "close-round", "--db", db, "--game", g, "--teacher-secret",
               created["teacher_secret"])[0] == 0
    room = Classroom(db)
    alpha = room.private_report(g, secrets["Alpha"])
    beta = room.private_report(g, secrets["Beta"])
    assert (alpha["firm"], beta["firm"]) == ("Alpha", "Beta")
    with pytest.raises(AccessDenied):
        room.private_report(g, secrets["Alpha"], team_name="Team Beta")
    rc, _, err = cvm("classroom", "report", "--db", db, "--game", g, "--secret",
                     secrets["Alpha"], "--team", "Beta")
    assert rc == 2 and "own" in err
    rc, report, _ = cvm("classroom", "report", "--db", db, "--game", g, "--secret",
                        secrets["Alpha"])
    text = json.dumps(report)
    assert "teacher" not in report and report["private"]["firm"] == "Alpha"
    for figure in ("revenue", "profit", "variable_cost"):
        assert json.dumps(beta["pnl"][figure]) not in text
    assert json.dumps(beta["cash"]) not in text
    # The teacher may read any team's private report.
    assert room.private_report(g, created["teacher_secret"], team_name="Team Beta") == beta


def test_secrets_are_stored_only_as_hashes(game):
    db, created, secrets, _ = game
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    for secret in [created["teacher_secret"], *secrets.values()]:
        assert secret.encode() not in raw
        assert secret.split("-", 1)[1].encode() not in raw
    assert raw.count(b"scrypt$") >= 3


def test_another_games_secret_is_refused(game, scenario_file):
    db, created, secrets, tmp = game
    _, other, _ = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 2)
    before = db_dump(db)
    rc, _, err = cvm("classroom", "submit", "--db", db, "--game", other["game"],
                     "--team-secret", secrets["Alpha"], "--decision", _decision(tmp, {"price": 9}))
    assert rc == 2 and db_dump(db) == before
    rc, _, err = cvm("classroom", "close-round", "--db", db, "--game", other["game"],
                     "--teacher-secret", created["teacher_secret"])
    assert rc == 2 and db_dump(db) == before
