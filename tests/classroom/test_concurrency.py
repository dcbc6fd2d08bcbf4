"""Thirty teams submitting at the same moment from separate processes: each stored exactly once."""

from __future__ import annotations

import copy
import multiprocessing

from sim.classroom import Classroom, GameSettings
from sim.scenario import validate_scenario
from tests.classroom.conftest import SMALL, count

TEAMS = 30


def _submit(db, game, secret, price, barrier, results):
    room = Classroom(db)
    barrier.wait()
    stored = room.submit(game, secret, {"price": price})
    stored2 = room.submit(game, secret, {"price": price + 0.01})  # a revision, also concurrent
    results.put((stored["team"], stored["decision_id"], stored2["revision"]))


def test_thirty_teams_submit_at_once(tmp_path):
    data = copy.deepcopy(SMALL)
    data["market"]["customers"] = 300
    data["firms"] = [
        {"name": f"Firm{i:02d}", "price": 10.0, "attributes": {"quality": 0.5, "service": 0.5}}
        for i in range(TEAMS)
    ]
    db = tmp_path / "game.db"
    room = Classroom(db)
    created = room.create(validate_scenario(data),
                          GameSettings(teams=TEAMS, rounds=2, periods_per_round=1))
    ctx = multiprocessing.get_context("forkserver")  # children fork from a single-threaded server
    ctx.set_forkserver_preload([__name__])
    barrier, results = ctx.Barrier(TEAMS), ctx.Queue()
    prices = {t["name"]: 8.0 + 0.05 * i for i, t in enumerate(created["teams"])}
    procs = [
        ctx.Process(target=_submit, args=(db, created["game"], t["secret"], prices[t["name"]],
                                          barrier, results))
        for t in created["teams"]
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * TEAMS
    got = [results.get(timeout=5) for _ in range(TEAMS)]
    assert sorted(name for name, _, _ in got) == sorted(prices)
    assert all(revision == 2 for _, _, revision in got)
    assert len({decision_id for _, decision_id, _ in got}) == TEAMS

    assert count(db, "decisions") == 2 * TEAMS
    status = room.status(created["game"])
    assert sorted(status["submitted"]) == sorted(prices)
    view = room.teacher_view(created["game"], created["teacher_secret"])
    for sub in view["submissions"]:
        assert sub["revisions"] == 2
        assert sub["decision"] == {"price": prices[sub["team"]] + 0.01}
