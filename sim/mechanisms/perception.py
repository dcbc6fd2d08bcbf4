"""Customers perceive offers: PUV from valued attributes, PP relative to a reference price.

PUV[n, f] = Σ_d weight[n, d] × level[f, d] + value_shift[n, f]
PP[n, f]  = price[f] / reference_price[n] + nonmonetary_cost[f]

``value_shift`` carries what other mechanisms add to how a customer sees a firm (word of mouth,
learning relationships, promises). With ``expectations`` on, reference prices adapt to what the
market charges (the share-weighted mean price), so PP is relative in the customer's mind.

The same pass sums PP and PUV over the customers who know each firm (the firms table's ``pp``
and ``puv``: the offer's position on the customer matrix as those customers perceive it when
they choose) and, with ``expectations`` on, finds the best offer each customer knows: the
highest base PUV (Σ_d weight × level, without the shift) among the offers on the market they
are aware of, which pulls their expectations up.
"""

from __future__ import annotations

import numba
import numpy as np

from sim import fast
from sim.mechanisms.state import PerCustomer, State

STATE = State(
    # best base PUV among the offers each customer knows, this step (expectations on)
    customer={"best_known": PerCustomer(np.float64)},
    # this step's PP and PUV summed over the customers aware of each firm: (2, F) sums, (F,)
    # counts (``perceive``); the recorder's mean PP and PUV
    model={"perceived": None},
)


def perceive(model) -> None:
    """Fill ``population.puv`` and ``pp`` (and ``best_known``) in place; sum them per firm."""
    pop = model.population
    levels = np.ascontiguousarray(np.asarray(model.levels_matrix(), dtype=np.float64).T)
    chunks = fast.n_chunks(pop.n)
    sums, counts = np.zeros((chunks, 2, model.n_firms)), np.zeros((chunks, model.n_firms),
                                                                  dtype=np.int64)
    _perceive(pop.weights, levels, pop.value_shift, model.prices().astype(np.float64),
              pop.reference_price, model.nonmonetary_costs().astype(np.float64), pop.aware,
              model.active_mask(), bool(model.spec.mechanisms.expectations), fast.CHUNK,
              pop.puv, pop.pp, pop.best_known, sums, counts)
    model.perceived = (_in_order(sums), counts.sum(axis=0))  # integers: exact


def _in_order(sums: np.ndarray) -> np.ndarray:
    """Σ over the first axis, chunk after chunk from 0.0 (the same bits whatever the threads)."""
    total = np.zeros(sums.shape[1:])
    for part in sums:
        total += part
    return total


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
def _perceive(weights, levels_t, value_shift, prices, reference_price, nonmonetary_cost, aware,
              active, with_best, chunk, puv, pp, best, sums, counts):
    """PUV, PP and the best known offer of the module docstring, in parallel over chunks.

    ``levels_t`` is (D, F). Per customer the firms run innermost, dimension after dimension
    (about 15 % faster than one dot product per firm; writing the first dimension's products
    rather than adding them to zeros is faster still); the base PUV is complete before the
    value shift is added, so ``best[n]`` (``with_best``) is the highest base PUV among the
    active offers n is aware of, 0 if none (PUV is never negative), NaN once one is NaN.
    ``sums[c]`` (rows PP, PUV) and ``counts[c]`` receive chunk c's sums over the customers
    aware of each active firm, in customer order. Each customer's rows are written by that
    customer's iteration only.
    """
    n, n_dims = weights.shape
    n_firms = levels_t.shape[1]
    for c in numba.prange(counts.shape[0]):
        s_pp, s_puv = np.zeros(n_firms), np.zeros(n_firms)
        k = np.zeros(n_firms, dtype=np.int64)
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            r = reference_price[i]
            for f in range(n_firms):
                pp[i, f] = prices[f] / r + nonmonetary_cost[f]
            if n_dims == 0:
                for f in range(n_firms):
                    puv[i, f] = 0.0
            else:
                w = weights[i, 0]
                for f in range(n_firms):
                    puv[i, f] = w * levels_t[0, f]
                for d in range(1, n_dims):
                    w = weights[i, d]
                    for f in range(n_firms):
                        puv[i, f] += w * levels_t[d, f]
            if with_best:
                top = 0.0
                for f in range(n_firms):
                    b = puv[i, f]
                    if active[f] and aware[i, f] and (b > top or b != b):  # NaN stays
                        top = b
                best[i] = top
            for f in range(n_firms):
                puv[i, f] += value_shift[i, f]
                if aware[i, f] and active[f]:
                    s_pp[f] += pp[i, f]
                    s_puv[f] += puv[i, f]
                    k[f] += 1
        for f in range(n_firms):
            sums[c, 0, f] = s_pp[f]
            sums[c, 1, f] = s_puv[f]
            counts[c, f] = k[f]
