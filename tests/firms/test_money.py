"""Money is conserved: cash(t) = cash(t−1) + profit(t) for every firm and step, whatever happens."""

from __future__ import annotations

import numpy as np

from tests.firms.conftest import offer, run


def test_cash_changes_by_profit_only_every_step(tiny):
    tiny["steps"] = 25
    tiny["firms"] = [
        offer("A", 10.0, 0.6, strategy={"type": "best_response"},
              programmes={"internal_marketing": 300.0, "relationship_level": "proactive"}),
        offer("B", 9.0, 0.5, strategy={"type": "undercut"},
              programmes={"advertising": 200.0, "quality_investment": {"quality": 100.0}}),
        offer("C", 11.0, 0.7, cash=3000.0, costs={"fixed": 2500.0}, exit_after=2),
        offer("D", 8.0, 0.7, enter_at=6, awareness=0.3, programmes={"advertising": 400.0}),
    ]
    tiny["events"] = [
        {"at": 4, "type": "cost_shock", "factor": 1.2},
        {"at": 8, "type": "market_size", "factor": 1.3},
        {"at": 9, "type": "service_failure", "firm": "A", "severity": 0.3, "duration": 3},
        {"at": 12, "firm": "B", "set": {"programmes": {"relationship_level": "partnership"}}},
    ]
    model, df = run(tiny)
    starts = {f["name"]: f.get("cash", 10_000.0) for f in tiny["firms"]}
    for name, g in df.groupby("firm"):
        cash = np.r_[starts[name], g.cash.to_numpy()]
        assert np.allclose(np.diff(cash), g.profit.to_numpy(), rtol=0, atol=1e-6), name
        books = g.revenue - g.variable_cost - g.fixed_cost - g.marketing_spend
        assert np.allclose(books, g.profit, rtol=0, atol=1e-6), name
    # the scenario really exercised exits, entries and programmes
    assert model.firm_by_name["C"].exited_at is not None
    assert df[df.firm == "D"].step.min() == 6
    assert (df[df.firm == "A"].marketing_spend > 300).all()
    # an inactive firm's cash does not move
    c = model.firm_by_name["C"]
    assert c.cash == df[df.firm == "C"].cash.iloc[-1]
