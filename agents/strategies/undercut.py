"""``undercut``: price competition against the cheapest comparable rival.

Each step the firm prices ``cut`` below the cheapest rival whose value (mean attribute level) is
within ``comparable`` of its own — but never below ``unit cost × (1 + floor_margin)``. When it is
already the cheapest it holds, unless the rival is far above (more than two cuts), in which case it
raises its price to just under the rival's. A tie is not a lead, so identical undercutters at the
same price both cut. Two undercutters therefore walk prices down to the floor, where both hold
(Bertrand: price toward unit cost, not below it).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from agents.strategies.base import Action, PolicyParams, register, rivals


@register("undercut")
class Undercut:
    """Undercut the cheapest comparable rival down to a cost floor."""

    class Params(PolicyParams):
        """Parameters of ``undercut``."""

        cut: float = Field(0.02, gt=0, lt=1, title="Undercut (fraction of the rival's price)")
        floor_margin: float = Field(
            0.02, ge=-0.5, le=5, title="Floor margin over unit cost (fraction)"
        )
        comparable: float = Field(
            0.15, ge=0, title="Value difference still counted as comparable (relative)"
        )

    def __init__(self, cut: float = 0.02, floor_margin: float = 0.02, comparable: float = 0.15):
        self.cut, self.floor_margin, self.comparable = cut, floor_margin, comparable

    def decide(self, view, firm):
        """Price just below the cheapest comparable rival, not below the floor."""
        others = rivals(view, firm)
        mine = float(np.mean(firm.levels))
        value = view.levels.mean(axis=1)
        close = others & (np.abs(value - mine) <= self.comparable * max(mine, 1e-9))
        if not close.any():
            close = others
        if not close.any():
            return None
        cheapest = float(np.min(view.prices[close]))
        floor = firm.unit_cost() * (1 + self.floor_margin)
        if firm.price < cheapest <= firm.price * (1 + 2 * self.cut):
            target = firm.price  # strictly cheapest, and close: hold (a tie is no lead: cut)
        else:
            target = cheapest * (1 - self.cut)
        return Action(price=max(target, floor))
