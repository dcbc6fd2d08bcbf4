"""Proactive contact and contact fatigue (switch ``contact_fatigue``).

A firm with ``contact_intensity`` c > 0 reaches every customer with Poisson(c) contacts a step
(mailings, calls, messages). Each customer keeps a contact stock per firm and a personal
tolerance (log-normal around ``tolerance``)::

    stock ← memory × stock + contacts
    excess = max(0, stock − tolerance)

Contacts make the customer aware of the firm. Within tolerance (excess = 0) they are welcome:
opinion + ``warmth`` per contact and, for the firm's own customers, trust + ``trust_gain`` (at
most 1). Beyond it they annoy: opinion − ``annoyance`` × excess and satisfaction −
``satisfaction_loss`` × excess, within [0, 1] ("do not disturb"). Opinions stay within ±
``opinion_cap``. No firm contacts anyone by default, and nothing is drawn then. With the switch
off, contacts have no effect at all.

Per contacting firm, ``contact`` draws the contacts of every customer in bulk, then applies
them in one compiled pass.
"""

from __future__ import annotations

import numpy as np

from sim import fast
from sim.mechanisms.cells import firm_values
from sim.mechanisms.state import PerCustomer, State

STATE = State(customer={
    # contacts each customer tolerates before they annoy
    "contact_tolerance": PerCustomer(np.float32),
    # (N, F) remembered contacts from each firm; allocated when a firm first contacts anyone
    "contact_stock": PerCustomer(np.float32, per_firm=True, lazy=True),
})


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """Draw each customer's tolerance; contact stocks are allocated on first contact."""
    pop = model.population
    p = model.spec.relationships.contact_fatigue
    if p.tolerance_spread > 0:
        spread = model.relationship_rng.lognormal(0.0, p.tolerance_spread, pop.n)
    else:
        spread = np.ones(pop.n)
    pop.contact_tolerance[:] = p.tolerance * spread


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
            continue  # nothing to remember, nothing to draw
        if intensity[f] > 0:
            k = model.relationship_rng.poisson(intensity[f], pop.n)
        else:
            k = np.zeros(pop.n, dtype=np.int64)
        contacts, annoyed = _contact(
            f, k, pop.contact_stock, pop.contact_tolerance, float(p.memory), float(p.warmth),
            float(p.annoyance), float(p.trust_gain), float(p.satisfaction_loss),
            float(model.spec.relationships.opinion_cap), pop.aware, pop.supplier, pop.trust,
            pop.satisfaction, pop.opinion, pop.value_shift)
        stats["contacts"][f] += contacts
        stats["annoyed"][f] += annoyed


@fast.jit
def _contact(f, k, stock, tolerance, memory, warmth, annoyance, trust_gain, satisfaction_loss,
             cap, aware, supplier, trust, satisfaction, opinion, value_shift):
    """One firm's contacts ``k`` applied to every customer (the module docstring's equations).

    The stock is kept in float32, the step's arithmetic is float64. Returns the number of
    contacts and of annoyed customers.
    """
    contacts = 0
    annoyed = 0
    for i in range(k.shape[0]):
        new = memory * np.float64(stock[i, f]) + k[i]
        stock[i, f] = np.float32(new)
        if k[i] <= 0:
            continue
        contacts += k[i]
        aware[i, f] = True
        excess = new - np.float64(tolerance[i])
        if excess > 0:
            annoyed += 1
            delta = -annoyance * excess
            s = satisfaction[i, f] - satisfaction_loss * excess  # within [0, 1]; NaN stays
            satisfaction[i, f] = 0.0 if s < 0.0 else (1.0 if s > 1.0 else s)
        elif excess <= 0:
            delta = warmth * k[i]
            if supplier[i] == f:
                t = trust[i, f] + trust_gain  # at most 1; NaN stays
                trust[i, f] = 1.0 if t > 1.0 else t
        else:  # a NaN tolerance: neither welcome nor annoying
            continue
        old = np.float64(opinion[i, f])
        shifted = old + delta
        shifted = -cap if shifted < -cap else (cap if shifted > cap else shifted)
        opinion[i, f] = np.float32(shifted)
        value_shift[i, f] += shifted - old
    return contacts, annoyed
