"""Debrief: share changes split into price, value, word of mouth and loyalty; counterfactual re-runs."""

from __future__ import annotations

import numpy as np
import pytest

from sim.classroom import Classroom, GameSettings
from sim.classroom.debrief import EFFECTS, share_effects
from sim.scenario import load_scenario


@pytest.fixture
def played(tmp_path, scenario_file):
    room = Classroom(tmp_path / "g.db")
    created = room.create(load_scenario(scenario_file),
                          GameSettings(teams=2, rounds=3, periods_per_round=2))
    g, teacher = created["game"], created["teacher_secret"]
    alpha, beta = (t["secret"] for t in created["teams"])
    room.close_round(g, teacher)                      # round 1: nobody moves
    room.submit(g, alpha, {"price": 8.0})             # round 2: Alpha cuts its price hard
    room.close_round(g, teacher)
    room.submit(g, beta, {"attributes": {"quality": 0.7}})  # round 3: Beta adds value
    room.close_round(g, teacher)
    return room, g, teacher


def test_effects_add_up_and_name_the_cause(played):
    room, g, teacher = played
    debrief = room.debrief(g, teacher)
    alpha = {line["round"]: line for line in debrief["accounts"]["Alpha"]}
    for line in alpha.values():
        parts = sum(line[e] for e in EFFECTS) + line["chance"]
        assert parts == pytest.approx(line["change"], abs=1e-12)
    # Round 2: the price cut raises Alpha's share and the price effect is the main reason.
    r2 = alpha[2]
    assert r2["change"] > 0.05 and r2["price"] > 0.05
    assert abs(r2["price"]) == max(abs(r2[e]) for e in EFFECTS)
    assert "cut its price from 10.00 to 8.00" in r2["text"] and "biggest driver was price" in r2["text"]
    # Round 3: Beta's added value shows up as a value effect for Beta.
    beta3 = debrief["accounts"]["Beta"][2]
    assert beta3["value"] > 0.01
    assert len(debrief["matrix"]) == 3 * 4


def test_shapley_parts_sum_to_the_expected_change(played):
    room, g, teacher = played
    info = room.info(g)
    closed, frozen, _ = room.frozen(info)
    states = room._replay(info, closed, frozen, keep_model=True)["replay"].states
    effects = share_effects(states[1], states[2], info.scenario.market.rationality,
                            info.scenario.mechanisms)
    total = sum(effects[e] for e in EFFECTS)
    np.testing.assert_allclose(total, effects["expected"], atol=1e-12)
    assert effects["expected"].sum() == pytest.approx(0.0, abs=1e-9)  # shares still sum to 1


def test_counterfactual_changes_only_from_its_round(played):
    room, g, teacher = played
    same = room.counterfactual(g, teacher, "Team Alpha", 2, {"price": 8.0})
    assert (same["share_difference"] == 0).all() and (same["profit_difference"] == 0).all()
    what_if = room.counterfactual(g, teacher, "Team Alpha", 2, None)  # had Alpha not cut
    before = what_if[what_if["round"] == 1]
    assert (before["share_difference"] == 0).all()
    alpha2 = what_if[(what_if["round"] == 2) & (what_if["firm"] == "Alpha")].iloc[0]
    assert alpha2["price_counterfactual"] == 10.0 and alpha2["share_difference"] < -0.05
