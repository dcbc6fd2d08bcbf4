"""Oracle of ``sim.mechanisms.satisfaction``: the experience phase in plain numpy."""

from __future__ import annotations

import numpy as np

from oracles import ChunkDraws
from sim import kernels
from sim.mechanisms.cells import cells, firm_values, get, put
from sim.mechanisms.satisfaction import (
    SATISFIED,
    Experience,
    disconfirmation,
    experienced_performance,
    price_gap,
    satisfaction_score,
)


def blend(old: np.ndarray, new: np.ndarray, memory: float) -> np.ndarray:
    """Exponential average with weight ``memory`` on ``new``; ``new`` where ``old`` is NaN."""
    return np.where(np.isnan(old), new, (1.0 - memory) * old + memory * new)


def count_defectors(pop, stats, who, firm, prev, nf) -> None:
    """Count customers who left a firm they had experienced, and whether they were satisfied."""
    left = (prev >= 0) & (prev != firm)
    rows, old = who[left], prev[left]
    sat = get(pop.satisfaction, cells(rows, old, nf))
    known = np.isfinite(sat)
    stats["defectors"] += kernels.count_by_firm(old[known], nf)
    stats["satisfied_defectors"] += kernels.count_by_firm(old[known & (sat >= SATISFIED)], nf)
    stay = (prev >= 0) & ~left
    stats["at_risk"] += kernels.count_by_firm(prev[prev >= 0], nf)
    stats["retained"] += kernels.count_by_firm(prev[stay], nf)


def experience(model) -> None:
    """Buyers experience the service, become (dis)satisfied; defectors are counted."""
    pop, nf, stats = model.population, model.n_firms, model.step_stats
    params = model.spec.relationships
    quality = firm_values(model, "service_quality", 1.0)
    consistency = firm_values(model, "service_consistency", 1.0)
    noise = params.satisfaction.performance_noise * consistency
    who = np.nonzero(pop.bought)[0]
    firm = pop.choice[who]
    prev = pop.previous_supplier[who]
    new = prev != firm
    count_defectors(pop, stats, who, firm, prev, nf)

    base_all = kernels.perceived_use_value(pop.weights, model.levels_matrix())
    best = pop.best_known if model.spec.mechanisms.expectations else None  # from perception
    cell = cells(who, firm, nf)
    base = get(base_all, cell)
    gain = np.zeros(len(who))
    if model.spec.mechanisms.learning:  # customer sacrifice: the weights summed, × knowledge
        sacrifice = params.learning.customer_sacrifice * pop.weights[who].sum(axis=1)
        gain = sacrifice * get(pop.knowledge, cell)
    perf = experienced_performance(base, quality[firm], noise[firm], gain,
                                   ChunkDraws(model.relationship_streams))
    gap = price_gap(model.prices()[firm], pop.reference_price[who], pop.price_sensitivity[who],
                    params.satisfaction.value_for_money)
    z = disconfirmation(perf - gap, pop.adequate[who], pop.desired[who])
    score = satisfaction_score(z, params.satisfaction.steepness)
    put(pop.satisfaction, cell, blend(get(pop.satisfaction, cell), score,
                                      params.satisfaction.memory))
    model.experience = Experience(
        who=who, firm=firm, new=new, performance=perf, z=z, best=best,
        recovered=np.zeros(len(who), dtype=bool), cell=cell,
    )
    stats["delighted_buyers"] += kernels.count_by_firm(firm[z > 1], nf)
