"""Word of mouth on a social network (switch ``word_of_mouth``).

Customers sit on a small-world network (Watts–Strogatz: a ring lattice where each customer links
to ``degree/2`` neighbours on each side, each link rewired to a random customer with probability
``rewiring``), built directly as numpy arrays and stored as CSR neighbour lists (``indptr``,
``indices``), so it scales to millions of customers. Ring positions are a random permutation of
customers, so neighbours are not sorted by segment.

After each purchase a buyer tells ``rate`` contacts on average (rounded up or down at random),
drawn with replacement from their neighbours, about the firm they bought from::

    rate = dissatisfied_contacts                         if dissatisfied (and not recovered)
         = satisfied_contacts × m / mean(m)               if satisfied,
    m    = advocate_multiplier for advocates and partners, 1 otherwise

The satisfied rate is the mean over this step's satisfied buyers, shared out so that advocates
tell ``advocate_multiplier`` times as many as the others: with the defaults a dissatisfied buyer
tells 0.5 contacts and a satisfied one 0.25 on average (half as many, "unhappy customers tell
twice as many"), whatever the number of advocates; advocates do most of the praising. Each message makes the hearer
aware of the firm and shifts the hearer's opinion of it by ± ``impact`` PUV units (fading with
``opinion_decay``). Cost: one uniform per buyer and one per message.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.mechanisms.ladder import ADVOCATE
from sim.mechanisms.relationships import cells, get, put, shift_opinion


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


def tell(talkers: np.ndarray, rate: np.ndarray, indptr, indices, rng: np.random.Generator):
    """Who hears whom: each talker tells ``rate`` random neighbours on average.

    The number told is ``rate`` rounded up or down at random (mean exactly ``rate``, capped at
    the talker's degree): one uniform per talker, far cheaper than a binomial draw.

    Args:
        talkers: (B,) customer indices.
        rate: (B,) expected contacts told (capped at the talker's degree).
        indptr: (N + 1,) CSR row starts of the network.
        indices: CSR neighbour lists.
        rng: generator (one uniform per talker and one per message).

    Returns:
        (speaker, hearer): for each message, the position in ``talkers`` and the hearer's index.
    """
    start = indptr[talkers]
    deg = indptr[talkers + 1] - start
    mean = np.minimum(rate, deg)
    told = (mean + rng.random(len(talkers))).astype(np.int64)
    speaker = np.repeat(np.arange(len(talkers)), told)
    pick = start[speaker] + (rng.random(len(speaker)) * deg[speaker]).astype(np.int64)
    return speaker, indices[pick].astype(np.int64)


def talk_rates(negative, advocate, satisfied_contacts, dissatisfied_contacts, multiplier):
    """Expected contacts told by each buyer.

    Dissatisfied buyers tell ``dissatisfied_contacts``. Satisfied buyers tell
    ``satisfied_contacts`` on average, shared so that advocates tell ``multiplier`` times as many
    as other satisfied buyers: the ladder changes who praises, not how much praise a satisfied
    customer is worth, so the dissatisfied/satisfied asymmetry holds whatever the ladder.
    """
    weight = np.where(advocate & ~negative, multiplier, 1.0)
    happy = ~negative
    mean = weight[happy].mean() if happy.any() else 1.0
    return np.where(negative, dissatisfied_contacts, satisfied_contacts * weight / mean)


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """Build the social network (only when word of mouth is on)."""
    pop = model.population
    p = model.spec.relationships.word_of_mouth
    if not model.spec.mechanisms.word_of_mouth:
        model.network = (np.zeros(pop.n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32))
        return
    rewiring = 1.0 if p.network == "random" else p.rewiring
    model.network = small_world(pop.n, p.degree, rewiring, model.relationship_rng)


def talk(model) -> None:
    """Buyers tell contacts about the firm they bought from; hearers learn of it and judge it."""
    if not model.spec.mechanisms.word_of_mouth:
        return
    pop, exp, nf, stats = model.population, model.experience, model.n_firms, model.step_stats
    p = model.spec.relationships.word_of_mouth
    negative = exp.dissatisfied
    advocate = get(pop.rung, exp.cell) >= ADVOCATE
    rate = talk_rates(negative, advocate, p.satisfied_contacts, p.dissatisfied_contacts,
                      p.advocate_multiplier)
    indptr, indices = model.network
    speaker, hearer = tell(exp.who, rate, indptr, indices, model.relationship_rng)
    about = exp.firm[speaker]
    bad = negative[speaker]
    stats["wom_positive"] += kernels.count_by_firm(about[~bad], nf)
    stats["wom_negative"] += kernels.count_by_firm(about[bad], nf)
    put(pop.aware, cells(hearer, about, nf), True)
    shift_opinion(model, hearer, about, np.where(bad, -p.impact, p.impact))
