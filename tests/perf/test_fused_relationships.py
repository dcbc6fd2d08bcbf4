"""The relationship phases' compiled passes agree with their numpy oracles on edge cases.

Each phase of the relationship update (trust, ladder and tenure, learning, switching costs,
loyalty bonus, expectations, share of wallet) and the recorder's ladder counts and
customer-value columns run on two identical synthetic markets, one with the production phase
and one with its oracle (``tests/oracles``); every array they touch and the relationship
generator's state must agree (discrete values exactly, floats within the harness tolerance).
The markets are built to hold the edge cases a compiled loop gets wrong and a whole-model run
rarely reaches: nobody or everybody buying, customers without a supplier, a firm column nobody
knows (a late entrant), NaN and boundary satisfaction, NaN disconfirmation, trust exactly on a
rung's threshold, tenure at its cap, an empty population. (``tests/oracles/test_phases.py``
walks whole models phase by phase.)
"""

from __future__ import annotations

import copy
import types

import numpy as np
import pytest
from oracles import bonds as bonds_oracle
from oracles import customer_value as customer_value_oracle
from oracles import expectations as expectations_oracle
from oracles import ladder as ladder_oracle
from oracles import learning as learning_oracle
from oracles import loyalty as loyalty_oracle
from oracles.harness import check_twins, differences, walk

from sim.mechanisms import bonds, customer_value, expectations, ladder, learning, loyalty
from sim.mechanisms.satisfaction import Experience
from sim.model import MarketModel
from sim.scenario.relationships import (
    BondParams,
    CustomerValueParams,
    ExpectationParams,
    LadderParams,
    LearningParams,
    LoyaltyParams,
    RelationshipParams,
)
from sim.streams import ChunkStreams

N_FIRMS = 4  # the last column is a firm nobody knows nor buys from (not yet entered)

#: (name, production phase, its oracle), in the order of the step.
PHASES = [
    ("loyalty.update", loyalty.update, loyalty_oracle.update),
    ("ladder.update", ladder.update, ladder_oracle.update),
    ("learning.update", learning.update, learning_oracle.update),
    ("bonds.update", bonds.update, bonds_oracle.update),
    ("loyalty.refresh", loyalty.refresh, loyalty_oracle.refresh),
    ("expectations.update", expectations.update, expectations_oracle.update),
    ("customer_value.update", customer_value.update, customer_value_oracle.update),
]

EXTREME = RelationshipParams(
    loyalty=LoyaltyParams(trust_gain=0.5, delight_boost=3.0, trust_loss=1.0,
                          satisfaction_convexity=2.0),
    ladder=LadderParams(up_probability=1.0, down_steps=5, client_trust=0.5, supporter_trust=0.5),
    bonds=BondParams(structural_tenure=1, default_structural=1.0, teaching_cost=0.7),
    learning=LearningParams(customer_sacrifice=2.0, default_rate=1.0),
    expectations=ExpectationParams(adaptation=1.0, best_offer_pull=1.0, drift=-0.1,
                                   adequate_ratio=0.1, desired_ratio=3.0),
    customer_value=CustomerValueParams(wallet_memory=1.0, retention_memory=1.0),
)

#: A convexity that is not a whole number takes the general power.
FRACTIONAL = RelationshipParams(loyalty=LoyaltyParams(satisfaction_convexity=2.37))


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
    wallet = rng.random((n, nf)).astype(np.float32)
    wallet[:, -1] = 0.0
    pop = types.SimpleNamespace(
        n=n, supplier=supplier, previous_supplier=previous, trust=trust,
        rung=rng.integers(0, 6, (n, nf)).astype(np.int8), tenure=tenure,
        satisfaction=satisfaction, knowledge=knowledge, value_shift=rng.normal(0, 0.1, (n, nf)),
        weights=rng.random((n, 3)), aware=aware, loyalty=np.zeros(n), switching_cost=np.zeros(n),
        zone_width=width, adequate=adequate, desired=adequate + rng.random(n).astype(np.float32),
        reference_price=np.full(n, 10.0), wallet=wallet,
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
    firms = [types.SimpleNamespace(price=10.0, unit_cost=lambda: 6.0),
             types.SimpleNamespace(learning_rate=1.7, price=9.0, unit_cost=lambda: 9.5),
             types.SimpleNamespace(bonds={"financial": 0.9, "social": 1.0}, price=12.0,
                                   unit_cost=lambda: 4.0),
             types.SimpleNamespace(learning_rate=0.0, price=11.0, unit_cost=lambda: 5.0)]
    on = types.SimpleNamespace(loyalty=True, learning=True, switching_costs=True,
                               expectations=True)
    at_risk = np.array([40, 0, 7, 0])
    return types.SimpleNamespace(
        population=pop, experience=exp, n_firms=nf, firms=firms,
        spec=types.SimpleNamespace(mechanisms=on, relationships=params,
                                   market=types.SimpleNamespace(reference_adaptation=0.2,
                                                                 reference_adaptation_up=0.25)),
        relationship_rng=np.random.default_rng(seed + 1),
        relationship_streams=ChunkStreams(np.random.SeedSequence(seed + 2), n),
        step_stats={"units": np.bincount(firm, minlength=nf).astype(float),
                    "at_risk": at_risk, "retained": np.array([31, 0, 7, 0])},
        retention_estimate=np.array([0.8, np.nan, 0.5, np.nan]),
        prices=lambda: np.array([10.0, 9.0, 12.0, 11.0]), price_index=1.0, reference_price0=10.0,
        _reset_step_stats=lambda: None,
    )


def _after(n, buyers, params, k):
    """A market that went through the first ``k`` production phases."""
    def make():
        model = _market(n, buyers, params)
        for _, phase, _ in PHASES[:k]:
            phase(model)
        return model
    return make


def _check_all(n, buyers, params):
    """Each phase on the market as built (its edge cases intact: trust on a threshold, ...)
    and from the state the production phases before it give, then the whole chain."""
    for k, (name, phase, oracle) in enumerate(PHASES):
        check_twins(_after(n, buyers, params, 0), phase, oracle, f"{name}, as built")
        check_twins(_after(n, buyers, params, k), phase, oracle, f"{name}, in the step")

    def chain(phases):
        def run(model):
            for phase in phases:
                phase(model)
        return run

    check_twins(lambda: _market(n, buyers, params), chain([p[1] for p in PHASES]),
                chain([p[2] for p in PHASES]), "the relationship phases in a row")
    model = _after(n, buyers, params, len(PHASES))()
    for name, production, oracle in [
        ("rung_counts", ladder.rung_counts, ladder_oracle.rung_counts),
        ("customer value columns", customer_value.columns, customer_value_oracle.columns),
    ]:
        found = differences(oracle(model), production(model))
        assert not found, f"{name}: production differs from its oracle:\n" + "\n".join(found)
    return model


@pytest.mark.parametrize("buyers", ["none", "some", "all"])
@pytest.mark.parametrize("params", [RelationshipParams(), EXTREME, FRACTIONAL],
                         ids=["default", "extreme", "fractional"])
def test_relationship_phases_agree_with_their_oracles(buyers, params):
    model = _check_all(3000, buyers, params)
    assert model.population.loyalty.any() or buyers == "none"


def test_empty_population():
    _check_all(0, "none", RelationshipParams())


def test_phases_changed_the_state():
    """The comparison is not vacuous: the phases do move trust, rungs, tenure and levels."""
    before = _market(3000, "some", RelationshipParams())
    after = _check_all(3000, "some", RelationshipParams())
    for key in ("trust", "rung", "tenure", "knowledge", "value_shift", "adequate", "desired",
                "wallet"):
        assert not np.array_equal(getattr(before.population, key), getattr(after.population, key))
    has = after.population.supplier >= 0
    assert (after.population.switching_cost[~has] == 0).all()
    assert (after.population.loyalty[~has] == 0).all()
    assert (after.population.switching_cost[has] > 0).all()
    assert before.relationship_streams.state != after.relationship_streams.state  # ladder climbs


@pytest.mark.parametrize("estimate", [[np.nan, 1.5, -0.2, 0.3], [np.inf, -np.inf, -0.0, 0.999],
                                      [0.999, 0.0, 0.5, np.nan]])
def test_customer_value_columns_clip_retention_as_the_oracle(estimate):
    model = _market(500, "some", RelationshipParams())
    model.retention_estimate = np.array(estimate)
    found = differences(customer_value_oracle.columns(model), customer_value.columns(model))
    assert not found, "\n".join(found)


def test_split_share_of_wallet_walks_with_its_oracle(tiny):
    """The ``split`` share of wallet (no shipped scenario uses it) on a real model."""
    data = copy.deepcopy(tiny)
    data["relationships"] = {"customer_value": {"share_of_wallet": "split"}}
    assert walk(MarketModel(data, seed=5), 3, "split wallet") > 0
