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
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from sim import fast, kernels
from sim.mechanisms.state import State
from sim.streams import ChunkStreams, chunk_streams, uniform, uniforms

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
    """Standard Gumbel noise of ``shape`` (rows, F), drawn in parallel from the choice streams.

    Row chunk c takes its uniforms u from stream c (``sim.streams``), then turns them into
    ``−log(−log(u + tiny))`` (:func:`to_gumbel`'s transform) with :func:`_log`, in the same
    compiled pass: equal to :func:`to_gumbel` of ``sim.streams.uniforms(streams, shape)`` to
    within an ulp of each logarithm.
    """
    out = np.empty(shape)
    rows = out.shape[0]
    streams.chunk_rows(rows)  # enough streams?
    if out.size:
        _gumbel_fill(streams.table, out.reshape(-1), out.size // rows, fast.CHUNK, _TINY)
    return out


def to_gumbel(u: np.ndarray) -> np.ndarray:
    """``−log(−log(u + tiny))`` of uniforms ``u`` in [0, 1), in place: standard Gumbel noise.

    The uniforms are multiples of 2⁻⁵³ in [0, 1); adding the smallest positive normal double
    (~2.2e-308) leaves every draw ≥ 2⁻⁵³ as it is and turns a draw of exactly 0 into a finite
    noise of about −6.6 instead of −∞. The largest draw, 1 − 2⁻⁵³, gives about +36.7.

    The logarithms are numpy's, in place, one thread. (The step's noise, :func:`gumbel_noise`,
    computes the same transform in its compiled pass.)
    """
    np.add(u, _TINY, out=u)
    np.log(u, out=u)
    np.negative(u, out=u)
    np.log(u, out=u)
    np.negative(u, out=u)
    return u


# -- the compiled passes ---------------------------------------------------------------------
@fast.pjit
def _gumbel_fill(streams, out, width, chunk, tiny):
    """Standard Gumbel noise into ``out`` (rows × ``width``, flat), row chunk c from stream c.

    Chunk c first draws its uniforms u from stream c of ``streams``, rows in order, then replaces
    each with ``−log(−log(u + tiny))``: that second loop has no call in it, so the compiler
    vectorises it (numpy's vectorised log cannot be called from here; libm's, which ``math.log``
    calls, is five times slower per value).
    """
    n_rows = out.shape[0] // width
    for c in numba.prange((n_rows + chunk - 1) // chunk):
        # a slice, indexed from 0: the compiler then knows no index is negative (a negative
        # one would wrap around) and can vectorise the second loop
        block = out[c * chunk * width:min(n_rows, (c + 1) * chunk) * width]
        for k in range(block.shape[0]):
            block[k] = uniform(streams, c)
        for k in range(block.shape[0]):
            block[k] = -_log(-_log(block[k] + tiny))


@intrinsic
def _as_float(typingctx, bits):
    """The float64 whose IEEE bits are the int64 ``bits`` (a bit cast, no conversion)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def _as_bits(typingctx, x):
    """The IEEE bits of the float64 ``x`` as an int64 (a bit cast, no conversion)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


# fdlibm's e_log.c: the Remez polynomial of log on [√2/2, √2] and ln 2 split in two parts
_LG1, _LG2, _LG3, _LG4 = (6.666666666666735130e-01, 3.999999999940941908e-01,
                          2.857142874366239149e-01, 2.222219843214978396e-01)
_LG5, _LG6, _LG7 = 1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10


@numba.njit(inline="always", error_model="numpy", cache=True)
def _log(x):
    """Natural logarithm of a positive normal float64 ``x``, within 1 ulp (fdlibm's method).

    x = 2^k × m with m in [√2/2, √2) (from the bits), log m from f = m − 1 by the polynomial in
    s = f / (2 + f). No branch and no call, so a loop of it vectorises; pure IEEE operations,
    so it gives the same bits on every x86-64 CPU (numpy's log may differ in the last bit
    between CPU families). Zero, negative, subnormal, infinite and NaN inputs are not handled:
    the noise never makes them (u + tiny ≥ tiny, the smallest normal; −log of that ≤ 708.4).
    """
    hx = _as_bits(x)
    m = hx & 0x000FFFFFFFFFFFFF
    i = (m + 0x00095F6400000000) & 0x0010000000000000  # m ≥ √2: halve it, one more in k
    k = np.float64((hx >> 52) - 1023 + (i >> 52))
    f = _as_float(m | (i ^ 0x3FF0000000000000)) - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)


@fast.pjit
def _gumbel_choice(puv, pp, price_sensitivity, rationality, aware, active, use_aware, supplier,
                   loyalty, use_loyalty, switching_cost, use_switching, rows, noise, chunk, out):
    """Gumbel-max: ``out[i]`` = argmax over f of U[rows[i], f] + noise[i, f].

    U is the module docstring's utility: rationality × (PUV − price sensitivity × PP, + the
    loyalty ``bonus`` on the supplier, − the switching ``cost`` on every other firm).
    The first firm of the maximum; ``NO_FIRM`` when that maximum is not finite (nothing
    available, or a +∞ utility) or any available utility is NaN. A row writes only ``out[i]``,
    so the result does not depend on the threads.

    A customer who can choose every firm (all on the market and known: most customers of an
    established market) takes a short loop first, with no availability or NaN test per firm
    (those tests per firm doubled the pass's time each): a NaN among the utilities shows in
    their sum, and then the row is chosen again by the full loop, as is every other row. Both
    loops give the same choice.
    """
    n_rows, n_firms = noise.shape
    all_active = True
    for f in range(n_firms):
        all_active &= active[f]
    for c in numba.prange((n_rows + chunk - 1) // chunk):
        for i in range(c * chunk, min(n_rows, (c + 1) * chunk)):
            n = rows[i]
            sup = supplier[n]
            s = price_sensitivity[n]
            bonus = loyalty[n] if use_loyalty and sup >= 0 else 0.0
            cost = switching_cost[n] if use_switching and sup >= 0 else 0.0
            best = -1
            best_u = -np.inf
            every = all_active
            if use_aware:
                for f in range(n_firms):
                    every &= aware[n, f]
            if every:  # the short loop
                total = 0.0
                for f in range(n_firms):
                    v = puv[n, f] - s * pp[n, f]
                    v = (v + bonus if f == sup else v - cost) * rationality + noise[i, f]
                    total += v  # NaN if any v is NaN (or +inf and -inf meet: the full loop)
                    if v > best_u:
                        best = f
                        best_u = v
                if total == total:
                    out[i] = -1 if (best_u == np.inf or best < 0) else best
                    continue
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
