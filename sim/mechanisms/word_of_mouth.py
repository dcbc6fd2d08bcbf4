"""Word of mouth on a social network (switch ``word_of_mouth``).

Customers sit on a small-world network (Watts–Strogatz: a ring lattice where each customer links
to ``degree/2`` neighbours on each side, each link rewired to a random customer with probability
``rewiring``), built directly as numpy arrays and stored as CSR neighbour lists (``indptr``,
``indices``), so it scales to millions of customers. Ring positions are a random permutation of
customers, so neighbours are not sorted by segment.

After each purchase a buyer tells ``rate`` contacts on average (rounded up or down at random),
drawn with replacement from their neighbours, about the firm they bought from::

    rate = dissatisfied_contacts                         if dissatisfied (and not recovered)
         = satisfied_contacts × m                         if satisfied,
    m    = advocate_multiplier for advocates and partners, 1 otherwise

Advocates and partners praise ``advocate_multiplier`` times as much as other satisfied buyers,
so how much a market's satisfied buyers say depends on how many of them are advocates: the
ratio of what the dissatisfied and the satisfied say ("unhappy customers tell twice as many") is
measured from the messages sent (``wom_negative`` / dissatisfied buyers over ``wom_positive`` /
satisfied buyers), not fixed by the parameters. Each message makes the hearer aware of the firm
and shifts the hearer's opinion of it by ± ``impact`` PUV units (fading with
``opinion_decay``). Cost: one uniform per buyer and one per message.

The number a buyer tells is ``rate`` rounded up or down at random (``floor(min(rate, degree) +
u)``, mean exactly ``rate`` up to the degree); each hearer is a uniformly drawn neighbour (with
replacement). A cell told several times in a step moves by the sum of its messages, clipped to ±
``opinion_cap`` once. ``talk`` is three compiled passes around the two bulk draws (one uniform
per buyer, then one per message).
"""

from __future__ import annotations

import numpy as np

from sim import fast
from sim.mechanisms.ladder import ADVOCATE
from sim.mechanisms.opinion import (
    add_to_opinion_table,
    apply_opinion_table,
    new_opinion_table,
    shift_distinct_cells,
)
from sim.mechanisms.state import State


def _no_network(model):
    """The empty network: nobody has a neighbour."""
    return np.zeros(model.population.n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32)


STATE = State(model={
    # the social network as CSR arrays (indptr, indices); empty unless word of mouth is on
    "network": _no_network,
})


# -- kernels -------------------------------------------------------------------------------
def small_world(n: int, degree: int, rewiring: float, rng: np.random.Generator):
    """An undirected Watts–Strogatz network as CSR arrays.

    Args:
        n: number of nodes.
        degree: links per node before rewiring (even; capped below ``n``).
        rewiring: probability that each lattice link is rewired to a uniformly random node.
        rng: generator for the permutation and the rewiring.

    Returns:
        (indptr, indices): neighbours of node i are ``indices[indptr[i]:indptr[i + 1]]``.
        Rewired links never point back to their own node; duplicates are possible.
    """
    half = min(degree // 2, (n - 1) // 2)
    if n < 2 or half < 1:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    order = rng.permutation(n).astype(np.int32)
    pos = np.arange(n, dtype=np.int64)
    src = np.tile(order, half)
    dst = np.concatenate([order[(pos + j) % n] for j in range(1, half + 1)])
    rewire = rng.random(len(src)) < rewiring
    k = int(rewire.sum())
    new = rng.integers(0, n - 1, size=k, dtype=np.int64)
    new += new >= src[rewire]  # skip the node itself
    dst[rewire] = new.astype(np.int32)
    return to_csr(n, np.concatenate([src, dst]), np.concatenate([dst, src]))


def to_csr(n: int, src: np.ndarray, dst: np.ndarray):
    """Directed edge lists to CSR (indptr int64, indices int32)."""
    order = np.argsort(src, kind="stable")
    indices = dst[order].astype(np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, indices


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """Build the social network (only when word of mouth is on)."""
    p = model.spec.relationships.word_of_mouth
    if model.spec.mechanisms.word_of_mouth:
        rewiring = 1.0 if p.network == "random" else p.rewiring
        model.network = small_world(model.population.n, p.degree, rewiring,
                                    model.relationship_rng)


PLAIN, ADVOCATING, NEGATIVE = 0, 1, 2  # how a buyer talks: satisfied, satisfied advocate, not


def talk(model) -> None:
    """Buyers tell contacts about the firm they bought from; hearers learn of it and judge it.

    Each buyer is PLAIN, ADVOCATING (satisfied, on the advocate rung or above) or NEGATIVE
    (dissatisfied and not recovered), which sets the rate they tell at (see the module
    docstring); then the number told, the hearers, the counts, awareness and opinions.
    """
    if not model.spec.mechanisms.word_of_mouth:
        return
    pop, exp, nf, stats = model.population, model.experience, model.n_firms, model.step_stats
    p = model.spec.relationships.word_of_mouth
    rng = model.relationship_rng
    indptr, indices = model.network
    b = len(exp.who)
    multiplier = float(p.advocate_multiplier)
    how = np.empty(b, dtype=np.int8)
    n_advocating, n_plain = _talk_kinds(exp.who, exp.firm, exp.z, exp.recovered, pop.rung,
                                        ADVOCATE, how)
    # a satisfied buyer tells satisfied_contacts × m (m = multiplier for advocates), one rate per kind
    rates = [float(p.satisfied_contacts), float(p.satisfied_contacts * multiplier),
             float(p.dissatisfied_contacts)]
    talkers, start, degree, told = (np.empty(b, dtype=np.int64) for _ in range(4))
    messages, t = _talk_counts(exp.who, how, np.array(rates), indptr, rng.random(b), talkers,
                               start, degree, told)
    counts = np.zeros((2, nf), dtype=np.int64)
    _talk_spread(exp.firm, how, talkers[:t], start[:t], degree[:t], told[:t], indices,
                 rng.random(messages), float(p.impact), pop.aware, pop.opinion, pop.value_shift,
                 float(model.spec.relationships.opinion_cap), counts)
    stats["wom_positive"] += counts[0]
    stats["wom_negative"] += counts[1]


@fast.jit
def _talk_kinds(who, firm, z, recovered, rung, advocate_rung, how):
    """Each buyer's kind: NEGATIVE, ADVOCATING or PLAIN.

    NEGATIVE if below the adequate level (z < 0) and not recovered, else ADVOCATING on the
    advocate rung or above, else PLAIN. Returns the numbers of advocating and plain satisfied buyers.
    """
    n_advocating = n_plain = 0
    for i in range(who.shape[0]):
        if z[i] < 0 and not recovered[i]:
            how[i] = NEGATIVE
        elif rung[who[i], firm[i]] >= advocate_rung:
            how[i] = ADVOCATING
            n_advocating += 1
        else:
            how[i] = PLAIN
            n_plain += 1
    return n_advocating, n_plain


@fast.jit
def _talk_counts(who, how, rates, indptr, u, talkers, start, degree, told):
    """Number told per buyer, ``floor(min(rate, degree) + u)``, kept for buyers who tell anyone.

    Returns (messages, t): ``talkers[:t]`` are positions in ``who``, with their neighbour lists'
    ``start`` and ``degree`` and their number ``told``.
    """
    total = 0
    n_talkers = 0
    for i in range(who.shape[0]):
        rate = rates[how[i]]
        first = indptr[who[i]]
        deg = indptr[who[i] + 1] - first
        k = np.int64((rate if rate < deg else np.float64(deg)) + u[i])
        talkers[n_talkers] = i  # overwritten unless k > 0: no branch
        start[n_talkers] = first
        degree[n_talkers] = deg
        told[n_talkers] = k
        n_talkers += k > 0
        total += k
    return total, n_talkers


@fast.jit
def _talk_spread(firm, how, talkers, start, degree, told, indices, u, impact, aware, opinion,
                 value_shift, cap, counts):
    """Each message's hearer, ``indices[start + floor(u × degree)]``; counts, awareness, opinions.

    The first pass picks each message's hearer and marks the cells heard more than once (two
    bitmaps). Cells heard once get their single delta (``shift_distinct_cells``); cells heard
    more than once sum their deltas in message order in a table and are clipped once, as
    ``shift_opinion`` does.
    """
    n_firms = aware.shape[1]
    m = u.shape[0]
    seen = np.zeros((aware.size + 7) // 8, dtype=np.uint8)
    repeated = np.zeros_like(seen)
    hearers, abouts, deltas = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m)
    n_repeats = 0
    j = 0
    for t in range(talkers.shape[0]):
        about = firm[talkers[t]]
        bad = how[talkers[t]] == NEGATIVE
        counts[np.int64(bad), about] += told[t]
        for _ in range(told[t]):
            hearer = np.int64(indices[start[t] + np.int64(u[j] * degree[t])])
            hearers[j], abouts[j], deltas[j] = hearer, about, -impact if bad else impact
            j += 1
            key = hearer * n_firms + about
            byte, bit = key >> 3, np.uint8(1 << (key & 7))
            if seen[byte] & bit:
                repeated[byte] |= bit
                n_repeats += 1
            seen[byte] |= bit
    table, totals, shift = new_opinion_table(n_repeats)
    single = 0
    for j in range(m):  # hearers learn of the firm; repeated cells into the table, others kept
        aware[hearers[j], abouts[j]] = True
        key = hearers[j] * n_firms + abouts[j]
        if repeated[key >> 3] & np.uint8(1 << (key & 7)):
            add_to_opinion_table(table, totals, shift, key, deltas[j])
        else:
            hearers[single], abouts[single], deltas[single] = hearers[j], abouts[j], deltas[j]
            single += 1
    shift_distinct_cells(opinion, value_shift, hearers[:single], abouts[:single],
                         deltas[:single], cap)
    apply_opinion_table(table, totals, n_firms, opinion, value_shift, cap)
