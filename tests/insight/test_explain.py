"""sim.explain: contributions sum exactly to the actual change and name the right driver."""

import copy

import pytest

from sim import explain, run_scenario
from sim.explain import DRIVERS


@pytest.fixture
def price_cut(tiny):
    tiny["steps"] = 14
    tiny["events"] = [{"at": 6, "firm": "Alpha", "set": {"price": 8.5}}]
    return tiny


def test_contributions_sum_exactly_to_the_actual_change(price_cut):
    result = run_scenario(price_cut, replicates=2, seed=5)
    for replicate in (0, 1):
        e = explain(result, "Alpha", 3, 12, replicate=replicate)
        rows = result.firms[(result.firms["replicate"] == replicate)
                            & (result.firms["firm"] == "Alpha")].set_index("step")["share"]
        actual = rows[12] - rows[3]
        assert e.change == pytest.approx(actual, abs=1e-12)
        assert e.contributions["contribution"].sum() == pytest.approx(actual, abs=1e-12)
        assert list(e.contributions["driver"]) == list(DRIVERS)


def test_own_price_cut_is_the_main_driver(price_cut, tiny_plain):
    plain = copy.deepcopy(price_cut)
    plain["mechanisms"] = tiny_plain["mechanisms"]
    e = explain(run_scenario(plain, seed=2), "Alpha", 3, 12)
    c = e.contributions.set_index("driver")["contribution"]
    assert e.change > 0.05
    assert c["price"] > 0.05 and c["price"] == c.abs().max()
    # nothing else moved in a plain logit market: only chance is left
    for driver in ("value", "rivals", "loyalty", "word_of_mouth", "market", "other"):
        assert abs(c[driver]) < 1e-9, driver
    assert "lower price (10.00 → 8.50)" in e.text()
    assert e.sentences[0].startswith("Alpha's share rose")


def test_a_rivals_move_is_attributed_to_rivals(tiny_plain):
    tiny_plain["steps"] = 10
    tiny_plain["events"] = [{"at": 5, "firm": "Beta", "set": {"price": 7.5}}]
    e = explain(run_scenario(tiny_plain, seed=2), "Alpha", 2, 8)
    c = e.contributions.set_index("driver")["contribution"]
    assert c["rivals"] < -0.03 and abs(c["price"]) < 1e-9
    assert "Rivals' moves" in e.text() and "took away" in e.text()


def test_bad_requests_raise_readable_errors(tiny):
    tiny["steps"] = 5
    result = run_scenario(tiny, seed=1)
    with pytest.raises(ValueError, match="unknown firm"):
        explain(result, "Zeta", 1, 3)
    with pytest.raises(ValueError, match="step_from < step_to"):
        explain(result, "Alpha", 3, 3)
    with pytest.raises(ValueError, match="step_from < step_to"):
        explain(result, "Alpha", 0, 9)
    with pytest.raises(ValueError, match="replicate"):
        explain(result, "Alpha", 1, 3, replicate=4)


def test_an_entrant_is_explained_and_still_sums(tiny):
    tiny["steps"] = 10
    tiny["firms"].append({"name": "Delta", "price": 8.0, "enter_at": 4,
                          "attributes": {"quality": 0.7, "service": 0.7}})
    result = run_scenario(tiny, seed=4)
    for firm in ("Alpha", "Delta"):
        e = explain(result, firm, 2, 8)
        assert e.contributions["contribution"].sum() == pytest.approx(e.change, abs=1e-12)
    delta = explain(result, "Delta", 2, 8)
    assert delta.share_from == 0.0 and delta.share_to > 0.1
    c = delta.contributions.set_index("driver")["contribution"]
    assert c["value"] > 0.1  # the offer arriving on the market is the entrant's own move
    alpha = explain(result, "Alpha", 2, 8).contributions.set_index("driver")["contribution"]
    assert alpha["rivals"] < 0
