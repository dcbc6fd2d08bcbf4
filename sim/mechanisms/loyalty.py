"""Trust and loyalty (switch ``loyalty``).

Trust in the firm a customer bought from moves after every purchase, and falls faster than it
rises::

    satisfied:     trust ← trust + trust_gain × (1 − trust)      (× delight_boost if delighted)
    dissatisfied:  trust ← trust − trust_loss × trust            (not after a recovered complaint)

Loyalty is a bonus on the current supplier in the choice utility (net-value units)::

    loyalty = trust_bonus × trust[supplier] + rung_bonus × rung[supplier] / 5
              + satisfaction_bonus × ((satisfaction[supplier] − ½) / ½)₊^satisfaction_convexity

It makes customers stay when a rival is slightly better, but not when it is clearly better:
satisfied customers still defect to a higher net value (satisfaction is not loyalty). The
satisfaction term is convex: totally satisfied customers are much more loyal than merely
satisfied ones (Jones & Sasser, "Why satisfied customers defect"). Trust is
always tracked (it is reported); the bonus acts on choice only with the switch on.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.ladder import PARTNER
from sim.mechanisms.relationships import get, put, supplier_cells


# -- kernels -------------------------------------------------------------------------------
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


# -- phase ---------------------------------------------------------------------------------
def update(model) -> None:
    """Buyers' trust moves with their experience; the loyalty bonus follows (switch on)."""
    pop, exp = model.population, model.experience
    p = model.spec.relationships.loyalty
    put(pop.trust, exp.cell, update_trust(
        get(pop.trust, exp.cell), exp.satisfied, exp.delighted, exp.dissatisfied,
        p.trust_gain, p.trust_loss, p.delight_boost,
    ))


def refresh(model) -> None:
    """Set ``population.loyalty`` from trust and rung toward the current supplier."""
    if not model.spec.mechanisms.loyalty:
        return
    pop = model.population
    p = model.spec.relationships.loyalty
    has, _, cell = supplier_cells(model)
    pop.loyalty[:] = 0.0
    pop.loyalty[has] = loyalty_bonus(get(pop.trust, cell), get(pop.rung, cell),
                                     get(pop.satisfaction, cell), p)
