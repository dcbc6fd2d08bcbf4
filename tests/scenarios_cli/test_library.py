"""Each shipped scenario teaches one idea; each test checks that the idea actually happens.

Runs use the scenario's own ``tiny`` preset (fewer customers and steps, several replicates) and
compare means over replicates, so a lesson that holds only by luck of one seed fails here.
Where a lesson is about one mechanism, the test also runs the counterfactual with that
mechanism switched off (or the programme removed) and checks the difference.
"""

from __future__ import annotations

import functools
import os

import pandas as pd
import pytest

from sim import load_scenario, run_scenario
from sim.matrix import FAILURE_POSITIONS
from sim.scenario import shipped_scenarios_dir

SHIPPED = sorted(p.stem for p in shipped_scenarios_dir().glob("*.yaml"))
# LESSON_SEED=N reruns every lesson with another seed: a lesson must not hang on one seed.
RESEED = [f"seed={os.environ['LESSON_SEED']}"] if os.environ.get("LESSON_SEED") else []


@functools.cache
def _run(name: str, preset: str = "tiny", *overrides: str) -> pd.DataFrame:
    scenario = load_scenario(name, preset=preset, overrides=[*overrides, *RESEED])
    return run_scenario(scenario).firms


def run(name: str, *overrides: str, preset: str = "tiny") -> pd.DataFrame:
    """Firms table of a shipped scenario under a preset and overrides (cached per session)."""
    return _run(name, preset, *overrides)


def series(firms: pd.DataFrame, column: str) -> pd.DataFrame:
    """step × firm table of ``column``, mean over replicates."""
    return firms.groupby(["step", "firm"])[column].mean().unstack()


def window(table: pd.DataFrame, first: int, last: int) -> pd.Series:
    """Mean of each firm over steps first..last (inclusive)."""
    return table.loc[first:last].mean()


def test_the_library_has_at_least_eight_scenarios_each_with_description_lesson_and_tiny():
    assert len(SHIPPED) >= 8
    for name in SHIPPED:
        s = load_scenario(name)
        assert s.description.strip() and len(s.lesson.split()) >= 15, name
        assert "tiny" in s.presets, name
        assert load_scenario(name, preset="tiny").replicates >= 3 or name == "classroom_starter"


def test_every_shipped_scenario_has_a_lesson_test():
    tested = {name.removeprefix("test_").split("__")[0] for name in globals()
              if name.startswith("test_") and "__" in name}
    assert set(SHIPPED) <= tested, set(SHIPPED) - tested


def test_baseline__net_value_not_price_or_value_alone():
    share = series(run("baseline"), "share")
    last = window(share, 16, 20)
    assert last.idxmax() == "Beta"  # more value than Alpha and Delta, the lowest price
    assert last["Beta"] > share.loc[1, "Beta"]
    assert last.idxmin() == "Delta"  # higher price than average for below-average value
    assert last["Delta"] < share.loc[1, "Delta"]
    assert last["Gamma"] > last["Alpha"]  # the expensive firm that delivers value beats the cheap one that does not
    firms = run("baseline")
    final = firms[firms["step"] == firms["step"].max()].groupby("firm")["clock_position"]
    positions = final.agg(lambda s: s.mode()[0])
    assert positions["Beta"] == "hybrid"
    assert positions["Delta"] in FAILURE_POSITIONS


def test_price_war__prices_fall_profits_collapse_bystander_keeps_margin():
    firms = run("price_war")
    price, profit, share = (series(firms, c) for c in ("price", "profit", "share"))
    end = price.index.max()
    for firm in ("Alpha", "Beta"):
        assert price.loc[end, firm] < 0.6 * 10.0
        assert profit.loc[end, firm] < 0.4 * profit.loc[1, firm]
    assert abs(share.loc[end, "Alpha"] - share.loc[end, "Beta"]) < 0.12  # nobody wins the war
    assert price.loc[end, "Gamma"] == 13.0
    assert profit.loc[end, "Gamma"] > profit.loc[end, ["Alpha", "Beta"]].max()


def test_hybrid_entrant__takes_share_from_both_incumbents():
    share = series(run("hybrid_entrant"), "share")
    before, after = window(share, 7, 9), window(share, 26, 30)
    assert after["BudgetCo"] < before["BudgetCo"] - 0.1
    assert after["PremiumCo"] < before["PremiumCo"] - 0.1
    assert after["Hybrid"] > 0.4 and after["Hybrid"] == after.max()


def test_differentiation_vs_cost_leadership__each_wins_its_segment_middle_loses():
    s = load_scenario("differentiation_vs_cost_leadership", preset="tiny", overrides=RESEED)
    result = run_scenario(s)
    seg = result.segments[result.segments["step"] > 5]
    by_seg = seg.groupby(["segment", "firm"])["share"].mean().unstack()
    assert by_seg.loc["bargain hunters"].idxmax() == "CostLeader"
    assert by_seg.loc["connoisseurs"].idxmax() == "Differentiator"
    profit = result.firms.groupby("firm")["profit"].sum()
    assert profit["Middle"] < 0.2 * min(profit["CostLeader"], profit["Differentiator"])


def test_failure_positions__positions_six_to_eight_shrink_and_trail():
    firms = run("failure_positions")
    share = series(firms, "share")
    end = window(share, 21, 25)
    for firm in ("Overpriced", "RipOff", "Skimper"):
        assert end[firm] < share.loc[1, firm], firm
        assert end[firm] < 0.8 * end["Standard"], firm
    labels = firms[firms["step"] == 1].groupby("firm")["clock_position"].agg(lambda s: s.mode()[0])
    assert labels["Overpriced"] == "higher_price_standard_value"
    assert labels["RipOff"] == "higher_price_low_value"
    assert labels["Skimper"] == "low_value_standard_price"
    assert set(labels[["Overpriced", "RipOff", "Skimper"]]) <= set(FAILURE_POSITIONS)


def test_service_failure__recovery_brings_listeners_back():
    firms = run("service_failure")
    share, sat = series(firms, "share"), series(firms, "satisfaction")
    before, during, after = window(sat, 8, 11), window(sat, 13, 15), window(sat, 25, 30)
    for firm in ("Listener", "Deaf"):
        assert during[firm] < before[firm] - 0.2, firm  # the failure hurts both
    assert during["Steady"] > before["Steady"] - 0.05  # the bystander is untouched
    assert after["Listener"] > before["Listener"] - 0.03  # recovered...
    assert after["Deaf"] < before["Deaf"] - 0.03  # ...and not
    trough = share.loc[13:20, "Listener"].min()
    assert trough < share.loc[11, "Listener"]
    assert window(share, 26, 30)["Listener"] > trough + 0.05
    assert window(share, 26, 30)["Deaf"] < share.loc[11, "Deaf"]


def test_internal_marketing__the_service_profit_chain_pays():
    firms = run("internal_marketing")
    employees = series(firms, "employee_satisfaction")
    share, profit = series(firms, "share"), series(firms, "profit")
    assert employees.iloc[-1]["Invests"] > employees.iloc[-1]["Skips"] + 0.1
    assert window(share, 26, 30)["Invests"] > window(share, 26, 30)["Skips"] + 0.08
    assert profit.loc[1, "Invests"] < profit.loc[1, "Skips"]  # pays first...
    assert window(profit, 21, 30)["Invests"] > window(profit, 21, 30)["Skips"]  # ...earns later
    off = series(run("internal_marketing", "mechanisms.service_profit_chain=false"), "share")
    assert abs(window(off, 26, 30)["Invests"] - window(off, 26, 30)["Skips"]) < \
        window(share, 26, 30)["Invests"] - window(share, 26, 30)["Skips"]


def test_learning_lock_in__customers_stay_when_the_rival_cuts_price():
    def loss_after_cut(firms: pd.DataFrame) -> float:
        share = series(firms, "share")
        return share.loc[19, "Learner"] - window(share, 26, 30)["Learner"]

    with_learning = loss_after_cut(run("learning_lock_in"))
    without = loss_after_cut(run("learning_lock_in", "mechanisms.learning=false"))
    assert without > 0.1
    assert with_learning < 0.5 * without


def test_expectation_inflation__a_rivals_innovation_makes_your_customers_less_satisfied():
    def drop(firms: pd.DataFrame) -> pd.Series:
        sat = series(firms, "satisfaction")
        return window(sat, 10, 14) - window(sat, 26, 30)

    on = drop(run("expectation_inflation"))
    off = drop(run("expectation_inflation", "mechanisms.expectations=false"))
    for firm in ("Steady A", "Steady B"):
        assert on[firm] > 0.05, firm
        assert on[firm] > off[firm] + 0.05, firm


def test_relationship_levels__the_programme_pays_only_with_big_margins():
    def partner_profit(preset: str, level: str) -> float:
        firms = run("relationship_levels", f"firms.0.programmes.relationship_level={level}",
                    preset=preset)
        return firms[firms["firm"] == "Partner"].groupby("replicate")["profit"].sum().mean()

    assert partner_profit("tiny", "partnership") < 0.8 * partner_profit("tiny", "basic")
    assert partner_profit("few_big", "partnership") > 1.3 * partner_profit("few_big", "basic")


def test_classroom_starter__equal_start_and_every_move_shows():
    share = series(run("classroom_starter"), "share")
    assert (share.loc[1:3].mean() - 0.25).abs().max() < 0.05
    moved = series(run("classroom_starter", "firms.0.price=9.0"), "share")
    assert moved.loc[3].idxmax() == "Team A" and moved.loc[3, "Team A"] > 0.35
    better = series(run("classroom_starter", "firms.1.attributes.service=0.8"), "share")
    assert better.loc[3].idxmax() == "Team B"


@pytest.mark.parametrize("name", SHIPPED)
def test_presets_validate(name):
    for preset in load_scenario(name).presets:
        load_scenario(name, preset=preset)


# The service ideas' scenarios (promises, participation, targeting) keep their lesson tests with
# the mechanisms in tests/service_ideas/; importing them here lists them with the library's.
from tests.service_ideas.test_lessons import (  # noqa: E402, F401
    test_broken_promises__over_promiser_wins_early_loses_later_modest_promise_delights,
    test_customer_participation__willing_delighted_unwilling_annoyed_training_and_cost,
    test_value_tiers__tiering_pays_most_favoured_for_all_less_guesswork_least,
)
