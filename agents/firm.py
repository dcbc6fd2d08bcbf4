"""A firm: a Mesa agent with an offer on the customer matrix, a cost structure, books and a policy.

A firm's step reads as its verbs: ``decide`` (ask the strategy), ``apply`` (change the offer and
programmes), ``account`` (revenue, cost, profit, cash). Customers' responses happen in the
model's vectorised phases; the programmes' dynamics (employees, delivery, quality investment,
advertising, relationship level) live in ``sim.mechanisms.programmes``.

Other mechanisms read these attributes (all driven by the programmes):

- ``service_quality``: multiplier on the performance customers experience (1.0 baseline; the
  service-profit chain raises it toward 1.1, service failures drop it).
- ``service_consistency``: multiplier on the spread of experienced performance (1.0 baseline).
- ``complaint_accessibility`` (0..1), ``recovery_quality`` (0..1), ``bonds``
  ({financial, social, structural} in [0, 1]), ``learning_rate``, ``contact_intensity``: set by
  the relationship level.
- ``employee_satisfaction`` (0..1): the first link of the service-profit chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

from agents.strategies import Action, MarketView, make_policy

DEFAULT_BONDS = {"financial": 0.2, "social": 0.1, "structural": 0.0}


class Firm(mesa.Agent):
    """One firm of the market.

    Attributes:
        index: the firm's column in every per-firm array of the model.
        name: the firm's name from the scenario.
        price: posted price.
        levels: (D,) attribute levels in [0, 1] on the scenario's dimensions.
        nonmonetary_cost: time, effort and psychological cost of buying, in reference-price units.
        costs: this firm's own copy of its cost structure (cost shocks change it).
        cash: money in the bank; changes only by ``profit`` each step.
        active: whether the firm is on the market this step.
        enter_at: step at which the firm enters (its ``enter_at`` or its entry event).
        programmes: current programme settings (a ``Programmes`` section).
        programme_spend: this step's spend on programmes (booked as marketing spend).
    """

    def __init__(self, model: mesa.Model, spec, index: int, dimensions: list[str],
                 enter_at: int | None = None,
                 on_programmes: Callable[[Firm], None] | None = None):
        """Create the firm from its scenario section.

        Args:
            model: the Mesa model.
            spec: the scenario's section for this firm.
            index: the firm's column in the per-firm arrays.
            dimensions: the market's value dimensions, in order.
            enter_at: the step the firm enters (default the spec's ``enter_at``; the model
                passes it with entry events taken into account).
            on_programmes: called with the firm whenever its programmes are set (at creation
                and by every change), to derive the attributes they drive (the model passes
                ``sim.mechanisms.programmes.set_relationship_level``).
        """
        super().__init__(model)
        self.spec = spec
        self.index = index
        self.name = spec.name
        self.dimensions = list(dimensions)
        self.price = float(spec.price)
        self.levels = np.array([spec.attributes.get(d, 0.0) for d in dimensions], dtype=float)
        self.nonmonetary_cost = float(spec.nonmonetary_cost)
        self.costs = spec.costs.model_copy()
        self.cash = float(spec.cash)
        self.enter_at = spec.enter_at if enter_at is None else enter_at
        self.active = self.enter_at == 0
        self.entered_at = self.enter_at
        self.exited_at: int | None = None
        self.policy = make_policy(spec.strategy.type, spec.strategy.params)
        self.programmes = spec.programmes.model_copy(deep=True)
        self.programme_spend = 0.0
        self.distress_steps = 0
        # Service-profit chain and relationship attributes (read by the customer mechanisms).
        self.employee_satisfaction = float(spec.employee_satisfaction)
        self.service_quality = 1.0
        self.service_consistency = 1.0
        self.chain_quality = 1.0
        self.complaint_accessibility = 0.5
        self.recovery_quality = 0.7
        self.bonds = dict(DEFAULT_BONDS)
        self.learning_rate = 0.1
        self.contact_intensity = 0.0
        self.relationship_cost_per_customer = 0.0
        self.failures: list[tuple[int, float]] = []  # (last step, severity)
        self.quality_pipeline: list[np.ndarray] = []  # spend per dimension, oldest first
        self.advertising_stock = 0.0
        # Service ideas (sim/mechanisms/participation.py, targeting.py), set every step.
        self.participation_saving = 0.0  # unit costs participants saved this step
        self.training_spend = 0.0  # customer training (participation programme)
        self.care_spend = 0.0  # extra care for customers (targeting programme)
        self.one_off_spend = 0.0  # one-off costs of this step (``Action.expense``)
        self._on_programmes = on_programmes
        if on_programmes is not None:
            on_programmes(self)
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
        """Change the offer and programmes; prices stay positive and levels stay in [0, 1].

        Raises:
            ValueError: an unknown dimension or an invalid programme setting.
        """
        if action.price is not None:
            self.price = max(float(action.price), 1e-6)
        if action.attributes:
            for dim, level in action.attributes.items():
                if dim not in self.dimensions:
                    raise ValueError(
                        f"{self.name}: unknown dimension {dim!r}; dimensions: "
                        f"{', '.join(self.dimensions)}"
                    )
                self.levels[self.dimensions.index(dim)] = min(max(float(level), 0.0), 1.0)
        if action.programmes:
            self.set_programmes(action.programmes)
        if action.expense:
            self.one_off_spend += float(action.expense)

    def change(self, price: float | None = None, attributes: dict[str, float] | None = None,
               programmes: dict[str, Any] | None = None, expense: float | None = None) -> None:
        """Apply a change that comes from outside the strategy (a scenario event), as ``apply``."""
        self.apply(Action(price=price, attributes=attributes, programmes=programmes,
                          expense=expense))

    def check_action(self, action: Action) -> None:
        """Raise ValueError if ``action`` could not be applied to this firm (nothing changes)."""
        if action.price is not None and not (np.isfinite(action.price) and action.price > 0):
            raise ValueError(f"{self.name}: price must be a positive number, got {action.price}")
        for dim, level in (action.attributes or {}).items():
            if dim not in self.dimensions:
                raise ValueError(
                    f"{self.name}: unknown dimension {dim!r}; dimensions: "
                    f"{', '.join(self.dimensions)}"
                )
            if not (np.isfinite(level) and 0.0 <= level <= 1.0):
                raise ValueError(f"{self.name}: level of {dim!r} must lie in [0, 1], got {level}")
        if action.programmes:
            self._checked_programmes(action.programmes)
        if action.expense is not None and not (np.isfinite(action.expense)
                                               and action.expense >= 0):
            raise ValueError(f"{self.name}: expense must be a number >= 0, got {action.expense}")

    def set_programmes(self, changes: dict[str, Any]) -> None:
        """Change programme settings (validated like the scenario's ``programmes``)."""
        self.programmes = self._checked_programmes(changes)
        if self._on_programmes is not None:
            self._on_programmes(self)

    def _checked_programmes(self, changes: dict[str, Any]):
        merged = {**self.programmes.model_dump(), **dict(changes)}
        checked = type(self.programmes).model_validate(merged)  # the scenario's own schema
        spend = checked.quality_investment
        for dim in spend if isinstance(spend, dict) else ():
            if dim not in self.dimensions:
                raise ValueError(f"{self.name}: quality investment in unknown dimension {dim!r}")
        return checked

    def account(self, units: float) -> None:
        """Book this step's sales: revenue, costs, profit; cash changes by profit only."""
        self.units = float(units)
        self.revenue = self.price * units
        self.variable_cost = self.unit_cost() * units - self.participation_saving
        self.fixed_cost = self.costs.fixed if self.active else 0.0
        self.marketing_spend = (self.programme_spend + self.training_spend + self.care_spend
                                + self.one_off_spend)
        self.one_off_spend = 0.0
        self.profit = self.revenue - self.variable_cost - self.fixed_cost - self.marketing_spend
        self.cash += self.profit

    # -- facts -------------------------------------------------------------------------------
    def unit_cost(self, levels: np.ndarray | None = None) -> float:
        """Cost of one unit: base cost plus the cost of the value delivered (convex in level)."""
        levels = self.levels if levels is None else levels
        if levels.dtype != np.float64 or levels.ndim != 1 or not levels.size:
            return self.costs.unit + self.costs.per_value * float(np.mean(levels**2))
        # np.mean(levels**2) without its Python overhead (same sum, same division): called
        # several times a step per firm
        return self.costs.unit + self.costs.per_value * (
            float(np.add.reduce(levels * levels)) / levels.size
        )

    def attributes(self) -> dict[str, float]:
        """Attribute levels by dimension name."""
        return dict(zip(self.dimensions, self.levels.tolist(), strict=True))

    def reset_books(self) -> None:
        """Zero this step's books before accounting."""
        self.units = self.revenue = self.variable_cost = self.fixed_cost = 0.0
        self.marketing_spend = self.profit = 0.0
