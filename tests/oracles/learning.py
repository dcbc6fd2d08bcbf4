"""Oracle of ``sim.mechanisms.learning``: firms learn their buyers, in plain numpy."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.cells import firm_values, get, put
from sim.mechanisms.learning import customer_sacrifice


def learn(knowledge: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Knowledge after one more purchase, in [0, 1]."""
    rate = np.clip(rate, 0.0, 1.0)
    return knowledge + rate * (1.0 - knowledge)


def update(model) -> None:
    """Firms learn about their buyers; the buyers' PUV of them rises by the learned gain."""
    if not model.spec.mechanisms.learning:
        return
    pop, exp = model.population, model.experience
    p = model.spec.relationships.learning
    rate = firm_values(model, "learning_rate", p.default_rate)
    old = get(pop.knowledge, exp.cell).astype(np.float64)
    new = learn(old, rate[exp.firm])
    put(pop.knowledge, exp.cell, new)
    sacrifice = customer_sacrifice(pop.weights[exp.who], p.customer_sacrifice)
    put(pop.value_shift, exp.cell, get(pop.value_shift, exp.cell) + sacrifice * (new - old))
