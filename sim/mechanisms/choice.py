"""Purchase occasion and choice: a multinomial logit over the firms a customer knows.

U[n, f] = rationality × (net value[n, f] + loyalty[n]·[f = supplier] − switching_cost[n]·[f ≠ supplier])
          + Gumbel noise

The customer buys from the argmax (Gumbel-max trick; or one uniform by inverse CDF, same law).
Only customers with a purchase occasion this step choose; the others keep their supplier.
"""

from __future__ import annotations

import numpy as np

from sim import fast, kernels


def utilities(model) -> np.ndarray:
    """Systematic utility (N, F) of every offer this step, −inf where not available."""
    pop = model.population
    value = kernels.net_value(pop.puv, pop.pp, pop.price_sensitivity)
    mech = model.spec.mechanisms
    return kernels.choice_utility(
        value,
        model.spec.market.rationality,
        model.available(),
        supplier=pop.supplier,
        loyalty=pop.loyalty if mech.loyalty else None,
        switching_cost=pop.switching_cost if mech.switching_costs else None,
    )


def _choose_fused(model, idx: np.ndarray | None, inverse_cdf: bool = False) -> np.ndarray:
    """The logit choice in compiled passes; same draws, same result as the numpy path."""
    pop, mech = model.population, model.spec.mechanisms
    if inverse_cdf:
        return fast.choose_inverse_cdf_fused(
            pop.puv, pop.pp, pop.price_sensitivity, model.spec.market.rationality, pop.aware,
            model.active_mask(), not mech.all_off(), pop.supplier,
            pop.loyalty if mech.loyalty else None,
            pop.switching_cost if mech.switching_costs else None, model.rng, idx,
        )
    m = pop.n if idx is None else len(idx)
    noise = kernels.gumbel_noise(model.rng, (m, model.n_firms))
    return fast.choose_gumbel_fused(
        pop.puv, pop.pp, pop.price_sensitivity, model.spec.market.rationality, pop.aware,
        model.active_mask(), not mech.all_off(), pop.supplier,
        pop.loyalty if mech.loyalty else None,
        pop.switching_cost if mech.switching_costs else None,
        noise, idx,
    )


@fast.jit
def _record_purchases(chosen, bought, supplier, previous_supplier, choice, counts):
    """Write the choices, buyers and suppliers and count sales, in one pass over customers.

    Mirrors ``purchase``'s numpy lines from ``choice[idx] = chosen`` to the supplier update:
    ``chosen`` holds the choices of the customers with a purchase occasion (``bought`` on
    entry), in customer order. ``counts`` rows 0, 1, 2 receive the units, new customers and
    lost customers per firm (as ``kernels.count_by_firm``, ``NO_FIRM`` ignored).
    """
    n_firms = counts.shape[1]
    j = 0
    for n in range(bought.shape[0]):
        sup = supplier[n]
        previous_supplier[n] = sup
        c = kernels.NO_FIRM
        if bought[n]:
            c = chosen[j]
            j += 1
        choice[n] = c
        buys = c >= 0
        bought[n] = buys
        if buys:
            counts[0, c] += 1
            if c != sup:
                counts[1, c] += 1
                if 0 <= sup < n_firms:
                    counts[2, sup] += 1
            supplier[n] = c


def purchase(model) -> None:
    """Draw purchase occasions and choices; update suppliers and the step's sales counts."""
    pop, rng, nf = model.population, model.rng, model.n_firms
    p = model.spec.market.purchase_probability
    pop.bought[:] = True if p >= 1 else rng.random(pop.n) < p
    everyone = p >= 1 or pop.bought.all()
    idx = None if everyone else np.nonzero(pop.bought)[0]
    sampler = model.spec.market.choice_sampler
    stats = model.step_stats
    if fast.enabled() and (sampler == "gumbel" or nf <= fast.INVERSE_CDF_MAX_FIRMS):
        chosen = _choose_fused(model, idx, inverse_cdf=sampler == "inverse_cdf")
        counts = np.zeros((3, nf), dtype=np.int64)
        _record_purchases(chosen, pop.bought, pop.supplier, pop.previous_supplier, pop.choice,
                          counts)
        stats["units"] += counts[0]
        stats["new_customers"] += counts[1]
        stats["lost_customers"] += counts[2]
        return
    util = utilities(model)
    chosen = kernels.CHOOSERS[sampler](util if everyone else util[idx], rng)
    choice = np.full(pop.n, kernels.NO_FIRM, dtype=np.int32)
    choice[slice(None) if everyone else idx] = chosen
    pop.bought &= choice >= 0
    pop.choice[:] = choice
    pop.previous_supplier[:] = pop.supplier
    switched = pop.bought & (choice != pop.supplier)
    stats["units"] += kernels.count_by_firm(choice[pop.bought], nf)
    stats["new_customers"] += kernels.count_by_firm(choice[switched], nf)
    stats["lost_customers"] += kernels.count_by_firm(pop.supplier[switched], nf)
    pop.supplier[pop.bought] = choice[pop.bought]


def initial_suppliers(model) -> None:
    """Give the established market its customers: one logit draw on the starting offers."""
    pop = model.population
    from sim.mechanisms.perception import perceive

    perceive(model)
    value = kernels.net_value(pop.puv, pop.pp, pop.price_sensitivity)
    util = kernels.choice_utility(value, model.spec.market.rationality, model.available())
    pop.supplier[:] = kernels.choose_gumbel(util, model.rng)
    pop.previous_supplier[:] = pop.supplier
