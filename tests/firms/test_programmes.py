"""Programmes: service-profit chain, quality investment, advertising, relationship levels."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import programmes
from tests.firms.conftest import offer, run


def test_employee_satisfaction_rises_with_diminishing_returns_and_decays_without_spend():
    e = programmes.employee_satisfaction
    gain = [e(0.5, x) - 0.5 for x in (0.05, 0.1, 0.2)]
    assert 0 < gain[0] < gain[1] < gain[2]
    assert gain[1] < 2 * gain[0] and gain[2] < 2 * gain[1]  # doubling spend: less than double gain
    assert e(0.9, 0.0) < 0.9 and e(0.5, 0.0) == 0.5  # decays toward neutral without spend
    x = 0.9
    for _ in range(100):
        x = e(x, 0.0)
    assert x == pytest.approx(0.5, abs=1e-3)


def _chain(tiny, switch: bool, steps: int = 20):
    tiny["steps"] = steps
    tiny["mechanisms"] = {"service_profit_chain": switch}
    tiny["firms"][0]["programmes"] = {"internal_marketing": 400.0}
    return run(tiny)


def test_internal_marketing_raises_employees_then_delivery(tiny):
    model, df = _chain(tiny, True)
    a = df[df.firm == "Alpha"].set_index("step")
    # first link: employee satisfaction moves at once, delivered quality one step later
    assert a.employee_satisfaction.loc[1] > 0.5 and a.service_quality.loc[1] == 1.0
    assert a.service_quality.loc[2] > 1.0
    assert a.employee_satisfaction.is_monotonic_increasing
    assert a.service_quality.is_monotonic_increasing
    assert 1.05 < a.service_quality.iloc[-1] <= 1.1
    assert a.service_consistency.iloc[-1] < 0.9  # steadier service
    others = df[df.firm != "Alpha"]
    assert (others.service_quality == 1.0).all() and (others.employee_satisfaction == 0.5).all()


def test_switching_the_chain_off_removes_its_effect_on_delivery(tiny):
    model, df = _chain(tiny, False)
    a = df[df.firm == "Alpha"]
    assert a.employee_satisfaction.iloc[-1] > 0.7  # employees still respond to the spend ...
    assert (a.service_quality == 1.0).all() and (a.service_consistency == 1.0).all()  # ... not delivery
    assert (a.marketing_spend == 400.0).all()  # and it still costs money


def test_quality_investment_arrives_after_a_lag_with_diminishing_returns(tiny_plain):
    tiny_plain["firms"][0]["programmes"] = {"quality_investment": {"quality": 1000.0}}
    model, df = run(tiny_plain, steps=12)
    uc = df[df.firm == "Alpha"].set_index("step").unit_cost
    lag = programmes.QUALITY_LAG
    assert (uc.loc[:lag] == uc.loc[1]).all()  # nothing before the lag
    gains = np.diff(uc.loc[lag:].to_numpy())
    assert (gains > 0).all() and (np.diff(gains) < 0).all()  # value costs; each step adds less
    assert model.firms[0].levels[1] == 0.5  # service untouched
    levels = [0.6]
    for _ in range(12 - lag):
        levels.append(levels[-1] + programmes.QUALITY_GAIN * (1 - np.exp(-0.5 / 0.5)) * (1 - levels[-1]))
    assert model.firms[0].levels[0] == pytest.approx(levels[-1])


def test_quality_investment_as_one_number_is_spread_over_dimensions(tiny_plain):
    tiny_plain["firms"][0]["programmes"] = {"quality_investment": 500.0}
    model, df = run(tiny_plain, steps=6)
    assert (model.firms[0].levels > np.array([0.6, 0.5])).all()
    assert (df[df.firm == "Alpha"].marketing_spend == 500.0).all()


def test_advertising_builds_awareness_with_diminishing_returns_and_decays(tiny):
    tiny["steps"] = 16
    tiny["firms"][2]["awareness"] = 0.05
    tiny["events"] = [{"at": 9, "firm": "Gamma", "set": {"programmes": {"advertising": 0.0}}}]
    awareness = {}
    for spend in (0.0, 200.0, 400.0):
        tiny["firms"][2]["programmes"] = {"advertising": spend}
        model, df = run(tiny)
        awareness[spend] = df[df.firm == "Gamma"].set_index("step").aware
    assert awareness[0.0].iloc[-1] < 0.2 * 2000  # few learn of it without advertising (by word of mouth)
    gain1 = awareness[200.0].loc[4] - awareness[0.0].loc[4]
    gain2 = awareness[400.0].loc[4] - awareness[200.0].loc[4]
    assert gain1 > 300 and 0 < gain2 < gain1  # diminishing returns
    stock = df[df.firm == "Gamma"].set_index("step").advertising_stock
    assert stock.loc[8] > stock.loc[9] > stock.loc[12] > 0  # the stock decays once spend stops


def test_relationship_levels_set_effects_and_cost_per_customer(tiny):
    levels = ["basic", "reactive", "accountable", "proactive", "partnership"]
    seen = []
    for level in levels:
        tiny["firms"][0]["programmes"] = {"relationship_level": level}
        model, df = run(tiny, steps=2)
        firm = model.firms[0]
        a = df[df.firm == "Alpha"].iloc[-1]
        cost = programmes.LEVELS[level].cost_per_customer
        assert a.relationship_spend == pytest.approx(cost * a.customers)
        assert a.marketing_spend == pytest.approx(cost * a.customers)
        seen.append((firm.complaint_accessibility, sum(firm.bonds.values()), firm.learning_rate,
                     cost))
    for column in zip(*seen, strict=True):
        assert list(column) == sorted(column) and column[0] < column[-1]


def test_unmanaged_firm_has_the_documented_defaults(tiny):
    model, _ = run(tiny, steps=1)
    f = model.firms[0]
    assert (f.service_quality, f.service_consistency, f.complaint_accessibility,
            f.recovery_quality, f.learning_rate, f.contact_intensity) == (1.0, 1.0, 0.5, 0.7, 0.0, 0.0)
    assert f.bonds == {"financial": 0.2, "social": 0.1, "structural": 0.0}
    assert f.relationship_cost_per_customer == 0.0


def test_programme_settings_are_validated_when_changed(tiny):
    model, _ = run(tiny, steps=1)
    firm = model.firms[0]
    with pytest.raises(ValueError, match="relationship_level"):
        firm.set_programmes({"relationship_level": "friends"})
    with pytest.raises(ValueError, match="unknown dimension 'colour'"):
        firm.set_programmes({"quality_investment": {"colour": 5.0}})
    with pytest.raises(ValueError, match="unknown dimension"):
        from sim.strategies import Action

        firm.apply(Action(attributes={"colour": 0.5}))


# -- the service-profit chain end to end (with the customer mechanisms) --------------------------
CHAIN = ("employee_satisfaction", "service_quality", "satisfaction", "gross_profit")


def _chain_market(spend: float | None, switch: bool) -> dict:
    scenario = {
        "name": "chain", "steps": 36, "seed": 1,
        "market": {"customers": 2000, "dimensions": ["quality", "service"],
                   "segments": [{"name": "all", "share": 1.0, "price_sensitivity": 1.2,
                                 "weights": {"quality": 0.5, "service": 0.7}}]},
        "firms": [offer(name, 10.0, 0.6) for name in ("Alpha", "Beta")],
        "mechanisms": {"service_profit_chain": switch},
    }
    if spend:
        scenario["events"] = [{"at": 5, "firm": "Alpha",
                               "set": {"programmes": {"internal_marketing": spend}}}]
    return scenario


def _treated_minus_control(switch: bool):
    out = []
    for spend in (200.0, None):
        _, df = run(_chain_market(spend, switch), seed=1)
        a = df[df.firm == "Alpha"].set_index("step")
        a["gross_profit"] = a.profit + a.marketing_spend  # the chain's return on the spend
        out.append(a[[*CHAIN, "profit", "share"]])
    return out[0] - out[1]


def test_service_profit_chain_moves_employees_then_delivery_then_customers_then_profit():
    diff = _treated_minus_control(switch=True)
    # common random numbers: before step 5 both runs are identical
    assert (diff.loc[:4].abs().to_numpy() < 1e-9).all()
    onset = [int(diff.index[diff[c].abs() > 1e-9].min()) for c in CHAIN]
    assert onset == sorted(onset) and onset[0] == 5 and onset[-1] > onset[0]
    late = diff.loc[27:].mean()
    for link in CHAIN:
        assert late[link] > 0, link
    assert late["profit"] > 0  # net of the programme's cost, it pays here
    assert late["share"] > 0.02


def test_switching_the_chain_off_removes_it_end_to_end():
    diff = _treated_minus_control(switch=False)
    assert diff.employee_satisfaction.iloc[-1] > 0.2  # employees respond ...
    for link in ("service_quality", "satisfaction", "gross_profit", "share"):
        assert (diff[link].abs() < 1e-9).all(), link  # ... and nothing downstream moves
    assert diff.profit.loc[5:].to_numpy() == pytest.approx(-200.0)  # only the spend remains


# -- relationship levels: few high-margin customers vs many low-margin ones ---------------------
def _level_profits(customers: int, price: float, unit_cost: float) -> dict[str, float]:
    profits = {}
    for level in ("basic", "reactive", "proactive", "partnership"):
        scenario = {
            "name": "levels", "steps": 30, "seed": 2,
            "market": {"customers": customers, "dimensions": ["quality", "service"],
                       "segments": [{"name": "all", "share": 1.0, "price_sensitivity": 1.2,
                                     "weights": {"quality": 0.5, "service": 0.7}}]},
            "firms": [offer(name, price, 0.6, costs={"unit": unit_cost, "per_value": 0.0})
                      for name in ("Alpha", "Beta")],
        }
        scenario["firms"][0]["programmes"] = {"relationship_level": level}
        _, df = run(scenario, seed=2)
        profits[level] = df[df.firm == "Alpha"].profit.sum()
    return profits


def test_higher_relationship_level_pays_for_few_high_margin_customers():
    profits = _level_profits(customers=300, price=100.0, unit_cost=20.0)  # margin 80 a unit
    assert profits["partnership"] > profits["reactive"] > profits["basic"]
    assert max(profits, key=profits.get) in ("proactive", "partnership")


def test_higher_relationship_level_does_not_pay_for_many_low_margin_customers():
    profits = _level_profits(customers=3000, price=3.0, unit_cost=2.5)  # margin 0.5 a unit
    assert profits["partnership"] < profits["basic"]
    assert profits["partnership"] < profits["reactive"]
    assert max(profits, key=profits.get) in ("basic", "reactive")


def test_unmanaged_firm_takes_the_scenarios_relationship_defaults(tiny):
    tiny["relationships"] = {"bonds": {"default_social": 0.4}, "learning": {"default_rate": 0.3}}
    tiny["firms"][1]["programmes"] = {"relationship_level": "basic"}
    model, _ = run(tiny, steps=1)
    alpha, beta = model.firms[0], model.firms[1]
    assert alpha.bonds["social"] == 0.4 and alpha.learning_rate == 0.3
    assert beta.bonds == programmes.LEVELS["basic"].bonds and beta.learning_rate == 0.0
