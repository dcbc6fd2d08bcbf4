"""Opinions: what customers have heard and lived of each firm, as a decaying shift of its PUV.

Word of mouth, complaints and proactive contacts write a customer's *opinion* of a firm
(:func:`shift_opinion`); it fades by ``opinion_decay`` each step (:func:`decay_opinions`). The
PUV every customer perceives moves with it: ``population.value_shift`` holds the sum of every
mechanism's shift, so an opinion change is added there too.
"""

from __future__ import annotations

import numba
import numpy as np

from sim import fast
from sim.mechanisms.state import PerCustomer, State

STATE = State(customer={
    # the customer's shift of a firm's PUV from hearsay, complaints and contacts
    "opinion": PerCustomer(np.float32, per_firm=True),
})


def shift_opinion(model, rows: np.ndarray, cols: np.ndarray, delta: np.ndarray) -> None:
    """Add ``delta`` to the opinion of customers ``rows`` about firms ``cols`` (with repeats).

    Opinions stay within ± ``opinion_cap``; the PUV every customer perceives moves with them.
    The cap applies once to the sum of this call's deltas on a cell (summed in call order, in
    float64), not after each delta::

        new = clip(opinion + Σ delta, −cap, cap)
        opinion ← float32(new);  value_shift += new − opinion

    A NaN opinion or delta stays NaN (the clip lets it through).
    """
    if len(rows) == 0:
        return
    pop = model.population
    cap = model.spec.relationships.opinion_cap
    shape = np.shape(rows)
    _shift_cells(rows, np.broadcast_to(cols, shape),
                 np.broadcast_to(np.asarray(delta, dtype=np.float64), shape),
                 model.n_firms, pop.opinion, pop.value_shift, float(cap))


def decay_opinions(model) -> None:
    """Opinions fade by ``opinion_decay`` each step (and perceived PUV with them).

    ``change = −rate × opinion`` (in float32); then ``opinion += change`` and
    ``value_shift += change``.
    """
    rate = model.spec.relationships.opinion_decay
    pop = model.population
    if rate <= 0:
        return
    _decay(pop.opinion, pop.value_shift, np.float32(-rate))


# -- the compiled passes ---------------------------------------------------------------------
# The deltas a call makes on one cell are summed first, in call order, in a small
# open-addressing table keyed by the flat cell ``row × F + firm``; then each cell is clipped and
# written once. Word of mouth fills a table from its message loop.
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
    """``totals[key] += delta`` (the key's first delta starts its total).

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
            totals[pos] = delta
            return pos
        pos = (pos + 1) & mask


@fast.jit
def _clip(x, cap):
    """``x`` within ± ``cap``; NaN stays NaN."""
    x = -cap if x < -cap else x
    return cap if x > cap else x


@fast.jit
def apply_opinion_delta(opinion, value_shift, row, firm, total, cap):
    """One cell: ``new = clip(opinion + total, −cap, cap)``; opinion ← new, shift += new − old."""
    old = np.float64(opinion[row, firm])
    new = _clip(old + total, cap)
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
        new = _clip(old + deltas[q], cap)
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
    """``shift_opinion``: the deltas summed per cell in a table, then each cell clipped once.

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
    """``change = factor × opinion`` (float32); opinion += change, value_shift += change.

    A zero opinion changes nothing, so there is no pass first to skip an all-zero array.
    """
    n, n_firms = opinion.shape
    for i in numba.prange(n):
        for f in range(n_firms):
            change = opinion[i, f] * factor
            opinion[i, f] += change
            value_shift[i, f] += np.float64(change)
