"""``adaptive``: react to share and margin.

Rules, in order, each step:

1. margin below ``min_margin`` → raise price by ``price_step``;
2. share fell by more than ``share_tolerance`` since last step and a cut keeps the margin above
   ``min_margin`` → cut price by ``price_step``;
3. margin above ``healthy_margin`` → add value: every level + ``value_step``;
4. otherwise hold.
"""

from __future__ import annotations

from pydantic import Field

from agents.strategies.base import Action, PolicyParams, margin, register


@register("adaptive")
class Adaptive:
    """Cut price when share falls and margin allows; add value when margin is healthy."""

    class Params(PolicyParams):
        """Parameters of ``adaptive``."""

        price_step: float = Field(0.03, gt=0, lt=1, title="Relative price change per step")
        value_step: float = Field(0.02, ge=0, le=1, title="Level added per step")
        min_margin: float = Field(0.1, ge=-1, lt=1, title="Lowest acceptable margin")
        healthy_margin: float = Field(0.35, ge=-1, lt=1, title="Margin that pays for more value")
        share_tolerance: float = Field(0.01, ge=0, le=1, title="Share drop that triggers a cut")

    def __init__(self, price_step=0.03, value_step=0.02, min_margin=0.1, healthy_margin=0.35,
                 share_tolerance=0.01):
        self.price_step, self.value_step = price_step, value_step
        self.min_margin, self.healthy_margin = min_margin, healthy_margin
        self.share_tolerance = share_tolerance
        self.last_share: float | None = None

    def decide(self, view, firm):
        """Apply the first rule that fires."""
        share = float(view.shares[firm.index])
        previous, self.last_share = self.last_share, share
        uc = firm.unit_cost()
        m = margin(firm.price, uc)
        if m < self.min_margin:
            return Action(price=firm.price * (1 + self.price_step))
        cut = firm.price * (1 - self.price_step)
        if previous is not None and share < previous - self.share_tolerance:
            if margin(cut, uc) >= self.min_margin:
                return Action(price=cut)
        if m > self.healthy_margin and self.value_step > 0 and (firm.levels < 1).any():
            levels = (firm.levels + self.value_step).clip(0, 1)
            return Action(attributes=dict(zip(firm.dimensions, levels.tolist(), strict=True)))
        return None
