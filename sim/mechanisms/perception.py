"""Customers perceive offers: PUV from valued attributes, PP relative to a reference price.

PUV[n, f] = Σ_d weight[n, d] × level[f, d] + value_shift[n, f]
PP[n, f]  = price[f] / reference_price[n] + nonmonetary_cost[f]

``value_shift`` carries what other mechanisms add to how a customer sees a firm (word of mouth,
learning relationships, promises). With ``expectations`` on, reference prices adapt to what the
market charges (the share-weighted mean price), so PP is relative in the customer's mind.
"""

from __future__ import annotations

import numpy as np

from sim import fast, kernels


def perceive(model) -> None:
    """Fill ``population.puv`` and ``population.pp`` for every customer and firm."""
    pop = model.population
    levels, prices, costs = model.levels_matrix(), model.prices(), model.nonmonetary_costs()
    if fast.enabled():  # one compiled pass, same arithmetic order, same bits
        fast.perceive_fused(pop.weights, levels, pop.value_shift, prices, pop.reference_price,
                            costs, pop.puv, pop.pp)
        return
    kernels.perceived_use_value(pop.weights, levels, out=pop.puv)
    pop.puv += pop.value_shift
    np.divide(prices[None, :], pop.reference_price[:, None], out=pop.pp)
    pop.pp += costs[None, :]


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
