"""The naive reference: one Mesa ``Agent`` per customer, a Python loop over firms in ``step()``.

This is how a Mesa model is usually first written. It is the yardstick ``step_speed.py`` measures
the vectorised ``MarketModel`` against, on the same market (same segments, weights, prices):

    U[f] = rationality × (Σ_d w_d·level[f, d] − price_sensitivity × price[f] / reference
                          + loyalty·[f = supplier]) + Gumbel noise

the customer buys from the argmax, then its satisfaction and loyalty move (logit only: no
word of mouth, no complaints, no learning).
"""

from __future__ import annotations

import math

import mesa
import numpy as np


class NaiveCustomer(mesa.Agent):
    """A customer as a Mesa agent holding its own state in Python attributes."""

    def __init__(self, model, weights, price_sensitivity, reference_price):
        super().__init__(model)
        self.weights = list(weights)
        self.price_sensitivity = float(price_sensitivity)
        self.reference_price = float(reference_price)
        self.supplier = -1
        self.loyalty = 0.0
        self.satisfaction = 0.5

    def step(self) -> None:
        """Perceive every offer, choose by Gumbel-max, update satisfaction and loyalty."""
        m = self.model
        rand = m.random.random
        best, best_u, best_value = -1, -math.inf, 0.0
        for f, (price, levels) in enumerate(m.offers):
            puv = 0.0
            for w, level in zip(self.weights, levels):  # noqa: B905 - plain loop on purpose
                puv += w * level
            value = puv - self.price_sensitivity * price / self.reference_price
            u = value + self.loyalty if f == self.supplier else value
            u = m.rationality * u - math.log(-math.log(rand()))
            if u > best_u:
                best, best_u, best_value = f, u, value
        self.settle(best, best_value)

    def settle(self, best: int, best_value: float) -> None:
        """After the purchase: satisfaction and loyalty move, the sale is counted."""
        m = self.model
        delighted = 1.0 if best_value > m.expectation else 0.0
        self.satisfaction += 0.2 * (delighted - self.satisfaction)
        if best == self.supplier:
            self.loyalty = min(self.loyalty + 0.05 * self.satisfaction, 1.0)
        else:
            self.loyalty = 0.0
        self.supplier = best
        m.units[best] += 1


class NaiveMarket(mesa.Model):
    """The same market as a scenario, customers as agents, stepped with ``shuffle_do``."""

    customer_class = NaiveCustomer

    def __init__(self, scenario, seed: int = 0):
        super().__init__(rng=np.random.default_rng(seed))
        market = scenario.market
        dims = list(market.dimensions)
        self.rationality = market.rationality
        self.offers = [
            (f.price, [f.attributes.get(d, 0.0) for d in dims]) for f in scenario.firms
        ]
        ref = market.reference_price or float(np.mean([f.price for f in scenario.firms]))
        self.expectation = 0.0
        self.units = [0] * len(self.offers)
        shares = np.array([s.share for s in market.segments])
        sizes = np.floor(shares / shares.sum() * market.customers).astype(int)
        sizes[0] += market.customers - sizes.sum()
        rng = self.rng
        for seg, size in zip(market.segments, sizes, strict=True):
            base = np.array([seg.weights.get(d, 0.0) for d in dims])
            sigma = seg.heterogeneity
            for _ in range(size):
                spread = rng.lognormal(-0.5 * sigma**2, sigma, len(dims) + 2) if sigma else np.ones(len(dims) + 2)
                self.customer_class(self, base * spread[:-2], seg.price_sensitivity * spread[-2], ref * spread[-1])

    def step(self) -> None:
        """One period: every customer acts once, in random order."""
        self.units = [0] * len(self.offers)
        self.agents.shuffle_do("step")


class FastNaiveCustomer(NaiveCustomer):
    """The faster naive customer: each shop's PUV computed once (weights and levels are fixed)."""

    def __init__(self, model, weights, price_sensitivity, reference_price):
        super().__init__(model, weights, price_sensitivity, reference_price)
        self.puv = [sum(w * level for w, level in zip(self.weights, levels))  # noqa: B905
                    for _, levels in model.offers]

    def step(self) -> None:
        """As ``NaiveCustomer.step`` with the precomputed PUV of every shop."""
        m = self.model
        rand = m.random.random
        best, best_u, best_value = -1, -math.inf, 0.0
        sens_over_ref = self.price_sensitivity / self.reference_price
        for f, (price, _) in enumerate(m.offers):
            value = self.puv[f] - sens_over_ref * price
            u = value + self.loyalty if f == self.supplier else value
            u = m.rationality * u - math.log(-math.log(rand()))
            if u > best_u:
                best, best_u, best_value = f, u, value
        self.settle(best, best_value)


class FastNaiveMarket(NaiveMarket):
    """``NaiveMarket`` with customers that precompute each shop's PUV (the faster naive model)."""

    customer_class = FastNaiveCustomer
