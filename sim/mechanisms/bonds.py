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

import numba
import numpy as np

from sim import fast
from sim.mechanisms.cells import firm_bonds
from sim.mechanisms.ladder import PARTNER


# -- phase ---------------------------------------------------------------------------------
def update(model) -> None:
    """Set ``population.switching_cost`` for every customer (0 without a supplier)."""
    if not model.spec.mechanisms.switching_costs:
        return
    pop = model.population
    p = model.spec.relationships.bonds
    _switching_cost(pop.supplier, firm_bonds(model), pop.rung, pop.tenure, pop.knowledge,
                    float(p.financial_weight), float(p.social_weight),
                    float(p.structural_weight), float(p.structural_tenure),
                    float(p.teaching_cost), pop.switching_cost)


@fast.pjit
def _switching_cost(supplier, bonds, rung, tenure, knowledge, financial_weight, social_weight,
                    structural_weight, structural_tenure, teaching_cost, out):
    """The module docstring's switching cost toward each customer's supplier, in place.

    ``bonds`` (F, 3) holds every firm's financial, social and structural bonds; a customer
    without a supplier gets 0. In parallel over the customers (each writes its own entry).
    """
    for n in numba.prange(supplier.shape[0]):
        f = supplier[n]
        if f < 0:
            out[n] = 0.0
        else:
            depth = rung[n, f] / PARTNER
            built = min(1.0, tenure[n] / structural_tenure)
            out[n] = (financial_weight * bonds[f, 0]
                      + social_weight * bonds[f, 1] * depth
                      + structural_weight * bonds[f, 2] * built
                      + teaching_cost * np.float64(knowledge[n, f]))
