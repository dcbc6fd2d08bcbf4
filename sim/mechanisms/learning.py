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
from sim.mechanisms.cells import firm_values, get, put
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


def learn(knowledge: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Knowledge after one more purchase, in [0, 1]."""
    rate = np.clip(rate, 0.0, 1.0)
    return knowledge + rate * (1.0 - knowledge)


# -- phase ---------------------------------------------------------------------------------
def update(model) -> None:
    """Firms learn about their buyers; the buyers' PUV of them rises by the learned gain."""
    if not model.spec.mechanisms.learning:
        return
    pop, exp = model.population, model.experience
    p = model.spec.relationships.learning
    rate = firm_values(model, "learning_rate", p.default_rate)
    if fast.enabled():
        _learn_fused(pop.knowledge, pop.value_shift, pop.weights, exp.who, exp.firm,
                     np.clip(rate, 0.0, 1.0), float(p.customer_sacrifice))
        return
    old = get(pop.knowledge, exp.cell).astype(np.float64)
    new = learn(old, rate[exp.firm])
    put(pop.knowledge, exp.cell, new)
    sacrifice = customer_sacrifice(pop.weights[exp.who], p.customer_sacrifice)
    put(pop.value_shift, exp.cell, get(pop.value_shift, exp.cell) + sacrifice * (new - old))


@fast.pjit
def _learn_fused(knowledge, value_shift, weights, who, firm, rate, sacrifice):
    """``update``'s numpy lines for each buyer in one pass, in place.

    ``learn`` in float64 from the stored float32 knowledge (stored back as float32), and the
    value shift grows by ``customer_sacrifice`` (the weights summed in dimension order) × the
    float64 knowledge gained. ``rate`` is already clipped to [0, 1].
    """
    n_dims = weights.shape[1]
    for i in numba.prange(who.shape[0]):
        n, f = who[i], firm[i]
        old = np.float64(knowledge[n, f])
        new = old + rate[f] * (1.0 - old)
        knowledge[n, f] = np.float32(new)
        total_weight = weights[n, 0] if n_dims > 0 else 0.0
        for d in range(1, n_dims):
            total_weight += weights[n, d]
        value_shift[n, f] = value_shift[n, f] + sacrifice * total_weight * (new - old)
