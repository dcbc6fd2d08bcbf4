"""The brand-performance and duplication tables against a panel computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.panel import PanelError, brand_performance, duplication, halves, window

# Three panel customers, two firms, steps 1-4 (replicate 0):
#   c1: A A A A          (a sole buyer of A)
#   c2: A B B B(2 units)
#   c3: B . B A
ROWS = [
    (1, 1, "A", 1), (1, 2, "A", 1), (1, 3, "A", 1), (1, 4, "A", 1),
    (2, 1, "A", 1), (2, 2, "B", 1), (2, 3, "B", 1), (2, 4, "B", 2),
    (3, 1, "B", 1), (3, 3, "B", 1), (3, 4, "A", 1),
]


def hand_panel() -> pd.DataFrame:
    return pd.DataFrame({
        "replicate": 0, "step": [r[1] for r in ROWS], "customer": [r[0] for r in ROWS],
        "segment": "s", "firm": [r[2] for r in ROWS], "units": [float(r[3]) for r in ROWS],
        "price_paid": 10.0, "satisfaction": 0.5, "switched": False,
    })


def row(table: pd.DataFrame, firm: str) -> pd.Series:
    return table.set_index("firm").loc[firm]


def test_brand_performance_by_purchases_matches_the_hand_count():
    table = brand_performance(hand_panel())
    assert table["firm"].tolist() == ["A", "B"]          # larger share first
    a, b = row(table, "A"), row(table, "B")
    # 11 purchases: A 6, B 5
    assert a["share"] == pytest.approx(6 / 11) and b["share"] == pytest.approx(5 / 11)
    # all 3 customers bought A; c2 and c3 bought B
    assert a["penetration"] == pytest.approx(1.0) and b["penetration"] == pytest.approx(2 / 3)
    assert a["purchases_per_buyer"] == pytest.approx(2.0)
    assert b["purchases_per_buyer"] == pytest.approx(2.5)
    # SCR: A's buyers (all) made 11 category purchases; B's buyers c2 (4) + c3 (3) = 7
    assert a["scr"] == pytest.approx(6 / 11) and b["scr"] == pytest.approx(5 / 7)
    # sole buyers: c1 of A's three; none of B's
    assert a["sole_buyers"] == pytest.approx(100 / 3) and b["sole_buyers"] == 0.0
    # periods: steps 1-2 and 3-4. A: {c1, c2} then {c1, c3} → 1 of 2; B: {c2, c3} → both again
    assert a["repeat_rate"] == pytest.approx(0.5) and b["repeat_rate"] == pytest.approx(1.0)
    assert a["buyers"] == 3 and b["buyers"] == 2


def test_brand_performance_by_units():
    table = brand_performance(hand_panel(), by="units")
    a, b = row(table, "A"), row(table, "B")
    # 12 units: A 6, B 6 (c2's last purchase is 2 units); a tie sorts by name
    assert table["firm"].tolist() == ["A", "B"]
    assert a["share"] == pytest.approx(0.5) and b["share"] == pytest.approx(0.5)
    assert b["purchases_per_buyer"] == pytest.approx(3.0)
    # B's buyers: c2 5 units + c3 3 units = 8
    assert b["scr"] == pytest.approx(6 / 8)
    with pytest.raises(PanelError):
        brand_performance(hand_panel(), by="value")


def test_panel_size_counts_members_who_bought_nothing():
    table = brand_performance(hand_panel(), panel_size=4)
    assert row(table, "A")["penetration"] == pytest.approx(3 / 4)
    assert row(table, "B")["penetration"] == pytest.approx(2 / 4)


def test_duplication_matches_the_hand_count():
    dup = duplication(hand_panel())
    assert list(dup.index) == ["A", "B"] and list(dup.columns) == ["A", "B"]
    assert dup.loc["A", "B"] == pytest.approx(200 / 3)   # c2, c3 of c1, c2, c3
    assert dup.loc["B", "A"] == pytest.approx(100.0)     # both of B's buyers bought A
    assert math.isnan(dup.loc["A", "A"]) and math.isnan(dup.loc["B", "B"])


def test_halves_and_window():
    first, second = halves(hand_panel())
    assert sorted(first["step"].unique()) == [1, 2] and sorted(second["step"].unique()) == [3, 4]
    part = window(hand_panel(), from_step=2, to_step=3)
    assert sorted(part["step"].unique()) == [2, 3]
    # in steps 2-3: A bought by c1 twice; B by c2 twice and c3 once
    table = brand_performance(part)
    assert row(table, "B")["share"] == pytest.approx(3 / 5)
    assert row(table, "A")["sole_buyers"] == pytest.approx(100.0)


def test_the_same_customer_number_in_another_replicate_is_another_person():
    one = hand_panel()
    two = one.assign(replicate=1)
    table = brand_performance(pd.concat([one, two], ignore_index=True))
    a = row(table, "A")
    assert a["buyers"] == 6 and a["penetration"] == pytest.approx(1.0)
    assert a["share"] == pytest.approx(6 / 11)            # the same figures, twice the people


def test_invariants_on_a_random_panel():
    rng = np.random.default_rng(1)
    n = 400
    panel = pd.DataFrame({
        "replicate": rng.integers(0, 2, n), "step": rng.integers(1, 21, n),
        "customer": rng.integers(0, 30, n), "firm": rng.choice(list("ABCD"), n, p=[.5, .3, .15, .05]),
        "units": rng.integers(1, 4, n).astype(float),
    })
    for by in ("purchases", "units"):
        table = brand_performance(panel, by=by)
        assert table["share"].sum() == pytest.approx(1.0)
        assert (table["penetration"] <= 1).all() and (table["penetration"] > 0).all()
        assert ((table["sole_buyers"] >= 0) & (table["sole_buyers"] <= 100)).all()
        assert ((table["scr"] > 0) & (table["scr"] <= 1)).all()
        rr = table["repeat_rate"].dropna()
        assert ((rr >= 0) & (rr <= 1)).all()
    dup = duplication(panel)
    assert np.isnan(np.diag(dup.to_numpy())).all()
    off = dup.to_numpy()[~np.eye(len(dup), dtype=bool)]
    assert ((off >= 0) & (off <= 100)).all()


def test_window_refuses_a_table_without_the_panel_columns():
    with pytest.raises(PanelError, match="customer"):
        window(pd.DataFrame({"replicate": [0], "step": [1], "firm": ["A"], "units": [1.0]}))
