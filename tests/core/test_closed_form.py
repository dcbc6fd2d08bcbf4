"""With every mechanism off and identical customers, shares equal the closed-form logit shares."""

import numpy as np
import pytest

from sim import MarketModel, load_scenario


def _plain_market(tiny_plain, n_firms):
    firms = [
        {"name": "A", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.5}},
        {"name": "B", "price": 9.0, "attributes": {"quality": 0.5, "service": 0.4},
         "nonmonetary_cost": 0.05},
        {"name": "C", "price": 12.0, "attributes": {"quality": 0.9, "service": 0.7}},
        {"name": "D", "price": 10.5, "attributes": {"quality": 0.7, "service": 0.3}},
        {"name": "E", "price": 8.0, "attributes": {"quality": 0.3, "service": 0.3}},
    ][:n_firms]
    tiny_plain["firms"] = firms
    tiny_plain["market"]["customers"] = 20_000
    tiny_plain["market"]["rationality"] = 6.0
    tiny_plain["market"]["segments"] = [
        {"name": "only", "share": 1.0, "weights": {"quality": 0.8, "service": 0.5},
         "price_sensitivity": 1.2, "heterogeneity": 0.0}
    ]
    tiny_plain["steps"] = 25
    return load_scenario(tiny_plain)


def closed_form_shares(scenario):
    seg = scenario.market.segments[0]
    dims = scenario.market.dimensions
    ref = np.mean([f.price for f in scenario.firms])
    value = np.array([
        sum(seg.weights.get(d, 0) * f.attributes.get(d, 0) for d in dims)
        - seg.price_sensitivity * (f.price / ref + f.nonmonetary_cost)
        for f in scenario.firms
    ])
    e = np.exp(scenario.market.rationality * value)
    return e / e.sum()


@pytest.mark.parametrize("n_firms", [3, 5])
@pytest.mark.parametrize("sampler", ["gumbel", "inverse_cdf"])
def test_long_run_shares_equal_closed_form_logit(tiny_plain, n_firms, sampler):
    tiny_plain["market"]["choice_sampler"] = sampler
    scenario = _plain_market(tiny_plain, n_firms)
    model = MarketModel(scenario, seed=11)
    model.run()
    df = model.firms_frame()
    simulated = df.groupby("firm", sort=False)["share"].mean().to_numpy()
    expected = closed_form_shares(scenario)
    assert simulated == pytest.approx(expected, abs=0.005)
    # and the test has teeth: the shares are far from uniform
    assert expected.max() - expected.min() > 0.1
