"""Strategy policies: price war, clock, best response, imitation, adaptive, scripted, human, registry."""

from __future__ import annotations

import numpy as np
import pytest

import sim.strategies as strategies
from sim import MarketModel, ScenarioError, load_scenario
from tests.firms.conftest import offer, run, series


def test_price_war_drives_prices_to_unit_cost_not_below(duopoly):
    duopoly["steps"] = 40
    duopoly["firms"] = [
        offer("A", 10.0, 0.5, strategy={"type": "undercut", "cut": 0.05}),
        offer("B", 9.5, 0.5, strategy={"type": "undercut", "cut": 0.05}),
    ]
    model, df = run(duopoly)
    prices, costs = series(df, "price"), series(df, "unit_cost")
    unit_cost = costs.iloc[0, 0]
    assert np.allclose(costs.to_numpy(), unit_cost)  # equal value, unchanged costs
    start, end = prices.iloc[0].max(), prices.iloc[-1]
    # prices fell most of the way from the start to the unit cost ...
    assert (end - unit_cost).max() < 0.1 * (start - unit_cost)
    # ... and never went below it
    assert (prices.to_numpy() >= unit_cost - 1e-9).all()
    # at the floor both hold: the last five steps do not move
    assert np.allclose(prices.iloc[-5:].to_numpy(), prices.iloc[-1].to_numpy())


def test_identical_undercutters_at_the_same_price_still_start_a_price_war(duopoly):
    # Bertrand's textbook case: a tie is no lead, so both cut (they used to hold forever)
    duopoly["steps"] = 40
    duopoly["firms"] = [
        offer("A", 10.0, 0.5, strategy={"type": "undercut", "cut": 0.05}),
        offer("B", 10.0, 0.5, strategy={"type": "undercut", "cut": 0.05}),
    ]
    model, df = run(duopoly)
    prices, unit_cost = series(df, "price"), series(df, "unit_cost").iloc[0, 0]
    assert (prices.iloc[-1] - unit_cost).max() < 0.1 * (10.0 - unit_cost)
    assert (prices.to_numpy() >= unit_cost - 1e-9).all()


def test_undercut_alone_above_cost_holds_the_floor(duopoly):
    # the rival prices below our floor: we stay at the floor instead of following it down
    duopoly["firms"] = [
        offer("A", 10.0, 0.5, strategy={"type": "undercut", "floor_margin": 0.1}),
        offer("B", 2.0, 0.5, costs={"unit": 0.5}),
    ]
    model, df = run(duopoly, steps=5)
    a = df[df.firm == "A"]
    assert np.allclose(a.price.to_numpy(), a.unit_cost.to_numpy() * 1.1)


@pytest.mark.parametrize("target", ["hybrid", "differentiation", "low_price",
                                    "focused_differentiation"])
def test_clock_reaches_target_and_label_matches(tiny, target):
    tiny["steps"] = 25
    tiny["firms"][0]["strategy"] = {"type": "clock", "target": target, "speed": 0.05}
    model, df = run(tiny)
    labels = df[df.firm == "Alpha"].clock_position.tolist()
    assert labels[0] != target  # it starts elsewhere ...
    assert labels[-5:] == [target] * 5  # ... and ends (and stays) at the target


def test_clock_moves_at_bounded_speed(tiny):
    tiny["firms"][0]["strategy"] = {"type": "clock", "target": "hybrid", "speed": 0.02}
    model, df = run(tiny, steps=5)
    price = df[df.firm == "Alpha"].price.to_numpy()
    steps = np.abs(np.diff(np.r_[10.0, price])) / np.r_[10.0, price[:-1]]
    assert steps.max() <= 0.02 + 1e-9


def test_best_response_earns_more_than_static_from_same_start(tiny):
    profits = {}
    for kind in ("static", "best_response"):
        tiny["firms"][0]["strategy"] = {"type": kind}
        model, df = run(tiny, seed=5, steps=20)
        profits[kind] = df[df.firm == "Alpha"].profit.sum()
    assert profits["best_response"] > 1.2 * profits["static"]


def test_best_response_lookahead_leaves_the_model_untouched(tiny):
    tiny["firms"][0]["strategy"] = {"type": "best_response"}
    model = MarketModel(tiny, seed=2)
    model.step()
    state = model.rng.bit_generator.state
    pop = model.population
    before = (pop.puv.copy(), pop.pp.copy(), pop.supplier.copy(), model.prices().copy())
    policy = model.firms[0].policy
    action = policy.decide(model.market_view(), model.firms[0])
    assert action is not None
    assert model.rng.bit_generator.state == state
    after = (pop.puv, pop.pp, pop.supplier, model.prices())
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_imitate_converges_toward_the_leader(tiny):
    # Beta (cheapest) earns most; Alpha imitates it
    tiny["firms"][0]["strategy"] = {"type": "imitate", "speed": 0.2}
    model, df = run(tiny, steps=20)
    a, b = df[df.firm == "Alpha"], df[df.firm == "Beta"]
    gap = np.abs(a.price.to_numpy() - b.price.to_numpy())
    assert gap[0] > 0.5 and gap[-1] < 0.05 * gap[0]
    assert abs(model.firms[0].levels - model.firms[1].levels).max() < 0.01


def test_adaptive_adds_value_when_margin_is_healthy(tiny):
    tiny["firms"][0]["strategy"] = {"type": "adaptive", "healthy_margin": 0.3}
    model, df = run(tiny, steps=5)
    assert (model.firms[0].levels > np.array([0.6, 0.5])).all()
    assert df[df.firm == "Alpha"].unit_cost.is_monotonic_increasing


def test_adaptive_raises_price_when_margin_is_thin(tiny):
    tiny["firms"][0]["price"] = 4.0  # unit cost is 3.83: margin about 4 %
    tiny["firms"][0]["strategy"] = {"type": "adaptive", "min_margin": 0.2, "price_step": 0.05}
    model, df = run(tiny, steps=6)
    a = df[df.firm == "Alpha"]
    margin = 1 - a.unit_cost.to_numpy() / a.price.to_numpy()
    rising = np.diff(a.price.to_numpy()) > 0
    # it raises price while the margin is thin, and stops once the margin is acceptable
    assert rising[:2].all() and margin[-1] >= 0.2
    assert not rising[margin[:-1] >= 0.2].any()


def test_scripted_timeline_applies_at_its_steps(tiny):
    tiny["firms"][0]["strategy"] = {"type": "scripted", "timeline": [
        {"at": 3, "price": 8.0}, {"at": 5, "attributes": {"quality": 0.9}},
        {"at": 5, "programmes": {"internal_marketing": 100.0}},
    ]}
    model, df = run(tiny, steps=6)
    a = df[df.firm == "Alpha"].set_index("step")
    assert a.price.tolist() == [10.0, 10.0, 8.0, 8.0, 8.0, 8.0]
    assert a.marketing_spend.tolist() == [0, 0, 0, 0, 100.0, 100.0]
    assert model.firms[0].levels[0] == 0.9


def test_human_applies_handed_in_decisions_and_holds_between(tiny):
    tiny["firms"][1]["strategy"] = {"type": "human"}
    model = MarketModel(tiny, seed=1)
    model.step()
    model.hand_in("Beta", strategies.Action(price=7.5, programmes={"advertising": 50.0}))
    model.step()
    model.firm_by_name["Beta"].policy.hand_in(strategies.Action(attributes={"service": 0.9}))
    model.step()
    model.step()
    b = model.firms_frame().query("firm == 'Beta'")
    assert b.price.tolist() == [9.0, 7.5, 7.5, 7.5]
    assert b.marketing_spend.tolist() == [0.0, 50.0, 50.0, 50.0]
    assert model.firm_by_name["Beta"].levels.tolist() == [0.5, 0.9]
    with pytest.raises(ValueError, match="not run by a human"):
        model.hand_in("Alpha", strategies.Action(price=1.0))


def test_user_policy_registered_from_python_runs_from_yaml(tiny, tmp_path):
    @strategies.register("test_always_cheaper")
    class AlwaysCheaper:
        def __init__(self, step: float = 0.1):
            self.step = step

        def decide(self, view, firm):
            return strategies.Action(price=firm.price - self.step)

    path = tmp_path / "s.yaml"
    path.write_text(
        "name: t\nsteps: 3\nmarket: {customers: 200, dimensions: [q], segments: "
        "[{name: a, share: 1, weights: {q: 1}}]}\nfirms:\n"
        "  - {name: A, price: 10, attributes: {q: 0.5}, "
        "strategy: {type: test_always_cheaper, step: 0.5}}\n"
    )
    model = MarketModel(load_scenario(path))
    model.run()
    assert model.firms_frame().price.tolist() == [9.5, 9.0, 8.5]


@pytest.mark.parametrize(("strategy", "message"), [
    ({"type": "undercutt"},
     "firms.0.strategy: unknown strategy 'undercutt' (did you mean 'undercut'?)"),
    ({"type": "undercut", "cut": -0.1}, "firms.0.strategy.cut: input should be greater than 0"),
    ({"type": "clock"}, "firms.0.strategy.target: required key 'target' is missing"),
    ({"type": "imitate", "sped": 0.1},
     "firms.0.strategy.sped: strategy 'imitate' has no parameter 'sped' (did you mean 'speed'?)"),
    ({"type": "human", "x": 1}, "firms.0.strategy: strategy 'human' does not take x"),
    ({"type": "scripted", "timeline": [{"at": 0, "price": 5}]},
     "firms.0.strategy.timeline.0.at: input should be greater than or equal to 1"),
])
def test_strategy_blocks_are_validated_by_the_registry(tiny, strategy, message):
    tiny["firms"][0]["strategy"] = strategy
    with pytest.raises(ScenarioError) as err:
        load_scenario(tiny)
    assert "firms.0.strategy" in str(err.value)
    assert message.lower() in str(err.value).lower()


def test_bad_hand_in_is_refused_at_once_and_changes_nothing(tiny):
    tiny["firms"][1]["strategy"] = {"type": "human"}
    model = MarketModel(tiny, seed=1)
    model.step()
    for bad in (strategies.Action(attributes={"colour": 0.5}),
                strategies.Action(price=-1.0),
                strategies.Action(programmes={"relationship_level": "friends"})):
        with pytest.raises(ValueError):
            model.hand_in("Beta", bad)
    assert model.firm_by_name["Beta"].policy.pending is None
    model.step()
    assert model.firms_frame().query("firm == 'Beta'").price.tolist() == [9.0, 9.0]


def _logit_best_response(rival_price: float, cost: float, ref: float, rationality: float) -> float:
    """Profit-maximising own price against a fixed rival (equal value, α = 1), by bisection
    on the first-order condition (p − c)·(λ/ref)·(1 − s) = 1."""
    lo, hi = cost, cost + 1e3
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        share = 1.0 / (1.0 + np.exp(min(-rationality * (rival_price - mid) / ref, 700.0)))
        lo, hi = (mid, hi) if (mid - cost) * rationality / ref * (1 - share) < 1 else (lo, mid)
    return 0.5 * (lo + hi)


@pytest.mark.parametrize("wide", [True, False])
def test_best_response_reaches_a_far_away_best_response_in_one_step(wide):
    from sim.validation.core import Settings, all_off
    from sim.validation.strategy_cases import bertrand_market

    scenario = bertrand_market(Settings(customers=300), 0.0, "best_response")
    scenario["mechanisms"] = all_off()
    scenario["steps"] = 2
    scenario["market"]["segments"][0]["heterogeneity"] = 0.0
    scenario["firms"][0].update(price=60.0,
                                strategy={"type": "best_response", "wide_search": wide})
    scenario["firms"][1].update(price=5.0, strategy={"type": "static"})
    firms = run_scenario_firms(scenario)
    price = firms[(firms["firm"] == "A") & (firms["step"] == 1)]["price"].iloc[0]
    target = _logit_best_response(5.0, 4.0, 10.0, 20.0)
    if wide:  # the whole price range is searched: the best response at once
        assert abs(price - target) < 0.01 * target
    else:  # only ±10 % a step
        assert price == pytest.approx(60.0 * 0.9)


def run_scenario_firms(scenario):
    from sim import run_scenario

    return run_scenario(scenario, replicates=1, seed=3).firms
