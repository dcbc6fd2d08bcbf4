"""``best_response``: try a few moves on a copy of the demand model, take the most profitable.

For each candidate (price × (1 + price move), levels + value move) the policy computes the
firm's expected sales next step with the logit choice probabilities of the current population —
every customer's weights, reference price, price sensitivity, awareness, loyalty and switching
cost — holding the rivals' current offers fixed:

    expected units = Σ_n  P(buy)_n × P(choose firm | candidate)_n
    expected profit = (price − unit cost(levels)) × units × market scale − relationship cost

Besides the small relative moves, with ``wide_search`` (the default) the policy also finds the
most profitable price for each candidate level by a golden-section search between unit cost
and three times the current price (expected profit under logit demand is single-peaked in the
own price), so it can reach its best response from far away in one step instead of 10 % a
step. The look-ahead is one step and draws no random numbers; nothing in the model is changed.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from agents.strategies.base import Action, PolicyParams, register
from sim import kernels


@register("best_response")
class BestResponse:
    """Pick the candidate move with the highest expected profit next step."""

    class Params(PolicyParams):
        """Parameters of ``best_response``."""

        price_moves: list[float] = Field(
            default_factory=lambda: [-0.1, -0.05, -0.02, 0.0, 0.02, 0.05, 0.1],
            min_length=1,
            max_length=50,
            title="Relative price moves tried",
        )
        value_moves: list[float] = Field(
            default_factory=lambda: [0.0],
            min_length=1,
            max_length=20,
            title="Level changes tried (added to every dimension)",
        )
        wide_search: bool = Field(
            default=True,
            title="Also search the whole price range",
            description="Find the most profitable price between unit cost and three times "
            "the current price (golden-section search), besides the relative moves.",
        )

    def __init__(self, price_moves=None, value_moves=None, wide_search: bool = True):
        self.price_moves = list(price_moves or [-0.1, -0.05, -0.02, 0.0, 0.02, 0.05, 0.1])
        self.value_moves = list(value_moves or [0.0])
        self.wide_search = bool(wide_search)
        for m in self.price_moves:
            if not -1 < m:
                raise ValueError(f"price move {m} would make the price non-positive")

    def decide(self, view, firm):
        """Evaluate every candidate and return the best."""
        demand = Demand(firm.model, firm.index)
        best, best_profit = None, -np.inf
        for dv in self.value_moves:
            levels = np.clip(firm.levels + dv, 0.0, 1.0)
            uc = firm.unit_cost(levels)
            prices = [firm.price * (1 + dp) for dp in self.price_moves]
            if self.wide_search:
                prices.append(self._best_price(demand, levels, uc, firm))
            for price in prices:
                profit = demand.expected_profit(price, levels, uc, firm)
                if profit > best_profit + 1e-9:
                    best, best_profit = (price, levels), profit
        if best is None:
            return None
        price, levels = best
        return Action(price=price, attributes=dict(zip(firm.dimensions, levels.tolist(), strict=True)))


    @staticmethod
    def _best_price(demand, levels, unit_cost, firm, evaluations: int = 40) -> float:
        """The price of highest expected profit in [cost, 3 × price], by golden-section search."""
        low = max(unit_cost + getattr(firm, "relationship_cost_per_customer", 0.0), 1e-9)
        high = max(3.0 * firm.price, 2.0 * low)
        ratio = (np.sqrt(5.0) - 1.0) / 2.0

        def profit(price: float) -> float:
            return demand.expected_profit(price, levels, unit_cost, firm)

        a, b = low, high
        c, d = b - ratio * (b - a), a + ratio * (b - a)
        fc, fd = profit(c), profit(d)
        for _ in range(evaluations):
            if fc >= fd:
                b, d, fd = d, c, fc
                c = b - ratio * (b - a)
                fc = profit(c)
            else:
                a, c, fc = c, d, fd
                d = a + ratio * (b - a)
                fd = profit(d)
        return 0.5 * (a + b)


class Demand:
    """A read-only copy of the demand model for one firm: expected sales of a candidate offer."""

    def __init__(self, model, index: int):
        from sim import kernels

        self.kernels = kernels
        self.model, self.index = model, index
        pop, spec = model.population, model.spec
        mech = spec.mechanisms
        self.rationality = spec.market.rationality
        levels, prices = model.levels_matrix(), model.prices()
        puv = kernels.perceived_use_value(pop.weights, levels) + pop.value_shift
        pp = kernels.perceived_price(prices, pop.reference_price, model.nonmonetary_costs())
        value = kernels.net_value(puv, pp, pop.price_sensitivity)
        available = np.array(model.available(), dtype=bool)
        available[:, index] = True if mech.all_off() else pop.aware[:, index]
        util = kernels.choice_utility(
            value, self.rationality, available, supplier=pop.supplier,
            loyalty=pop.loyalty if mech.loyalty else None,
            switching_cost=pop.switching_cost if mech.switching_costs else None,
        )
        # What loyalty and switching cost add to this firm's column, in net-value units.
        own = util[:, index] / self.rationality
        self.adjust = np.where(np.isfinite(own), own - value[:, index], 0.0)
        self.available = available[:, index]
        others = np.delete(util, index, axis=1)
        top = np.max(others, axis=1) if others.shape[1] else np.full(pop.n, -np.inf)
        safe = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(divide="ignore"):
            self.log_others = safe + np.log(np.exp(others - safe[:, None]).sum(axis=1))
        self.buy = spec.market.purchase_probability

    def expected_units(self, price: float, levels: np.ndarray, nonmonetary_cost: float) -> float:
        """Expected customers choosing the firm next step with this offer."""
        pop = self.model.population
        # the model's own PUV kernel: same summation order as the market, on every machine
        puv = kernels.perceived_use_value(pop.weights, levels[None, :])[:, 0]
        puv = puv + pop.value_shift[:, self.index]
        pp = kernels.perceived_price(np.array([price]), pop.reference_price,
                                     np.array([nonmonetary_cost]))
        value = kernels.net_value(puv[:, None], pp, pop.price_sensitivity)[:, 0]
        u = self.rationality * (value + self.adjust)
        with np.errstate(over="ignore"):
            p = 1.0 / (1.0 + np.exp(np.clip(self.log_others - u, -700, 700)))
        p = np.where(self.available, p, 0.0)
        return float(self.buy * p.sum())

    def expected_profit(self, price: float, levels: np.ndarray, unit_cost: float, firm) -> float:
        """Expected profit next step of a candidate offer (programme spend aside)."""
        units = self.expected_units(price, levels, firm.nonmonetary_cost)
        scale = getattr(self.model, "market_scale", 1.0)
        per_customer = getattr(firm, "relationship_cost_per_customer", 0.0)
        return (price - unit_cost - per_customer) * units * scale
