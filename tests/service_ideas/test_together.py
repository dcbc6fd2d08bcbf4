"""All three programmes at once, with an entrant and a market-size event: the run goes through,
the books balance and shares sum to one."""

import numpy as np

from sim import MarketModel


def test_all_three_programmes_together(tiny):
    tiny["steps"] = 12
    tiny["market"]["segments"][0].update(willingness=0.8, ability=0.6, volume=3)
    tiny["firms"][0]["programmes"] = {
        "promise": {"ratio": 1.2, "attributes": {"service": 0.7}},
        "participation": {"level": 0.5, "training": 50, "optional": True},
        "targeting": {"budget": 300, "mode": "tiered", "top_share": 0.3},
    }
    tiny["firms"][1]["programmes"] = {"promise": {"ratio": 0.9}, "targeting": {"budget": 300}}
    tiny["firms"].append({"name": "Late", "price": 9.5, "enter_at": 4, "awareness": 0.3,
                          "attributes": {"quality": 0.6, "service": 0.6},
                          "programmes": {"promise": {"ratio": 1.5}}})
    tiny["events"] = [{"at": 6, "type": "market_size", "factor": 1.5}]
    model = MarketModel(tiny, seed=9)
    model.run()
    df = model.firms_frame()
    assert np.allclose(df.groupby("step").share.sum(), 1.0)
    for _, rows in df.groupby("firm"):
        assert np.allclose(rows.cash.diff().iloc[1:], rows.profit.iloc[1:])
        early = rows[rows.step < 6]  # the units column counts purchases, before market scale
        assert np.allclose(early.revenue, early.price * early.units)
    incumbents = df[df.firm.isin(["Alpha", "Beta"])]
    assert incumbents[["expected_quality", "perceived_quality", "quality_gap"]].notna().all().all()
    alpha = df[df.firm == "Alpha"]
    assert (alpha.care_spend == 300).all() and (alpha.participants > 0).all()
    assert (alpha.marketing_spend == 350).all()  # training + care (no other programme)
    assert df[df.firm == "Late"].step.min() == 4
    pop = model.population
    assert (pop.desired > pop.adequate).all()  # zones put back after every judgement
    assert np.isfinite(pop.value_shift).all()
