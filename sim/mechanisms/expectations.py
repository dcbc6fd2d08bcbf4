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

import numpy as np

from sim import fast, kernels
from sim.mechanisms import perception

MIN_ZONE = 1e-3  # desired stays at least this much above adequate (relative)


# -- kernels -------------------------------------------------------------------------------
def zone_ratios(adequate_ratio: float, desired_ratio: float, width: np.ndarray):
    """Per-customer (adequate, desired) ratios for zone-width multipliers ``width``."""
    low = np.clip(1.0 - (1.0 - adequate_ratio) * width, 0.05, 1.0)
    high = 1.0 + (desired_ratio - 1.0) * width
    return low, high


def adapt_levels(level, ratio, performance, best, adaptation, pull, drift, bought):
    """One step of an expectation level (adequate or desired), see the module docstring.

    Args:
        level: (N,) current level.
        ratio: (N,) the level's ratio to expected performance.
        performance: (N,) experienced performance (ignored where not ``bought``).
        best: (N,) best base PUV known.
        adaptation: weight of own experience.
        pull: weight of the best known offer (upward only).
        drift: relative exogenous drift per step.
        bought: (N,) bool, who had an experience this step.

    Returns:
        (N,) new level.
    """
    own = np.where(bought, adaptation * (ratio * performance - level), 0.0)
    level = level + own
    level = level + pull * np.maximum(0.0, ratio * best - level)
    return level * (1.0 + drift)


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """Starting expectations: the zone around the current supplier's base PUV."""
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
    pop.zone_width = width.astype(np.float32)
    low, high = zone_ratios(p.adequate_ratio, p.desired_ratio, width)
    pop.adequate = (low * expected).astype(np.float32)
    pop.desired = np.maximum(high * expected, pop.adequate * (1 + MIN_ZONE)).astype(np.float32)


def update(model) -> None:
    """Expectations move with experience and the best known offer; reference prices adapt."""
    if not model.spec.mechanisms.expectations:
        return
    pop, exp = model.population, model.experience
    p = model.spec.relationships.expectations
    if fast.enabled():
        _adapt_fused(pop.adequate, pop.desired, pop.zone_width, exp.who, exp.performance,
                     exp.best, np.float32(1.0 - p.adequate_ratio),
                     np.float32(p.desired_ratio - 1.0), float(p.adaptation),
                     float(p.best_offer_pull), 1.0 + p.drift)
        perception.adapt_reference_price(model)
        return
    perf = np.zeros(pop.n)
    bought = np.zeros(pop.n, dtype=bool)
    perf[exp.who] = exp.performance
    bought[exp.who] = True
    low, high = zone_ratios(p.adequate_ratio, p.desired_ratio, pop.zone_width)
    args = (perf, exp.best, p.adaptation, p.best_offer_pull, p.drift, bought)
    adequate = adapt_levels(pop.adequate, low, *args)
    desired = adapt_levels(pop.desired, high, *args)
    pop.adequate[:] = np.maximum(adequate, 0.0)
    pop.desired[:] = np.maximum(desired, pop.adequate * (1 + MIN_ZONE) + 1e-9)
    perception.adapt_reference_price(model)


# -- compiled twin (same arithmetic, same precision, same order; see ``sim.fast``) -----------
@fast.jit
def _adapt_level(level, ratio, performance, bought, best, adaptation, pull, growth):
    """``adapt_levels`` for one customer: float32 level and ratio, float64 arithmetic."""
    own = adaptation * (np.float64(ratio) * performance - level) if bought else 0.0
    new = level + own
    gap = np.float64(ratio) * best - new
    new = new + pull * (0.0 if 0.0 >= gap else gap)  # np.maximum(0.0, gap): NaN propagates
    return new * growth


@fast.jit
def _adapt_fused(adequate, desired, zone_width, who, performance, best, adequate_gap,
                 desired_gap, adaptation, pull, growth):
    """``update``'s numpy lines (before the reference price) for every customer, in place.

    ``zone_ratios`` in float32 (``adequate_gap`` = float32(1 − adequate_ratio) and
    ``desired_gap`` = float32(desired_ratio − 1), as numpy casts the Python floats), both
    levels through ``adapt_levels``, then adequate ≥ 0 and desired above it, stored as float32.
    """
    n_rows = adequate.shape[0]
    perf, bought = np.zeros(n_rows), np.zeros(n_rows, dtype=np.bool_)  # as numpy's scatter
    for i in range(who.shape[0]):
        perf[who[i]] = performance[i]
        bought[who[i]] = True
    one, floor = np.float32(1.0), np.float32(0.05)
    zone, eps = np.float32(1 + MIN_ZONE), np.float32(1e-9)
    for n in range(n_rows):
        low = one - adequate_gap * zone_width[n]
        if not np.isnan(low):
            low = low if low > floor else floor
            low = low if low < one else one
        high = one + desired_gap * zone_width[n]
        a = _adapt_level(np.float64(adequate[n]), low, perf[n], bought[n], best[n], adaptation,
                         pull, growth)
        d = _adapt_level(np.float64(desired[n]), high, perf[n], bought[n], best[n], adaptation,
                         pull, growth)
        adequate[n] = a if (a >= 0.0 or np.isnan(a)) else 0.0
        bound = np.float64(adequate[n] * zone + eps)
        desired[n] = d if (d >= bound or np.isnan(d)) else bound
