"""Each relationship switch matters, in the expected direction, on fixed seeds and replicates.

Every test compares runs that differ only in one switch (or one firm attribute) with the same
seeds, and would fail if the mechanism were removed or its sign reversed.
"""

import copy

import numpy as np
import pytest

from sim import MarketModel

SEEDS = (11, 12, 13)


def run(d, seed, steps=None, before=None):
    model = MarketModel(copy.deepcopy(d), seed=seed)
    if before is not None:
        before(model)
    model.run(steps)
    return model, model.firms_frame()


def churn(df, from_step=2):
    s = df[df.step >= from_step]
    return 1 - s.retained.sum() / s.at_risk.sum()


def with_switch(d, name, on):
    d = copy.deepcopy(d)
    d.setdefault("mechanisms", {})[name] = on
    return d


@pytest.fixture
def market(tiny):
    tiny["steps"] = 15
    return tiny


def test_loyalty_lowers_churn(market):
    for seed in SEEDS:
        _, on = run(with_switch(market, "loyalty", True), seed)
        _, off = run(with_switch(market, "loyalty", False), seed)
        assert churn(on) < churn(off) - 0.02, seed


def test_switching_costs_lower_churn(market):
    def strong_bonds(model):
        for firm in model.firms:
            firm.bonds = {"financial": 1.0, "social": 1.0, "structural": 1.0}

    for seed in SEEDS:
        m_on, on = run(with_switch(market, "switching_costs", True), seed, before=strong_bonds)
        m_off, off = run(with_switch(market, "switching_costs", False), seed, before=strong_bonds)
        assert m_on.population.switching_cost.mean() > 0.1
        assert not m_off.population.switching_cost.any()
        assert churn(on) < churn(off) - 0.02, seed


def _failure_loss(d, wom, seed):
    """Share of Alpha's share lost to a service failure (vs the same seed without it)."""
    d = with_switch(d, "word_of_mouth", wom)
    d["relationships"] = {"word_of_mouth": {"impact": 0.1}}  # a talkative market
    _, base = run(d, seed)
    failing = copy.deepcopy(d)
    failing["events"] = [{"at": 3, "type": "service_failure", "firm": "Alpha", "severity": 0.3,
                          "duration": 12}]
    _, hit = run(failing, seed)
    share = {k: df[(df.firm == "Alpha") & (df.step >= 6)].share.mean()
             for k, df in (("base", base), ("hit", hit))}
    return 1 - share["hit"] / share["base"]


def test_negative_word_of_mouth_deepens_the_loss_after_a_service_failure(market):
    market["market"]["customers"] = 3000
    loss_on = [_failure_loss(market, True, s) for s in SEEDS]
    loss_off = [_failure_loss(market, False, s) for s in SEEDS]
    assert min(loss_off) > 0.1  # the failure costs share either way
    assert np.mean(loss_on) > np.mean(loss_off) + 0.03


def test_recovered_complainers_return_more_than_silent_ones(market):
    rec, unv, off = [], [], []
    for seed in SEEDS:
        _, on = run(with_switch(market, "complaints", True), seed)
        assert on.recovered_followups.sum() > 20
        rec.append(on.recovered_returned.sum() / on.recovered_followups.sum())
        unv.append(on.unvoiced_returned.sum() / on.unvoiced_followups.sum())
        _, no = run(with_switch(market, "complaints", False), seed)
        assert no.complaints.sum() == 0 and no.recovered_followups.sum() == 0
        off.append(no.unvoiced_returned.sum() / no.unvoiced_followups.sum())
    assert np.mean(rec) > np.mean(unv) + 0.05
    assert np.mean(rec) > np.mean(off)


def test_bad_recovery_loses_complainers(market):
    """Reversed: a firm that handles every complaint badly keeps fewer complainers."""
    good, bad = [], []
    for seed in SEEDS:
        for quality, out in ((1.0, good), (0.0, bad)):
            def set_recovery(model, q=quality):
                for firm in model.firms:
                    firm.recovery_quality = q
                    firm.complaint_accessibility = 1.0

            _, df = run(market, seed, before=set_recovery)
            out.append(1 - churn(df))
    assert np.mean(good) > np.mean(bad)


def _spillover(d, expectations_on, seed):
    """Alpha's customers' mean satisfaction when Beta raises its value minus when it does not."""
    d = with_switch(d, "expectations", expectations_on)
    _, control = run(d, seed)
    raised = copy.deepcopy(d)
    raised["events"] = [{"at": 4, "firm": "Beta",
                         "set": {"attributes": {"quality": 0.7, "service": 0.8}}}]
    _, treated = run(raised, seed)
    pick = [(df.firm == "Alpha") & (df.step >= 8) for df in (control, treated)]
    return treated[pick[1]].satisfaction.mean() - control[pick[0]].satisfaction.mean()


def test_expectation_spillover_a_rivals_innovation_lowers_satisfaction(market):
    market["market"]["customers"] = 3000
    diffs_on = [_spillover(market, True, s) for s in SEEDS]
    diffs_off = [_spillover(market, False, s) for s in SEEDS]
    assert max(diffs_on) < 0
    assert np.mean(diffs_on) < np.mean(diffs_off) - 0.02


def _retention_edge(d, seed, steps=20):
    """Per step, Alpha's retention minus Beta's (twins; Alpha learns as a reactive firm, Beta
    does not learn)."""
    model = MarketModel(copy.deepcopy(d), seed=seed)
    model.firms[0].learning_rate = 0.1  # firms learn only by a programme (default rate 0)
    model.firms[1].learning_rate = 0.0
    model.run(steps)
    df = model.firms_frame().set_index("step")
    return (df[df.firm == "Alpha"].retention - df[df.firm == "Beta"].retention).to_numpy()


@pytest.fixture
def twins(tiny):
    tiny["market"]["customers"] = 3000
    tiny["firms"] = [
        {"name": "Alpha", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.6}},
        {"name": "Beta", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.6}},
    ]
    return tiny


def test_learning_firm_keeps_more_customers_and_the_edge_grows_with_tenure(twins):
    """Everyone starts with one period of tenure, so relationships age with the steps."""
    on = np.mean([_retention_edge(with_switch(twins, "learning", True), s) for s in SEEDS], 0)
    off = np.mean([_retention_edge(with_switch(twins, "learning", False), s) for s in SEEDS], 0)
    early, late = on[1:5].mean(), on[15:].mean()
    assert late > 0.1
    assert late > early + 0.05
    assert abs(off[15:].mean()) < 0.05


def test_heavy_contact_annoys_and_moderate_contact_informs(market):
    def contacts(level, awareness=None):
        def before(model):
            model.firms[0].contact_intensity = level
            if awareness is not None:
                model.population.aware[:, 0] = model.rng.random(model.population.n) < awareness
        return before

    for seed in SEEDS:
        _, quiet = run(market, seed)
        _, heavy = run(market, seed, before=contacts(6.0))
        _, heavy_off = run(with_switch(market, "contact_fatigue", False), seed,
                           before=contacts(6.0))
        _, quiet_off = run(with_switch(market, "contact_fatigue", False), seed)
        alpha = [df[(df.firm == "Alpha") & (df.step >= 5)] for df in
                 (quiet, heavy, heavy_off, quiet_off)]
        assert alpha[1].annoyed.sum() > 0
        assert alpha[1].share.mean() < alpha[0].share.mean()
        assert alpha[1].satisfaction.mean() < alpha[0].satisfaction.mean()
        assert alpha[2].share.mean() == pytest.approx(alpha[3].share.mean())
        _, unknown = run(market, seed, steps=3, before=contacts(0.0, awareness=0.2))
        _, reached = run(market, seed, steps=3, before=contacts(0.5, awareness=0.2))
        aware = [df[df.firm == "Alpha"].aware.iloc[-1] for df in (unknown, reached)]
        assert aware[1] > aware[0] + 200


def test_word_of_mouth_spreads_awareness(market):
    market["firms"][2]["awareness"] = 0.1
    market["steps"] = 8
    for seed in SEEDS:
        known = []
        for wom in (True, False):
            _, df = run(with_switch(market, "word_of_mouth", wom), seed)
            known.append(df[(df.firm == "Gamma") & (df.step == 8)].aware.iat[0])
        assert known[0] > known[1] * 1.1, (seed, known)
