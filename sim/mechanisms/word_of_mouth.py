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
per buyer, then one per message): the kinds and numbers told, then the hearers, in parallel over
fixed chunks of buyers (the exclusive prefix sum of the chunks' messages places each chunk's
messages and uniforms, so they come in buyer order), then the spread, in message order.
"""

from __future__ import annotations

import numba
import numpy as np

from sim import fast
from sim.mechanisms.ladder import ADVOCATE
from sim.mechanisms.opinion import (
    add_to_opinion_table,
    apply_opinion_table,
    new_opinion_table,
)
from sim.mechanisms.state import State
from sim.streams import uniform


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
    streams = model.relationship_streams.table
    indptr, indices = model.network
    b = len(exp.who)
    multiplier = float(p.advocate_multiplier)
    # a satisfied buyer tells satisfied_contacts × m (m = multiplier for advocates), one rate per kind
    rates = [float(p.satisfied_contacts), float(p.satisfied_contacts * multiplier),
             float(p.dissatisfied_contacts)]
    n_chunks = fast.n_chunks(b)
    how = np.empty(b, dtype=np.int8)
    talkers, start, degree, told = (np.empty(b, dtype=np.int64) for _ in range(4))
    n_talkers = np.empty(n_chunks, dtype=np.int64)
    offsets = np.zeros(n_chunks + 1, dtype=np.int64)
    counts = np.zeros((n_chunks, 2, nf), dtype=np.int64)
    _talk_counts(exp.who, fast.CHUNK, exp.firm, exp.z, exp.recovered, pop.rung, ADVOCATE,
                 np.array(rates), indptr, streams, how, talkers, start, degree, told,
                 n_talkers, offsets[1:], counts)
    np.cumsum(offsets, out=offsets)  # where each chunk's messages start
    messages = int(offsets[-1])
    hearers, abouts, deltas = np.empty(messages, np.int64), np.empty(messages, np.int64), \
        np.empty(messages)
    _talk_hearers(fast.CHUNK, exp.firm, how, talkers, start, degree, told, n_talkers, offsets,
                  indices, streams, float(p.impact), hearers, abouts, deltas)
    cap = float(model.spec.relationships.opinion_cap)
    single = _talk_spread(hearers, abouts, deltas, pop.aware, pop.opinion, pop.value_shift, cap)
    _shift_single_cells(pop.opinion, pop.value_shift, hearers[:single], abouts[:single],
                        deltas[:single], cap)
    counts = counts.sum(axis=0)  # integers: exact
    stats["wom_positive"] += counts[0]
    stats["wom_negative"] += counts[1]


@fast.pjit
def _talk_counts(who, chunk, firm, z, recovered, rung, advocate_rung, rates, indptr, streams,
                 how, talkers, start, degree, told, n_talkers, n_messages, counts):
    """Each buyer's kind and number told, in parallel over fixed chunks of ``chunk`` buyers.

    The kind ``how[i]``: NEGATIVE if below the adequate level (z < 0) and not recovered, else
    ADVOCATING on the advocate rung or above, else PLAIN. The number told is ``floor(min(rate,
    degree) + u)``, u the buyer's uniform from stream c of ``streams`` (buyers in order). Chunk
    c lists its buyers who tell anyone from slot ``c × chunk`` on
    (``talkers``: positions in ``who``, with their neighbour lists' ``start`` and ``degree`` and
    their number ``told``), ``n_talkers[c]`` of them, telling ``n_messages[c]`` messages in all;
    ``counts[c]`` holds the messages per (negative, firm).
    """
    n_buyers = who.shape[0]
    for c in numba.prange(n_talkers.shape[0]):
        first = c * chunk
        t = first
        total = 0
        for i in range(first, min(n_buyers, first + chunk)):
            n = who[i]
            if z[i] < 0 and not recovered[i]:
                kind = NEGATIVE
            elif rung[n, firm[i]] >= advocate_rung:
                kind = ADVOCATING
            else:
                kind = PLAIN
            how[i] = kind
            rate = rates[kind]
            begin = indptr[n]
            deg = indptr[n + 1] - begin
            k = np.int64((rate if rate < deg else np.float64(deg)) + uniform(streams, c))
            talkers[t] = i  # overwritten unless k > 0: no branch
            start[t] = begin
            degree[t] = deg
            told[t] = k
            t += k > 0
            total += k
            counts[c, np.int64(kind == NEGATIVE), firm[i]] += k
        n_talkers[c] = t - first
        n_messages[c] = total


@fast.pjit
def _talk_hearers(chunk, firm, how, talkers, start, degree, told, n_talkers, offsets, indices,
                  streams, impact, hearers, abouts, deltas):
    """Each message's hearer, ``indices[start + floor(u × degree)]``, firm and delta (± impact).

    In parallel over the chunks of :func:`_talk_counts`: chunk c's messages take the slots from
    ``offsets[c]`` on, so they are in the order of one pass in buyer order, and their uniforms
    u from stream c, after the chunk's uniforms of :func:`_talk_counts`.
    """
    for c in numba.prange(n_talkers.shape[0]):
        j = offsets[c]
        first = c * chunk
        for t in range(first, first + n_talkers[c]):
            about = firm[talkers[t]]
            delta = -impact if how[talkers[t]] == NEGATIVE else impact
            for _ in range(told[t]):
                hearers[j] = np.int64(indices[start[t] + np.int64(uniform(streams, c) * degree[t])])
                abouts[j], deltas[j] = about, delta
                j += 1


@fast.jit
def _talk_spread(hearers, abouts, deltas, aware, opinion, value_shift, cap):
    """The messages in order: hearers learn of the firm and their opinions move.

    The first pass marks the cells heard more than once (two bitmaps). Cells heard more than
    once sum their deltas in message order in a table and are clipped once, as
    ``shift_opinion`` does. The messages to cells heard once are moved to the front of
    ``hearers``, ``abouts`` and ``deltas`` and their number returned: they get their single
    delta afterwards, in parallel (:func:`_shift_single_cells`).
    """
    n_firms = aware.shape[1]
    m = hearers.shape[0]
    seen = np.zeros((aware.size + 7) // 8, dtype=np.uint8)
    repeated = np.zeros_like(seen)
    n_repeats = 0
    for j in range(m):
        key = hearers[j] * n_firms + abouts[j]
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
    apply_opinion_table(table, totals, n_firms, opinion, value_shift, cap)
    return single


@fast.pjit
def _shift_single_cells(opinion, value_shift, rows, firms, deltas, cap):
    """``shift_distinct_cells`` in parallel: distinct cells, one delta each.

    ``new = clip(opinion + delta, ±cap)`` (NaN stays); opinion ← float32(new), value_shift +=
    new − old. The cells are distinct, so no two iterations touch the same one.
    """
    for q in numba.prange(rows.shape[0]):
        old = np.float64(opinion[rows[q], firms[q]])
        new = old + deltas[q]
        new = -cap if new < -cap else new
        new = cap if new > cap else new
        opinion[rows[q], firms[q]] = np.float32(new)
        value_shift[rows[q], firms[q]] = value_shift[rows[q], firms[q]] + (new - old)
