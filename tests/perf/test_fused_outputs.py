"""The compiled output passes (recorder, customer value) agree with their numpy oracles.

The recorder's one-pass sums (``sim.collect._step_sums``, oracle ``oracles.collect``), the
customer-value columns (oracle ``oracles.customer_value``) and the share-of-wallet update
(``customer_value._decay_and_add``) are checked on the states a broken pass would get wrong: no
buyers, everyone buys, customers without a supplier, a firm off the market, NaN satisfaction,
an empty population; and the recorder's sums after every step of every shipped scenario.
Counts must be equal, floats equal within the harness tolerance (``oracles.harness``).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from oracles import collect as collect_oracle
from oracles.harness import differences

from sim import collect
from sim.mechanisms import customer_value, perception
from sim.model import MarketModel
from sim.scenario import load_scenario, shipped_scenarios_dir

SHIPPED = sorted(p.stem for p in shipped_scenarios_dir().glob("*.yaml"))


def _agree(expected: dict, actual: dict, what: str) -> None:
    assert expected.keys() == actual.keys(), what
    found = differences(expected, actual)
    assert not found, f"{what}:\n" + "\n".join(found[:20])


def _recorder_agrees(model, what: str) -> dict:
    active = model.active_mask()
    actual = collect._aggregates(model, active)
    _agree(collect_oracle._aggregates(model, active), actual, what)
    return actual


def _value_columns_agree(model, what: str) -> dict:
    # the oracle of the customer-value mechanism (its own branch brings it)
    oracle = pytest.importorskip("oracles.customer_value")
    actual = customer_value.columns(model)
    _agree(oracle.columns(model), actual, what)
    return actual


@pytest.fixture
def market(tiny):
    """The tiny market after three steps (every mechanism on)."""
    model = MarketModel(copy.deepcopy(tiny), seed=4)
    for _ in range(3):
        model.step()
    return model


def _no_buyers(model):
    model.population.bought[:] = False
    model.population.choice[:] = -1


def _everyone_buys(model):
    pop = model.population
    pop.bought[:] = True
    pop.choice[:] = np.arange(pop.n) % model.n_firms


def _some_without_supplier(model):
    pop = model.population
    pop.supplier[::3] = -1
    pop.bought[::5] = False
    pop.choice[::5] = -1


def _firm_off_market(model):
    model.firms[1].active = False
    model.population.aware[::2, 1] = False


def _nan_satisfaction(model):
    pop = model.population
    pop.satisfaction[::4] = np.nan
    pop.trust[7::11] = np.nan


def _nobody_knows_anyone(model):
    model.population.aware[:] = False


EDGES = {
    "as_is": lambda model: None,
    "no_buyers": _no_buyers,
    "everyone_buys": _everyone_buys,
    "without_supplier": _some_without_supplier,
    "firm_off_market": _firm_off_market,
    "nan_satisfaction": _nan_satisfaction,
    "nobody_knows_anyone": _nobody_knows_anyone,
}


@pytest.mark.parametrize("edge", list(EDGES))
def test_recorder_sums_match_oracle(market, edge):
    EDGES[edge](market)
    perception.perceive(market)  # mean PP and PUV are summed when customers perceive the offers
    got = _recorder_agrees(market, edge)
    if edge == "no_buyers":
        assert not got["seg_buyers"].any()
    if edge == "nobody_knows_anyone":
        assert not got["aware"].any() and np.isnan(got["means"][:2]).all()
    if edge == "firm_off_market":
        assert got["aware"][1] == 0 and np.isnan(got["means"][:2, 1]).all()


@pytest.mark.parametrize("edge", list(EDGES))
def test_customer_value_columns_match_oracle(market, edge):
    EDGES[edge](market)
    market.retention_estimate[0] = np.nan  # a firm without an estimate yet
    _value_columns_agree(market, edge)


@pytest.mark.parametrize("estimate", [[np.nan, 1.5, -0.2], [np.inf, -np.inf, -0.0],
                                      [0.999, 0.0, 0.5]])
def test_customer_value_retention_clipped_alike(market, estimate):
    market.retention_estimate = np.array(estimate)
    _value_columns_agree(market, str(estimate))


def test_empty_population(market):
    """No customers at all: every count 0, every mean NaN, as the oracles say."""
    pop = market.population
    for name, value in list(vars(pop).items()):
        if isinstance(value, np.ndarray) and value.shape[:1] == (pop.n,):
            setattr(pop, name, value[:0])
    pop.n = 0
    perception.perceive(market)
    got = _recorder_agrees(market, "empty population")
    assert np.isnan(got["means"]).all() and not got["customers"].any()
    assert np.isnan(got["seg_satisfaction"]).all() and not got["seg_buyers"].any()
    _value_columns_agree(market, "empty population")


def _small(name: str, customers: int = 1500, steps: int = 8) -> dict:
    data = load_scenario(name).model_dump(mode="json", exclude_none=True)
    data["market"]["customers"] = customers
    data["steps"] = steps
    return data


@pytest.mark.parametrize("name", SHIPPED)
def test_recorder_sums_match_oracle_on_shipped_scenarios(name):
    """After every step of every shipped scenario (the phases: ``oracles/test_phases.py``)."""
    model = MarketModel(_small(name), seed=7)
    for step in range(model.spec.steps):
        model.step()
        _recorder_agrees(model, f"{name} step {step}")


@pytest.mark.parametrize("purchase_probability, entrant", [(1.0, False), (0.6, True)])
def test_recorder_sums_match_oracle_on_the_benchmark_market(purchase_probability, entrant):
    from bench.step_speed import scenario

    data = scenario(3000, steps=10).model_dump(mode="json", exclude_none=True)
    data["market"]["purchase_probability"] = purchase_probability
    if entrant:
        data["firms"][-1]["enter_at"] = 4
    model = MarketModel(data, seed=7)
    for step in range(10):
        model.step()
        _recorder_agrees(model, f"bench step {step}")


@pytest.mark.parametrize("buyers", ["none", "all", "some", "last_only"])
def test_wallet_update_matches_numpy(buyers):
    rng = np.random.default_rng(9)
    n, nf = 500, 4
    wallet = rng.random((n, nf)).astype(np.float32)
    who = {"none": np.zeros(0, dtype=np.int64), "all": np.arange(n),
           "some": np.sort(rng.choice(n, n // 3, replace=False)),
           "last_only": np.array([n - 1])}[buyers]
    cell = who * nf + rng.integers(0, nf, len(who))
    keep, memory = np.float32(1.0 - 0.3), np.float32(0.3)
    expected = wallet.copy()
    if len(who) == n:
        expected *= keep
    else:
        expected[who] *= keep
    expected.reshape(-1)[cell] += memory
    customer_value._decay_and_add(wallet, who, cell, keep, memory)
    assert wallet.dtype == np.float32
    assert np.array_equal(wallet.view(np.uint32), expected.view(np.uint32))


def test_public_figures_are_the_recorded_ones(tiny):
    """Strategies see last step's recorded PP and PUV; with no firm left, the last known."""
    tiny["firms"][2]["enter_at"] = 2
    model = MarketModel(tiny, seed=2)
    for _ in range(3):
        model.step()
    rows = model.recorder.firm_rows[-3:]
    for row in rows:
        f = model.firm_by_name[row["firm"]].index
        assert (model.last_pp[f], model.last_puv[f]) == (row["pp"], row["puv"])
    model.step()
    last = {row["firm"]: (row["pp"], row["puv"]) for row in model.recorder.firm_rows}
    for firm in model.firms:
        firm.active = False
    model._remember_public_figures()
    for firm in model.firms:
        assert (model.last_pp[firm.index], model.last_puv[firm.index]) == last[firm.name]
