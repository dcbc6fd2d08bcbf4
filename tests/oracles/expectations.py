"""Oracle of ``sim.mechanisms.expectations``: expectation levels in plain numpy."""

from __future__ import annotations

import numpy as np

from sim.mechanisms import perception
from sim.mechanisms.expectations import MIN_ZONE, zone_ratios


def adapt_levels(level, ratio, performance, best, adaptation, pull, drift, bought):
    """One step of an expectation level (adequate or desired).

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


def update(model) -> None:
    """Expectations move with experience and the best known offer; reference prices adapt."""
    if not model.spec.mechanisms.expectations:
        return
    pop, exp = model.population, model.experience
    p = model.spec.relationships.expectations
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
