"""Switching costs and bonds (switch ``switching_costs``).

A firm's relationship programme sets financial, social and structural bonds in [0, 1]
(``firm.bonds``; firms without one get the defaults in ``relationships.bonds``). The cost of
leaving the current supplier, in net-value units::

    switching cost = financial_weight  × financial
                   + social_weight     × social     × rung / 5
                   + structural_weight × structural × min(1, tenure / structural_tenure)
                   + teaching_cost     × knowledge[supplier]     (learning relationships)

Financial bonds (discounts, points) are flat and weakest; social bonds deepen with the
relationship; structural bonds (the firm is built into how the customer works) take time and
are the strongest. Leaving also means teaching a new supplier what the old one had learned.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.ladder import PARTNER
from sim.mechanisms.relationships import firm_bonds, get, supplier_cells


# -- kernel --------------------------------------------------------------------------------
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
        + params.teaching_cost * knowledge
    )


# -- phase ---------------------------------------------------------------------------------
def update(model) -> None:
    """Set ``population.switching_cost`` for every customer with a supplier."""
    if not model.spec.mechanisms.switching_costs:
        return
    pop = model.population
    has, sup, cell = supplier_cells(model)
    pop.switching_cost[:] = 0.0
    pop.switching_cost[has] = switching_cost(
        firm_bonds(model)[sup], get(pop.rung, cell), pop.tenure[has], get(pop.knowledge, cell),
        model.spec.relationships.bonds,
    )
