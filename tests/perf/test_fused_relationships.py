"""The relationship phases give the same bits with and without their compiled loops.

Each phase of the relationship update (trust, ladder and tenure, learning, switching costs,
loyalty bonus, expectations) and the recorder's ladder counts run on two identical synthetic
markets, one with ``sim.fast`` on and one with it off, and every array they touch, the
relationship generator's state and the counts must agree bit for bit. The markets are built to
hold the edge cases a fused loop gets wrong and a whole-model run rarely reaches: nobody or
everybody buying, customers without a supplier, a firm column nobody knows (a late entrant),
NaN and boundary satisfaction, trust exactly on a rung's threshold, tenure at its cap, an empty
population. (``test_fused_state.py`` checks whole models step by step.)
"""

from __future__ import annotations

import types

import numpy as np
import pytest
from fused_helpers import assert_twins_agree

from sim import fast
from sim.mechanisms import bonds, expectations, ladder, learning, loyalty
from sim.mechanisms.satisfaction import Experience
from sim.scenario.relationships import (
    BondParams,
    ExpectationParams,
    LadderParams,
    LearningParams,
    LoyaltyParams,
    RelationshipParams,
)

pytestmark = pytest.mark.skipif(not fast.AVAILABLE, reason="numba not installed")

N_FIRMS = 4  # the last column is a firm nobody knows nor buys from (not yet entered)

PHASES = [
    ("loyalty.update", loyalty.update), ("ladder.update", ladder.update),
    ("learning.update", learning.update), ("bonds.update", bonds.update),
    ("loyalty.refresh", loyalty.refresh), ("expectations.update", expectations.update),
]

EXTREME = RelationshipParams(
    loyalty=LoyaltyParams(trust_gain=0.5, delight_boost=3.0, trust_loss=1.0,
                          satisfaction_convexity=2.0),
    ladder=LadderParams(up_probability=1.0, down_steps=5, client_trust=0.5, supporter_trust=0.5),
    bonds=BondParams(structural_tenure=1, default_structural=1.0, teaching_cost=0.7),
    learning=LearningParams(customer_sacrifice=2.0, default_rate=1.0),
    expectations=ExpectationParams(adaptation=1.0, best_offer_pull=1.0, drift=-0.1,
                                   adequate_ratio=0.1, desired_ratio=3.0),
)


def _market(n: int, buyers: str, params: RelationshipParams, seed: int = 3):
    """A synthetic model with just what the relationship phases read."""
    rng = np.random.default_rng(seed)
    nf, active = N_FIRMS, N_FIRMS - 1
    supplier = rng.integers(-1, active, n).astype(np.int32)
    previous = np.where(rng.random(n) < 0.7, supplier, rng.integers(-1, active, n)).astype(np.int32)
    ladder_p = params.ladder
    trust = rng.random((n, nf))
    trust[rng.random((n, nf)) < 0.1] = ladder_p.client_trust  # exactly on a threshold
    trust[rng.random((n, nf)) < 0.05] = rng.choice([0.0, 1.0])
    satisfaction = rng.random((n, nf))
    satisfaction[rng.random((n, nf)) < 0.1] = np.nan
    satisfaction[rng.random((n, nf)) < 0.05] = rng.choice([0.0, 0.5, 1.0])
    knowledge = rng.random((n, nf)).astype(np.float32)
    knowledge[rng.random((n, nf)) < 0.1] = 0.0
    aware = rng.random((n, nf)) < 0.7
    aware[:, -1] = False
    aware[np.arange(n), np.maximum(supplier, 0)] |= supplier >= 0
    tenure = rng.integers(0, 40, n).astype(np.int16)
    tenure[rng.random(n) < 0.05] = np.iinfo(np.int16).max
    width = rng.lognormal(0.0, 0.5, n).astype(np.float32)
    adequate = rng.random(n).astype(np.float32)
    pop = types.SimpleNamespace(
        n=n, supplier=supplier, previous_supplier=previous, trust=trust,
        rung=rng.integers(0, 6, (n, nf)).astype(np.int8), tenure=tenure,
        satisfaction=satisfaction, knowledge=knowledge, value_shift=rng.normal(0, 0.1, (n, nf)),
        weights=rng.random((n, 3)), aware=aware, loyalty=np.zeros(n), switching_cost=np.zeros(n),
        zone_width=width, adequate=adequate, desired=adequate + rng.random(n).astype(np.float32),
        reference_price=np.full(n, 10.0),
    )
    bought = {"none": np.zeros(n, bool), "all": np.ones(n, bool),
              "some": rng.random(n) < 0.6}[buyers]
    who = np.nonzero(bought)[0]
    firm = np.where(rng.random(len(who)) < 0.8, previous[who], rng.integers(0, active, len(who)))
    firm = np.where(firm < 0, 0, firm).astype(np.int32)
    z = rng.normal(0.3, 1.0, len(who))
    z[rng.random(len(who)) < 0.05] = np.nan
    z[rng.random(len(who)) < 0.05] = rng.choice([0.0, 1.0])
    exp = Experience(
        who=who, firm=firm, new=previous[who] != firm, performance=rng.random(len(who)) * 2,
        z=z, best=rng.random(n) * 2, recovered=rng.random(len(who)) < 0.2,
        cell=who * nf + firm,
    )
    firms = [types.SimpleNamespace(), types.SimpleNamespace(learning_rate=1.7),
             types.SimpleNamespace(bonds={"financial": 0.9, "social": 1.0}),
             types.SimpleNamespace(learning_rate=0.0)]
    on = types.SimpleNamespace(loyalty=True, learning=True, switching_costs=True,
                               expectations=True)
    return types.SimpleNamespace(
        population=pop, experience=exp, n_firms=nf, firms=firms,
        spec=types.SimpleNamespace(mechanisms=on, relationships=params,
                                   market=types.SimpleNamespace(reference_adaptation=0.2,
                                                                 reference_adaptation_up=0.25)),
        relationship_rng=np.random.default_rng(seed + 1),
        step_stats={"units": np.bincount(firm, minlength=nf).astype(float)},
        prices=lambda: np.array([10.0, 9.0, 12.0, 11.0]), price_index=1.0, reference_price0=10.0,
    )


def _run_both(n, buyers, params, monkeypatch):
    compiled, plain = _market(n, buyers, params), _market(n, buyers, params)
    for name, phase in PHASES:
        monkeypatch.setattr(fast, "ENABLED", True)
        phase(compiled)
        monkeypatch.setattr(fast, "ENABLED", False)
        phase(plain)
        assert_twins_agree(compiled, plain, name)
    monkeypatch.setattr(fast, "ENABLED", True)
    counts = ladder.rung_counts(compiled)
    monkeypatch.setattr(fast, "ENABLED", False)
    expected = ladder.rung_counts(plain)
    assert counts.keys() == expected.keys()
    for key in counts:
        assert counts[key].dtype == expected[key].dtype, key
        assert np.array_equal(counts[key], expected[key]), f"rung_counts: {key} differs"
    return compiled


@pytest.mark.parametrize("buyers", ["none", "some", "all"])
@pytest.mark.parametrize("params", [RelationshipParams(), EXTREME], ids=["default", "extreme"])
def test_relationship_phases_same_bits(buyers, params, monkeypatch):
    model = _run_both(3000, buyers, params, monkeypatch)
    assert model.population.loyalty.any() or buyers == "none"


def test_empty_population(monkeypatch):
    _run_both(0, "none", RelationshipParams(), monkeypatch)


def test_phases_changed_the_state(monkeypatch):
    """The comparison is not vacuous: the phases do move trust, rungs, tenure and levels."""
    before = _market(3000, "some", RelationshipParams())
    after = _run_both(3000, "some", RelationshipParams(), monkeypatch)
    for key in ("trust", "rung", "tenure", "knowledge", "value_shift", "adequate", "desired"):
        assert not np.array_equal(getattr(before.population, key), getattr(after.population, key))
    has = after.population.supplier >= 0
    assert (after.population.switching_cost[~has] == 0).all()
    assert (after.population.loyalty[~has] == 0).all()
    assert (after.population.switching_cost[has] > 0).all()
