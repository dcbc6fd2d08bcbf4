"""Oracle of ``sim.mechanisms.fatigue``: proactive contacts and their fatigue in plain numpy."""

from __future__ import annotations

import numpy as np

from oracles.opinion import shift_opinion
from sim.mechanisms.cells import firm_values


def contact_effects(stock, contacts, tolerance, memory: float):
    """New contact stock and the excess beyond each customer's tolerance.

    Args:
        stock: (N,) contact stock before this step.
        contacts: (N,) contacts this step.
        tolerance: (N,) tolerated stock.
        memory: share of the old stock remembered.

    Returns:
        (new_stock, excess) both (N,) and ≥ 0.
    """
    new = memory * stock + contacts
    return new, np.maximum(0.0, new - tolerance)


def contact(model) -> None:
    """Firms contact customers; welcome contacts warm, excess contacts annoy."""
    if not model.spec.mechanisms.contact_fatigue:
        return
    pop, nf, stats = model.population, model.n_firms, model.step_stats
    intensity = firm_values(model, "contact_intensity", 0.0) * model.active_mask()
    if not (intensity > 0).any() and pop.contact_stock is None:
        return
    p = model.spec.relationships.contact_fatigue
    if pop.contact_stock is None:
        pop.contact_stock = np.zeros((pop.n, nf), dtype=np.float32)
    for f in range(nf):
        if intensity[f] <= 0 and not pop.contact_stock[:, f].any():
            continue
        k = model.relationship_rng.poisson(intensity[f], pop.n) if intensity[f] > 0 else np.zeros(
            pop.n, dtype=np.int64)
        # the stock kept in float32, the step's arithmetic in float64
        stock, excess = contact_effects(pop.contact_stock[:, f].astype(np.float64), k,
                                        pop.contact_tolerance.astype(np.float64), p.memory)
        pop.contact_stock[:, f] = stock
        reached = k > 0
        pop.aware[reached, f] = True
        welcome = reached & (excess <= 0)
        annoyed = reached & (excess > 0)
        stats["contacts"][f] += k.sum()
        stats["annoyed"][f] += np.count_nonzero(annoyed)
        rows = np.nonzero(welcome | annoyed)[0]
        delta = np.where(welcome, p.warmth * k, -p.annoyance * excess)[rows]
        shift_opinion(model, rows, np.full(len(rows), f), delta)
        own = welcome & (pop.supplier == f)
        pop.trust[own, f] = np.minimum(1.0, pop.trust[own, f] + p.trust_gain)
        sat = pop.satisfaction[annoyed, f]
        pop.satisfaction[annoyed, f] = np.clip(sat - p.satisfaction_loss * excess[annoyed], 0, 1)
