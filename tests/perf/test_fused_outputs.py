"""The compiled output kernels (recorder, customer value) give the numpy path's bits.

The recorder's one-pass sums (``sim.collect._step_sums``), the customer-value columns
(``customer_value._value_sums``) and the share-of-wallet update
(``customer_value._decay_and_add``) are checked against their numpy twins on the states a broken
kernel would get wrong: no buyers, everyone buys, customers without a supplier, a firm off the
market, NaN satisfaction, an empty population.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from fused_helpers import same

from sim import collect, fast
from sim.mechanisms import customer_value
from sim.model import MarketModel

pytestmark = pytest.mark.skipif(not fast.AVAILABLE, reason="numba not installed")


def _both_paths(fn, monkeypatch) -> tuple:
    monkeypatch.setattr(fast, "ENABLED", True)
    compiled = fn()
    monkeypatch.setattr(fast, "ENABLED", False)
    plain = fn()
    monkeypatch.setattr(fast, "ENABLED", True)
    return compiled, plain


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
def test_recorder_sums_match_numpy(market, edge, monkeypatch):
    EDGES[edge](market)
    active = market.active_mask()
    compiled, plain = _both_paths(lambda: collect._aggregates(market, active), monkeypatch)
    assert compiled.keys() == plain.keys()
    for key in compiled:
        assert same(compiled[key], plain[key]), key


@pytest.mark.parametrize("edge", list(EDGES))
def test_customer_value_columns_match_numpy(market, edge, monkeypatch):
    EDGES[edge](market)
    market.retention_estimate[0] = np.nan  # a firm without an estimate yet
    compiled, plain = _both_paths(lambda: customer_value.columns(market), monkeypatch)
    assert compiled.keys() == plain.keys()
    for key in compiled:
        assert same(compiled[key], plain[key]), key


@pytest.mark.parametrize("estimate", [[np.nan, 1.5, -0.2], [np.inf, -np.inf, -0.0],
                                      [0.999, 0.0, 0.5]])
def test_customer_value_retention_clipped_alike(market, estimate, monkeypatch):
    market.retention_estimate = np.array(estimate)
    compiled, plain = _both_paths(lambda: customer_value.columns(market), monkeypatch)
    for key in compiled:
        assert same(compiled[key], plain[key]), key


def test_empty_population(market, monkeypatch):
    """No customers at all: every count 0, every mean NaN, on both paths."""
    pop = market.population
    for name, value in list(vars(pop).items()):
        if isinstance(value, np.ndarray) and value.shape[:1] == (pop.n,):
            setattr(pop, name, value[:0])
    pop.n = 0
    active = market.active_mask()
    compiled, plain = _both_paths(lambda: collect._aggregates(market, active), monkeypatch)
    for key in compiled:
        assert same(compiled[key], plain[key]), key
    assert np.isnan(compiled["means"]).all() and not compiled["customers"].any()
    compiled, plain = _both_paths(lambda: customer_value.columns(market), monkeypatch)
    for key in compiled:
        assert same(compiled[key], plain[key]), key


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
