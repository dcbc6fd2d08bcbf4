"""A firm: a Mesa agent with an offer on the customer matrix, a cost structure, books and a policy.

A firm's step reads as its verbs: ``decide`` (ask the strategy), ``enter``/``exit`` (life
cycle) and ``account`` (revenue, cost, profit, cash). Customers' responses happen in the
model's vectorised phases, not here.
"""

from __future__ import annotations

import mesa
import numpy as np

from agents.strategies import Action, MarketView, make_policy


class Firm(mesa.Agent):
    """One firm of the market.

    Attributes:
        index: the firm's column in every per-firm array of the model.
        name: the firm's name from the scenario.
        price: posted price.
        levels: (D,) attribute levels in [0, 1] on the scenario's dimensions.
        nonmonetary_cost: time, effort and psychological cost of buying, in reference-price units.
        cash: money in the bank; changes only by ``profit`` each step.
        active: whether the firm is on the market this step.
    """

    def __init__(self, model: mesa.Model, spec, index: int, dimensions: list[str]):
        super().__init__(model)
        self.spec = spec
        self.index = index
        self.name = spec.name
        self.dimensions = list(dimensions)
        self.price = float(spec.price)
        self.levels = np.array([spec.attributes.get(d, 0.0) for d in dimensions], dtype=float)
        self.nonmonetary_cost = float(spec.nonmonetary_cost)
        self.costs = spec.costs
        self.cash = float(spec.cash)
        self.active = spec.enter_at == 0
        self.entered_at = spec.enter_at
        self.exited_at: int | None = None
        self.policy = make_policy(spec.strategy.type, spec.strategy.params)
        self.programme_spend = 0.0
        self.reset_books()

    # -- verbs -------------------------------------------------------------------------------
    def decide(self, view: MarketView) -> None:
        """Ask the strategy for this step's action and apply it."""
        if not self.active:
            return
        action = self.policy.decide(view, self)
        if action is not None:
            self.apply(action)

    def apply(self, action: Action) -> None:
        """Change the offer; prices stay positive and levels stay in [0, 1]."""
        if action.price is not None:
            self.price = max(float(action.price), 1e-6)
        if action.attributes:
            for dim, level in action.attributes.items():
                self.levels[self.dimensions.index(dim)] = min(max(float(level), 0.0), 1.0)

    def account(self, units: float) -> None:
        """Book this step's sales: revenue, costs, profit; cash changes by profit only."""
        self.units = float(units)
        self.revenue = self.price * units
        self.variable_cost = self.unit_cost() * units
        self.fixed_cost = self.costs.fixed if self.active else 0.0
        self.marketing_spend = self.programme_spend
        self.profit = self.revenue - self.variable_cost - self.fixed_cost - self.marketing_spend
        self.cash += self.profit

    # -- facts -------------------------------------------------------------------------------
    def unit_cost(self) -> float:
        """Cost of one unit: base cost plus the cost of the value delivered (convex in level)."""
        return self.costs.unit + self.costs.per_value * float(np.mean(self.levels**2))

    def attributes(self) -> dict[str, float]:
        """Attribute levels by dimension name."""
        return dict(zip(self.dimensions, self.levels.tolist(), strict=True))

    def reset_books(self) -> None:
        """Zero this step's books before accounting."""
        self.units = self.revenue = self.variable_cost = self.fixed_cost = 0.0
        self.marketing_spend = self.profit = 0.0
