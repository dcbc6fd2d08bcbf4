"""A team's decision with NaN, infinities, huge numbers, huge strings, wrong types or unknown
keys is refused with exit 2 and one readable message naming the field, and the game file is
left exactly as it was (byte-for-byte the same records)."""

from __future__ import annotations

import json

import pytest
from classroom_helpers import cvm, db_dump

from sim.classroom.settings import MAX_DECISION_BYTES

BAD = [
    ('{"price": NaN}', "price: Input should be a finite number"),
    ('{"price": Infinity}', "price: Input should be a finite number"),
    ('{"advertising": -Infinity}', "advertising: Input should be a finite number"),
    ('{"price": 1e308}', "price: Input should be less than or equal to"),
    ('{"internal_marketing": 1e308}', "internal_marketing: Input should be less than or equal"),
    ('{"quality_investment": -1}', "quality_investment: Input should be greater than or equal"),
    ('{"attributes": {"quality": NaN}}', "attributes.quality: Input should be a finite number"),
    ('{"attributes": {"quality": 1e308}}', "attributes: level of 'quality' must lie in [0, 1]"),
    ('{"price": true}', "price: Input should be a valid number"),
    ('{"price": "9.5"}', "price: Input should be a valid number"),
    ('{"price": "9' + "9" * 400 + '"}', "price: Input should be a valid number"),
    ('{"attributes": {"quality": false}}', "attributes.quality: Input should be a valid number"),
    ('{"price": 9, "bonus": 1}', "bonus: Extra inputs are not permitted"),
    ('{"research": [{"kind": "competitor_benchmark", "sample": 40, "free": true}]}',
     "research.0.free: Extra inputs are not permitted"),
    ('{"research": [{"kind": "competitor_benchmark", "sample": 1e308}]}',
     "research.0.sample: Input should be a valid integer"),
    ('{"attributes": {"' + "q" * 5000 + '": 0.5}}', "attributes.qqqq"),
    ('{"research": [{"kind": "segment_survey", "segment": "' + "s" * 20_000 + '"}]}',
     "research.0.segment: String should have at most 80 characters"),
    ('{"attributes": {' + ", ".join(f'"d{i}": 0.5' for i in range(40)) + "}}",
     "attributes: Dictionary should have at most 16 items"),
    ('[9.5]', "decision: Input should be an object"),
    ('{"price": 9.5', "Invalid JSON"),
]


@pytest.fixture
def game(tmp_path, scenario_file):
    db = tmp_path / "game.db"
    rc, created, err = cvm("classroom", "create", scenario_file, "--db", db, "--teams", 2,
                           "--rounds", 2, "--periods", 1)
    assert rc == 0, err
    first = tmp_path / "first.json"
    first.write_text(json.dumps({"price": 9.0}))
    rc, _, err = cvm("classroom", "submit", "--db", db, "--game", created["game"],
                     "--team-secret", created["teams"][0]["secret"], "--decision", first)
    assert rc == 0, err
    return db, created


@pytest.mark.parametrize("text, message", BAD, ids=range(len(BAD)))
def test_a_bad_decision_is_refused_and_changes_nothing(tmp_path, game, text, message):
    db, created = game
    path = tmp_path / "bad.json"
    path.write_text(text)
    before = db_dump(db)
    rc, out, err = cvm("classroom", "submit", "--db", db, "--game", created["game"],
                       "--team-secret", created["teams"][0]["secret"], "--decision", path)
    assert rc == 2
    assert out == ""
    assert message in err, err
    assert "Traceback" not in err and len(err) < 2000  # a huge key or value is cut short
    assert db_dump(db) == before


def test_a_decision_beyond_the_size_limit_is_not_read_whole(tmp_path, game):
    db, created = game
    path = tmp_path / "huge.json"
    path.write_text('{"price": 9.5, "x": "' + "y" * (4 * MAX_DECISION_BYTES) + '"}')
    before = db_dump(db)
    rc, _, err = cvm("classroom", "submit", "--db", db, "--game", created["game"],
                     "--team-secret", created["teams"][0]["secret"], "--decision", path)
    assert rc == 2 and f"longer than {MAX_DECISION_BYTES:,} characters" in err
    assert db_dump(db) == before


def test_the_python_api_refuses_the_same_as_the_cli(game):
    from sim.classroom import Classroom
    from sim.classroom.game import ClassroomError

    db, created = game
    room = Classroom(db)
    before = db_dump(db)
    for bad in ({"price": float("nan")}, {"price": float("inf")}, {"price": True},
                {"advertising": 1e308}, {"price": 9, "extra": 1}, {"attributes": {"x" * 500: 0.5}}):
        with pytest.raises(ClassroomError, match="invalid decision"):
            room.submit(created["game"], created["teams"][0]["secret"], bad)
    assert db_dump(db) == before
