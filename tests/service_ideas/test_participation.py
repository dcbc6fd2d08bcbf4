"""Customer participation: kernels by hand, then the effects on a two-segment twin market.

The focal firm makes its customers take part in the service; its twin does not. The "do it
yourself" segment is willing and fairly able, the "serve me" segment is neither. Every market
test compares the same seeds with and without the programme, so removing the mechanism or
reversing its sign fails it.
"""

import numpy as np
import pytest
from oracles import participation as participation_oracle

from sim.mechanisms import participation
from tests.service_ideas.service_helpers import firm, run, twin_market, with_programme

SEGMENTS = [
    {"name": "do it yourself", "share": 0.5, "weights": {"quality": 0.7, "service": 0.6},
     "price_sensitivity": 1.5, "heterogeneity": 0.2, "willingness": 0.9, "ability": 0.7},
    {"name": "serve me", "share": 0.5, "weights": {"quality": 0.7, "service": 0.6},
     "price_sensitivity": 1.5, "heterogeneity": 0.2, "willingness": 0.1, "ability": 0.3},
]
SEEDS = (1, 2)


def test_kernels_by_hand():
    factor = participation_oracle.zone_factor(
        np.array([True, True, False]), np.array([1.0, 0.25, 0.9]), 0.5, control=0.3, annoyance=0.4)
    assert factor == pytest.approx([1 - 0.15, 1 + 0.075, 1 + 0.2])
    assert participation_oracle.saving_per_unit(0.5, 0.6, 4.0, 0.3) == pytest.approx(0.36)
    assert participation.training_effect(0.0, 2.0) == 0.0
    assert participation.training_effect(2.0, 2.0) == pytest.approx(1 - np.exp(-1))
    assert participation.train(np.array([0.2]), 0.5, 0.4) == pytest.approx([0.2 + 0.2 * 0.8])


@pytest.fixture(scope="module")
def runs():
    d = twin_market(SEGMENTS, steps=20)
    out = {}
    for seed in SEEDS:
        out["none", seed] = run(with_programme(d, "participation", None), seed)
        out["pushed", seed] = run(with_programme(d, "participation", {"level": 0.6}), seed)
        out["trained", seed] = run(
            with_programme(d, "participation", {"level": 0.6, "training": 300}), seed)
    return out


def segment_satisfaction(segments, name="Focal"):
    rows = segments[(segments.firm == name) & (segments.step >= 3)]
    return rows.groupby("segment").satisfaction.mean()


def test_participation_raises_satisfaction_of_the_willing_and_lowers_it_for_the_unwilling(runs):
    for seed in SEEDS:
        without = segment_satisfaction(runs["none", seed][2])
        with_ = segment_satisfaction(runs["pushed", seed][2])
        assert with_["do it yourself"] > without["do it yourself"] + 0.015, (with_, without)
        assert with_["serve me"] < without["serve me"] - 0.08, (with_, without)


def test_willing_able_participants_trust_more(runs):
    for seed in SEEDS:
        without = runs["none", seed][0].population
        model = runs["pushed", seed][0]
        pop = model.population
        diy = (pop.segment == 0) & (pop.supplier == 0)
        before = (without.segment == 0) & (without.supplier == 0)
        assert pop.trust[diy, 0].mean() > without.trust[before, 0].mean() + 0.01


def test_training_raises_the_share_of_able_participants(runs):
    for seed in SEEDS:
        untrained = firm(runs["pushed", seed][1]).able_share
        trained = firm(runs["trained", seed][1]).able_share
        assert trained.iloc[-1] > untrained.iloc[-1] + 0.15
        assert trained.iloc[-1] > trained.iloc[0] + 0.2
        assert (firm(runs["trained", seed][1]).marketing_spend == 300).all()


def test_cost_to_serve_falls_with_participation(runs):
    for seed in SEEDS:
        plain = firm(runs["none", seed][1])
        pushed = firm(runs["pushed", seed][1])
        assert (pushed.cost_to_serve < plain.cost_to_serve - 0.2).all()
        assert (pushed.participation_saving > 0).all()
        # the saving is booked: variable cost = unit cost × units − saving, cash moves by profit
        expected = pushed.unit_cost * pushed.units - pushed.participation_saving
        assert np.allclose(pushed.variable_cost, expected)
        assert np.allclose(pushed.cash.diff().iloc[1:], pushed.profit.iloc[1:])
        assert plain.participants.eq(0).all() and np.isnan(plain.able_share).all()


def test_optional_participation_spares_the_unwilling():
    d = twin_market(SEGMENTS, steps=15)
    _, _, optional = run(with_programme(d, "participation", {"level": 0.6, "optional": True}), 3)
    _, _, none = run(with_programme(d, "participation", None), 3)
    assert segment_satisfaction(optional)["serve me"] > segment_satisfaction(none)["serve me"] - 0.03


def test_with_the_switch_off_participation_has_no_effect():
    d = twin_market(SEGMENTS, steps=10)
    _, off, seg_off = run(with_programme(d, "participation", {"level": 0.8, "training": 100},
                                         switch=False), 4)
    _, plain, seg_plain = run(with_programme(d, "participation", None), 4)
    cols = ["share", "satisfaction", "trust", "profit", "cost_to_serve", "participants"]
    assert off[cols].equals(plain[cols]) and seg_off.equals(seg_plain)
