"""Learning relationships (switch ``learning``).

A firm that invests in customer knowledge learns each buyer's weights with every purchase::

    knowledge[n, f] ← knowledge + learning_rate(f) × (1 − knowledge)

The *customer sacrifice* is the value a standard offer fails to deliver to a customer whose
wants differ from it — here ``customer_sacrifice`` × the customer's total weight. What the firm
knows it tailors away, so the customer's PUV of that firm (perceived and experienced) rises by::

    learned gain = customer sacrifice × knowledge[n, f]

Knowledge stays with the firm that earned it: a customer who leaves gives it up and must teach
a new supplier from scratch (and, with ``switching_costs`` on, pays ``teaching_cost`` ×
knowledge to leave). The gain grows with tenure, so the learning firm's advantage does too.
"""

from __future__ import annotations

import numba
import numpy as np

from sim import fast, kernels
from sim.mechanisms.cells import firm_values
from sim.mechanisms.state import PerCustomer, State

STATE = State(customer={
    # what each firm has learned about each customer's weights, in [0, 1]
    "knowledge": PerCustomer(np.float32, per_firm=True),
})


# -- kernels -------------------------------------------------------------------------------
def customer_sacrifice(weights: np.ndarray, sacrifice: float) -> np.ndarray:
    """(N,) value lost to a standard offer: ``sacrifice`` × the customer's total weight."""
    # The row sum in dimension order (the PUV kernel with unit levels), not ``weights @ ones``:
    # BLAS picks its summation order by CPU, so a mixed cluster could disagree in the last bits.
    total_weight = kernels.perceived_use_value(weights, np.ones((1, weights.shape[1])))[:, 0]
    return sacrifice * total_weight


# -- phase ---------------------------------------------------------------------------------
def update(model) -> None:
    """Firms learn about their buyers; the buyers' PUV of them rises by the learned gain."""
    if not model.spec.mechanisms.learning:
        return
    pop, exp = model.population, model.experience
    p = model.spec.relationships.learning
    rate = firm_values(model, "learning_rate", p.default_rate)
    _learn(pop.knowledge, pop.value_shift, pop.weights, exp.who, exp.firm,
           np.clip(rate, 0.0, 1.0), float(p.customer_sacrifice))


@fast.pjit
def _learn(knowledge, value_shift, weights, who, firm, rate, sacrifice):
    """Each buyer's firm learns, and the buyer's PUV of it rises by the gain, in place.

    ``knowledge ← knowledge + rate × (1 − knowledge)`` (computed in float64, stored as
    float32) and ``value_shift += sacrifice × Σ_d weights[d] × (knowledge gained)``, the
    module docstring's learned gain. ``rate`` is each firm's rate, already clipped to [0, 1].
    """
    n_dims = weights.shape[1]
    for i in numba.prange(who.shape[0]):
        n, f = who[i], firm[i]
        old = np.float64(knowledge[n, f])
        new = old + rate[f] * (1.0 - old)
        knowledge[n, f] = np.float32(new)
        total_weight = 0.0
        for d in range(n_dims):
            total_weight += weights[n, d]
        value_shift[n, f] += sacrifice * total_weight * (new - old)
