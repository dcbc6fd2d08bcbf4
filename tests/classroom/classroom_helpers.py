"""Plain helpers for the classroom tests (no pytest import, so worker processes load fast)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import sqlite3
import sys
from pathlib import Path

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]

SMALL = {
    "name": "classroom test",
    "steps": 12,
    "seed": 11,
    "market": {
        "customers": 1000,
        "dimensions": ["quality", "service"],
        "segments": [
            {"name": "a", "share": 0.6, "weights": {"quality": 0.7, "service": 0.3},
             "price_sensitivity": 1.5, "heterogeneity": 0.2},
            {"name": "b", "share": 0.4, "weights": {"quality": 0.2, "service": 0.9},
             "price_sensitivity": 1.0, "heterogeneity": 0.2},
        ],
    },
    "firms": [
        {"name": "Alpha", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.5}},
        {"name": "Beta", "price": 9.0, "attributes": {"quality": 0.5, "service": 0.6}},
        {"name": "Gamma", "price": 11.0, "attributes": {"quality": 0.8, "service": 0.4}},
        {"name": "Delta", "price": 10.5, "attributes": {"quality": 0.55, "service": 0.55}},
    ],
}



#: Default research prices (docs/classroom.md): kind -> (fixed, per respondent).
RESEARCH_PRICE = {"segment_survey": (400, 4), "competitor_benchmark": (600, 5),
                  "satisfaction_survey": (300, 3)}


def cvm(*args) -> tuple[int, object, str]:
    """Run ``cvm`` in-process; returns (exit status, parsed JSON stdout or text, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    text = out.getvalue()
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = text
    return rc, parsed, err.getvalue()


def cli_command() -> list[str]:
    """A subprocess command line that runs ``cvm``."""
    return [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main())"]


def db_dump(db: Path) -> list[str]:
    """Every record of the game file, for before/after comparisons (cache excluded)."""
    con = sqlite3.connect(db)
    try:
        return [line for line in con.iterdump() if "snapshots" not in line]
    finally:
        con.close()


def count(db: Path, table: str) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def direct_replay(scenario: dict, periods: int, rounds: int, decisions: dict):
    """``run_scenario`` of the scenario with each team's decision as a change event.

    ``decisions``: ``{round: {firm: decision dict}}`` — written independently of the classroom
    code so the comparison checks it.
    """
    from sim import run_scenario

    data = copy.deepcopy(scenario)
    events = list(data.get("events", []))
    programmes = ("internal_marketing", "advertising", "quality_investment", "relationship_level",
                  "promise", "participation", "targeting")
    for k in sorted(decisions):
        for firm, d in decisions[k].items():
            change = {key: d[key] for key in ("price", "attributes") if key in d}
            progs = {key: d[key] for key in programmes if key in d}
            if progs:
                change["programmes"] = progs
            research = sum(RESEARCH_PRICE[o["kind"]][0] + RESEARCH_PRICE[o["kind"]][1] * o["sample"]
                           for o in d.get("research", []))
            if research:  # research is a one-off cost of the round's first step
                change["expense"] = research
            if change:
                events.append({"at": (k - 1) * periods + 1, "firm": firm, "set": change})
    data["events"] = events
    return run_scenario(data, replicates=1, seed=data["seed"], steps=periods * rounds)


def submit_worker(db, game, secret, price, barrier, results):
    """One team's process in the concurrency test: wait for all, submit, revise."""
    from sim.classroom import Classroom

    room = Classroom(db)
    barrier.wait()
    stored = room.submit(game, secret, {"price": price})
    stored2 = room.submit(game, secret, {"price": price + 0.01})
    results.put((stored["team"], stored["decision_id"], stored2["revision"]))
