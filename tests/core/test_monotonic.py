"""Directional effects: price lowers share, valued attributes raise it, unvalued ones do nothing."""

import copy

from sim import run_scenario


def _mean_share(scenario, firm, seed=9):
    df = run_scenario(scenario, seed=seed).firms
    return df[df["firm"] == firm]["share"].mean()


def test_raising_price_lowers_share(tiny):
    tiny["market"]["customers"] = 4000
    base = _mean_share(tiny, "Alpha")
    dearer = copy.deepcopy(tiny)
    dearer["firms"][0]["price"] = 11.0
    assert _mean_share(dearer, "Alpha") < base - 0.03


def test_raising_a_valued_attribute_raises_share(tiny):
    tiny["market"]["customers"] = 4000
    base = _mean_share(tiny, "Alpha")
    better = copy.deepcopy(tiny)
    better["firms"][0]["attributes"]["quality"] = 0.8
    assert _mean_share(better, "Alpha") > base + 0.03


def test_unvalued_attribute_leaves_that_segments_choice_unchanged(tiny_plain):
    tiny_plain["market"]["dimensions"] = ["quality", "service", "colour"]
    tiny_plain["market"]["segments"][0]["weights"] = {"quality": 0.7, "service": 0.3}  # colour 0
    tiny_plain["market"]["segments"][1]["weights"] = {"quality": 0.2, "service": 0.4, "colour": 0.5}
    for f in tiny_plain["firms"]:
        f["attributes"]["colour"] = 0.3
    painted = copy.deepcopy(tiny_plain)
    painted["firms"][0]["attributes"]["colour"] = 1.0
    a = run_scenario(tiny_plain, seed=4).segments
    b = run_scenario(painted, seed=4).segments
    seg_a = a[a["segment"] == "a"].reset_index(drop=True)
    seg_b = b[b["segment"] == "a"].reset_index(drop=True)
    assert seg_a[["buyers", "customers"]].equals(seg_b[["buyers", "customers"]])
    # while the segment that values colour does move toward Alpha
    alpha_a = a[(a["segment"] == "b") & (a["firm"] == "Alpha")]["share"].mean()
    alpha_b = b[(b["segment"] == "b") & (b["firm"] == "Alpha")]["share"].mean()
    assert alpha_b > alpha_a + 0.05
