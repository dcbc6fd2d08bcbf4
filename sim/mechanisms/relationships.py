"""The customer-relationship loop: shared state, setup and the per-firm output columns.

Each mechanism lives in its own module with its pure kernels and its phase function:

====================  ====================================================================
module                mechanism (switch in ``mechanisms:``)
====================  ====================================================================
``satisfaction``      experience and satisfaction against the zone of tolerance (always)
``complaints``        voice, recovery and quiet exit (``complaints``)
``word_of_mouth``     the social network and what customers tell (``word_of_mouth``)
``fatigue``           proactive contact, warmth and annoyance (``contact_fatigue``)
``expectations``      adequate/desired levels, reference prices (``expectations``)
``loyalty``           asymmetric trust (always) and the loyalty bonus (``loyalty``)
``ladder``            prospect → … → partner, and tenure (always)
``learning``          firms learn buyers' weights (``learning``)
``bonds``             switching costs from bonds and teaching (``switching_costs``)
``customer_value``    margin, retention, share of wallet, CLV (always; outputs only)
====================  ====================================================================

This module allocates the state they share (:func:`setup`, called once by ``MarketModel``),
reads firm programme attributes (:func:`firm_values`) and keeps the customer's *opinion* of
each firm — the decaying PUV shift that word of mouth, complaints and contacts write — in step
with ``population.value_shift`` (:func:`shift_opinion`); its compiled twins (numba, chosen
with ``sim.fast``) give the same bits and are shared by the voice phases.

Memory added per customer, with F firms and network degree k: 4·F each for the opinion, learned
knowledge and share of wallet (float32), F for the ladder rungs (int8), 16 for adequate, desired,
zone width and contact tolerance (float32), 3 for tenure and follow-up, 4·k + 8 for the network
(CSR), and 4·F for contact stocks once a firm makes proactive contacts: 145 bytes measured at
F = 6, k = 10 (1M customers × 6 firms ≈ 145 MB on top of the core arrays).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim import fast


def setup(model) -> None:
    """Allocate relationship state, initialise expectations and the ladder, register columns.

    Called once from ``MarketModel.__init__`` after the initial suppliers are drawn.
    """
    from sim.mechanisms import (
        customer_value,
        expectations,
        fatigue,
        ladder,
        satisfaction,
        word_of_mouth,
    )

    pop, nf = model.population, model.n_firms
    model.relationship_rng = relationship_generator(model.rng)
    # Opinion: the customer's shift of a firm's PUV from hearsay, complaints and contacts.
    pop.opinion = np.zeros((pop.n, nf), dtype=np.float32)
    # What each firm has learned about each customer's weights, in [0, 1].
    pop.knowledge = np.zeros((pop.n, nf), dtype=np.float32)
    # Pending follow-up of a dissatisfying purchase (see complaints.FOLLOW_UP_*).
    pop.follow_up = np.zeros(pop.n, dtype=np.int8)
    expectations.setup(model)
    satisfaction.setup(model)
    ladder.setup(model)
    fatigue.setup(model)
    word_of_mouth.setup(model)
    customer_value.setup(model)
    model.experience = None
    model.column_providers.append(firm_columns)


RNG_KEY = 0x52454C  # spawn key of the relationship stream ("REL")


def relationship_generator(rng: np.random.Generator) -> np.random.Generator:
    """The relationship loop's own generator, derived from the model's seed.

    Relationship phases draw a state-dependent number of random numbers (messages, complaints,
    ladder climbs). Drawing them from a stream of their own keeps the choice stream of the model
    identical whatever the relationship mechanisms do, so two runs that differ in one switch or
    one offer share their choice noise (common random numbers), and a plain-logit run draws
    exactly what it would without the relationship loop. Same seed, same results.
    """
    seq = getattr(rng.bit_generator, "seed_seq", None)
    if not isinstance(seq, np.random.SeedSequence):  # a generator built without a seed sequence
        return np.random.default_rng(rng.integers(2**63))
    child = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, RNG_KEY),
                                   pool_size=seq.pool_size)
    return np.random.default_rng(child)


def firm_values(model, name: str, default) -> np.ndarray:
    """(F,) a firm programme attribute for every firm column, ``default`` where a firm lacks it."""
    return np.array([float(getattr(f, name, default)) for f in model.firms])


def firm_bonds(model) -> np.ndarray:
    """(F, 3) financial, social and structural bonds of every firm, in [0, 1]."""
    p = model.spec.relationships.bonds
    default = {"financial": p.default_financial, "social": p.default_social,
               "structural": p.default_structural}
    out = np.empty((model.n_firms, 3))
    for f, firm in enumerate(model.firms):
        bonds = getattr(firm, "bonds", None) or default
        for j, key in enumerate(("financial", "social", "structural")):
            out[f, j] = float(bonds.get(key, default[key]))
    return np.clip(out, 0.0, 1.0)


def shift_opinion(model, rows: np.ndarray, cols: np.ndarray, delta: np.ndarray) -> None:
    """Add ``delta`` to the opinion of customers ``rows`` about firms ``cols`` (with repeats).

    Opinions stay within ± ``opinion_cap``; the PUV every customer perceives moves with them.
    The cap applies once to the sum of this call's deltas on a cell (summed in call order, in
    float64), not after each delta::

        new = clip(float64(opinion) + Σ delta, −cap, cap)
        opinion ← float32(new);  value_shift += new − float64(old opinion)
    """
    if len(rows) == 0:
        return
    pop = model.population
    cap = model.spec.relationships.opinion_cap
    if fast.enabled():
        shape = np.shape(rows)
        _shift_cells(rows, np.broadcast_to(cols, shape),
                     np.broadcast_to(np.asarray(delta, dtype=np.float64), shape),
                     model.n_firms, pop.opinion, pop.value_shift, float(cap))
        return
    flat = rows.astype(np.int64) * model.n_firms + cols
    keys, inverse = np.unique(flat, return_inverse=True)
    total = np.bincount(inverse, weights=np.broadcast_to(delta, flat.shape), minlength=len(keys))
    op = pop.opinion.reshape(-1)
    old = op[keys].astype(np.float64)
    new = np.clip(old + total, -cap, cap)
    op[keys] = new
    pop.value_shift.reshape(-1)[keys] += new - old


def decay_opinions(model) -> None:
    """Opinions fade by ``opinion_decay`` each step (and perceived PUV with them).

    In float32, ``change = opinion × float32(−rate)``; then ``opinion += change`` and
    ``value_shift += change``.
    """
    rate = model.spec.relationships.opinion_decay
    pop = model.population
    if rate <= 0:
        return
    if fast.enabled() and math.isfinite(rate):
        _decay(pop.opinion, pop.value_shift, np.float32(-rate))
        return
    if not pop.opinion.any():
        return
    change = pop.opinion * np.float32(-rate)
    pop.opinion += change
    pop.value_shift += change


# -- compiled opinion updates ----------------------------------------------------------------
# The deltas a call makes on one cell are summed first, in call order from 0.0 (as np.bincount
# sums them), in a small open-addressing table keyed by the flat cell ``row × F + firm``; then
# each cell is clipped and written once. Word of mouth fills a table from its message loop.
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)


@fast.jit
def new_opinion_table(n_deltas):
    """Empty (keys, totals, shift) with room for ``n_deltas`` distinct cells at half load."""
    size, bits = 16, 4
    while size < 2 * n_deltas:
        size *= 2
        bits += 1
    return np.full(size, -1, dtype=np.int64), np.zeros(size), np.uint64(64 - bits)


@fast.jit
def add_to_opinion_table(keys, totals, shift, key, delta):
    """``totals[key] += delta``, from 0.0 at the key's first delta (``np.bincount``'s sum).

    Returns the key's slot in the table.
    """
    mask = keys.shape[0] - 1
    pos = np.int64((np.uint64(key) * _FIBONACCI) >> shift)
    while True:
        k = keys[pos]
        if k == key:
            totals[pos] += delta
            return pos
        if k < 0:
            keys[pos] = key
            totals[pos] = 0.0 + delta
            return pos
        pos = (pos + 1) & mask


@fast.jit
def apply_opinion_delta(opinion, value_shift, row, firm, total, cap):
    """One cell of ``shift_opinion``'s last four numpy lines (clip, float32 opinion, shift)."""
    old = np.float64(opinion[row, firm])
    new = old + total
    new = -cap if new < -cap else new  # as np.clip: NaN passes, a zero keeps its sign
    new = cap if new > cap else new
    opinion[row, firm] = np.float32(new)
    value_shift[row, firm] += new - old


@fast.jit
def shift_distinct_cells(opinion, value_shift, rows, firms, deltas, cap):
    """``shift_opinion`` for distinct cells, one delta each (``apply_opinion_delta`` of each).

    The old values of all cells are gathered first, in a loop of loads only, so that many cache
    misses are in flight at once; then the new ones are written.
    """
    m = rows.shape[0]
    old_opinion, old_shift = np.empty(m, opinion.dtype), np.empty(m, value_shift.dtype)
    for q in range(m):
        old_opinion[q] = opinion[rows[q], firms[q]]
        old_shift[q] = value_shift[rows[q], firms[q]]
    for q in range(m):
        old = np.float64(old_opinion[q])
        new = old + (0.0 + deltas[q])  # 0.0 + delta: np.bincount's sum of one delta
        new = -cap if new < -cap else new
        new = cap if new > cap else new
        opinion[rows[q], firms[q]] = np.float32(new)
        value_shift[rows[q], firms[q]] = old_shift[q] + (new - old)


@fast.jit
def apply_opinion_table(keys, totals, n_firms, opinion, value_shift, cap):
    """Apply every cell of a filled table (distinct cells, so the order does not matter)."""
    for pos in range(keys.shape[0]):
        key = keys[pos]
        if key >= 0:
            row = key // n_firms
            apply_opinion_delta(opinion, value_shift, row, key - row * n_firms, totals[pos], cap)


@fast.jit
def _shift_cells(rows, cols, delta, n_firms, opinion, value_shift, cap):
    """``shift_opinion``'s numpy lines (np.unique, np.bincount, clip, write) in one pass.

    Cells in strictly ascending order (one firm's contacts, say) are distinct: no table.
    """
    previous = -1
    for i in range(rows.shape[0]):
        key = np.int64(rows[i]) * n_firms + np.int64(cols[i])
        if key <= previous:
            break
        previous = key
    else:
        shift_distinct_cells(opinion, value_shift, rows, cols, delta, cap)
        return
    keys, totals, shift = new_opinion_table(rows.shape[0])
    for i in range(rows.shape[0]):
        key = np.int64(rows[i]) * n_firms + np.int64(cols[i])
        add_to_opinion_table(keys, totals, shift, key, delta[i])
    apply_opinion_table(keys, totals, n_firms, opinion, value_shift, cap)


@fast.pjit
def _decay(opinion, value_shift, factor):
    """``decay_opinions``' three numpy lines in one pass (float32 change, float64 shift).

    No ``opinion.any()`` pass first: for an opinion of +0.0 the lines change nothing (the change
    is −0.0 for a finite rate > 0, and x + −0.0 is x bit for bit), so running them anyway is
    exact.
    """
    n, n_firms = opinion.shape
    for i in numba.prange(n):
        for f in range(n_firms):
            change = opinion[i, f] * factor
            opinion[i, f] += change
            value_shift[i, f] += np.float64(change)


def firm_columns(model) -> dict[str, np.ndarray]:
    """Per-firm relationship outputs of this step for ``firms.csv``."""
    from sim.mechanisms import customer_value, ladder

    stats, nf = model.step_stats, model.n_firms
    cols = {name: stats[name].copy() for name in COUNTERS}
    cols.update(ladder.rung_counts(model))
    cols.update(customer_value.columns(model))
    for name in COUNTERS:
        cols[name] = cols[name].astype(np.int64)
    assert all(len(v) == nf for v in cols.values())
    return cols


# Per-step counters (step_stats keys) written to firms.csv as integer columns.
COUNTERS = (
    "recovered", "wom_positive", "wom_negative", "satisfied_defectors", "defectors",
    "satisfied_buyers", "dissatisfied_buyers", "delighted_buyers", "retained", "at_risk",
    "recovered_returned", "recovered_followups", "unvoiced_returned", "unvoiced_followups",
    "contacts", "annoyed",
)


# -- flat cell indexing: (row, firm) pairs as one index, ~5x faster than 2-D fancy indexing --
def cells(rows: np.ndarray, firms: np.ndarray, n_firms: int) -> np.ndarray:
    """Flat index ``row × n_firms + firm`` of (customer, firm) pairs."""
    return rows.astype(np.int64) * n_firms + firms


def get(values: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """``values[row, firm]`` for flat cells of an (N, F) array."""
    return values.reshape(-1)[cell]


def put(values: np.ndarray, cell: np.ndarray, new) -> None:
    """``values[row, firm] = new`` for flat cells of an (N, F) array."""
    if values.flags.c_contiguous:
        values.reshape(-1)[cell] = new
    else:
        values[np.divmod(cell, values.shape[1])] = new


def supplier_cells(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customers with a supplier: their rows, their supplier and the flat cell of the pair."""
    pop = model.population
    rows = np.nonzero(pop.supplier >= 0)[0]
    sup = pop.supplier[rows]
    return rows, sup, cells(rows, sup, model.n_firms)


def summarise_relationships(firms, out: dict, mean_ci) -> None:
    """Add relationship figures over the whole run to a summary (``summary.json``).

    Per firm ``retention``: the share of the firm's customers with a purchase occasion who
    bought from it again, over all steps. Overall ``satisfied_defector_share``: the share of
    defectors (customers who left a firm they had experienced) who were satisfied with it when
    they left; ``recovered_return_rate`` and ``unvoiced_return_rate``: the share of recovered
    complainers and of silent dissatisfied buyers who came back at their next purchase. Each is
    computed per replicate and given as mean and 95 % interval over replicates.

    Args:
        firms: the firms table (one row per replicate × step × firm).
        out: the summary dict; ``out["firms"][name]`` gets ``retention``.
        mean_ci: ``values -> {mean, low, high}``.
    """
    needed = {"retained", "at_risk", "defectors", "satisfied_defectors"}
    if firms.empty or not needed <= set(firms.columns):
        return
    by_rep = firms.groupby("replicate")

    def ratio(num: str, den: str) -> dict:
        sums = by_rep[[num, den]].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            return mean_ci((sums[num] / sums[den].where(sums[den] > 0)).to_numpy(float))

    out["satisfied_defector_share"] = ratio("satisfied_defectors", "defectors")
    out["recovered_return_rate"] = ratio("recovered_returned", "recovered_followups")
    out["unvoiced_return_rate"] = ratio("unvoiced_returned", "unvoiced_followups")
    per_firm = firms.groupby(["firm", "replicate"], sort=False)[["retained", "at_risk"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = per_firm["retained"] / per_firm["at_risk"].where(per_firm["at_risk"] > 0)
    for name, summary in out.get("firms", {}).items():
        if name in rate.index.get_level_values(0):
            summary["retention"] = mean_ci(rate.loc[name].to_numpy(float))
