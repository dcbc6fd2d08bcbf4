"""Service promises and the gap model: kernels by hand, then the lessons on twin markets.

Each market test compares a promising firm with an identical honest twin on fixed seeds; it
fails if promises are removed (no early gain, no delight) or reversed (an over-promise that
delights, an under-promise that disappoints).
"""

import numpy as np
import pytest
from oracles import promises as promises_oracle

from sim import ScenarioError, load_scenario
from sim.mechanisms import promises
from tests.service_ideas.service_helpers import SEEDS, firm, run, twin_market, with_programme


def test_promised_ratio_by_hand():
    weights = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 0.0]])
    levels = np.array([0.5, 0.4])
    claimed = np.array([0.8, 0.4])  # claims more on the first dimension only
    out = promises_oracle.promised_ratio(weights, levels, claimed, 1.1)
    assert out[0] == pytest.approx(1.1 * 0.8 / 0.5)
    assert out[1] == pytest.approx(1.1 * (0.4 + 0.2) / (0.25 + 0.2))
    assert out[2] == pytest.approx(1.1)  # nothing valued: just the ratio


def test_expectation_kernels_by_hand():
    assert promises_oracle.hear(1.0, 1.4, 0.5) == pytest.approx(1.2)
    assert promises_oracle.correct(1.2, 0.25) == pytest.approx(1.15)
    e = np.array([1.4, 1.4, 0.8, 0.8])
    dissatisfied = np.array([True, False, True, False])
    out = promises_oracle.after_purchase(e, dissatisfied, correction=0.5, betrayal=0.5)
    # misled: 1 − 0.5·0.4; the others half way back to 1 (an under-promise is never "broken")
    assert out == pytest.approx([0.8, 1.2, 0.9, 0.9])
    assert promises_oracle.promise_shift(np.array([1.5, 0.9]), np.array([0.8, 1.0]), 1.0) == (
        pytest.approx([0.4, -0.1]))


def test_zone_scaling_is_undone_exactly():
    class Pop:
        adequate = np.array([0.6, 0.7, 0.8], dtype=np.float32)
        desired = np.array([0.9, 1.0, 1.1], dtype=np.float32)

    pop = Pop()
    before = pop.adequate.copy(), pop.desired.copy()
    saved = promises_oracle.scale_zone(pop, np.array([0, 2]), np.array([1.3, 0.7]))
    assert pop.adequate[0] == pytest.approx(0.78) and pop.desired[2] == pytest.approx(0.77)
    assert pop.adequate[1] == before[0][1]
    promises.restore_zone(pop, saved)
    assert (pop.adequate == before[0]).all() and (pop.desired == before[1]).all()


@pytest.fixture(scope="module")
def over_promise():
    d = twin_market(steps=30)
    return [run(with_programme(d, "promise", {"ratio": 1.4}), seed)[1] for seed in SEEDS]


def test_over_promiser_gains_early_and_loses_later_against_an_honest_twin(over_promise):
    early, late = [], []
    for df in over_promise:
        focal, twin = firm(df), firm(df, "Twin")
        early.append(focal.share.loc[1:2].mean() - twin.share.loc[1:2].mean())
        late.append(focal.share.loc[15:30].mean() - twin.share.loc[15:30].mean())
    assert min(early) > 0.08, early  # the promise draws customers in...
    assert max(late) < -0.03, late   # ...who are disappointed, feel misled and leave


def test_over_promise_opens_a_negative_quality_gap(over_promise):
    for df in over_promise:
        focal, twin = firm(df), firm(df, "Twin")
        assert (focal.quality_gap.loc[1:3] < twin.quality_gap.loc[1:3] - 0.03).all()
        assert (focal.expected_quality.loc[1:3] > focal.perceived_quality.loc[1:3]).all()
        gap = focal.perceived_quality - focal.expected_quality
        assert np.allclose(focal.quality_gap, gap, equal_nan=True)
        # disappointed buyers: less satisfied than the twin's at first
        assert focal.satisfaction.loc[1:5].mean() < twin.satisfaction.loc[1:5].mean() - 0.03


def test_under_promising_raises_satisfaction_above_the_honest_twins():
    d = twin_market(steps=12)
    for seed in SEEDS:
        _, df, _ = run(with_programme(d, "promise", {"ratio": 0.8}), seed)
        focal, twin = firm(df), firm(df, "Twin")
        assert focal.satisfaction.loc[2:12].mean() > twin.satisfaction.loc[2:12].mean() + 0.01
        assert focal.quality_gap.loc[1:12].mean() > twin.quality_gap.loc[1:12].mean() + 0.01
        assert focal.share.loc[1:12].mean() < 0.5  # a modest promise draws fewer customers


def test_with_the_switch_off_promises_have_no_effect():
    d = twin_market(steps=15)
    _, off, _ = run(with_programme(d, "promise", {"ratio": 1.5}, switch=False), 5)
    _, plain, _ = run(with_programme(d, "promise", None), 5)
    cols = ["share", "satisfaction", "trust", "profit", "expected_quality", "quality_gap"]
    assert off[cols].equals(plain[cols])
    _, on, _ = run(with_programme(d, "promise", {"ratio": 1.5}), 5)
    assert firm(on).share.loc[1] > firm(off).share.loc[1] + 0.05  # the test has teeth


def test_servqual_preset_names_the_five_dimensions(tiny):
    tiny["market"]["dimensions"] = "servqual"
    for seg in tiny["market"]["segments"]:
        seg["weights"] = {"reliability": 0.5, "empathy": 0.3}
    for f in tiny["firms"]:
        f["attributes"] = {"reliability": 0.6, "tangibles": 0.4}
    scenario = load_scenario(tiny)
    assert scenario.market.dimensions == [
        "reliability", "responsiveness", "assurance", "empathy", "tangibles"]
    tiny["market"]["dimensions"] = "servqal"
    with pytest.raises(ScenarioError, match="did you mean 'servqual'"):
        load_scenario(tiny)


def test_promised_attributes_must_name_declared_dimensions(tiny):
    tiny["firms"][0]["programmes"] = {"promise": {"attributes": {"qualty": 0.9}}}
    with pytest.raises(ScenarioError, match=r"promise\.attributes\.qualty.*did you mean 'quality'"):
        load_scenario(tiny)


def test_an_event_can_start_a_promise_mid_run():
    d = twin_market(steps=8)
    d["events"] = [{"at": 4, "firm": "Focal", "set": {"programmes": {"promise": {"ratio": 1.4}}}}]
    model, df, _ = run(d, 2)
    _, plain, _ = run(twin_market(steps=8), 2)
    assert model.firms[0].programmes.promise.ratio == 1.4
    assert (firm(df).share.loc[1:3] == firm(plain).share.loc[1:3]).all()  # nothing before
    # after: only customers who never bought from the firm believe it, still a visible draw
    assert firm(df).share.loc[4:5].mean() > firm(plain).share.loc[4:5].mean() + 0.01


def test_a_misled_customer_never_believes_the_firm_again():
    model, _, _ = run(with_programme(twin_market(steps=15), "promise", {"ratio": 1.4}), 1)
    pop = model.population
    misled = pop.promise_misled[:, 0]
    assert misled.mean() > 0.2  # many were promised more than they got
    # betrayal put them below 1; hearing the promise again never lifts them above it
    assert (pop.promise_expectation[misled, 0] <= 1.0 + 1e-6).all()
    assert not pop.promise_misled[:, 1].any()  # the honest twin misleads nobody
