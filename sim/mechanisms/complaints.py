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

With the compiled kernels on (``sim.fast``), ``complain`` is one numba pass over the buyers after
the same bulk draw, with the same bits as the numpy code (``tests/perf/test_fused_voice.py``).
"""

from __future__ import annotations

import numpy as np

from sim import fast, kernels
from sim.mechanisms.cells import firm_values, get, put
from sim.mechanisms.opinion import shift_distinct_cells, shift_opinion
from sim.mechanisms.state import PerCustomer, State

STATE = State(customer={
    # pending follow-up of a dissatisfying purchase (FOLLOW_UP_*)
    "follow_up": PerCustomer(np.int8),
})

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
    if fast.enabled():
        _complain_compiled(model)
        return
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


# -- compiled path: the same draws and the same arithmetic as ``complain`` ------------------
_FOLLOW_UP_COUNTERS = ("recovered_followups", "recovered_returned", "unvoiced_followups",
                       "unvoiced_returned")
_VOICE_COUNTERS = ("complaints", "recovered")
_BUYER_COUNTERS = ("satisfied_buyers", "dissatisfied_buyers")
_COUNTERS = _VOICE_COUNTERS + _FOLLOW_UP_COUNTERS + _BUYER_COUNTERS  # rows of _complain's counts


def _complain_compiled(model) -> None:
    """``complain`` in one compiled pass over the buyers after one bulk draw."""
    pop, exp, nf, stats = model.population, model.experience, model.n_firms, model.step_stats
    p = model.spec.relationships.complaints
    voiced = bool(model.spec.mechanisms.complaints)
    n_low = _count_below_adequate(exp.z) if voiced else 0
    voiced = voiced and n_low > 0
    if voiced:
        p_complain = complaint_probability(firm_values(model, "complaint_accessibility", 0.5),
                                           p.base_rate, p.accessibility_effect)
        p_recover = np.clip(firm_values(model, "recovery_quality", 0.7), 0, 1)
        u = model.relationship_rng.random((2, n_low))
    else:
        p_complain = p_recover = np.zeros(nf)
        u = np.zeros((2, 0))
    counts = np.zeros((len(_COUNTERS), nf), dtype=np.int64)
    pending = _complain(
        exp.who, exp.firm, exp.z, exp.recovered, pop.follow_up, pop.previous_supplier,
        pop.satisfaction, pop.opinion, pop.value_shift, p_complain, p_recover, u, voiced,
        float(p.recovered_satisfaction), float(p.recovery_goodwill), float(-p.disappointment),
        float(-(p.disappointment + p.failed_recovery_penalty)),
        float(model.spec.relationships.opinion_cap), counts,
    )
    # The counters the numpy path touches, in its order (step_stats makes a key on first use).
    touched = (_FOLLOW_UP_COUNTERS if pending else ()) + (_VOICE_COUNTERS if voiced else ())
    for name in touched + _BUYER_COUNTERS:
        stats[name] += counts[_COUNTERS.index(name)]


@fast.jit
def _count_below_adequate(z):
    """``np.count_nonzero(exp.z < 0)``: the buyers who draw for voice."""
    n = 0
    for i in range(z.shape[0]):
        if z[i] < 0:
            n += 1
    return n


@fast.jit
def _complain(who, firm, z, recovered, follow_up, previous_supplier, satisfaction, opinion,
              value_shift, p_complain, p_recover, u, voiced, recovered_satisfaction, goodwill,
              unvoiced_delta, failed_delta, cap, counts):
    """Per buyer, ``_count_follow_ups`` and then the rest of ``complain``; True if any pending.

    Rows of ``counts`` are ``_COUNTERS``. Each buyer is one customer, so each opinion cell gets
    one delta: ``shift_opinion`` reduces to ``shift_distinct_cells``, done after the pass.
    """
    any_pending = False
    j = 0
    n_low = u.shape[1]
    rows, firms, deltas = np.empty(n_low, np.int64), np.empty(n_low, np.int64), np.empty(n_low)
    for i in range(who.shape[0]):
        n, f = who[i], firm[i]
        state = follow_up[n]
        if state != FOLLOW_NONE:
            any_pending = True
            old = previous_supplier[n]
            if old >= 0 and (state == FOLLOW_RECOVERED or state == FOLLOW_UNVOICED):
                row = 2 if state == FOLLOW_RECOVERED else 4
                counts[row, old] += 1
                if f == old:
                    counts[row + 1, old] += 1
            follow_up[n] = FOLLOW_NONE
        if z[i] < 0:
            code = FOLLOW_UNVOICED
            if voiced:
                complained = u[0, j] < p_complain[f]
                j += 1
                delta = unvoiced_delta
                if complained:
                    counts[0, f] += 1
                    code = FOLLOW_FAILED
                    delta = failed_delta
                    if u[1, j - 1] < p_recover[f]:
                        counts[1, f] += 1
                        recovered[i] = True
                        s = satisfaction[n, f]  # np.maximum: NaN stays NaN
                        satisfaction[n, f] = s if (s > recovered_satisfaction or np.isnan(s)) \
                            else recovered_satisfaction
                        code = FOLLOW_RECOVERED
                        delta = goodwill
                rows[j - 1], firms[j - 1], deltas[j - 1] = n, f, delta
            follow_up[n] = code
        counts[7 if (z[i] < 0 and not recovered[i]) else 6, f] += 1
    shift_distinct_cells(opinion, value_shift, rows[:j], firms[:j], deltas[:j], cap)
    return any_pending
