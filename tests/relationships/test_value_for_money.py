"""Value for money: satisfaction responds to the price paid against the reference price."""

from __future__ import annotations

import numpy as np
import pytest

from sim import MarketModel
from sim.mechanisms.satisfaction import price_gap


def monopoly(price: float, value_for_money: float = 1.0) -> dict:
    """One firm, everyone buys every step, a fixed reference price of 10: the same buyers and
    the same draws whatever the price, so only the price paid differs between runs."""
    return {
        "name": "value for money",
        "steps": 3,
        "seed": 5,
        "market": {
            "customers": 800, "dimensions": ["quality"], "reference_price": 10.0,
            "reference_adaptation": 0.0,
            "segments": [{"name": "all", "share": 1.0, "weights": {"quality": 1.0},
                          "price_sensitivity": 1.0, "heterogeneity": 0.2}],
        },
        "firms": [{"name": "Solo", "price": price, "attributes": {"quality": 0.6}}],
        "relationships": {"satisfaction": {"value_for_money": value_for_money}},
    }


def mean_satisfaction(price: float, value_for_money: float = 1.0) -> float:
    model = MarketModel(monopoly(price, value_for_money), seed=5)
    model.step()
    return float(np.nanmean(model.population.satisfaction[:, 0]))


def test_price_gap_is_zero_at_the_reference_and_signed_around_it():
    assert price_gap(10.0, 10.0, 1.5, 1.0) == 0.0
    assert price_gap(11.0, 10.0, 1.5, 1.0) == pytest.approx(0.15)
    assert price_gap(9.0, 10.0, 1.5, 2.0) == pytest.approx(-0.3)
    assert price_gap(12.0, 10.0, 1.5, 0.0) == 0.0


def test_a_price_rise_lowers_and_a_price_cut_raises_satisfaction():
    at_reference = mean_satisfaction(10.0)
    assert mean_satisfaction(11.0) < at_reference - 0.01
    assert mean_satisfaction(9.0) > at_reference + 0.01


def test_without_value_for_money_the_price_paid_does_not_matter():
    assert mean_satisfaction(11.0, 0.0) == mean_satisfaction(10.0, 0.0)


@pytest.mark.parametrize("up", [0.25, 1.0])
def test_reference_prices_rise_more_slowly_than_they_fall(up):
    from sim.mechanisms.perception import adapt_reference_price

    moves = {}
    for factor in (2.0, 0.5):  # the market's price doubles, or halves
        data = monopoly(10.0)
        data["market"].update(reference_adaptation=0.2, reference_adaptation_up=up)
        model = MarketModel(data, seed=5)
        model.firms[0].price = 10.0 * factor
        model.step_stats["units"][:] = 100
        before = model.population.reference_price.copy()
        adapt_reference_price(model)
        moves[factor] = model.price_index - 1.0
        # every customer's reference moves by the same factor (their spread is kept)
        assert np.allclose(model.population.reference_price / before, model.price_index)
    assert moves[0.5] == pytest.approx(0.2 * (0.5 - 1.0))
    assert moves[2.0] == pytest.approx(0.2 * up * (2.0 - 1.0))
