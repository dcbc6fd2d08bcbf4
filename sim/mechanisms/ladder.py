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

from sim import fast, kernels
from sim.mechanisms.cells import cells, get, put, supplier_cells

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
    th = thresholds(model)
    if fast.enabled():
        next_threshold = th[np.minimum(np.arange(PARTNER + 1) + 1, PARTNER)]
        could = np.empty(len(exp.who), dtype=np.int64)
        k = _move_fused(pop.rung, pop.trust, exp.who, exp.firm, exp.new, exp.z, exp.recovered,
                        next_threshold, pop.previous_supplier, pop.tenure, int(p.down_steps),
                        could)
        _climb_fused(pop.rung, exp.who, exp.firm, could, model.relationship_rng.random(k),
                     float(p.up_probability))
        return
    who = exp.who
    prev = pop.previous_supplier[who]
    left = exp.new & (prev >= 0)
    put(pop.rung, cells(who[left], prev[left], model.n_firms), PROSPECT)
    rung, trust = get(pop.rung, exp.cell), get(pop.trust, exp.cell)
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
    if fast.enabled():
        counts = np.zeros((nf, 6), dtype=np.int64)
        aware, aware_customers = np.zeros(nf, dtype=np.int64), np.zeros(nf, dtype=np.int64)
        _rung_counts_fused(pop.supplier, pop.rung, pop.aware, counts, aware, aware_customers)
        out["ladder_prospect"] = aware - aware_customers
    else:
        _, sup, cell = supplier_cells(model)
        key = sup.astype(np.int64) * 6 + get(pop.rung, cell)
        counts = np.bincount(key, minlength=6 * nf).reshape(nf, 6)
        aware_customers = np.bincount(sup[get(pop.aware, cell)], minlength=nf)
        out["ladder_prospect"] = kernels.column_count(pop.aware) - aware_customers
    for r in range(CUSTOMER, PARTNER + 1):
        out[f"ladder_{RUNGS[r]}"] = counts[:, r]
    return out


# -- compiled twins (same decisions, same draws; see ``sim.fast``) ---------------------------
@fast.jit
def _move_fused(rung, trust, who, firm, new, z, recovered, next_threshold, previous_supplier,
                tenure, down_steps, could):
    """``update``'s numpy lines for each buyer in one pass, in place, except the climbs.

    The firm a new buyer left drops them to prospect; new buyers become customers, unrecovered
    failures fall ``down_steps`` rungs (not below customer), tenure counts on. The buyers who
    *could* climb (``could`` of ``update``) keep their rung; their positions among the buyers
    go to ``could`` in buyer order, and their number is returned: one uniform each.
    ``next_threshold[r]`` is ``thresholds[min(r + 1, PARTNER)]``. Branch-free where the
    outcome is a coin toss (a mispredicted branch per buyer would triple the cost).
    """
    k = 0
    for i in range(who.shape[0]):
        n, f, is_new = who[i], firm[i], new[i]
        if is_new and previous_supplier[n] >= 0:
            rung[n, previous_supplier[n]] = PROSPECT
        r = rung[n, f]
        dissatisfied = (z[i] < 0) & (not recovered[i])
        could[k] = i
        k += (not dissatisfied) & (not is_new) & (r < PARTNER) & (trust[n, f] >= next_threshold[r])
        fallen = max(r - down_steps, CUSTOMER)
        rung[n, f] = CUSTOMER if is_new else (fallen if dissatisfied else r)
        tenure[n] = 1 if is_new else min(np.int32(tenure[n]) + 1, 32767)
    return k


@fast.jit
def _climb_fused(rung, who, firm, could, u, up_probability):
    """``climb``'s step up: the ``could`` buyers whose uniform is below ``up_probability``."""
    for j in range(u.shape[0]):
        i = could[j]
        if u[j] < up_probability:
            rung[who[i], firm[i]] += 1


@fast.jit
def _rung_counts_fused(supplier, rung, aware, counts, aware_all, aware_customers):
    """``rung_counts``'s bincounts and column count in one pass over the customers."""
    n_rows, n_firms = aware.shape
    for n in range(n_rows):
        for f in range(n_firms):
            aware_all[f] += aware[n, f]
        s = supplier[n]
        if s >= 0:
            counts[s, rung[n, s]] += 1
            aware_customers[s] += aware[n, s]
