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

from sim import fast
from sim.mechanisms.cells import firm_bonds, get, supplier_cells
from sim.mechanisms.ladder import PARTNER


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
    p = model.spec.relationships.bonds
    if fast.enabled():
        _switching_cost_fused(
            pop.supplier, firm_bonds(model), pop.rung, pop.tenure, pop.knowledge,
            float(p.financial_weight), float(p.social_weight), float(p.structural_weight),
            float(p.structural_tenure), np.float32(p.teaching_cost), pop.switching_cost,
        )
        return
    has, sup, cell = supplier_cells(model)
    pop.switching_cost[:] = 0.0
    pop.switching_cost[has] = switching_cost(
        firm_bonds(model)[sup], get(pop.rung, cell), pop.tenure[has], get(pop.knowledge, cell), p,
    )


@fast.jit
def _switching_cost_fused(supplier, bonds, rung, tenure, knowledge, financial_weight,
                          social_weight, structural_weight, structural_tenure, teaching_cost,
                          out):
    """``switching_cost`` toward each customer's supplier (0 without one), in place.

    Same order as the numpy kernel; the teaching term is float32 there (a Python float times
    float32 knowledge), so ``teaching_cost`` comes in as float32 and multiplies in float32.
    """
    for n in range(supplier.shape[0]):
        f = supplier[n]
        if f < 0:
            out[n] = 0.0
            continue
        depth = float(rung[n, f]) / PARTNER
        built = float(tenure[n]) / structural_tenure
        built = built if built < 1.0 else 1.0
        out[n] = (financial_weight * bonds[f, 0]
                  + social_weight * bonds[f, 1] * depth
                  + structural_weight * bonds[f, 2] * built
                  + teaching_cost * knowledge[n, f])
