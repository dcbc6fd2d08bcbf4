"""The experience phase (and the promise and participation phases around it) agree with their
numpy oracles on edge cases a broken pass would get wrong.

Two models of the same scenario and seed are brought to the same state and bent into an edge
case (nobody or everybody buys, buyers without a previous supplier, an inactive firm, NaN or
infinite satisfaction, a collapsed zone of tolerance, ...); then the production phases run on
one and their oracles (``tests/oracles``) on the other. Every population array, model attribute
(the step's purchases, the zones, the quality figures), counter, firm and random generator must
agree: discrete values exactly, floats within the harness tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracles import oracle_of
from oracles import promises as promises_oracle
from oracles.harness import check_twins

from bench.step_speed import scenario
from sim.mechanisms import participation, perception, promises, satisfaction
from sim.model import MarketModel
from sim.scenario import load_scenario


def _model(customers=300, mechanisms=None, steps_before=2, entrant=False, seed=5, name=None):
    if name is None:  # the benchmark market (6 firms, every mechanism on)
        data = scenario(customers, steps=10).model_dump(mode="json", exclude_none=True)
    else:
        data = load_scenario(name).model_dump(mode="json", exclude_none=True)
        data["market"]["customers"] = customers
    data["market"]["purchase_probability"] = 0.7
    data["mechanisms"].update(mechanisms or {})
    if entrant:
        data["firms"][-1]["enter_at"] = 6  # inactive column throughout these tests
    model = MarketModel(data, seed=seed)
    for _ in range(steps_before):
        model.step()
    return model


def _assert_phase_agrees(bend, phases, **kwargs) -> MarketModel:
    """Bend two twin models the same way, run ``phases`` and their oracles; compare.

    Returns the model the production phases ran on.
    """
    oracles = [oracle_of(phase) for phase in phases]
    assert None not in oracles, "every phase tested here has an oracle"
    ran = []

    def make() -> MarketModel:
        model = _model(**kwargs)
        bend(model)
        return model

    def production(model) -> None:
        for phase in phases:
            phase(model)
        ran.append(model)

    def oracle(model) -> None:
        for phase in oracles:
            phase(model)

    check_twins(make, production, oracle, " → ".join(p.__qualname__ for p in phases))
    return ran[0]


def _buyers(model, share, rng_seed=0):
    pop = model.population
    rng = np.random.default_rng(rng_seed)
    pop.bought[:] = rng.random(pop.n) < share
    active = np.flatnonzero(model.active_mask())
    pop.choice[:] = np.where(pop.bought, rng.choice(active, pop.n), -1)


# -- experience ----------------------------------------------------------------------------
@pytest.mark.parametrize("expectations, learning", [(True, True), (False, True),
                                                    (True, False), (False, False)])
def test_experience_mechanism_switches(expectations, learning):
    _assert_phase_agrees(lambda m: None, [satisfaction.experience],
                         mechanisms={"expectations": expectations, "learning": learning})


def test_experience_without_buyers():
    def bend(model):
        model.population.bought[:] = False
        model.population.choice[:] = -1

    model = _assert_phase_agrees(bend, [satisfaction.experience])
    assert len(model.experience.who) == 0 and model.experience.best is not None


def test_experience_everyone_buys_some_without_previous_supplier():
    def bend(model):
        _buyers(model, 1.0)
        pop = model.population
        pop.previous_supplier[::3] = -1  # new to the market
        pop.previous_supplier[1::3] = pop.choice[1::3]  # retained

    model = _assert_phase_agrees(bend, [satisfaction.experience])
    assert len(model.experience.who) == 300 and model.step_stats["retained"].sum() > 0


def test_experience_with_an_inactive_firm_column():
    def bend(model):
        assert not model.firms[-1].active
        _buyers(model, 0.6)
        model.population.aware[:, -1] = True  # known but not on the market: not the best offer

    _assert_phase_agrees(bend, [satisfaction.experience], entrant=True)


def test_experience_with_nan_and_infinite_satisfaction():
    def bend(model):
        _buyers(model, 0.8, rng_seed=1)
        pop = model.population
        pop.previous_supplier[:] = (pop.choice + 1) % model.n_firms  # everyone defects
        pop.satisfaction[::4] = np.nan       # never experienced: not a counted defector
        pop.satisfaction[1::4] = np.inf      # not finite either
        pop.satisfaction[2::4] = satisfaction.SATISFIED  # exactly satisfied
        pop.satisfaction[3::4] = 0.2         # dissatisfied

    model = _assert_phase_agrees(bend, [satisfaction.experience])
    assert 0 < model.step_stats["satisfied_defectors"].sum() < model.step_stats["defectors"].sum()


def test_experience_with_collapsed_and_extreme_zones():
    def bend(model):
        _buyers(model, 0.9, rng_seed=2)
        pop = model.population
        pop.desired[::5] = pop.adequate[::5]          # zero width: the 1e-9 floor
        pop.desired[1::5] = pop.adequate[1::5] - 1.0  # negative width
        pop.adequate[2::5] = np.float32(1e6)          # far below: exponent clipped at 500
        pop.adequate[3::5] = np.float32(-1e6)         # far above: clipped at −500
        pop.knowledge[:] = np.float32(0.3)

    _assert_phase_agrees(bend, [satisfaction.experience])


def test_experience_with_an_unknown_best_and_nan_levels():
    def bend(model):
        _buyers(model, 0.5, rng_seed=3)
        pop = model.population
        pop.aware[::2] = False  # knows nothing: best 0
        model.firms[1].levels = model.firms[1].levels.copy()
        model.firms[1].levels[0] = np.nan  # a NaN offer propagates into best, as np.maximum

    # the best known offer is found when customers perceive the offers
    model = _assert_phase_agrees(bend, [perception.perceive, satisfaction.experience])
    assert np.isnan(model.experience.best).any() and (model.experience.best == 0).any()


# -- promises ------------------------------------------------------------------------------
def _bend_promises(model):
    """Expectation ratios above, at and below 1, misled and never-experienced customers."""
    _buyers(model, 0.8, rng_seed=4)
    pop = model.population
    rng = np.random.default_rng(9)
    e = rng.choice(np.float32([0.8, 1.0, 1.0, 1.3, 1.6]), size=pop.promise_expectation.shape)
    pop.promise_expectation[:] = e
    pop.promise_misled[:] = rng.random(pop.promise_misled.shape) < 0.2
    pop.satisfaction[rng.random(pop.satisfaction.shape) < 0.2] = np.nan
    pop.satisfaction[rng.random(pop.satisfaction.shape) < 0.05] = np.inf
    model.promise_seen[rng.random(model.promise_seen.shape) < 0.3] = False  # newly aware
    model.population.aware[:, 0] = True


def test_promises_communicate_frame_experience_settle():
    model = _assert_phase_agrees(
        _bend_promises,
        [promises.communicate, promises.frame, satisfaction.experience, promises.settle],
        name="broken_promises",
    )
    assert model.population.promise_misled.sum() > 0


def test_promises_communicate_after_the_promisers_stop():
    def bend(model):
        _bend_promises(model)
        for firm in model.firms:
            firm.programmes.promise = None  # the state stays; the shifts decay to the new e

    model = _assert_phase_agrees(bend, [promises.communicate], name="broken_promises")
    assert model.population.promise_shift.any()


def test_promise_zone_framed_and_restored():
    model = _assert_phase_agrees(_bend_promises, [promises.frame], name="broken_promises")
    rows, adequate, desired = model.promise_zone
    assert len(rows) > 0 and adequate.dtype == np.float32 and desired.dtype == np.float32
    _assert_phase_agrees(_bend_promises, [promises.frame, promises.settle],
                         name="broken_promises")


def test_promises_settle_without_buyers_and_without_promises():
    def no_buyers(model):
        _bend_promises(model)
        model.population.bought[:] = False
        model.population.choice[:] = -1

    model = _assert_phase_agrees(
        no_buyers, [promises.frame, satisfaction.experience, promises.settle],
        name="broken_promises")
    assert np.isnan(model.quality_stats[0]).all()
    # the benchmark market: nobody promises, the quality gap is still recorded
    model = _assert_phase_agrees(lambda m: None, [satisfaction.experience, promises.settle])
    assert model.population.promise_expectation is None  # never allocated
    assert np.isfinite(model.quality_stats[1]).all()


def test_promised_ratio_adds_dimensions_in_order():
    rng = np.random.default_rng(2)
    weights, levels, claimed = rng.random((50, 9)), rng.random(9), rng.random(9)
    out = promises_oracle.promised_ratio(weights, levels, claimed, 1.3)
    delivered = weights[:, 0] * levels[0]
    promised = weights[:, 0] * claimed[0]
    for d in range(1, 9):
        delivered = delivered + weights[:, d] * levels[d]
        promised = promised + weights[:, d] * claimed[d]
    assert np.array_equal(out, 1.3 * promised / delivered)


# -- participation -------------------------------------------------------------------------
def _bend_participation(optional):
    def bend(model):
        _buyers(model, 0.9, rng_seed=6)
        pop = model.population
        rng = np.random.default_rng(11)
        pop.willing[:] = rng.random(pop.n) < 0.5
        pop.ability[:] = rng.choice(np.float32([0.1, 0.5, 0.5, 0.9]), size=pop.n)
        pop.trust[rng.random(pop.trust.shape) < 0.1] = 0.999
        pop.trust[rng.random(pop.trust.shape) < 0.05] = np.nan
        for firm in model.firms:
            if firm.programmes.participation is not None:
                firm.programmes.participation.optional = optional

    return bend


@pytest.mark.parametrize("optional", [False, True])
def test_participation_frame_experience_settle(optional):
    model = _assert_phase_agrees(
        _bend_participation(optional),
        [participation.frame, satisfaction.experience, participation.settle],
        name="customer_participation",
    )
    assert model.step_stats["participants"].sum() > model.step_stats["able_participants"].sum() > 0


def test_participation_without_buyers():
    def bend(model):
        _bend_participation(False)(model)
        model.population.bought[:] = False
        model.population.choice[:] = -1

    model = _assert_phase_agrees(
        bend, [participation.frame, satisfaction.experience, participation.settle],
        name="customer_participation")
    assert model.step_stats["participants"].sum() == 0
