"""Trust and loyalty (switch ``loyalty``).

Trust in the firm a customer bought from moves after every purchase, and falls faster than it
rises::

    satisfied:     trust ← trust + min(1, trust_gain × (delight_boost if delighted)) × (1 − trust)
    dissatisfied:  trust ← trust − trust_loss × trust            (not after a recovered complaint)

clipped to [0, 1]. Loyalty is a bonus on the current supplier in the choice utility
(net-value units)::

    loyalty = trust_bonus × trust[supplier] + rung_bonus × rung[supplier] / 5
              + satisfaction_bonus × top^satisfaction_convexity
    top     = clip((satisfaction[supplier] − ½) / ½, 0, 1)      (0 before any experience)

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
from sim.mechanisms.ladder import PARTNER


# -- compiled passes -----------------------------------------------------------------------
@fast.pjit
def _update_trust(trust, who, firm, z, recovered, gain, loss, delight_boost):
    """Trust of each buyer in the firm they bought from, in place (module docstring).

    A purchase dissatisfies when ``z < 0`` and no complaint recovered it; it delights when
    ``z > 1``. A NaN trust stays NaN.
    """
    for i in numba.prange(who.shape[0]):
        n, f = who[i], firm[i]
        t = trust[n, f]
        if z[i] < 0 and not recovered[i]:
            v = t - loss * t
        else:
            g = gain * delight_boost if z[i] > 1 else gain
            v = t + min(g, 1.0) * (1.0 - t)
        if not np.isnan(v):
            v = min(max(v, 0.0), 1.0)
        trust[n, f] = v


@fast.pjit
def _loyalty(supplier, trust, rung, satisfaction, trust_bonus, rung_bonus, satisfaction_bonus,
             convexity, loyalty):
    """Each customer's loyalty bonus toward their supplier (0 without one), in place.

    A whole-number convexity (the default 3) raises by multiplication, four times faster than
    the general power.
    """
    whole = int(convexity)
    is_whole = whole == convexity
    for n in numba.prange(supplier.shape[0]):
        f = supplier[n]
        if f < 0:
            loyalty[n] = 0.0
            continue
        s = satisfaction[n, f]
        top = 0.0 if np.isnan(s) else min(max((s - 0.5) / 0.5, 0.0), 1.0)
        powered = top ** whole if is_whole else top ** convexity
        loyalty[n] = (trust_bonus * trust[n, f] + rung_bonus * rung[n, f] / PARTNER
                      + satisfaction_bonus * powered)


# -- phases --------------------------------------------------------------------------------
def update(model) -> None:
    """Buyers' trust moves with their experience."""
    pop, exp = model.population, model.experience
    p = model.spec.relationships.loyalty
    _update_trust(pop.trust, exp.who, exp.firm, exp.z, exp.recovered,
                  float(p.trust_gain), float(p.trust_loss), float(p.delight_boost))


def refresh(model) -> None:
    """Set ``population.loyalty`` from trust, rung and satisfaction toward the current supplier."""
    if not model.spec.mechanisms.loyalty:
        return
    pop = model.population
    p = model.spec.relationships.loyalty
    _loyalty(pop.supplier, pop.trust, pop.rung, pop.satisfaction, float(p.trust_bonus),
             float(p.rung_bonus), float(p.satisfaction_bonus), float(p.satisfaction_convexity),
             pop.loyalty)
