"""The three service-idea scenarios teach what their ``lesson:`` says, over replicates.

Like ``tests/scenarios_cli/test_library.py`` (which imports these tests so that every shipped
scenario has its lesson test there), each runs the scenario's ``tiny`` preset and compares
means over its replicates; runs are cached, so the tests cost one run per scenario.
"""

from __future__ import annotations

import pandas as pd

from tests.service_ideas.service_helpers import run_shipped as _run


def series(firms: pd.DataFrame, column: str) -> pd.DataFrame:
    """step × firm table of ``column``, mean over replicates."""
    return firms.groupby(["step", "firm"])[column].mean().unstack()


def test_broken_promises__over_promiser_wins_early_loses_later_modest_promise_delights():
    firms, _ = _run("broken_promises")
    share, sat, gap = (series(firms, c) for c in ("share", "satisfaction", "quality_gap"))
    early, late = share.loc[1:2].mean(), share.loc[15:30].mean()
    assert early.idxmax() == "Boaster" and early["Boaster"] > early["Straight"] + 0.05
    assert late["Boaster"] < late["Straight"] - 0.01
    assert late["Boaster"] < early["Boaster"] - 0.05
    assert sat.loc[2:20].mean().idxmax() == "Modest"
    assert gap.loc[1:3].mean().idxmin() == "Boaster" and gap.loc[1:3, "Boaster"].max() < 0
    # and it is the promise: with the mechanism off the three equal offers share equally
    off, _ = _run("broken_promises", "mechanisms.promises=false")
    assert series(off, "share").loc[1:2].mean()["Boaster"] < 0.38


def test_customer_participation__willing_delighted_unwilling_annoyed_training_and_cost():
    firms, segments = _run("customer_participation")
    seg = segments[segments.step >= 3].groupby(["segment", "firm"]).satisfaction.mean()
    assert seg["do it yourself", "SelfServe"] > seg["do it yourself", "Classic"] + 0.01
    assert seg["serve me", "SelfServe"] < seg["serve me", "Classic"] - 0.08
    able = series(firms, "able_share")["SelfServe"]
    assert able.iloc[-1] > able.iloc[0] + 0.15
    cost = series(firms, "cost_to_serve")
    assert (cost["SelfServe"] < cost["Classic"] - 0.2).all()


def test_value_tiers__tiering_pays_most_favoured_for_all_less_guesswork_least():
    firms, _ = _run("value_tiers")
    profit = firms.groupby(["replicate", "firm"]).profit.sum().unstack()
    assert (profit["Tiers"] > profit["Favours All"]).all(), profit
    assert (profit["Guesswork"] < profit["Tiers"]).all(), profit
    spend = firms.groupby("firm").care_spend.mean()
    assert spend.nunique() == 1  # the same budget for all three
    accuracy = firms.groupby("firm").targeting_accuracy.mean()
    assert accuracy["Tiers"] > 0.9 > 0.5 > accuracy["Guesswork"]
