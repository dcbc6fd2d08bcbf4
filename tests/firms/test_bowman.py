"""Bowman's strategy clock on a market of fixed offers (every firm static).

Two centre offers and one mover 15 % off the centre in price and/or value. The hybrid (lower PP,
higher PUV) takes share from the centre; the failure positions (6–8) lose share to it. On the
plain logit market (every mechanism off) the offers stay where they were put, so the mover keeps
its label; with the relationship mechanisms on, word of mouth and learning then move perceived
value (a winning low-price offer comes to look hybrid), so there only the share outcome is checked
and the label when the move is made.
"""

from __future__ import annotations

import pytest

from tests.conftest import ALL_OFF
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


def _shares(tiny, position: str, plain: bool = True):
    dp, dv = MOVES[position]
    tiny["steps"] = 15
    tiny["firms"] = [
        offer("Centre1", 10.0, 0.5),
        offer("Centre2", 10.0, 0.5),
        offer("Mover", 10.0 * (1 + 0.15 * dp), 0.5 * (1 + 0.15 * dv)),
    ]
    if plain:
        tiny["mechanisms"] = dict.fromkeys(ALL_OFF, False)
    model, df = run(tiny)
    late = df[df.step > 10]
    share = late.groupby("firm").share.mean()
    mover = df[df.firm == "Mover"].clock_position
    label = (mover.mode() if plain else mover.head(1)).iat[0]
    return share["Mover"], share["Centre1"], label


@pytest.mark.parametrize("plain", [True, False], ids=["plain", "mechanisms"])
@pytest.mark.parametrize("position", list(MOVES))
def test_clock_positions_gain_or_lose_share_against_the_centre(tiny, position, plain):
    mover, centre, label = _shares(tiny, position, plain)
    assert label == position
    if position in GAINS:
        assert mover > centre + 0.1
    else:
        assert mover < centre - 0.1


def test_hybrid_beats_both_single_moves(tiny):
    hybrid = _shares(tiny, "hybrid")[0]
    assert hybrid > _shares(tiny, "low_price")[0]
    assert hybrid > _shares(tiny, "differentiation")[0]
