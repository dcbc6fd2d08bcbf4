"""Events: entry, exit (by event and by cash), changes, shocks, shifts, market size; validation."""

from __future__ import annotations

import numpy as np
import pytest

from sim import MarketModel, ScenarioError, load_scenario
from tests.firms.conftest import offer, run, series


class Probe:
    """Records customers' suppliers at the perceive phase (after events, before choice)."""

    def __init__(self, model):
        import sim.mechanisms.perception as perception

        self.model, self.seen = model, {}
        self._perceive = perception.perceive

    def __call__(self, model):
        self.seen[model.steps] = model.population.supplier.copy()
        self._perceive(model)


def test_entrant_appears_at_its_step_with_no_customers_and_gains_share_when_better(tiny):
    tiny["steps"] = 20
    tiny["firms"].append(offer("New", 8.0, 0.8, enter_at=5, awareness=0.5))
    model = MarketModel(tiny, seed=1)
    probe = Probe(model)
    model.phases = tuple((name, probe if name == "perceive" else phase)
                         for name, phase in model.phases)
    model.run()
    df = model.firms_frame()
    new = df[df.firm == "New"]
    assert new.step.min() == 5  # absent from the tables before its step
    assert not (probe.seen[5] == 3).any()  # on the market with zero customers when it enters
    assert new.events.iloc[0] == "entry"
    share = new.share.to_numpy()
    assert share[-1] > 0.3 and share[-1] > share[0]  # a better offer wins share
    assert share[-1] > df[df.step == 20].share.drop(new.index[-1]).max()


def test_entry_event_is_the_same_as_enter_at(tiny):
    by_field, by_event = dict(tiny), dict(tiny)
    by_field["firms"] = [*tiny["firms"], offer("New", 8.0, 0.8, enter_at=4)]
    by_event["firms"] = [*tiny["firms"], offer("New", 8.0, 0.8)]
    by_event["events"] = [{"at": 4, "type": "entry", "firm": "New"}]
    a = run(by_field, steps=8)[1].drop(columns="events")
    b = run(by_event, steps=8)[1].drop(columns="events")
    assert a.equals(b)


def _nobody_lost(model, df):
    n = model.population.n
    customers = df.groupby("step").customers.sum()
    units = df.groupby("step").units.sum()
    assert (customers == n).all() and (units == n).all()


def test_exit_returns_customers_to_the_market_with_no_one_lost(tiny):
    tiny["events"] = [{"at": 6, "type": "exit", "firm": "Beta"}]
    model, df = run(tiny)
    beta = df[df.firm == "Beta"]
    assert beta.step.max() == 5  # gone from step 6
    before = beta[beta.step == 5].customers.iloc[0]
    assert before > 0
    gained = df[df.step == 6].new_customers.sum()
    assert gained >= before  # every former Beta customer bought elsewhere
    _nobody_lost(model, df)
    assert not model.firm_by_name["Beta"].active
    assert (df[df.step == 6].events == "exit:Beta").all()


def test_firm_exits_when_cash_stays_below_threshold(tiny):
    tiny["firms"][2].update(cash=500.0, costs={"fixed": 2000.0}, exit_after=2)
    model, df = run(tiny)
    gamma = df[df.firm == "Gamma"].set_index("step")
    below = gamma.cash < 0
    first = below.idxmax()
    assert below.any() and gamma.index.max() == first + 1  # two steps in distress, then out
    assert model.firm_by_name["Gamma"].exited_at == first + 2
    _nobody_lost(model, df)
    assert (df[df.step == first + 2].events == "exit:Gamma").all()


def test_change_event_sets_offer_and_programmes(tiny):
    tiny["events"] = [{"at": 3, "firm": "Alpha", "set": {
        "price": 8.0, "attributes": {"quality": 0.9}, "nonmonetary_cost": 0.2,
        "programmes": {"relationship_level": "proactive"}}}]
    model, df = run(tiny, steps=4)
    a = df[df.firm == "Alpha"].set_index("step")
    assert a.price.tolist() == [10.0, 10.0, 8.0, 8.0]
    assert a.events.tolist() == ["", "", "change", ""]
    assert a.relationship_level.tolist() == ["", "", "proactive", "proactive"]
    firm = model.firm_by_name["Alpha"]
    assert firm.levels[0] == 0.9 and firm.nonmonetary_cost == 0.2
    assert firm.bonds["structural"] > 0.2 and firm.complaint_accessibility == 0.8


def test_service_failure_drops_delivered_quality_for_its_duration(tiny):
    tiny["events"] = [{"at": 3, "type": "service_failure", "firm": "Beta", "severity": 0.4,
                       "duration": 2}]
    model, df = run(tiny, steps=6)
    q = df[df.firm == "Beta"].service_quality.tolist()
    assert q == pytest.approx([1, 1, 0.6, 0.6, 1, 1])
    assert (df[df.firm != "Beta"].service_quality == 1).all()


def test_cost_shock_raises_unit_cost_of_the_named_firm_or_all(tiny):
    tiny["events"] = [{"at": 2, "type": "cost_shock", "firm": "Alpha", "factor": 1.5},
                      {"at": 3, "type": "cost_shock", "add": 1.0}]
    model, df = run(tiny, steps=3)
    uc = series(df, "unit_cost")
    assert uc.loc[2, "Alpha"] == pytest.approx(uc.loc[1, "Alpha"] + 1.0)  # base 2 → 3
    assert uc.loc[2, "Beta"] == uc.loc[1, "Beta"]
    assert (uc.loc[3] - uc.loc[2]).to_numpy() == pytest.approx([1, 1, 1])
    assert df[df.step == 3].events.tolist() == ["cost_shock"] * 3


def test_expectation_shock_on_price_raises_perceived_price(tiny_plain):
    tiny_plain["events"] = [{"at": 3, "type": "expectation_shock", "segment": "b",
                             "reference_price_factor": 0.5}]
    model = MarketModel(tiny_plain, seed=1)
    ref = model.population.reference_price.copy()
    model.run(3)
    b = model.population.segment == 1
    assert np.allclose(model.population.reference_price[b], ref[b] * 0.5)
    assert np.allclose(model.population.reference_price[~b], ref[~b])


def test_segment_shift_changes_weights_and_shares(tiny_plain):
    tiny_plain["events"] = [{"at": 5, "type": "segment_shift", "segment": "a",
                             "weights": {"quality": 0.0, "service": 1.5}}]
    model, df = run(tiny_plain)
    w = model.population.weights[model.population.segment == 0]
    assert (w[:, 0] == 0).all() and w[:, 1].mean() == pytest.approx(1.5, rel=0.05)
    beta = df[df.firm == "Beta"].set_index("step").share  # Beta has the best service
    assert beta.loc[6:].mean() > beta.loc[:4].mean() + 0.05


def test_market_growth_scales_volume_and_revenue(tiny_plain):
    tiny_plain["events"] = [{"at": 4, "type": "market_size", "factor": 1.5}]
    model, df = run(tiny_plain, steps=5)
    a = df[df.firm == "Alpha"].set_index("step")
    assert a.revenue.loc[4] == pytest.approx(a.price.loc[4] * a.units.loc[4] * 1.5)
    assert a.revenue.loc[3] == pytest.approx(a.price.loc[3] * a.units.loc[3])


@pytest.mark.parametrize(("event", "message"), [
    ({"at": 2, "type": "exit", "firm": "Alfa"}, "events.0.firm: unknown firm 'Alfa' (did you mean 'Alpha'?)"),
    ({"at": 2, "type": "service_failure", "firm": "Alpha"}, "a service_failure event needs severity"),
    ({"at": 2, "type": "exit", "firm": "Alpha", "factor": 2}, "an exit event does not take factor"),
    ({"at": 2, "type": "segment_shift", "segment": "z", "weights": {"quality": 1}},
     "events.0.segment: unknown segment 'z'"),
    ({"at": 2, "firm": "Alpha", "set": {"attributes": {"qualty": 1}}},
     "events.0.set.attributes.qualty: unknown dimension 'qualty' (did you mean 'quality'?)"),
    ({"at": 2, "type": "cost_shock"}, "a cost_shock event needs factor, add or fixed_factor"),
    ({"at": 2, "type": "boom"}, "events.0.type: Input should be 'change'"),
    ({"at": 0, "firm": "Alpha", "set": {"price": 5}}, "events.0.at: input should be greater than or equal to 1"),
])
def test_invalid_events_give_clear_errors(tiny, event, message):
    tiny["events"] = [event]
    with pytest.raises(ScenarioError) as err:
        load_scenario(tiny)
    assert message.lower() in str(err.value).lower()


def test_expectation_shock_raises_quality_expectations_and_lowers_satisfaction(tiny):
    tiny["steps"] = 8
    models, frames = {}, {}
    for shocked in (False, True):
        tiny["events"] = [{"at": 4, "type": "expectation_shock", "delta": 0.2}] if shocked else []
        models[shocked], frames[shocked] = run(tiny, steps=4)
    pops = {k: m.population for k, m in models.items()}
    # common random numbers: the only difference at step 4 is the shock itself
    assert np.allclose(pops[True].adequate - pops[False].adequate, 0.2, atol=0.05)
    assert (pops[True].desired > pops[False].desired).all()
    sat = {k: f[f.step == 4].satisfaction.mean() for k, f in frames.items()}
    assert sat[True] < sat[False]
    assert frames[True][frames[True].step == 4].events.tolist() == ["expectation_shock"] * 3
