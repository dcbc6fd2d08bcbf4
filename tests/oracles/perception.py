"""Oracle of ``sim.mechanisms.perception``: PUV and PP as whole (N, F) numpy arrays."""

from __future__ import annotations

import numpy as np

from sim import kernels


def perceive(model) -> None:
    """PUV = Σ_d weight × level + value_shift; PP = price / reference price + non-money cost."""
    pop = model.population
    levels, prices, costs = model.levels_matrix(), model.prices(), model.nonmonetary_costs()
    kernels.perceived_use_value(pop.weights, levels, out=pop.puv)
    pop.puv += pop.value_shift
    np.divide(prices[None, :], pop.reference_price[:, None], out=pop.pp)
    pop.pp += costs[None, :]
