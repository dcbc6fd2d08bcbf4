"""Oracle of ``sim.mechanisms.word_of_mouth``: who tells whom, in plain numpy."""

from __future__ import annotations

import numpy as np

from oracles import ChunkDraws
from oracles.opinion import shift_opinion
from sim import fast
from sim.mechanisms.cells import cells, get, put
from sim.mechanisms.ladder import ADVOCATE


def tell(talkers: np.ndarray, rate: np.ndarray, indptr, indices, draws):
    """Who hears whom: each talker tells ``rate`` random neighbours on average.

    The number told is ``rate`` rounded up or down at random (mean exactly ``rate``, capped at
    the talker's degree): one uniform per talker. Hearers are drawn with replacement from the
    talker's neighbours: one uniform per message.

    Args:
        talkers: (B,) customer indices.
        rate: (B,) expected contacts told (capped at the talker's degree).
        indptr: (N + 1,) CSR row starts of the network.
        indices: CSR neighbour lists.
        draws: the relationship streams (``ChunkDraws``): one uniform per talker, then one per
            message, each from the stream of its talker's chunk of ``fast.CHUNK`` talkers.

    Returns:
        (speaker, hearer): for each message, the position in ``talkers`` and the hearer's index.
    """
    start = indptr[talkers]
    deg = indptr[talkers + 1] - start
    mean = np.minimum(rate, deg)
    told = (mean + draws.random(len(talkers))).astype(np.int64)
    speaker = np.repeat(np.arange(len(talkers)), told)
    u = draws.random_by_chunk(speaker, fast.CHUNK, 1)[:, 0]
    pick = start[speaker] + (u * deg[speaker]).astype(np.int64)
    return speaker, indices[pick].astype(np.int64)


def talk_rates(negative, advocate, satisfied_contacts, dissatisfied_contacts, multiplier):
    """Expected contacts told by each buyer.

    Dissatisfied buyers tell ``dissatisfied_contacts``; satisfied buyers ``satisfied_contacts``,
    advocates (and partners) ``multiplier`` times as many: the more advocates a firm has, the
    more praise it gets (Payne's ladder), so the dissatisfied/satisfied asymmetry is an outcome.
    """
    weight = np.where(advocate & ~negative, multiplier, 1.0)
    return np.where(negative, dissatisfied_contacts, satisfied_contacts * weight)


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
    speaker, hearer = tell(exp.who, rate, indptr, indices,
                           ChunkDraws(model.relationship_streams))
    about = exp.firm[speaker]
    bad = negative[speaker]
    stats["wom_positive"] += np.bincount(about[~bad], minlength=nf)
    stats["wom_negative"] += np.bincount(about[bad], minlength=nf)
    put(pop.aware, cells(hearer, about, nf), True)
    shift_opinion(model, hearer, about, np.where(bad, -p.impact, p.impact))
