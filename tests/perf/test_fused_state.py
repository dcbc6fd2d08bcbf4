"""Step by step, the compiled and the numpy path leave the model in the same state, bit for bit.

Two models of the same scenario and seed run side by side, one with the compiled kernels
(``sim.fast``) and one without. After every step every array of the customer population, the
step's purchases (``model.experience``), the per-firm counters, the firms' books and both random
generators' states must be identical. The first difference found is reported by name and step,
so a fused kernel that drifts from its numpy twin points at itself.

Every shipped scenario runs (they switch on every mechanism and programme between them), plus
the benchmark market and variants with purchase occasions and a late entrant.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from fused_helpers import arrays_of, same

from sim import fast
from sim.model import MarketModel
from sim.scenario import load_scenario, shipped_scenarios_dir

pytestmark = pytest.mark.skipif(not fast.AVAILABLE, reason="numba not installed")

FIRM_FIELDS = ("price", "cash", "profit", "revenue", "units", "active")


def _state(model) -> dict[str, object]:
    state: dict[str, object] = {}
    state.update({f"population.{k}": v for k, v in arrays_of(model.population).items()})
    if getattr(model, "experience", None) is not None:
        state.update({f"experience.{k}": v for k, v in arrays_of(model.experience).items()})
    state.update({f"step_stats[{k}]": v for k, v in model.step_stats.items()})
    for firm in model.firms:
        for field in FIRM_FIELDS:
            if hasattr(firm, field):
                state[f"{firm.name}.{field}"] = np.asarray(getattr(firm, field))
    state["rng"] = model.rng.bit_generator.state
    state["relationship_rng"] = model.relationship_rng.bit_generator.state
    return state


def assert_paths_agree(scenario, steps: int, seed: int = 7) -> None:
    """Run ``scenario`` with and without the compiled kernels; fail at the first difference."""
    saved = fast.ENABLED
    try:
        fast.ENABLED = True
        compiled = MarketModel(copy.deepcopy(scenario), seed=seed)
        fast.ENABLED = False
        plain = MarketModel(copy.deepcopy(scenario), seed=seed)
        for step in range(1, steps + 1):
            fast.ENABLED = True
            compiled.step()
            fast.ENABLED = False
            plain.step()
            a, b = _state(compiled), _state(plain)
            assert a.keys() == b.keys(), f"step {step}: different state keys {a.keys() ^ b.keys()}"
            for key in a:
                assert same(a[key], b[key]), f"step {step}: {key} differs between the paths"
        assert compiled.firms_frame().to_csv() == plain.firms_frame().to_csv()
        assert compiled.segments_frame().to_csv() == plain.segments_frame().to_csv()
    finally:
        fast.ENABLED = saved


def _small(name: str, customers: int = 1500, steps: int = 8):
    spec = load_scenario(name)
    data = spec.model_dump(mode="json", exclude_none=True)
    data["market"]["customers"] = customers
    data["steps"] = steps
    return data


SHIPPED = sorted(p.stem for p in shipped_scenarios_dir().glob("*.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_same_state(name):
    data = _small(name)
    assert_paths_agree(data, data["steps"])


@pytest.mark.parametrize("purchase_probability, entrant", [(1.0, False), (0.6, True)])
def test_benchmark_market_same_state(purchase_probability, entrant):
    from bench.step_speed import scenario

    data = scenario(3000, steps=10).model_dump(mode="json", exclude_none=True)
    data["market"]["purchase_probability"] = purchase_probability
    if entrant:
        data["firms"][-1]["enter_at"] = 4
    assert_paths_agree(data, 10)
