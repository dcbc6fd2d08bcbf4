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

``complain`` is one parallel compiled pass over fixed chunks of buyers after one bulk draw of two
uniforms per buyer below their adequate level (the first decides the complaint, the second the
recovery); a first parallel pass counts each chunk's buyers below adequate, so that each chunk
reads its own columns of the draws.
"""

from __future__ import annotations

import numba
import numpy as np

from sim import fast
from sim.mechanisms.cells import firm_values
from sim.mechanisms.state import PerCustomer, State
from sim.streams import uniform

STATE = State(customer={
    # pending follow-up of a dissatisfying purchase (FOLLOW_UP_*)
    "follow_up": PerCustomer(np.int8),
})

FOLLOW_NONE, FOLLOW_RECOVERED, FOLLOW_UNVOICED, FOLLOW_FAILED = 0, 1, 2, 3


# -- kernels -------------------------------------------------------------------------------
def complaint_probability(accessibility: np.ndarray, base_rate: float, effect: float):
    """Probability that a dissatisfied buyer complains, rising with the firm's accessibility."""
    return np.clip(base_rate + effect * np.asarray(accessibility, float), 0.0, 1.0)


# -- phase ---------------------------------------------------------------------------------
_FOLLOW_UP_COUNTERS = ("recovered_followups", "recovered_returned", "unvoiced_followups",
                       "unvoiced_returned")
_VOICE_COUNTERS = ("complaints", "recovered")
_BUYER_COUNTERS = ("satisfied_buyers", "dissatisfied_buyers")
_COUNTERS = _VOICE_COUNTERS + _FOLLOW_UP_COUNTERS + _BUYER_COUNTERS  # rows of _complain's counts


def complain(model) -> None:
    """Dissatisfied buyers complain or leave quietly; firms recover some complaints.

    First, last time's dissatisfied buyers who buy again are counted as coming back to the same
    firm or not (the ``*_followups`` and ``*_returned`` counters). Then each buyer below the
    adequate level (z < 0) complains with ``complaint_probability`` of the firm and, having
    complained, is recovered with probability ``recovery_quality`` (clipped to [0, 1]). The
    opinion of the firm moves by ``recovery_goodwill`` (recovered), −``disappointment``
    (unvoiced) or −(``disappointment`` + ``failed_recovery_penalty``) (failed recovery); a
    recovered buyer's satisfaction rises to at least ``recovered_satisfaction``. Finally every
    buyer is counted satisfied or dissatisfied (recovered buyers as satisfied).
    """
    pop, exp, nf, stats = model.population, model.experience, model.n_firms, model.step_stats
    p = model.spec.relationships.complaints
    voiced = bool(model.spec.mechanisms.complaints)
    if voiced:
        p_complain = complaint_probability(firm_values(model, "complaint_accessibility", 0.5),
                                           p.base_rate, p.accessibility_effect)
        p_recover = np.clip(firm_values(model, "recovery_quality", 0.7), 0, 1)
    else:
        p_complain = p_recover = np.zeros(nf)
    chunks = fast.n_chunks(len(exp.who))
    counts = np.zeros((chunks, len(_COUNTERS), nf), dtype=np.int64)
    pending = np.zeros(chunks, dtype=np.bool_)
    low = np.zeros(chunks, dtype=np.bool_)
    _complain(
        exp.who, fast.CHUNK, model.relationship_streams.table, exp.firm, exp.z, exp.recovered,
        pop.follow_up, pop.previous_supplier, pop.satisfaction, pop.opinion, pop.value_shift,
        p_complain, p_recover, voiced, float(p.recovered_satisfaction),
        float(p.recovery_goodwill), float(-p.disappointment),
        float(-(p.disappointment + p.failed_recovery_penalty)),
        float(model.spec.relationships.opinion_cap), counts, pending, low,
    )
    counts = counts.sum(axis=0)  # integers: exact
    # step_stats makes a key on first use: the follow-up counters only when someone was
    # pending, the voice counters only when someone could complain.
    touched = ((_FOLLOW_UP_COUNTERS if pending.any() else ())
               + (_VOICE_COUNTERS if voiced and low.any() else ()))
    for name in touched + _BUYER_COUNTERS:
        stats[name] += counts[_COUNTERS.index(name)]


@fast.pjit
def _complain(who, chunk, streams, firm, z, recovered, follow_up, previous_supplier,
              satisfaction, opinion, value_shift, p_complain, p_recover, voiced,
              recovered_satisfaction, goodwill, unvoiced_delta, failed_delta, cap, counts,
              pending, low):
    """Per buyer, the follow-up count and then voice and recovery, in parallel over chunks.

    With ``voiced``, each buyer below adequate (z < 0) draws two uniforms from stream c of
    ``streams`` (c = its chunk of ``chunk`` buyers, buyers in order): the first decides the
    complaint, the second the recovery. ``counts[c]`` (rows ``_COUNTERS``) holds chunk c's
    counts, ``pending[c]`` whether any of its buyers was pending, ``low[c]`` whether any was
    below adequate. Each buyer is one customer, so each opinion cell gets one delta and no two
    iterations touch the same cell: ``new = clip(opinion + delta, ±cap)`` is written in place
    (as ``shift_distinct_cells``).
    """
    n_buyers = who.shape[0]
    for c in numba.prange(counts.shape[0]):
        for i in range(c * chunk, min(n_buyers, (c + 1) * chunk)):
            n, f = who[i], firm[i]
            state = follow_up[n]
            if state != FOLLOW_NONE:
                pending[c] = True
                old = previous_supplier[n]
                if old >= 0 and (state == FOLLOW_RECOVERED or state == FOLLOW_UNVOICED):
                    row = 2 if state == FOLLOW_RECOVERED else 4
                    counts[c, row, old] += 1
                    if f == old:
                        counts[c, row + 1, old] += 1
                follow_up[n] = FOLLOW_NONE
            if z[i] < 0:
                low[c] = True
                code = FOLLOW_UNVOICED
                if voiced:
                    u_voice = uniform(streams, c)
                    u_recovery = uniform(streams, c)
                    complained = u_voice < p_complain[f]
                    delta = unvoiced_delta
                    if complained:
                        counts[c, 0, f] += 1
                        code = FOLLOW_FAILED
                        delta = failed_delta
                        if u_recovery < p_recover[f]:
                            counts[c, 1, f] += 1
                            recovered[i] = True
                            s = satisfaction[n, f]  # at least recovered_satisfaction; NaN stays
                            if s < recovered_satisfaction:
                                satisfaction[n, f] = recovered_satisfaction
                            code = FOLLOW_RECOVERED
                            delta = goodwill
                    before = np.float64(opinion[n, f])
                    new = before + delta
                    new = -cap if new < -cap else new  # within ± cap; NaN stays
                    new = cap if new > cap else new
                    opinion[n, f] = np.float32(new)
                    value_shift[n, f] += new - before
                follow_up[n] = code
            counts[c, 7 if (z[i] < 0 and not recovered[i]) else 6, f] += 1
