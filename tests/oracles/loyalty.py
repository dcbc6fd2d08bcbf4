"""Oracle of ``sim.mechanisms.loyalty``: trust and the loyalty bonus in plain numpy."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.cells import get, put, supplier_cells
from sim.mechanisms.ladder import PARTNER


def update_trust(trust, satisfied, delighted, dissatisfied, gain, loss, delight_boost):
    """New trust after a purchase (asymmetric: ``loss`` applies to trust, ``gain`` to distrust).

    Returns:
        trust in [0, 1], same shape as ``trust``.
    """
    g = gain * np.where(delighted, delight_boost, 1.0)
    up = np.where(satisfied, np.minimum(g, 1.0) * (1.0 - trust), 0.0)
    down = np.where(dissatisfied, loss * trust, 0.0)
    return np.clip(trust + up - down, 0.0, 1.0)


def loyalty_bonus(trust, rung, satisfaction, params) -> np.ndarray:
    """Net-value bonus of the current supplier from trust, the rung and top-box satisfaction.

    Args:
        trust: (N,) trust in the supplier.
        rung: (N,) ladder rung with the supplier.
        satisfaction: (N,) satisfaction with the supplier (NaN: not yet experienced).
        params: ``LoyaltyParams``.
    """
    top = np.clip((np.nan_to_num(satisfaction, nan=0.0) - 0.5) / 0.5, 0.0, 1.0)
    return (params.trust_bonus * trust + params.rung_bonus * np.asarray(rung, float) / PARTNER
            + params.satisfaction_bonus * top**params.satisfaction_convexity)


def update(model) -> None:
    """Buyers' trust moves with their experience."""
    pop, exp = model.population, model.experience
    p = model.spec.relationships.loyalty
    put(pop.trust, exp.cell, update_trust(
        get(pop.trust, exp.cell), exp.satisfied, exp.delighted, exp.dissatisfied,
        p.trust_gain, p.trust_loss, p.delight_boost,
    ))


def refresh(model) -> None:
    """Set ``population.loyalty`` from trust, rung and satisfaction toward the supplier."""
    if not model.spec.mechanisms.loyalty:
        return
    pop = model.population
    p = model.spec.relationships.loyalty
    has, _, cell = supplier_cells(model)
    pop.loyalty[:] = 0.0
    pop.loyalty[has] = loyalty_bonus(get(pop.trust, cell), get(pop.rung, cell),
                                     get(pop.satisfaction, cell), p)
