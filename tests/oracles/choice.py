"""Oracle of ``sim.mechanisms.choice``: the logit choice with whole (N, F) numpy arrays.

The utilities are ``sim.kernels.choice_utility`` (the same equation explanations and strategies
use); the samplers draw the same uniforms, in the same order, as the compiled passes.
"""

from __future__ import annotations

import numpy as np

from oracles import ChunkDraws, perception
from oracles.kernels import count_by_firm
from sim import kernels
from sim.mechanisms.choice import utilities

NO_FIRM = kernels.NO_FIRM

#: Added to the uniforms of ``gumbel_noise`` so that a draw of exactly 0 stays finite.
_TINY = np.finfo(np.float64).tiny


def gumbel_noise(rng, shape) -> np.ndarray:
    """Standard Gumbel noise ``−log(−log(U + tiny))`` with U from ``rng.random(shape)``.

    ``rng``: a numpy generator, or the model's choice streams drawn through ``ChunkDraws``.
    """
    return -np.log(-np.log(rng.random(shape) + _TINY))


def choose_gumbel(utility: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Argmax of utility + Gumbel noise; ``NO_FIRM`` where that maximum is not finite.

    (``np.argmax`` takes the first NaN as the maximum, so a NaN utility gives ``NO_FIRM``.)
    """
    noisy = gumbel_noise(rng, utility.shape) + utility
    choice = np.argmax(noisy, axis=1).astype(np.int32)
    choice[~np.isfinite(noisy[np.arange(len(choice)), choice])] = NO_FIRM
    return choice


def choose_inverse_cdf(utility: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniform per customer over the cumulative logit probabilities."""
    prob = kernels.logit_probabilities(utility)
    cum = np.cumsum(prob, axis=1)
    u = rng.random(len(utility))[:, None] * cum[:, -1:]
    choice = np.minimum((cum <= u).sum(axis=1), utility.shape[1] - 1).astype(np.int32)
    choice[cum[:, -1] <= 0] = NO_FIRM
    return choice


CHOOSERS = {"gumbel": choose_gumbel, "inverse_cdf": choose_inverse_cdf}


def purchase(model) -> None:
    """Purchase occasions, choices of those who have one, suppliers and the sales counts."""
    pop, rng, nf = model.population, model.rng, model.n_firms
    p = model.spec.market.purchase_probability
    pop.bought[:] = True if p >= 1 else rng.random(pop.n) < p
    idx = np.nonzero(pop.bought)[0]
    util = utilities(model)[idx]
    choice = np.full(pop.n, NO_FIRM, dtype=np.int32)
    choice[idx] = CHOOSERS[model.spec.market.choice_sampler](util, ChunkDraws(model.choice_streams))
    pop.bought &= choice >= 0
    pop.choice[:] = choice
    pop.previous_supplier[:] = pop.supplier
    switched = pop.bought & (choice != pop.supplier)
    stats = model.step_stats
    stats["units"] += count_by_firm(choice[pop.bought], nf)
    stats["new_customers"] += count_by_firm(choice[switched], nf)
    stats["lost_customers"] += count_by_firm(pop.supplier[switched], nf)
    pop.supplier[pop.bought] = choice[pop.bought]


def initial_suppliers(model) -> None:
    """Perceive, then one Gumbel-max draw with neither loyalty nor switching cost."""
    pop = model.population
    perception.perceive(model)
    value = kernels.net_value(pop.puv, pop.pp, pop.price_sensitivity)
    util = kernels.choice_utility(value, model.spec.market.rationality, model.available())
    pop.supplier[:] = choose_gumbel(util, ChunkDraws(model.choice_streams))
    pop.previous_supplier[:] = pop.supplier
