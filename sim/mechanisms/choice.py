"""Purchase occasion and choice: a multinomial logit over the firms a customer knows.

U[n, f] = rationality × (net value[n, f] + loyalty[n]·[f = supplier] − switching_cost[n]·[f ≠ supplier])
          + Gumbel noise

net value[n, f] = PUV[n, f] − price_sensitivity[n] × PP[n, f]. Loyalty and switching cost
apply only to customers who have a supplier (and only with their mechanism on); an offer the
customer does not know, or of a firm off the market, is not available (U = −∞). The customer
buys from the argmax (Gumbel-max trick: noise = −log(−log u) with u uniform), or with the
``inverse_cdf`` sampler from one uniform u per customer: the first firm whose cumulative logit
probability exceeds u (same law, F times fewer draws). A customer with nothing available, or
with a NaN utility, chooses nothing. Only customers with a purchase occasion this step choose;
the others keep their supplier.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim import fast, kernels
from sim.mechanisms.state import State
from sim.streams import ChunkStreams, chunk_streams, uniforms

CHOICE_KEY = 0x43484F  # spawn key of the choice streams ("CHO")

STATE = State(model={
    # the choice noise's streams: chunk c of the choosing customers draws from generator c
    "choice_streams": lambda model: chunk_streams(model.rng, CHOICE_KEY, model.population.n),
})


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


def purchase(model) -> None:
    """Draw purchase occasions and choices; update suppliers and the step's sales counts."""
    pop, rng, nf = model.population, model.rng, model.n_firms
    p = model.spec.market.purchase_probability
    pop.bought[:] = True if p >= 1 else rng.random(pop.n) < p
    everyone = p >= 1 or pop.bought.all()
    rows = np.arange(pop.n) if everyone else np.nonzero(pop.bought)[0]
    mech = model.spec.mechanisms
    chosen = choose(model, rows, loyalty=mech.loyalty, switching=mech.switching_costs,
                    inverse_cdf=model.spec.market.choice_sampler == "inverse_cdf")
    chunks = fast.n_chunks(pop.n)
    # where each chunk's customers with an occasion start among the rows (and in chosen)
    first = np.searchsorted(rows, np.arange(chunks, dtype=np.int64) * fast.CHUNK)
    counts = np.zeros((chunks, 3, nf), dtype=np.int64)
    _record_purchases(chosen, first, fast.CHUNK, pop.bought, pop.supplier, pop.previous_supplier,
                      pop.choice, counts)
    counts = counts.sum(axis=0)  # integers: exact
    stats = model.step_stats
    stats["units"] += counts[0]
    stats["new_customers"] += counts[1]
    stats["lost_customers"] += counts[2]


def initial_suppliers(model) -> None:
    """Give the established market its customers: one logit draw on the starting offers.

    Nobody has a supplier yet, so neither loyalty nor switching cost applies: the Gumbel-max
    choice of :func:`purchase` over every customer.
    """
    from sim.mechanisms.perception import perceive

    pop = model.population
    perceive(model)
    pop.supplier[:] = choose(model, np.arange(pop.n), loyalty=False, switching=False,
                             inverse_cdf=False)
    pop.previous_supplier[:] = pop.supplier


def choose(model, rows: np.ndarray, loyalty: bool, switching: bool,
           inverse_cdf: bool) -> np.ndarray:
    """The logit choice of the customers ``rows`` (in that order), one compiled pass.

    The random numbers are drawn first, in parallel, from the model's choice streams (chunk c
    of the M rows from stream c, ``sim.streams``): (M, F) Gumbel noise (:func:`gumbel_noise`),
    or (M,) uniforms for the inverse CDF.

    Args:
        model: the market.
        rows: (M,) indices of the choosing customers.
        loyalty: add the loyalty bonus to the supplier's utility.
        switching: subtract the switching cost from the other firms' utilities.
        inverse_cdf: sample by inverse CDF instead of Gumbel-max.

    Returns:
        (M,) int32 chosen firm, or ``NO_FIRM`` (-1) where nothing is available.
    """
    pop = model.population
    if inverse_cdf:
        pass_, draws = _inverse_cdf_choice, uniforms(model.choice_streams, len(rows))
    else:
        pass_, draws = _gumbel_choice, gumbel_noise(model.choice_streams,
                                                    (len(rows), model.n_firms))
    out = np.empty(len(rows), dtype=np.int32)
    pass_(pop.puv, pop.pp, pop.price_sensitivity, float(model.spec.market.rationality), pop.aware,
          model.active_mask(), not model.spec.mechanisms.all_off(), pop.supplier, pop.loyalty,
          bool(loyalty), pop.switching_cost, bool(switching), rows, draws, fast.CHUNK, out)
    return out


#: Added to the uniforms of :func:`to_gumbel` so that a draw of exactly 0 stays finite.
_TINY = np.finfo(np.float64).tiny


def gumbel_noise(streams: ChunkStreams, shape) -> np.ndarray:
    """Standard Gumbel noise of ``shape`` (rows, F), from the choice streams.

    :func:`to_gumbel` of uniforms drawn in parallel from ``streams`` (``sim.streams.uniforms``:
    row chunk c from stream c).
    """
    return to_gumbel(uniforms(streams, shape))


def to_gumbel(u: np.ndarray) -> np.ndarray:
    """``−log(−log(u + tiny))`` of uniforms ``u`` in [0, 1), in place: standard Gumbel noise.

    The uniforms are multiples of 2⁻⁵³ in [0, 1); adding the smallest positive normal double
    (~2.2e-308) leaves every draw ≥ 2⁻⁵³ as it is and turns a draw of exactly 0 into a finite
    noise of about −6.6 instead of −∞. The largest draw, 1 − 2⁻⁵³, gives about +36.7.

    The logarithms are numpy's, in place, one thread: its vectorised ``log`` is about five
    times faster than the scalar one a compiled loop calls (numba has no vector maths library
    here). It may differ in the last bit between CPU families (AVX-512 or not), so seeded
    results can differ in the last bits between such machines.
    """
    np.add(u, _TINY, out=u)
    np.log(u, out=u)
    np.negative(u, out=u)
    np.log(u, out=u)
    np.negative(u, out=u)
    return u


# -- the compiled passes ---------------------------------------------------------------------
@fast.pjit
def _gumbel_choice(puv, pp, price_sensitivity, rationality, aware, active, use_aware, supplier,
                   loyalty, use_loyalty, switching_cost, use_switching, rows, noise, chunk, out):
    """Gumbel-max: ``out[i]`` = argmax over f of U[rows[i], f] + noise[i, f].

    U is the module docstring's utility: rationality × (PUV − price sensitivity × PP, + the
    loyalty ``bonus`` on the supplier, − the switching ``cost`` on every other firm).
    The first firm of the maximum; ``NO_FIRM`` when that maximum is not finite (nothing
    available, or a +∞ utility) or any available utility is NaN. A row writes only ``out[i]``,
    so the result does not depend on the threads.
    """
    n_rows, n_firms = noise.shape
    for c in numba.prange((n_rows + chunk - 1) // chunk):
        for i in range(c * chunk, min(n_rows, (c + 1) * chunk)):
            n = rows[i]
            sup = supplier[n]
            s = price_sensitivity[n]
            bonus = loyalty[n] if use_loyalty and sup >= 0 else 0.0
            cost = switching_cost[n] if use_switching and sup >= 0 else 0.0
            best = -1
            best_u = -np.inf
            nan = False
            for f in range(n_firms):
                if not (active[f] and (aware[n, f] or not use_aware)):
                    continue
                v = puv[n, f] - s * pp[n, f]
                v = (v + bonus if f == sup else v - cost) * rationality + noise[i, f]
                if v > best_u:
                    best = f
                    best_u = v
                elif v != v:
                    nan = True
            out[i] = -1 if (nan or best_u == np.inf or best < 0) else best


@fast.pjit
def _inverse_cdf_choice(puv, pp, price_sensitivity, rationality, aware, active, use_aware,
                        supplier, loyalty, use_loyalty, switching_cost, use_switching, rows,
                        uniforms, chunk, out):
    """Inverse CDF: ``out[i]`` = the first firm whose cumulative weight exceeds u × total.

    The weight of an available offer with a finite utility U is exp(U − max finite U), 0
    otherwise; with no positive weight the customer chooses nothing (``NO_FIRM``). Rows are
    taken in chunks of ``chunk`` (one small weight buffer per chunk); a row writes only
    ``out[i]``. The exponentials are the scalar ones of the compiled loop: at one thread this
    pass costs about 25 % more than numpy's vectorised ``exp`` between two passes did, with
    two threads it is faster (the rows run in parallel).
    """
    n_rows = uniforms.shape[0]
    n_firms = puv.shape[1]
    for c in numba.prange((n_rows + chunk - 1) // chunk):
        weight = np.empty(n_firms)
        for i in range(c * chunk, min(n_rows, (c + 1) * chunk)):
            n = rows[i]
            sup = supplier[n]
            s = price_sensitivity[n]
            bonus = loyalty[n] if use_loyalty and sup >= 0 else 0.0
            cost = switching_cost[n] if use_switching and sup >= 0 else 0.0
            top = -np.inf
            for f in range(n_firms):
                v = -np.inf
                if active[f] and (aware[n, f] or not use_aware):
                    v = puv[n, f] - s * pp[n, f]
                    v = (v + bonus if f == sup else v - cost) * rationality
                    if not math.isfinite(v):
                        v = -np.inf
                weight[f] = v
                top = max(top, v)
            total = 0.0
            for f in range(n_firms):
                v = weight[f]
                weight[f] = 0.0 if v == -np.inf else (1.0 if v == top else math.exp(v - top))
                total += weight[f]
            chosen = -1
            if total > 0:
                threshold = uniforms[i] * total
                cum = 0.0
                for f in range(n_firms):
                    if weight[f] > 0:
                        cum += weight[f]
                        chosen = f
                        if cum > threshold:
                            break
            out[i] = chosen


@fast.pjit
def _record_purchases(chosen, first, chunk, bought, supplier, previous_supplier, choice, counts):
    """Write the choices, buyers and suppliers and count sales, in one pass over customers.

    ``chosen`` holds the choices of the customers with a purchase occasion (``bought`` on
    entry), in customer order. A customer buys when the choice is a firm; the previous
    supplier is kept in ``previous_supplier``. ``counts[c]`` rows 0, 1, 2 receive chunk c's
    units, new customers (buyers whose choice is not their supplier) and lost customers (those
    buyers' former suppliers) per firm. In parallel over fixed chunks of ``chunk`` customers:
    chunk c's first choice is ``chosen[first[c]]``.
    """
    n_firms = counts.shape[2]
    n_rows = bought.shape[0]
    for k in numba.prange(counts.shape[0]):
        j = first[k]
        for n in range(k * chunk, min(n_rows, (k + 1) * chunk)):
            sup = supplier[n]
            previous_supplier[n] = sup
            c = -1
            if bought[n]:
                c = chosen[j]
                j += 1
            choice[n] = c
            buys = c >= 0
            bought[n] = buys
            if buys:
                counts[k, 0, c] += 1
                if c != sup:
                    counts[k, 1, c] += 1
                    if 0 <= sup < n_firms:
                        counts[k, 2, sup] += 1
                supplier[n] = c
