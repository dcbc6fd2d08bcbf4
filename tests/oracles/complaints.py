"""Oracle of ``sim.mechanisms.complaints``: voice, recovery and quiet exit in plain numpy."""

from __future__ import annotations

import numpy as np

from oracles import ChunkDraws
from oracles.opinion import shift_opinion
from sim import fast
from sim.mechanisms.cells import firm_values, get, put
from sim.mechanisms.complaints import (
    FOLLOW_FAILED,
    FOLLOW_NONE,
    FOLLOW_RECOVERED,
    FOLLOW_UNVOICED,
    complaint_probability,
)


def voice(p_complain: np.ndarray, p_recover: np.ndarray, u: np.ndarray):
    """Who complains and whose complaint is recovered well (two uniforms per dissatisfied buyer).

    ``u`` is (B, 2): each dissatisfied buyer's uniform for voice, then for recovery.

    Returns:
        (complained, recovered) boolean arrays; recovered implies complained.
    """
    complained = u[:, 0] < p_complain
    return complained, complained & (u[:, 1] < p_recover)


def complain(model) -> None:
    """Dissatisfied buyers complain or leave quietly; firms recover some complaints."""
    pop, exp, nf, stats = model.population, model.experience, model.n_firms, model.step_stats
    _count_follow_ups(pop, exp, stats, nf)
    low = exp.z < 0
    rows, firms = exp.who[low], exp.firm[low]
    follow = np.full(len(rows), FOLLOW_UNVOICED, dtype=np.int8)
    if model.spec.mechanisms.complaints and len(rows):
        p = model.spec.relationships.complaints
        access = firm_values(model, "complaint_accessibility", 0.5)
        quality = firm_values(model, "recovery_quality", 0.7)
        p_complain = complaint_probability(access[firms], p.base_rate, p.accessibility_effect)
        u = ChunkDraws(model.relationship_streams).random_by_chunk(np.nonzero(low)[0],
                                                                   fast.CHUNK, 2)
        complained, recovered = voice(p_complain, np.clip(quality[firms], 0, 1), u)
        stats["complaints"] += np.bincount(firms[complained], minlength=nf)
        stats["recovered"] += np.bincount(firms[recovered], minlength=nf)
        exp.recovered[np.nonzero(low)[0][recovered]] = True
        cell = exp.cell[low][recovered]
        put(pop.satisfaction, cell, np.maximum(get(pop.satisfaction, cell),
                                               p.recovered_satisfaction))
        failed = complained & ~recovered
        follow[recovered] = FOLLOW_RECOVERED
        follow[failed] = FOLLOW_FAILED
        delta = np.where(recovered, p.recovery_goodwill, -p.disappointment)
        delta = np.where(failed, -(p.disappointment + p.failed_recovery_penalty), delta)
        shift_opinion(model, rows, firms, delta)
    pop.follow_up[rows] = follow
    # After complaint handling: recovered complainers count as satisfied.
    stats["satisfied_buyers"] += np.bincount(exp.firm[exp.satisfied], minlength=nf)
    stats["dissatisfied_buyers"] += np.bincount(exp.firm[exp.dissatisfied], minlength=nf)


def _count_follow_ups(pop, exp, stats, nf) -> None:
    """Count whether last time's dissatisfied buyers came back to the same firm."""
    state = pop.follow_up[exp.who]
    pending = state != FOLLOW_NONE
    if not pending.any():
        return
    rows = exp.who[pending]
    state = state[pending]
    old = pop.previous_supplier[rows]
    back = exp.firm[pending] == old
    valid = old >= 0
    for name, code in (("recovered", FOLLOW_RECOVERED), ("unvoiced", FOLLOW_UNVOICED)):
        sel = valid & (state == code)
        stats[f"{name}_followups"] += np.bincount(old[sel], minlength=nf)
        stats[f"{name}_returned"] += np.bincount(old[sel & back], minlength=nf)
    pop.follow_up[rows] = FOLLOW_NONE
