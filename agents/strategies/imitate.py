"""``imitate``: move toward the offer of the most profitable rival.

Each step the firm closes ``speed`` of the gap between its (price, levels) and those of the rival
with the highest profit last step. When it is itself the most profitable, it holds.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from agents.strategies.base import Action, PolicyParams, register, rivals


@register("imitate")
class Imitate:
    """Follow the leader in profit."""

    class Params(PolicyParams):
        """Parameters of ``imitate``."""

        speed: float = Field(0.2, gt=0, le=1, title="Fraction of the gap closed per step")
        price: bool = Field(True, title="Imitate the price")
        value: bool = Field(True, title="Imitate the attribute levels")

    def __init__(self, speed: float = 0.2, price: bool = True, value: bool = True):
        self.speed, self.price, self.value = speed, price, value

    def leader(self, view, firm) -> int | None:
        """Index of the most profitable rival, or None when the firm leads (or is alone)."""
        others = rivals(view, firm)
        if not others.any():
            return None
        profits = np.where(others, view.profits, -np.inf)
        best = int(np.argmax(profits))
        return best if profits[best] > view.profits[firm.index] else None

    def decide(self, view, firm):
        """Close part of the gap to the leader's offer."""
        lead = self.leader(view, firm)
        if lead is None:
            return None
        action = Action()
        if self.price:
            action.price = firm.price + self.speed * (view.prices[lead] - firm.price)
        if self.value:
            levels = firm.levels + self.speed * (view.levels[lead] - firm.levels)
            action.attributes = dict(zip(firm.dimensions, levels.tolist(), strict=True))
        return action
