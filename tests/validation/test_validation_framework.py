"""The validation framework itself: pending is not passing, a wrong claim fails, tables render."""

import numpy as np
import pandas as pd
import pytest

from sim.validation import (
    CASES,
    Outcome,
    Settings,
    case,
    choice_cases,
    markdown,
    run_case,
    run_suite,
    text_table,
)


def test_pending_case_is_reported_pending_not_passed():
    @case("demo_pending", title="t", claim="c", source="s", scenario="x",
          pending=lambda: "mechanism not built")
    def _demo(settings):
        return Outcome("m", "i", "e", True)

    try:
        row = run_case(CASES["demo_pending"])
        assert row["status"] == "pending" and row["reason"] == "mechanism not built"
    finally:
        del CASES["demo_pending"]


def test_a_broken_case_is_an_error_not_a_pass():
    @case("demo_broken", title="t", claim="c", source="s", scenario="x")
    def _demo(settings):
        raise RuntimeError("boom")

    try:
        row = run_case(CASES["demo_broken"])
        assert row["status"] == "error" and "boom" in row["reason"]
    finally:
        del CASES["demo_broken"]


def test_logit_case_fails_against_a_wrong_closed_form(monkeypatch):
    # the case has teeth: shares that are off by a few points are caught
    right = choice_cases.closed_form_shares

    def wrong(scenario):
        s = right(scenario)
        return (s + [0.03, -0.03, 0.0, 0.0])

    monkeypatch.setattr(choice_cases, "closed_form_shares", wrong)
    row = run_case(CASES["logit_shares"], Settings(replicates=3, customers=2000))
    assert row["status"] == "fail"


def test_table_and_markdown_render():
    table = run_suite(["logit_shares", "satisfied_defectors"],
                      Settings(replicates=3, customers=1500))
    assert list(table["case"]) == ["logit_shares", "satisfied_defectors"]
    assert isinstance(table, pd.DataFrame)
    text = text_table(table)
    assert "logit_shares" in text and "[PASS" in text
    # every case prints its figure and where the claim comes from
    assert text.count("measured: ") == 2 and text.count("source: ") == 2
    assert "Reichheld" in text and "McFadden" in text
    md = markdown(table, Settings(replicates=3, customers=1500))
    assert md.startswith("# Model validation")
    assert "Multinomial logit closed form" in md and "**Claim:**" in md
    assert "| case | claim | status |" in md


def test_logit_nash_solver_meets_the_first_order_conditions():
    from sim.validation.strategy_cases import logit_nash_prices

    assert logit_nash_prices(np.array([0.5, 0.5]), 4.0, 10.0, 20.0, 1.0) == \
        pytest.approx([5.0, 5.0], abs=1e-6)  # c + ref / (λα(1 − ½))
    q = np.array([0.5, 0.7, 0.6])
    p = logit_nash_prices(q, 4.0, 10.0, 20.0, 1.0)
    u = 20.0 * (q - p / 10.0)
    s = np.exp(u - u.max()) / np.exp(u - u.max()).sum()
    assert (p - 4.0) * 20.0 / 10.0 * (1 - s) == pytest.approx(1.0, abs=1e-6)
    assert p[1] > p[2] > p[0]
