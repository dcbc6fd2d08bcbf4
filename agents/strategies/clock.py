"""``clock``: move toward a named strategy-clock position relative to the market.

The target sits ``distance`` (relative) away from the rivals' average perceived price and
perceived use value, in the direction of the named position: hybrid = lower price and higher
value, differentiation = same price and higher value, and so on (DESIGN.md §4). Each step the firm moves at most ``speed``
of its price and ``speed`` of a level toward it. Added value is paid for through the unit cost,
which rises with the levels the firm delivers.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from agents.strategies.base import Action, PolicyParams, register, rivals, toward

# (price direction, value direction) of each position: -1 low, 0 standard, +1 high.
CLOCK_OFFSETS = {
    "low_price_low_value": (-1, -1),
    "low_price": (-1, 0),
    "hybrid": (-1, 1),
    "differentiation": (0, 1),
    "focused_differentiation": (1, 1),
    "higher_price_standard_value": (1, 0),
    "higher_price_low_value": (1, -1),
    "low_value_standard_price": (0, -1),
    "centre": (0, 0),
}


@register("clock")
class Clock:
    """Move toward a strategy-clock position at a bounded speed."""

    class Params(PolicyParams):
        """Parameters of ``clock``."""

        target: Literal[tuple(CLOCK_OFFSETS)] = Field(  # type: ignore[valid-type]
            title="Target position", description="Strategy-clock position to move toward."
        )
        distance: float = Field(
            0.2, gt=0, le=0.9, title="Distance from the market average (relative)"
        )
        speed: float = Field(
            0.05, gt=0, le=1, title="Largest relative price change and level change per step"
        )

    def __init__(self, target: str, distance: float = 0.2, speed: float = 0.05):
        self.target, self.distance, self.speed = target, distance, speed

    def target_offer(self, view, firm) -> tuple[float, np.ndarray]:
        """The (price, levels) the firm is heading for.

        The target is set on the customer matrix, i.e. on *perceived* price and value relative to
        the rivals' average: when last step's PP and PUV are known the firm scales its own price
        and levels by the ratio of the target to where customers place it now (so word of mouth
        or learning that already lift its perceived value count); otherwise (first step) it
        aims at the rivals' average offer scaled by the target's directions.
        """
        others = rivals(view, firm)
        dp, dv = CLOCK_OFFSETS[self.target]
        want_p, want_v = 1 + dp * self.distance, 1 + dv * self.distance
        if not others.any():
            return firm.price, firm.levels
        f = firm.index
        pp, puv = view.pp, view.puv
        if np.isfinite(pp[f]) and np.isfinite(puv[f]) and np.isfinite(pp[others]).all() and (
            np.isfinite(puv[others]).all()
        ):
            now_p = pp[f] / np.mean(pp[others])
            now_v = puv[f] / np.mean(puv[others])
            price = firm.price * want_p / now_p if now_p > 0 else firm.price
            levels = firm.levels * (want_v / now_v) if now_v > 0 else firm.levels
            return float(price), np.clip(levels, 0.0, 1.0)
        price = float(np.mean(view.prices[others])) * want_p
        levels = np.clip(np.mean(view.levels[others], axis=0) * want_v, 0.0, 1.0)
        return price, levels

    def decide(self, view, firm):
        """One bounded move toward the target offer."""
        price, levels = self.target_offer(view, firm)
        new_price = float(toward(firm.price, price, self.speed * firm.price))
        new_levels = toward(firm.levels, levels, self.speed)
        return Action(
            price=new_price, attributes=dict(zip(firm.dimensions, new_levels.tolist(), strict=True))
        )
