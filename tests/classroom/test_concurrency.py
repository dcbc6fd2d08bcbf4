"""Thirty teams submitting at the same moment from separate processes: each stored exactly once."""

from __future__ import annotations

import copy
import multiprocessing

import pytest
from classroom_helpers import SMALL, count, submit_worker

from sim.classroom import Classroom, GameSettings
from sim.scenario import validate_scenario

TEAMS = 30


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
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
    # fork: the children start with everything imported (forkserver/spawn would import the
    # simulator 30 times). The parent's idle BLAS threads make Python warn; children never use them.
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(TEAMS), ctx.Queue()
    prices = {t["name"]: 8.0 + 0.05 * i for i, t in enumerate(created["teams"])}
    procs = [
        ctx.Process(target=submit_worker, args=(db, created["game"], t["secret"], prices[t["name"]],
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
