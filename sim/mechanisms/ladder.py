"""The relationship ladder (Payne) and relationship tenure.

Each customer–firm pair sits on a rung: 0 prospect (knows the firm, not its customer), 1
customer, 2 client, 3 supporter, 4 advocate, 5 partner. After each purchase:

* a buyer new to the firm becomes a *customer* (rung 1); the firm they left drops them to
  prospect;
* a satisfied repeat purchase climbs one rung with probability ``up_probability`` once trust has
  reached the next rung's threshold (``client_trust`` … ``partner_trust``);
* a dissatisfying purchase not put right by a complaint falls ``down_steps`` rungs (never below
  customer while the customer stays).

Advocates and partners talk more (word of mouth), earn a larger loyalty bonus and deeper social
bonds. *Tenure* counts consecutive purchases from the current supplier (structural bonds and
learning build with it). The ladder always runs (it is descriptive) but acts on choice only
through the switched mechanisms.
"""

from __future__ import annotations

import numba
import numpy as np

from sim import fast
from sim.mechanisms.state import PerCustomer, State
from sim.streams import uniform

PROSPECT, CUSTOMER, CLIENT, SUPPORTER, ADVOCATE, PARTNER = range(6)
RUNGS = ("prospect", "customer", "client", "supporter", "advocate", "partner")

STATE = State(customer={
    "rung": PerCustomer(np.int8, PROSPECT, per_firm=True),  # rung with each firm (PROSPECT …)
    "tenure": PerCustomer(np.int16),  # consecutive purchases from the current supplier
})

MAX_TENURE = np.iinfo(np.int16).max


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """Everyone starts as a customer of their initial supplier, with one period of tenure."""
    pop = model.population
    pop.rung[:] = PROSPECT
    has = np.nonzero(pop.supplier >= 0)[0]
    pop.rung[has, pop.supplier[has]] = CUSTOMER
    pop.tenure[:] = pop.supplier >= 0


def thresholds(model) -> np.ndarray:
    """(6,) trust needed for each rung."""
    p = model.spec.relationships.ladder
    return np.array([0.0, 0.0, p.client_trust, p.supporter_trust, p.advocate_trust,
                     p.partner_trust])


def update(model) -> None:
    """Move every buyer's relationship on the ladder and update tenure.

    One parallel pass over fixed chunks of buyers; a buyer who could climb draws one uniform
    from the relationship stream of their chunk (``sim.streams``), buyers in order, and climbs
    if it is below ``up_probability``.
    """
    pop, exp = model.population, model.experience
    p = model.spec.relationships.ladder
    next_threshold = thresholds(model)[np.minimum(np.arange(PARTNER + 1) + 1, PARTNER)]
    _move(pop.rung, pop.trust, exp.who, fast.CHUNK, model.relationship_streams.table, exp.firm,
          exp.new, exp.z, exp.recovered, next_threshold, pop.previous_supplier, pop.tenure,
          int(p.down_steps), float(p.up_probability), fast.n_chunks(len(exp.who)))


def rung_counts(model) -> dict[str, np.ndarray]:
    """Per firm, relationships on each rung: prospects are aware non-customers."""
    pop, nf = model.population, model.n_firms
    chunks = fast.n_chunks(pop.n)
    counts = np.zeros((chunks, nf, 6), dtype=np.int64)
    aware = np.zeros((chunks, nf), dtype=np.int64)
    aware_customers = np.zeros((chunks, nf), dtype=np.int64)
    _rung_counts(pop.supplier, pop.rung, pop.aware, fast.CHUNK, counts, aware, aware_customers)
    counts, aware, aware_customers = counts.sum(0), aware.sum(0), aware_customers.sum(0)  # exact
    out = {"ladder_prospect": aware - aware_customers}
    for r in range(CUSTOMER, PARTNER + 1):
        out[f"ladder_{RUNGS[r]}"] = counts[:, r]
    return out


# -- compiled passes -----------------------------------------------------------------------
@fast.pjit
def _move(rung, trust, who, chunk, streams, firm, new, z, recovered, next_threshold,
          previous_supplier, tenure, down_steps, up_probability, chunks):
    """Every buyer's move on the ladder, and tenure, in place.

    The firm a new buyer left drops them to prospect and the new firm makes them a customer;
    a purchase that dissatisfied (``z < 0``, not recovered) falls ``down_steps`` rungs, not
    below customer; tenure restarts at 1 with a new firm and counts on otherwise (capped at
    the int16 maximum). A satisfied repeat buyer below partner whose trust reaches
    ``next_threshold[rung]`` (the threshold of the rung above) *could* climb: they draw a
    uniform from stream c of ``streams`` (c = their chunk of ``chunk`` buyers, in order) and
    climb one rung if it is below ``up_probability``. Each buyer is a different customer: no
    shared cell. Branch-free where the outcome is a coin toss (a mispredicted branch per
    buyer would triple the cost).
    """
    n_buyers = who.shape[0]
    for c in numba.prange(chunks):
        for i in range(c * chunk, min(n_buyers, (c + 1) * chunk)):
            n, f, is_new = who[i], firm[i], new[i]
            if is_new and previous_supplier[n] >= 0:
                rung[n, previous_supplier[n]] = PROSPECT
            r = rung[n, f]
            dissatisfied = (z[i] < 0) & (not recovered[i])
            could = ((not dissatisfied) & (not is_new) & (r < PARTNER)
                     & (trust[n, f] >= next_threshold[r]))
            if could:
                r += uniform(streams, c) < up_probability
            fallen = max(r - down_steps, CUSTOMER)
            rung[n, f] = CUSTOMER if is_new else (fallen if dissatisfied else r)
            tenure[n] = 1 if is_new else min(np.int32(tenure[n]) + 1, MAX_TENURE)


@fast.pjit
def _rung_counts(supplier, rung, aware, chunk, counts, aware_all, aware_customers):
    """Per firm: customers on each rung, customers aware of it, and aware customers of it.

    In parallel over fixed chunks of ``chunk`` customers; row c of each output is chunk c's.
    """
    n_rows, n_firms = aware.shape
    for c in numba.prange(counts.shape[0]):
        for n in range(c * chunk, min(n_rows, (c + 1) * chunk)):
            for f in range(n_firms):
                aware_all[c, f] += aware[n, f]
            s = supplier[n]
            if s >= 0:
                counts[c, s, rung[n, s]] += 1
                aware_customers[c, s] += aware[n, s]
