"""Invariants on every step of a run with all implemented parts on."""

import numpy as np
import pytest

from sim import run_scenario


@pytest.fixture
def run(tiny):
    tiny["steps"] = 15
    tiny["market"]["purchase_probability"] = 0.7
    tiny["firms"][2]["enter_at"] = 5
    tiny["firms"][0]["costs"] = {"unit": 3.0, "per_value": 5.0, "fixed": 100.0}
    return run_scenario(tiny, replicates=2, seed=5)


def test_shares_sum_to_one_each_step(run):
    sums = run.firms.groupby(["replicate", "step"])["share"].sum()
    assert np.allclose(sums, 1.0)
    assert run.firms["share"].between(0, 1).all()


def test_customers_are_conserved(run, tiny):
    n = tiny["market"]["customers"]
    per_step = run.firms.groupby(["replicate", "step"])["customers"].sum()
    assert (per_step <= n).all()
    # everyone had a supplier from the start (initial logit draw) and nobody exits here
    assert (per_step == n).all()
    seg = run.segments.groupby(["replicate", "step"])["customers"].sum()
    assert (seg == n).all()


def test_switching_flows_balance(run):
    flows = run.firms.groupby(["replicate", "step"])[["new_customers", "lost_customers"]].sum()
    assert (flows["new_customers"] == flows["lost_customers"]).all()


def test_revenue_is_price_times_units(run):
    f = run.firms
    assert np.allclose(f["revenue"], f["price"] * f["units"])


def test_profit_is_revenue_minus_costs(run):
    f = run.firms
    costs = f["variable_cost"] + f["fixed_cost"] + f["marketing_spend"]
    assert np.allclose(f["profit"], f["revenue"] - costs)
    assert np.allclose(f["variable_cost"], f["unit_cost"] * f["units"])


def test_money_is_conserved(run, tiny):
    for (_, name), g in run.firms.groupby(["replicate", "firm"]):
        g = g.sort_values("step")
        start = next(x.get("cash", 10_000.0) for x in tiny["firms"] if x["name"] == name)
        assert np.allclose(g["cash"].to_numpy(), start + g["profit"].cumsum().to_numpy())


def test_entrant_appears_at_its_step_without_customers(run):
    gamma = run.firms[run.firms["firm"] == "Gamma"]
    assert gamma["step"].min() == 5
    first = gamma[gamma["step"] == 5]
    assert (first["customers"] - first["new_customers"] == 0).all()


def test_units_equal_buyers(run):
    units = run.firms.groupby(["replicate", "step"])["units"].sum()
    buyers = run.segments.groupby(["replicate", "step"])["buyers"].sum()
    assert (units == buyers).all()
