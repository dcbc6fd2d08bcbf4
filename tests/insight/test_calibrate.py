"""sim.calibrate: recover a known price sensitivity from the shares it produced."""

import copy

import pandas as pd
import pytest

from sim import load_scenario, run_scenario
from sim.calibrate import calibrate, read_observed, to_yaml
from sim.scenario import ScenarioError

TRUE_SENSITIVITY = 2.2
TOLERANCE = 0.15  # stated tolerance: within ±0.15 (about 7 %) of the true value


@pytest.fixture
def truth(tiny):
    tiny["steps"] = 12
    tiny["events"] = [{"at": 6, "firm": "Alpha", "set": {"price": 8.5}}]
    tiny["market"]["segments"][0]["price_sensitivity"] = TRUE_SENSITIVITY
    return tiny


def test_recovers_a_known_price_sensitivity(truth):
    # "observed" shares: the true scenario run with another seed (so the noise differs)
    observed = run_scenario(truth, seed=99).firms[["step", "firm", "share"]]
    start = copy.deepcopy(truth)
    start["market"]["segments"][0]["price_sensitivity"] = 1.0
    fit = calibrate(start, observed, ["market.segments.0.price_sensitivity=0.5:4"],
                    max_evaluations=30)
    value = fit.values["market.segments.0.price_sensitivity"]
    assert value == pytest.approx(TRUE_SENSITIVITY, abs=TOLERANCE)
    assert fit.rmse < fit.initial_rmse / 3
    assert fit.rmse < 0.03 and fit.mape < 15
    assert fit.scenario.market.segments[0].price_sensitivity == pytest.approx(value)
    # the calibrated scenario round-trips through YAML
    import yaml

    again = load_scenario(yaml.safe_load(to_yaml(fit.scenario, "note")))
    assert again.market.segments[0].price_sensitivity == pytest.approx(value)


def test_observed_shares_long_or_wide(tmp_path):
    wide = pd.DataFrame({"step": [1, 2], "Alpha": [0.5, 0.4], "Beta": [0.5, 0.6]})
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    long = read_observed(path, ["Alpha", "Beta"])
    assert list(long.columns) == ["step", "firm", "share"] and len(long) == 4


@pytest.mark.parametrize("table, message", [
    (pd.DataFrame({"when": [1], "Alpha": [0.5]}), "needs a 'step' column"),
    (pd.DataFrame({"step": [1], "firm": ["Zeta"], "share": [0.5]}), "unknown firm"),
    (pd.DataFrame({"step": [1], "firm": ["Alpha"], "share": [1.5]}), r"in \[0, 1\]"),
    (pd.DataFrame({"step": [0], "firm": ["Alpha"], "share": [0.5]}), "whole numbers from 1"),
])
def test_bad_observed_data_is_refused(table, message):
    with pytest.raises(ScenarioError, match=message):
        read_observed(table, ["Alpha", "Beta"])


def test_never_worse_than_an_already_optimal_start(truth):
    # observed shares: the scenario itself with its own seed, so the start's RMSE (0) is the
    # minimum; before, the search returned a candidate that fitted worse (RMSE > 0)
    observed = run_scenario(truth).firms[["step", "firm", "share"]]
    path = "market.segments.0.price_sensitivity"
    fit = calibrate(truth, observed, [f"{path}=0.5:4"], max_evaluations=12)
    assert fit.start_in_range and fit.start == {path: TRUE_SENSITIVITY}
    assert fit.initial_rmse == 0.0
    assert fit.rmse == 0.0 and fit.rmse <= fit.initial_rmse
    assert fit.start_kept and fit.values == {path: TRUE_SENSITIVITY}
    assert fit.scenario.market.segments[0].price_sensitivity == TRUE_SENSITIVITY
    # the start was a candidate, run first, with the seed of every other candidate
    assert fit.history[path].iat[0] == pytest.approx(TRUE_SENSITIVITY)
    assert fit.history["rmse"].iat[0] == 0.0
    assert fit.evaluations == len(fit.history) <= 12
    assert "kept" in fit.start_note


def test_before_and_after_rmse_are_reported_and_after_is_not_worse(truth):
    observed = run_scenario(truth, seed=99).firms[["step", "firm", "share"]]
    fit = calibrate(truth, observed, ["market.segments.0.price_sensitivity=0.5:4"],
                    max_evaluations=10)
    assert fit.before_rmse == fit.initial_rmse > 0
    assert fit.after_rmse == fit.rmse <= fit.initial_rmse
    assert fit.rmse == fit.history["rmse"].min()
    if not fit.start_kept:  # a strictly better candidate was found and is the one returned
        assert fit.rmse < fit.initial_rmse


def test_a_start_outside_the_ranges_is_reported(truth):
    observed = run_scenario(truth, seed=99).firms[["step", "firm", "share"]]
    fit = calibrate(truth, observed, ["market.segments.0.price_sensitivity=0.5:2"],
                    max_evaluations=6)
    assert not fit.start_in_range and not fit.start_kept
    assert "outside 0.5:2" in fit.start_note
    assert fit.evaluations == len(fit.history) + 1  # the start was run, but not a candidate
    assert 0.5 <= fit.values["market.segments.0.price_sensitivity"] <= 2
