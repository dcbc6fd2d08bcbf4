"""Oracle of the recorder's sums (``sim.collect._aggregates``) with numpy reductions."""

from __future__ import annotations

import numpy as np

from oracles.kernels import count_by_firm


def _mean(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _aggregates(model, active: np.ndarray) -> dict[str, np.ndarray]:
    """Per-firm means and counts, per segment × firm customers, buyers and satisfaction."""
    pop, nf, ns = model.population, model.n_firms, len(model.segment_names)
    aware = pop.aware & active[None, :]
    has = pop.supplier >= 0
    rows = np.nonzero(has)[0]
    sup = pop.supplier[has]
    sat = pop.satisfaction[rows, sup]
    customers = count_by_firm(pop.supplier, nf)
    key = pop.segment.astype(np.int64) * nf
    finite = np.isfinite(sat)
    b = pop.bought & (pop.choice >= 0)

    def by_segment(keys, weights=None):
        return np.bincount(keys, weights=weights, minlength=ns * nf).reshape(ns, nf)

    return {
        "means": np.stack([
            *_mean(model.perceived[0], model.perceived[1][None, :]),  # summed by perception
            _mean(count_by_firm(sup, nf, sat), customers),
            _mean(count_by_firm(sup, nf, pop.trust[rows, sup]), customers),
            _mean(count_by_firm(sup, nf, pop.loyalty[has]), customers),
        ]),
        "aware": aware.sum(axis=0),
        "customers": customers,
        "seg_customers": by_segment(key[has] + sup),
        "seg_buyers": by_segment(key[b] + pop.choice[b]),
        "seg_satisfaction": _mean(by_segment(key[has][finite] + sup[finite], sat[finite]),
                                  by_segment(key[has][finite] + sup[finite])),
    }
