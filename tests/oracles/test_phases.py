"""Every phase with an oracle agrees with it on real states: each shipped scenario, stepped.

The walk runs the production step phase by phase; before each phase that has a numpy oracle
(``tests/oracles/<mechanism>.py``) it runs the oracle from the same state and compares. Between
them the shipped scenarios switch on every mechanism, programme and event type; the benchmark
market adds six firms with every mechanism on, purchase occasions and a late entrant.
"""

from __future__ import annotations

import pytest

from bench.step_speed import scenario
from oracles.harness import walk
from sim.model import PHASES, MarketModel
from sim.scenario import load_scenario, shipped_scenarios_dir

SHIPPED = sorted(p.stem for p in shipped_scenarios_dir().glob("*.yaml"))


def _small(name: str, customers: int = 1200, steps: int = 8) -> dict:
    data = load_scenario(name).model_dump(mode="json", exclude_none=True)
    data["market"]["customers"] = customers
    data["steps"] = steps
    return data


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_phases_agree_with_their_oracles(name):
    model = MarketModel(_small(name), seed=7)
    assert walk(model, 8, name) > 0


@pytest.mark.parametrize("occasions", [1.0, 0.6])
def test_bench_market_phases_agree_with_their_oracles(occasions):
    data = scenario(1500, steps=10).model_dump(mode="json", exclude_none=True)
    data["market"]["purchase_probability"] = occasions
    data["firms"][-1]["enter_at"] = 4
    model = MarketModel(data, seed=11)
    assert walk(model, 10, f"bench p={occasions}") > 0


def test_the_walk_is_the_step():
    """Walking the phases gives the same model as stepping it (the harness changes nothing)."""
    a, b = MarketModel(_small("baseline"), seed=3), MarketModel(_small("baseline"), seed=3)
    walk(a, 4)
    b.run(4)
    assert a.firms_frame().equals(b.firms_frame())
    assert len(PHASES) > 20
