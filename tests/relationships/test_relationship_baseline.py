"""What the shipped baseline shows with default parameters: stylised facts of the source texts.

Measured from the output tables (firms.csv and summary.json), as a user would.
"""

import numpy as np
import pytest
from scipy.stats import spearmanr

from sim import MarketModel, run_scenario

# The source (Bain survey quoted in seed 002) says 65–85 % of customers who call themselves
# satisfied still switch. Our band for the share of defectors who were satisfied when they left:
SATISFIED_DEFECTOR_BAND = (0.65, 0.85)


@pytest.fixture(scope="module")
def baseline():
    return run_scenario("baseline", replicates=2)


def test_most_defectors_were_satisfied_when_they_left(baseline):
    share = baseline.summary()["satisfied_defector_share"]
    low, high = SATISFIED_DEFECTOR_BAND
    assert low <= share["mean"] <= high, share
    df = baseline.firms
    for _, rep in df.groupby("replicate"):
        assert low <= rep.satisfied_defectors.sum() / rep.defectors.sum() <= high


def test_dissatisfied_tell_about_twice_as_many_as_satisfied(baseline):
    df = baseline.firms
    s = df[df.step >= 10]
    negative = s.wom_negative.sum() / s.dissatisfied_buyers.sum()
    positive = s.wom_positive.sum() / s.satisfied_buyers.sum()
    assert negative / positive == pytest.approx(2.0, rel=0.12)


def test_double_jeopardy_repeat_purchase_rises_with_share(baseline):
    df = baseline.firms
    s = df[df.step >= 5].groupby("firm")[["share", "retained", "at_risk"]].sum()
    repeat = s.retained / s.at_risk
    assert len(s) >= 4
    assert spearmanr(s.share, repeat).statistic > 0.9


def test_recovered_complainers_mostly_return(baseline):
    summary = baseline.summary()
    assert summary["recovered_return_rate"]["mean"] > 0.8
    assert summary["recovered_return_rate"]["mean"] > summary["unvoiced_return_rate"]["mean"]
    for firm in summary["firms"].values():
        assert 0 <= firm["retention"]["mean"] <= 1


def test_relationship_columns_are_written(baseline):
    cols = set(baseline.firms.columns)
    wanted = {"satisfaction", "trust", "loyalty", "complaints", "recovered", "wom_positive",
              "wom_negative", "satisfied_defectors", "clv"} | {
        f"ladder_{r}" for r in ("prospect", "customer", "client", "supporter", "advocate",
                                "partner")}
    assert wanted <= cols
    last = baseline.firms[baseline.firms.step == baseline.firms.step.max()]
    ladder = last[[f"ladder_{r}" for r in ("customer", "client", "supporter", "advocate",
                                            "partner")]].sum(axis=1)
    np.testing.assert_array_equal(ladder.to_numpy(), last.customers.to_numpy())
    assert (last.ladder_partner.sum() > 0) and (last.ladder_partner < last.customers).all()
    assert (last.clv > 0).all()


def test_all_off_leaves_choice_a_plain_logit(tiny_plain):
    model = MarketModel(tiny_plain, seed=5)
    model.run(6)
    pop = model.population
    assert not pop.value_shift.any()
    assert not pop.loyalty.any() and not pop.switching_cost.any()
    assert not pop.opinion.any() and not pop.knowledge.any()
    df = model.firms_frame()
    assert df.wom_positive.sum() == 0 and df.complaints.sum() == 0
    assert df.satisfaction.notna().all()  # satisfaction is still measured
