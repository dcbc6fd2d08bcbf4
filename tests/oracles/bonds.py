"""Oracle of ``sim.mechanisms.bonds``: switching costs in plain numpy."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.cells import firm_bonds, get, supplier_cells
from sim.mechanisms.ladder import PARTNER


def switching_cost(bonds, rung, tenure, knowledge, params) -> np.ndarray:
    """Cost of leaving the current supplier.

    Args:
        bonds: (N, 3) financial, social, structural bonds of each customer's supplier.
        rung: (N,) ladder rung with the supplier.
        tenure: (N,) consecutive purchases from the supplier.
        knowledge: (N,) what the supplier has learned about the customer.
        params: ``BondParams``.

    Returns:
        (N,) switching cost, ≥ 0.
    """
    depth = np.asarray(rung, float) / PARTNER
    built = np.minimum(1.0, np.asarray(tenure, float) / params.structural_tenure)
    return (
        params.financial_weight * bonds[:, 0]
        + params.social_weight * bonds[:, 1] * depth
        + params.structural_weight * bonds[:, 2] * built
        + params.teaching_cost * np.asarray(knowledge, float)
    )


def update(model) -> None:
    """Set ``population.switching_cost`` for every customer with a supplier (0 without)."""
    if not model.spec.mechanisms.switching_costs:
        return
    pop = model.population
    has, sup, cell = supplier_cells(model)
    pop.switching_cost[:] = 0.0
    pop.switching_cost[has] = switching_cost(
        firm_bonds(model)[sup], get(pop.rung, cell), pop.tenure[has], get(pop.knowledge, cell),
        model.spec.relationships.bonds,
    )
