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

import numba
import numpy as np

from sim import fast
from sim.mechanisms.cells import get, put, supplier_cells
from sim.mechanisms.ladder import PARTNER


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


# -- compiled twins of the kernels (same arithmetic, same order; see ``sim.fast``) -----------
@fast.pjit
def _update_trust_fused(trust, who, firm, z, recovered, gain, loss, delight_boost):
    """``update_trust`` on each buyer's (customer, firm) cell of ``trust``, in place.

    Mirrors ``put(trust, cell, update_trust(get(trust, cell), ...))`` with the experience's
    ``dissatisfied = (z < 0) & ~recovered`` and ``delighted = z > 1``, and ``np.clip``'s
    NaN-keeping max-then-min.
    """
    for i in numba.prange(who.shape[0]):
        n, f = who[i], firm[i]
        t = trust[n, f]
        dissatisfied = z[i] < 0 and not recovered[i]
        g = gain * (delight_boost if z[i] > 1 else 1.0)
        up = 0.0 if dissatisfied else (1.0 if g > 1.0 else g) * (1.0 - t)
        down = loss * t if dissatisfied else 0.0
        v = t + up - down
        if not np.isnan(v):
            v = v if v > 0.0 else 0.0
            v = v if v < 1.0 else 1.0
        trust[n, f] = v


@fast.jit
def _top_box(s):
    """``np.clip((np.nan_to_num(s) - 0.5) / 0.5, 0, 1)`` for one satisfaction score."""
    if np.isnan(s):
        s = 0.0
    elif np.isinf(s):
        s = 1.7976931348623157e308 if s > 0 else -1.7976931348623157e308
    x = (s - 0.5) / 0.5
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0


@fast.pjit
def _partial_loyalty(supplier, trust, rung, satisfaction, trust_bonus, rung_bonus, loyalty, top):
    """First half of ``loyalty_bonus`` toward each customer's supplier, in place.

    ``loyalty[n] = tb·trust + rb·rung / 5`` and ``top[n]`` the top-box score (both 0 without a
    supplier); ``_add_satisfaction_bonus`` adds ``sb·top^k`` once numpy has raised the scores
    to the power (``(a + b) + c``, the numpy kernel's order).
    """
    for n in numba.prange(supplier.shape[0]):
        f = supplier[n]
        if f < 0:
            loyalty[n] = 0.0
            top[n] = 0.0
        else:
            loyalty[n] = trust_bonus * trust[n, f] + rung_bonus * float(rung[n, f]) / PARTNER
            top[n] = _top_box(satisfaction[n, f])
    return top


@fast.pjit
def _add_satisfaction_bonus(supplier, powered, satisfaction_bonus, loyalty):
    """Second half of ``loyalty_bonus``: ``+ sb·top^k`` for customers with a supplier."""
    for n in numba.prange(supplier.shape[0]):
        if supplier[n] >= 0:
            loyalty[n] = loyalty[n] + satisfaction_bonus * powered[n]


# -- phase ---------------------------------------------------------------------------------
def update(model) -> None:
    """Buyers' trust moves with their experience; the loyalty bonus follows (switch on)."""
    pop, exp = model.population, model.experience
    p = model.spec.relationships.loyalty
    if fast.enabled():
        _update_trust_fused(pop.trust, exp.who, exp.firm, exp.z, exp.recovered,
                            float(p.trust_gain), float(p.trust_loss), float(p.delight_boost))
        return
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
    if fast.enabled():
        top = _partial_loyalty(pop.supplier, pop.trust, pop.rung, pop.satisfaction,
                               float(p.trust_bonus), float(p.rung_bonus), pop.loyalty,
                               np.empty(pop.n))
        powered = top ** p.satisfaction_convexity  # numpy's pow, as in loyalty_bonus
        _add_satisfaction_bonus(pop.supplier, powered, float(p.satisfaction_bonus), pop.loyalty)
        return
    has, _, cell = supplier_cells(model)
    pop.loyalty[:] = 0.0
    pop.loyalty[has] = loyalty_bonus(get(pop.trust, cell), get(pop.rung, cell),
                                     get(pop.satisfaction, cell), p)
