"""Expectations and the zone of tolerance (switch ``expectations``).

Each customer holds an *adequate* and a *desired* service level (PUV units, the customer's own
scale). Their ratios to the performance the customer expects are ``adequate_ratio`` (0.80) and
``desired_ratio`` (1.10), widened or narrowed per customer by a fixed zone-width multiplier.

With ``expectations`` on, every step::

    level ← level + adaptation × (ratio × performance − level)          (buyers: own experience)
    level ← level + best_offer_pull × max(0, ratio × best − level)      (everyone: best known offer)
    level ← level × (1 + drift)                                        (imported expectations)

for level ∈ {adequate, desired} with its ratio, where *best* is the highest base PUV among the
offers the customer knows. A competitor's innovation raises *best*, so expectations rise and the
same service from every other firm satisfies less (expectation spillover, service
homogenisation). Reference prices also adapt to what the market charges (PP is relative).
With the switch off expectations stay at their starting values.
"""

from __future__ import annotations

import numba
import numpy as np

from sim import fast, kernels
from sim.mechanisms import perception
from sim.mechanisms.state import PerCustomer, State

STATE = State(customer={
    "zone_width": PerCustomer(np.float32, 1.0),  # the customer's zone-width multiplier
    "adequate": PerCustomer(np.float32),         # adequate service level (PUV units)
    "desired": PerCustomer(np.float32),          # desired service level (PUV units)
})

MIN_ZONE = 1e-3  # desired stays at least this much above adequate (relative)


# -- kernels -------------------------------------------------------------------------------
def zone_ratios(adequate_ratio: float, desired_ratio: float, width: np.ndarray):
    """Per-customer (adequate, desired) ratios for zone-width multipliers ``width``.

    ``adequate = clip(1 − (1 − adequate_ratio) × width, 0.05, 1)`` and
    ``desired = 1 + (desired_ratio − 1) × width``.
    """
    low = np.clip(1.0 - (1.0 - adequate_ratio) * width, 0.05, 1.0)
    high = 1.0 + (desired_ratio - 1.0) * width
    return low, high


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """Starting expectations: the zone around the current supplier's base PUV.

    Customers without a supplier expect the mean base PUV of the offers they know.
    """
    pop = model.population
    p = model.spec.relationships.expectations
    base = kernels.perceived_use_value(pop.weights, model.levels_matrix())
    known = pop.aware & model.active_mask()[None, :]
    n_known = known.sum(axis=1)
    mean_known = np.where(known, base, 0.0).sum(axis=1) / np.maximum(n_known, 1)
    has = pop.supplier >= 0
    expected = np.where(has, base[np.arange(pop.n), np.maximum(pop.supplier, 0)], mean_known)
    if p.zone_spread > 0:
        width = model.relationship_rng.lognormal(-0.5 * p.zone_spread**2, p.zone_spread, pop.n)
    else:
        width = np.ones(pop.n)
    pop.zone_width[:] = width
    low, high = zone_ratios(p.adequate_ratio, p.desired_ratio, width)
    pop.adequate[:] = low * expected
    pop.desired[:] = np.maximum(high * expected, pop.adequate * (1 + MIN_ZONE))


def update(model) -> None:
    """Expectations move with experience and the best known offer; reference prices adapt."""
    if not model.spec.mechanisms.expectations:
        return
    pop, exp = model.population, model.experience
    p = model.spec.relationships.expectations
    _adapt(pop.adequate, pop.desired, pop.zone_width, exp.who, exp.performance, exp.best,
           float(p.adequate_ratio), float(p.desired_ratio), float(p.adaptation),
           float(p.best_offer_pull), 1.0 + p.drift)
    perception.adapt_reference_price(model)


# -- compiled pass -------------------------------------------------------------------------
@fast.jit
def _adapt_level(level, ratio, performance, bought, best, adaptation, pull, growth):
    """One expectation level after this step (the module docstring's three lines)."""
    if bought:
        level += adaptation * (ratio * performance - level)
    gap = ratio * best - level
    level += pull * (gap if gap > 0.0 or np.isnan(gap) else 0.0)  # upward only; NaN stays
    return level * growth


@fast.pjit
def _adapt(adequate, desired, zone_width, who, performance, best, adequate_ratio, desired_ratio,
           adaptation, pull, growth):
    """Every customer's adequate and desired levels after this step, in place.

    Each level moves by ``_adapt_level`` with its ratio (``zone_ratios`` of the customer's
    zone width); then adequate ≥ 0 and desired ≥ adequate × (1 + ``MIN_ZONE``) + 1e-9.
    Levels are stored as float32 and computed in float64; ``growth`` is 1 + drift. In parallel
    over the buyers, then the customers (each buyer is a different customer; each iteration
    writes its own entries).
    """
    n_rows = adequate.shape[0]
    perf, bought = np.zeros(n_rows), np.zeros(n_rows, dtype=np.bool_)
    for i in numba.prange(who.shape[0]):
        perf[who[i]] = performance[i]
        bought[who[i]] = True
    for n in numba.prange(n_rows):
        width = np.float64(zone_width[n])
        low = 1.0 - (1.0 - adequate_ratio) * width
        if not np.isnan(low):
            low = min(max(low, 0.05), 1.0)
        high = 1.0 + (desired_ratio - 1.0) * width
        a = _adapt_level(np.float64(adequate[n]), low, perf[n], bought[n], best[n], adaptation,
                         pull, growth)
        d = _adapt_level(np.float64(desired[n]), high, perf[n], bought[n], best[n], adaptation,
                         pull, growth)
        a = a if (a >= 0.0 or np.isnan(a)) else 0.0
        adequate[n] = a
        bound = np.float64(adequate[n]) * (1 + MIN_ZONE) + 1e-9
        desired[n] = d if (d >= bound or np.isnan(d)) else bound
