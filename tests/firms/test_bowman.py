"""Bowman's strategy clock on a market of fixed offers (every firm static).

Two centre offers and one mover 15 % off the centre in price and/or value. The hybrid (lower PP,
higher PUV) takes share from the centre; the failure positions (6–8) lose share to it.
"""

from __future__ import annotations

import pytest

from tests.firms.conftest import offer, run

MOVES = {  # position: (price direction, value direction)
    "hybrid": (-1, 1),
    "differentiation": (0, 1),
    "low_price": (-1, 0),
    "higher_price_standard_value": (1, 0),
    "higher_price_low_value": (1, -1),
    "low_value_standard_price": (0, -1),
}
GAINS = {"hybrid", "differentiation", "low_price"}


def _shares(tiny, position: str):
    dp, dv = MOVES[position]
    tiny["steps"] = 15
    tiny["firms"] = [
        offer("Centre1", 10.0, 0.5),
        offer("Centre2", 10.0, 0.5),
        offer("Mover", 10.0 * (1 + 0.15 * dp), 0.5 * (1 + 0.15 * dv)),
    ]
    model, df = run(tiny)
    late = df[df.step > 10]
    share = late.groupby("firm").share.mean()
    label = late[late.firm == "Mover"].clock_position.mode().iat[0]
    return share["Mover"], share["Centre1"], label


@pytest.mark.parametrize("position", list(MOVES))
def test_clock_positions_gain_or_lose_share_against_the_centre(tiny, position):
    mover, centre, label = _shares(tiny, position)
    assert label == position
    if position in GAINS:
        assert mover > centre + 0.1
    else:
        assert mover < centre - 0.1


def test_hybrid_beats_both_single_moves(tiny):
    hybrid = _shares(tiny, "hybrid")[0]
    assert hybrid > _shares(tiny, "low_price")[0]
    assert hybrid > _shares(tiny, "differentiation")[0]
