"""Complaints and recovery (switch ``complaints``).

A buyer whose experience fell below their adequate level complains with probability::

    p_complain = base_rate + accessibility_effect × complaint_accessibility(firm)

and the firm recovers the complaint well with probability ``recovery_quality(firm)``. A recovered
complaint restores satisfaction (to at least ``recovered_satisfaction``), spares trust and the
ladder, and leaves goodwill (a positive opinion of the firm, ``recovery_goodwill``) so that most
recovered complainers come back — about 90 % in the source texts. Unvoiced dissatisfaction
leaves quietly: the firm drops in the customer's eyes by ``disappointment`` (the customer is
likely to defect) and the customer spreads negative word of mouth. A complaint handled badly
costs a little more (``failed_recovery_penalty``, the double deviation).

Whether dissatisfied buyers come back is tracked from the outputs: at each customer's next
purchase the ``*_followups`` and ``*_returned`` counters note whether they rebought from the same
firm, for recovered complainers and for the unvoiced (recorded even with the switch off).
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.mechanisms.relationships import firm_values, get, put, shift_opinion

FOLLOW_NONE, FOLLOW_RECOVERED, FOLLOW_UNVOICED, FOLLOW_FAILED = 0, 1, 2, 3


# -- kernels -------------------------------------------------------------------------------
def complaint_probability(accessibility: np.ndarray, base_rate: float, effect: float):
    """Probability that a dissatisfied buyer complains, rising with the firm's accessibility."""
    return np.clip(base_rate + effect * np.asarray(accessibility, float), 0.0, 1.0)


def voice(p_complain: np.ndarray, p_recover: np.ndarray, rng: np.random.Generator):
    """Who complains and whose complaint is recovered well (two uniforms per dissatisfied buyer).

    Returns:
        (complained, recovered) boolean arrays; recovered implies complained.
    """
    u = rng.random((2, len(p_complain)))
    complained = u[0] < p_complain
    return complained, complained & (u[1] < p_recover)


# -- phase ---------------------------------------------------------------------------------
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
        complained, recovered = voice(p_complain, np.clip(quality[firms], 0, 1), model.relationship_rng)
        stats["complaints"] += kernels.count_by_firm(firms[complained], nf)
        stats["recovered"] += kernels.count_by_firm(firms[recovered], nf)
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
    stats["satisfied_buyers"] += kernels.count_by_firm(exp.firm[exp.satisfied], nf)
    stats["dissatisfied_buyers"] += kernels.count_by_firm(exp.firm[exp.dissatisfied], nf)


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
        stats[f"{name}_followups"] += kernels.count_by_firm(old[sel], nf)
        stats[f"{name}_returned"] += kernels.count_by_firm(old[sel & back], nf)
    pop.follow_up[rows] = FOLLOW_NONE
