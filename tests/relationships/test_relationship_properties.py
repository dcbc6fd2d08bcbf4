"""Invariants over random valid relationship parameters and switches (hypothesis)."""

import copy

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import MarketModel
from tests.conftest import ALL_OFF, TINY

unit = st.floats(0.0, 1.0)

params = st.fixed_dictionaries({
    "opinion_decay": unit,
    "opinion_cap": st.floats(0.0, 2.0),
    "expectations": st.fixed_dictionaries({
        "adequate_ratio": st.floats(0.05, 1.0), "desired_ratio": st.floats(1.0, 3.0),
        "zone_spread": st.floats(0.0, 2.0), "adaptation": unit, "best_offer_pull": unit,
        "drift": st.floats(-0.1, 0.1)}),
    "satisfaction": st.fixed_dictionaries({
        "performance_noise": st.floats(0.0, 2.0), "steepness": st.floats(0.1, 50.0),
        "memory": st.floats(0.01, 1.0)}),
    "loyalty": st.fixed_dictionaries({"trust_gain": unit, "trust_loss": unit,
                                      "delight_boost": st.floats(1.0, 10.0)}),
    "ladder": st.fixed_dictionaries({"up_probability": unit,
                                     "down_steps": st.integers(0, 5)}),
    "word_of_mouth": st.fixed_dictionaries({
        "network": st.sampled_from(["small_world", "random"]), "degree": st.integers(2, 20),
        "rewiring": unit, "satisfied_contacts": st.floats(0.0, 20.0),
        "dissatisfied_contacts": st.floats(0.0, 20.0), "impact": unit}),
    "complaints": st.fixed_dictionaries({"base_rate": unit, "accessibility_effect": unit,
                                         "recovery_goodwill": st.floats(0.0, 2.0)}),
    "contact_fatigue": st.fixed_dictionaries({"tolerance": st.floats(0.0, 5.0),
                                              "memory": st.floats(0.0, 0.99)}),
    "customer_value": st.fixed_dictionaries({
        "discount_rate": unit, "share_of_wallet": st.sampled_from(["single", "split"])}),
})
switches = st.fixed_dictionaries({k: st.booleans() for k in ALL_OFF})
firm_attrs = st.fixed_dictionaries({
    "complaint_accessibility": unit, "recovery_quality": unit,
    "learning_rate": unit, "contact_intensity": st.floats(0.0, 4.0),
    "service_quality": st.floats(0.0, 1.5), "service_consistency": st.floats(0.0, 2.0),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=params, switches=switches, attrs=firm_attrs,
       purchase=st.sampled_from([1.0, 0.6]), seed=st.integers(0, 2**16))
def test_rates_stay_in_range_nobody_is_lost_no_nan(params, switches, attrs, purchase, seed):
    d = copy.deepcopy(TINY)
    d["market"]["customers"] = 300
    d["market"]["purchase_probability"] = purchase
    d["relationships"] = params
    d["mechanisms"] = switches
    model = MarketModel(d, seed=seed)
    for firm in model.firms:
        for name, value in attrs.items():
            setattr(firm, name, value)
    pop = model.population
    ever = np.zeros(pop.satisfaction.shape, dtype=bool)
    has = pop.supplier >= 0
    ever[np.nonzero(has)[0], pop.supplier[has]] = True  # one remembered past experience
    for _ in range(6):
        model.step()
        ever[np.nonzero(pop.bought)[0], pop.choice[pop.bought]] = True
        # nobody is lost: every customer has one supplier or none, every purchase is counted
        assert ((pop.supplier >= -1) & (pop.supplier < model.n_firms)).all()
        assert model.step_stats["units"].sum() == pop.bought.sum()
        assert (np.bincount(pop.supplier + 1, minlength=model.n_firms + 1).sum() == pop.n)
    for name in ("trust", "knowledge", "wallet"):
        values = getattr(pop, name)
        assert np.isfinite(values).all() and (values >= 0).all() and (values <= 1 + 1e-6).all()
    sat = pop.satisfaction
    assert (np.isnan(sat) == ~ever).all()  # NaN exactly where the customer never bought
    assert df_has_satisfaction(model)
    assert ((sat[ever] >= 0) & (sat[ever] <= 1)).all()
    for name in ("opinion", "adequate", "desired", "value_shift", "loyalty", "switching_cost"):
        assert np.isfinite(getattr(pop, name)).all(), name
    assert (pop.desired > pop.adequate).all()
    assert np.abs(pop.opinion).max() <= params["opinion_cap"] + 1e-6
    assert ((pop.rung >= 0) & (pop.rung <= 5)).all()
    df = model.firms_frame()
    for col in ("share", "retention", "share_of_wallet", "satisfaction", "trust"):
        vals = df[col].dropna()
        assert ((vals >= 0) & (vals <= 1 + 1e-9)).all(), col
    assert (df.satisfied_defectors <= df.defectors).all()
    assert (df.recovered <= df.complaints).all()
    assert (df.retained <= df.at_risk).all()
    assert np.isfinite(df.clv.dropna()).all()


def df_has_satisfaction(model):
    """Every firm with customers reports a satisfaction (no NaN from unexperienced customers)."""
    df = model.firms_frame()
    return df[df.customers > 0].satisfaction.notna().all()
