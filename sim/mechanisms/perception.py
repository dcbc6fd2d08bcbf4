"""Customers perceive offers: PUV from valued attributes, PP relative to a reference price.

PUV[n, f] = Σ_d weight[n, d] × level[f, d] + value_shift[n, f]
PP[n, f]  = price[f] / reference_price[n] + nonmonetary_cost[f]

``value_shift`` carries what other mechanisms add to how a customer sees a firm (word of mouth,
learning relationships, promises). With ``expectations`` on, reference prices adapt to what the
market charges (the share-weighted mean price), so PP is relative in the customer's mind.
"""

from __future__ import annotations

import numba
import numpy as np

from sim import fast


def perceive(model) -> None:
    """Fill ``population.puv`` and ``population.pp`` for every customer and firm (in place)."""
    pop = model.population
    levels = np.ascontiguousarray(np.asarray(model.levels_matrix(), dtype=np.float64).T)
    _perceive(pop.weights, levels, pop.value_shift, model.prices().astype(np.float64),
              pop.reference_price, model.nonmonetary_costs().astype(np.float64), pop.puv, pop.pp)


def adapt_reference_price(model) -> None:
    """Move reference prices toward the market's current price level (expectations switch).

    The market price index is the purchase-weighted mean price relative to the starting
    reference; each customer's reference keeps its own spread around it. Reference prices rise
    more slowly than they fall (``reference_adaptation_up`` × the rate when the market charges
    more than the reference): customers resist accepting higher prices as normal, the
    asymmetry that reference-price research reports (Putler 1992; Kalyanaram & Winer 1995). It
    is the anchor that keeps firms from dragging the reference up behind their own price rises.
    """
    units = model.step_stats["units"]
    if units.sum() <= 0:
        return
    market_price = float(np.dot(units, model.prices()) / units.sum())
    market = model.spec.market
    old = model.price_index
    target = market_price / model.reference_price0
    rate = market.reference_adaptation
    if target > old:
        rate *= market.reference_adaptation_up
    model.price_index = (1 - rate) * old + rate * target
    model.population.reference_price *= model.price_index / old


@fast.pjit
def _perceive(weights, levels_t, value_shift, prices, reference_price, nonmonetary_cost, puv, pp):
    """PUV and PP of the module docstring, one parallel pass over the customers.

    ``levels_t`` is (D, F). Per customer the firms run innermost, dimension after dimension
    (about 15 % faster than one dot product per firm; writing the first dimension's products
    rather than adding them to zeros is faster still); the value shift is added last. Each
    customer's rows are written by that customer's iteration only.
    """
    n, n_dims = weights.shape
    n_firms = levels_t.shape[1]
    for i in numba.prange(n):
        r = reference_price[i]
        for f in range(n_firms):
            pp[i, f] = prices[f] / r + nonmonetary_cost[f]
        if n_dims == 0:
            for f in range(n_firms):
                puv[i, f] = value_shift[i, f]
            continue
        w = weights[i, 0]
        for f in range(n_firms):
            puv[i, f] = w * levels_t[0, f]
        for d in range(1, n_dims):
            w = weights[i, d]
            for f in range(n_firms):
                puv[i, f] += w * levels_t[d, f]
        for f in range(n_firms):
            puv[i, f] += value_shift[i, f]
