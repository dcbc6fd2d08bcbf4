"""Oracle of ``sim.mechanisms.perception``: PUV and PP as whole (N, F) numpy arrays."""

from __future__ import annotations

import numpy as np

from sim import kernels


def perceive(model) -> None:
    """PUV = Σ_d weight × level + value_shift; PP = price / reference price + non-money cost.

    Also their sums over the customers aware of each active firm (``model.perceived``) and, with
    expectations on, each customer's best known base PUV (``population.best_known``).
    """
    pop = model.population
    levels, prices, costs = model.levels_matrix(), model.prices(), model.nonmonetary_costs()
    kernels.perceived_use_value(pop.weights, levels, out=pop.puv)
    if model.spec.mechanisms.expectations:
        pop.best_known[:] = best_known(pop.puv, pop.aware, model.active_mask())
    pop.puv += pop.value_shift
    np.divide(prices[None, :], pop.reference_price[:, None], out=pop.pp)
    pop.pp += costs[None, :]
    knew = pop.aware & model.active_mask()[None, :]
    model.perceived = (np.stack([np.where(knew, pop.pp, 0.0).sum(axis=0),
                                 np.where(knew, pop.puv, 0.0).sum(axis=0)]), knew.sum(axis=0))


def best_known(base: np.ndarray, aware: np.ndarray, active: np.ndarray) -> np.ndarray:
    """(N,) highest base PUV among the offers each customer knows (0 if none)."""
    best = np.zeros(len(base))  # PUV is never negative, so 0 is a safe floor
    for f in np.nonzero(active)[0]:
        np.maximum(best, np.where(aware[:, f], base[:, f], 0.0), out=best)
    return best
