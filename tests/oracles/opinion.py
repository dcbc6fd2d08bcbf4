"""Oracle of ``sim.mechanisms.opinion``: opinion shifts and their decay in plain numpy."""

from __future__ import annotations

import numpy as np


def shift_opinion(model, rows: np.ndarray, cols: np.ndarray, delta: np.ndarray) -> None:
    """Sum the deltas per cell, clip the new opinion to ± cap once, move value_shift with it."""
    if len(rows) == 0:
        return
    pop = model.population
    cap = model.spec.relationships.opinion_cap
    flat = rows.astype(np.int64) * model.n_firms + cols
    keys, inverse = np.unique(flat, return_inverse=True)
    total = np.bincount(inverse, weights=np.broadcast_to(delta, flat.shape), minlength=len(keys))
    op = pop.opinion.reshape(-1)
    old = op[keys].astype(np.float64)
    new = np.clip(old + total, -cap, cap)
    op[keys] = new
    pop.value_shift.reshape(-1)[keys] += new - old


def decay_opinions(model) -> None:
    """Opinions fade by ``opinion_decay``: ``change = opinion × float32(−rate)`` on both arrays."""
    rate = model.spec.relationships.opinion_decay
    pop = model.population
    if rate <= 0 or not pop.opinion.any():
        return
    change = pop.opinion * np.float32(-rate)
    pop.opinion += change
    pop.value_shift += change
