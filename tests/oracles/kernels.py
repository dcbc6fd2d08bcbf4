"""Oracle of the compiled counts in ``sim.kernels``: ``np.bincount`` and numpy column sums."""

from __future__ import annotations

import numpy as np


def count_by_firm(firm_index: np.ndarray, n_firms: int, weights: np.ndarray | None = None):
    """Per-firm count (int64) or weighted sum (float64), ignoring indices outside the firms."""
    valid = (firm_index >= 0) & (firm_index < n_firms)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)[valid]
    return np.bincount(firm_index[valid], weights=w, minlength=n_firms)[:n_firms]


def column_count(mask: np.ndarray) -> np.ndarray:
    """(F,) int64 true entries per column."""
    return mask.sum(axis=0, dtype=np.int64)


def column_mean(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-column mean of an (N, F) array over rows where ``mask`` is true (NaN if none)."""
    counts = mask.sum(axis=0)
    sums = np.where(mask, values, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
