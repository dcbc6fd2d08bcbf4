"""Value-based targeting and heavy users: kernels by hand, then profit on a twin market.

One customer in ten (of 3,000) is a heavy user buying ten units. The focal firm spends the same care
budget uniformly (most favoured treatment for everyone), tiered by accurately estimated value,
or tiered by noisy estimates; its twin spends nothing. Learning is off so the firm's knowledge
stays what its ``estimate_noise`` says.
"""

import numpy as np
import pytest

from sim.mechanisms import targeting
from tests.service_ideas.service_helpers import firm, run, twin_market, with_programme

SEGMENTS = [
    {"name": "heavy users", "share": 0.1, "weights": {"quality": 0.7, "service": 0.6},
     "price_sensitivity": 1.5, "heterogeneity": 0.2, "volume": 10},
    {"name": "light users", "share": 0.9, "weights": {"quality": 0.7, "service": 0.6},
     "price_sensitivity": 1.5, "heterogeneity": 0.2},
]
SEEDS = (1, 2, 3, 4)
BUDGET = 1500.0  # 0.5 per customer of the market a step
PROGRAMMES = {
    "uniform": {"budget": BUDGET, "mode": "uniform"},
    "tiered": {"budget": BUDGET, "mode": "tiered", "top_share": 0.1, "estimate_noise": 0.0},
    "noisy": {"budget": BUDGET, "mode": "tiered", "top_share": 0.1, "estimate_noise": 3.0},
}


def test_kernels_by_hand():
    est = np.array([3.0, 9.0, 1.0, 7.0, 5.0])
    assert sorted(targeting.top_tier(est, 0.4)) == [1, 3]
    assert list(targeting.top_tier(est, 0.01)) == [1]  # at least one
    assert len(targeting.top_tier(est, 1.0)) == 5
    value = np.array([2.0, 4.0])
    assert targeting.estimated_value(value, 0.0, np.array([1.5, -2.0])) == pytest.approx(value)
    assert targeting.estimated_value(value, np.array([1.0, 0.0]), np.array([1.0, 5.0])) == (
        pytest.approx([2.0 * np.exp(0.5), 4.0]))
    assert targeting.care_effect(5.0, 0.2, 5.0) == pytest.approx(0.2 * (1 - np.exp(-1)))


def market():
    d = twin_market(SEGMENTS, steps=30)
    d["market"]["customers"] = 3000  # 300 heavy users: fewer and the profit noise swamps the lesson
    d["mechanisms"] = {"learning": False}
    return d


@pytest.fixture(scope="module")
def profits():
    out = {}
    for name, prog in [("none", None), *PROGRAMMES.items()]:
        for seed in SEEDS:
            _, df, _ = run(with_programme(market(), "targeting", prog), seed)
            out[name, seed] = firm(df)
    return out


def total(profits, name):
    return np.array([profits[name, s].profit.sum() for s in SEEDS])


def test_value_based_tiers_earn_more_than_uniform_care_at_equal_spend(profits):
    for seed in SEEDS:
        assert (profits["tiered", seed].care_spend == BUDGET).all()
        assert (profits["uniform", seed].care_spend == BUDGET).all()
        assert (profits["tiered", seed].targeting_accuracy > 0.95).all()
    gain = total(profits, "tiered") - total(profits, "uniform")
    assert (gain > 0).all(), gain
    assert gain.mean() > 0.03 * total(profits, "uniform").mean(), gain


def test_noisy_value_estimates_gain_less_from_tiering(profits):
    accurate, noisy = total(profits, "tiered"), total(profits, "noisy")
    assert (noisy < accurate).all(), (noisy, accurate)
    assert (noisy - total(profits, "none")).mean() < 0.5 * (accurate - total(profits, "none")).mean()
    for seed in SEEDS:
        assert profits["noisy", seed].targeting_accuracy.mean() < 0.6


def test_heavy_users_buy_their_volume():
    d = market()
    d["steps"] = 3
    model, df, _ = run(d, 1)
    per_step = df.groupby("step").units.sum()
    assert (per_step == 300 * 10 + 2700).all()  # everyone buys each step: 10 units or 1
    assert np.allclose(df.revenue, df.price * df.units)
    shares = df.groupby("step").share.sum()
    assert np.allclose(shares, 1.0)


def test_with_the_switch_off_care_has_no_effect():
    d = market()
    d["steps"] = 10
    _, off, _ = run(with_programme(d, "targeting", PROGRAMMES["tiered"], switch=False), 2)
    _, plain, _ = run(with_programme(d, "targeting", None), 2)
    cols = ["share", "satisfaction", "profit", "units", "care_spend", "treated"]
    assert off[cols].equals(plain[cols])
    assert (off.care_spend == 0).all()
