"""Crash safety: SIGKILL while closing a round loses no decision and never applies a round twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

from classroom_helpers import cli_command, count, cvm, db_dump, direct_replay

from sim.classroom import Classroom, GameSettings
from sim.classroom.game import PAUSE_ENV
from sim.scenario import load_scenario

PERIODS = 2


def _game(tmp_path, scenario_file, rounds=3):
    db = tmp_path / "game.db"
    room = Classroom(db)
    created = room.create(load_scenario(scenario_file),
                          GameSettings(teams=2, rounds=rounds, periods_per_round=PERIODS))
    return db, room, created


def _close_cmd(db, created):
    return [*cli_command(), "classroom", "close-round", "--db", str(db), "--game",
            created["game"], "--teacher-secret", created["teacher_secret"]]


def test_sigkill_inside_the_close_transaction(tmp_path, scenario_file, small):
    db, room, created = _game(tmp_path, scenario_file)
    alpha, beta = (t["secret"] for t in created["teams"])
    game = created["game"]
    room.submit(game, alpha, {"price": 9.3, "research": [{"kind": "competitor_benchmark",
                                                          "sample": 30}]})
    room.submit(game, beta, {"price": 8.7})
    before = db_dump(db)

    proc = subprocess.Popen(_close_cmd(db, created), env={**os.environ, PAUSE_ENV: "60"},
                            stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()  # printed inside the transaction, records written
    assert "pausing" in line, line
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # Nothing of the killed close survived, every decision did.
    assert db_dump(db) == before
    assert room.status(game)["round"] == 0
    assert room.status(game)["submitted"] == ["Team Alpha", "Team Beta"]
    assert count(db, "rounds") == 0 and count(db, "purchases") == 0

    # Restart: the close goes through once, with both decisions and one research purchase.
    closed = subprocess.run(_close_cmd(db, created), capture_output=True, text=True, timeout=120)
    assert closed.returncode == 0, closed.stderr
    assert room.status(game)["round"] == 1
    assert count(db, "rounds") == 1 and count(db, "purchases") == 1 and count(db, "decisions") == 2
    rc, _, err = cvm("classroom", "export", "--db", db, "--game", game, "--teacher-secret",
                     created["teacher_secret"], "--out", tmp_path / "out")
    assert rc == 0, err
    alpha_decision = {"price": 9.3, "research": [{"kind": "competitor_benchmark", "sample": 30}]}
    direct = direct_replay(small, PERIODS, 1, {1: {"Alpha": alpha_decision,
                                                   "Beta": {"price": 8.7}}})
    assert (tmp_path / "out" / "firms.csv").read_text() == direct.firms.to_csv(index=False)


def test_kills_at_random_moments_never_lose_or_repeat(tmp_path, scenario_file, small):
    rounds = 2
    db, room, created = _game(tmp_path, scenario_file, rounds=rounds)
    alpha, beta = (t["secret"] for t in created["teams"])
    game = created["game"]
    rng = random.Random(5)
    played = {}
    for k in range(1, rounds + 1):
        played[k] = {"Alpha": {"price": round(9.0 + 0.2 * k, 2)},
                     "Beta": {"price": round(9.5 - 0.3 * k, 2)}}
        room.submit(game, alpha, played[k]["Alpha"])
        room.submit(game, beta, played[k]["Beta"])
        decisions_before = count(db, "decisions")
        # Kill a few close attempts at random moments (before, during or after the commit).
        for _ in range(2):
            proc = subprocess.Popen(_close_cmd(db, created), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.2, 2.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            if room.status(game)["round"] == k:
                break  # that close committed before the kill
        if room.status(game)["round"] == k - 1:
            room.close_round(game, created["teacher_secret"])
        assert room.status(game)["round"] == k
        assert count(db, "rounds") == k
        assert count(db, "decisions") == decisions_before

    rc, _, err = cvm("classroom", "export", "--db", db, "--game", game, "--teacher-secret",
                     created["teacher_secret"], "--out", tmp_path / "out")
    assert rc == 0, err
    direct = direct_replay(small, PERIODS, rounds, played)
    assert (tmp_path / "out" / "firms.csv").read_text() == direct.firms.to_csv(index=False)
