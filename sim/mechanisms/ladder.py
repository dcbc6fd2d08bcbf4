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

import numpy as np

from sim import kernels
from sim.mechanisms.relationships import cells, get, put, supplier_cells

PROSPECT, CUSTOMER, CLIENT, SUPPORTER, ADVOCATE, PARTNER = range(6)
RUNGS = ("prospect", "customer", "client", "supporter", "advocate", "partner")


# -- kernels -------------------------------------------------------------------------------
def climb(rung, new, satisfied, dissatisfied, trust, thresholds, up_probability, down_steps, u):
    """Next rung of each buyer's relationship with the firm they bought from.

    Args:
        rung: (B,) current rung (int).
        new: (B,) first purchase from this firm since being a prospect.
        satisfied: (B,) the purchase satisfied (or a complaint about it was recovered).
        dissatisfied: (B,) the purchase dissatisfied and was not recovered.
        trust: (B,) trust after this purchase.
        thresholds: (6,) trust needed to be on each rung (prospect and customer need none).
        up_probability: chance to climb when eligible.
        down_steps: rungs lost after a failure.
        u: (B,) uniforms.

    Returns:
        (B,) new rung, int8.
    """
    rung = rung.astype(np.int16)
    nxt = np.minimum(rung + 1, PARTNER)
    up = satisfied & ~new & (trust >= thresholds[nxt]) & (u < up_probability) & (rung < PARTNER)
    out = np.where(up, nxt, rung)
    out = np.where(dissatisfied & ~new, np.maximum(out - down_steps, CUSTOMER), out)
    out = np.where(new, CUSTOMER, out)
    return out.astype(np.int8)


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """Everyone starts as a customer of their initial supplier, with one period of tenure."""
    pop = model.population
    pop.rung = np.zeros((pop.n, model.n_firms), dtype=np.int8)
    has = np.nonzero(pop.supplier >= 0)[0]
    pop.rung[has, pop.supplier[has]] = CUSTOMER
    pop.tenure = np.where(pop.supplier >= 0, 1, 0).astype(np.int16)


def thresholds(model) -> np.ndarray:
    """(6,) trust needed for each rung."""
    p = model.spec.relationships.ladder
    return np.array([0.0, 0.0, p.client_trust, p.supporter_trust, p.advocate_trust,
                     p.partner_trust])


def update(model) -> None:
    """Move every buyer's relationship on the ladder and update tenure."""
    pop, exp = model.population, model.experience
    p = model.spec.relationships.ladder
    who = exp.who
    prev = pop.previous_supplier[who]
    left = exp.new & (prev >= 0)
    put(pop.rung, cells(who[left], prev[left], model.n_firms), PROSPECT)
    rung, trust, th = get(pop.rung, exp.cell), get(pop.trust, exp.cell), thresholds(model)
    satisfied = exp.satisfied
    # draw only for the relationships that could climb (one uniform each)
    could = satisfied & ~exp.new & (rung < PARTNER) & (trust >= th[np.minimum(rung + 1, PARTNER)])
    u = np.ones(len(who))
    u[could] = model.relationship_rng.random(int(could.sum()))
    put(pop.rung, exp.cell, climb(rung, exp.new, satisfied, exp.dissatisfied, trust, th,
                                  p.up_probability, p.down_steps, u))
    tenure = np.where(exp.new, 1, pop.tenure[who].astype(np.int32) + 1)
    pop.tenure[who] = np.minimum(tenure, np.iinfo(np.int16).max)


def rung_counts(model) -> dict[str, np.ndarray]:
    """Per firm, relationships on each rung: prospects are aware non-customers."""
    pop, nf = model.population, model.n_firms
    out: dict[str, np.ndarray] = {}
    _, sup, cell = supplier_cells(model)
    key = sup.astype(np.int64) * 6 + get(pop.rung, cell)
    counts = np.bincount(key, minlength=6 * nf).reshape(nf, 6)
    aware_customers = np.bincount(sup[get(pop.aware, cell)], minlength=nf)
    out["ladder_prospect"] = kernels.column_count(pop.aware) - aware_customers
    for r in range(CUSTOMER, PARTNER + 1):
        out[f"ladder_{RUNGS[r]}"] = counts[:, r]
    return out
