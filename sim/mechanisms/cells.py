"""Helpers every mechanism shares: (customer, firm) cells and firms' programme values.

Flat cell indexing: a (row, firm) pair of an (N, F) array as one index ``row × F + firm``,
about 5x faster than 2-D fancy indexing.
"""

from __future__ import annotations

import numpy as np


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
