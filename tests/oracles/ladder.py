"""Oracle of ``sim.mechanisms.ladder``: ladder moves, tenure and rung counts in plain numpy."""

from __future__ import annotations

import numpy as np

from oracles import ChunkDraws
from sim import fast, kernels
from sim.mechanisms.cells import cells, get, put, supplier_cells
from sim.mechanisms.ladder import CUSTOMER, PARTNER, PROSPECT, RUNGS, thresholds


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


def update(model) -> None:
    """Move every buyer's relationship on the ladder and update tenure."""
    pop, exp = model.population, model.experience
    p = model.spec.relationships.ladder
    th = thresholds(model)
    who = exp.who
    prev = pop.previous_supplier[who]
    left = exp.new & (prev >= 0)
    put(pop.rung, cells(who[left], prev[left], model.n_firms), PROSPECT)
    rung, trust = get(pop.rung, exp.cell), get(pop.trust, exp.cell)
    satisfied = exp.satisfied
    # draw only for the relationships that could climb (one uniform each, in buyer order, from
    # the stream of the buyer's chunk)
    could = satisfied & ~exp.new & (rung < PARTNER) & (trust >= th[np.minimum(rung + 1, PARTNER)])
    u = np.ones(len(who))
    u[could] = ChunkDraws(model.relationship_streams).random_by_chunk(
        np.nonzero(could)[0], fast.CHUNK, 1)[:, 0]
    put(pop.rung, exp.cell, climb(rung, exp.new, satisfied, exp.dissatisfied, trust, th,
                                  p.up_probability, p.down_steps, u))
    tenure = np.where(exp.new, 1, pop.tenure[who].astype(np.int32) + 1)
    pop.tenure[who] = np.minimum(tenure, np.iinfo(np.int16).max)


def rung_counts(model) -> dict[str, np.ndarray]:
    """Per firm, relationships on each rung: prospects are aware non-customers."""
    pop, nf = model.population, model.n_firms
    _, sup, cell = supplier_cells(model)
    key = sup.astype(np.int64) * 6 + get(pop.rung, cell)
    counts = np.bincount(key, minlength=6 * nf).reshape(nf, 6)
    aware_customers = np.bincount(sup[get(pop.aware, cell)], minlength=nf)
    out = {"ladder_prospect": kernels.column_count(pop.aware) - aware_customers}
    for r in range(CUSTOMER, PARTNER + 1):
        out[f"ladder_{RUNGS[r]}"] = counts[:, r]
    return out
