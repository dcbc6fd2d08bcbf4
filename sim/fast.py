"""Fused, compiled versions of the hottest kernels (numba), with the same results as numpy.

The choice core's loops live here (utility, availability, noise, argmax; perception; per-firm
counts); each mechanism module keeps its own compiled loops next to its numpy code, decorated
with :func:`jit`. These loops do in one pass what the numpy kernels do in several, reading the random numbers the model's own ``Generator`` drew in bulk, so the random
stream and therefore the results are exactly those of the numpy path. The arithmetic is done in
the same order as the numpy kernels, so the two paths agree bit for bit (tested in
``tests/perf/test_perf_fused.py`` and ``tests/perf/test_fused_state.py``).

numba is a runtime dependency: the compiled passes are the product's step. The numpy kernels
remain as references (``VALUE_MATRIX_NUMBA=0`` in the environment, or ``sim.fast.ENABLED =
False``, makes every caller use them); tests compare the two paths.
"""

from __future__ import annotations

import os

import numba
import numpy as np

#: numba is always installed (kept for callers that still ask).
AVAILABLE = True

#: Whether callers should use the compiled kernels. Tests switch it to compare both paths.
ENABLED = os.environ.get("VALUE_MATRIX_NUMBA", "1").lower() not in ("0", "false", "no")


def enabled() -> bool:
    """True when the compiled kernels are switched on (the default)."""
    return ENABLED


def jit(fn):
    """Compile ``fn`` with numba (cached on disk).

    Mechanism modules use it for their fused per-customer loops; each such loop has a numpy
    twin that gives the same bits (tested in ``tests/perf``), chosen by :func:`enabled`.
    Keep a loop self-contained in its module: a compiled function that calls a compiled
    helper in another file keeps its disk cache when only that other file changes, and a
    helper taking arrays costs a reference count per array per call.
    """
    return numba.njit(cache=True, nogil=True)(fn)


_jit = jit


def pjit(fn):
    """Compile ``fn`` with numba's parallel loops (``prange``) on the customers.

    Deterministic by construction, whatever the number of threads: a ``prange`` iteration
    writes only its own customer's (or buyer's) entries, the random numbers were drawn
    beforehand by the model's ``Generator``, and per-firm sums are taken per fixed chunk of
    :data:`CHUNK` customers and then added chunk by chunk in order (:func:`chunks`), so the
    order of every floating-point addition is fixed by the data, not by the threads.
    """
    return numba.njit(cache=True, nogil=True, parallel=True)(fn)


#: Customers per chunk of a parallel reduction. Fixed (not derived from the thread count), so
#: that the sums and therefore the results are the same with 1, 2 or 64 threads.
CHUNK = 4096


def n_chunks(n: int) -> int:
    """Chunks of :data:`CHUNK` customers covering ``n`` (at least one)."""
    return max(1, -(-n // CHUNK))


#: Environment variable: threads for the compiled passes (default: every core numba sees).
THREADS_ENV = "VALUE_MATRIX_THREADS"


def set_threads(n: int | None = None) -> int:
    """Let the parallel passes use ``n`` threads (None: ``$VALUE_MATRIX_THREADS`` or all cores).

    Results do not depend on it (see :func:`pjit`); worker processes of a multi-process run
    use one thread each, so that workers × threads never exceeds the cores.
    """
    if n is None:
        n = int(os.environ.get(THREADS_ENV) or numba.config.NUMBA_NUM_THREADS)
    n = max(1, min(int(n), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(n)
    return n


if os.environ.get(THREADS_ENV):
    set_threads()


def threads() -> int:
    """Threads the parallel passes use now."""
    return numba.get_num_threads()


@_jit
def _utilities(puv, pp, price_sensitivity, rationality, aware, active, use_aware, supplier,
               loyalty, use_loyalty, switching_cost, use_switching, rows, noise, use_noise, out):
    """``out[i, f]`` = systematic utility of customer ``rows[i]`` for firm f (+ ``noise[i, f]``).

    Mirrors ``kernels.net_value`` → ``kernels.choice_utility`` (→ ``+ noise`` of
    ``kernels.choose_gumbel``) operation by operation, so the bits are the same: net value
    minus the switching cost on every column (a cost of 0.0 leaves the bits as they are); the
    supplier's column then redone as net value − cost + cost + loyalty, as numpy's in-place
    lines give it; × rationality, + noise; −inf where the offer is not available (numpy's
    −inf + noise). Three short loops per customer instead of one with data-dependent selects:
    measured faster. ``out`` may be ``noise`` itself (overwritten in place).
    """
    n_rows, n_firms = out.shape
    for i in range(n_rows):
        n = rows[i]
        sup = supplier[n]
        s = price_sensitivity[n]
        switching = use_switching and sup >= 0
        cost = switching_cost[n] if switching else 0.0
        noise_sup = noise[i, sup] if use_noise and sup >= 0 else 0.0  # before ``out`` overwrites it
        for f in range(n_firms):
            u = (puv[n, f] - s * pp[n, f]) - cost
            out[i, f] = u * rationality + noise[i, f] if use_noise else u * rationality
        if sup >= 0:
            u = puv[n, sup] - s * pp[n, sup]
            if switching:
                u = u - cost
                u = u + cost
            if use_loyalty:
                u = u + loyalty[n]
            out[i, sup] = u * rationality + noise_sup if use_noise else u * rationality
        for f in range(n_firms):
            if not (active[f] & (aware[n, f] | (not use_aware))):
                out[i, f] = -np.inf
    return out


@pjit
def _gumbel_choice(puv, pp, price_sensitivity, rationality, aware, active, use_aware, supplier,
                   loyalty, use_loyalty, switching_cost, use_switching, rows, noise, out):
    """Noisy utilities and their argmax in one parallel pass over the choosing rows.

    Each row's utilities are computed as in ``_utilities`` (same operations, same order, so
    the same bits) and its argmax kept on the fly: the first index of the maximum, as
    ``np.argmax``, and ``NO_FIRM`` (-1) where that maximum is not finite (``kernels.
    choose_gumbel``). numpy's argmax takes the first NaN as the maximum, which then is not
    finite; the row sum detects a NaN cheaply (it is NaN when a NaN is there, or when +inf
    meets −inf, and with a +inf the answer is ``NO_FIRM`` anyway). No (M, F) array is
    written; a row writes only ``out[i]``, so the result does not depend on the threads.
    """
    n_rows, n_firms = noise.shape
    for i in numba.prange(n_rows):
        n = rows[i]
        sup = supplier[n]
        s = price_sensitivity[n]
        switching = use_switching and sup >= 0
        cost = switching_cost[n] if switching else 0.0
        best = -1
        best_u = -np.inf
        total = 0.0
        for f in range(n_firms):
            if f == sup:
                u = puv[n, f] - s * pp[n, f]
                if switching:
                    u = u - cost
                    u = u + cost
                if use_loyalty:
                    u = u + loyalty[n]
            else:
                u = (puv[n, f] - s * pp[n, f]) - cost
            v = u * rationality + noise[i, f]
            if not (active[f] & (aware[n, f] | (not use_aware))):
                v = -np.inf
            total += v
            if v > best_u:
                best = f
                best_u = v
        out[i] = -1 if (total != total or best_u == np.inf) else best


def choose_gumbel_fused(puv, pp, price_sensitivity, rationality, aware, active, use_aware,
                        supplier, loyalty, switching_cost, noise, rows=None) -> np.ndarray:
    """Logit choice by Gumbel-max in one parallel compiled pass (see ``kernels.choose_gumbel``).

    Each row's noisy utilities and their argmax are computed together (``_gumbel_choice``).

    Args:
        puv: (N, F) perceived use value.
        pp: (N, F) perceived price.
        price_sensitivity: (N,).
        rationality: logit scale.
        aware: (N, F) bool, which firms each customer knows.
        active: (F,) bool, which firms are on the market.
        use_aware: whether awareness limits the choice (false when every mechanism is off).
        supplier: (N,) current supplier or ``NO_FIRM``.
        loyalty: (N,) loyalty bonus, or None when the mechanism is off.
        switching_cost: (N,) cost of leaving, or None when the mechanism is off.
        noise: (M, F) standard Gumbel draws for the M choosing customers, in ``rows`` order.
        rows: (M,) indices of the choosing customers (default all N).

    Returns:
        (M,) int32 chosen firm, or ``NO_FIRM`` (-1) where nothing is available.
    """
    rows = np.arange(len(puv)) if rows is None else rows
    dummy = np.zeros(1)
    out = np.empty(len(rows), dtype=np.int32)
    _gumbel_choice(
        puv, pp, price_sensitivity, float(rationality), aware, active, bool(use_aware), supplier,
        dummy if loyalty is None else loyalty, loyalty is not None,
        dummy if switching_cost is None else switching_cost, switching_cost is not None,
        rows, noise, out,
    )
    return out


@_jit
def _centre_rows(util):
    """Subtract each row's maximum in place; −inf where the utility is not finite.

    As the first lines of ``kernels.logit_probabilities``: the row maximum (a NaN propagates,
    as in ``np.max``; 0 when it is not finite) is subtracted, and the exponential of a utility
    that is not finite is set to 0 there — here its −inf gives the 0.
    """
    n_rows, n_firms = util.shape
    for i in range(n_rows):
        top = -np.inf
        for f in range(n_firms):
            if util[i, f] > top or util[i, f] != util[i, f]:
                top = util[i, f]
        if not np.isfinite(top):
            top = 0.0
        for f in range(n_firms):
            util[i, f] = util[i, f] - top if np.isfinite(util[i, f]) else -np.inf
    return util


@_jit
def _pick_inverse_cdf(expu, uniforms, out):
    """Sum, normalise, accumulate and compare row by row, as ``kernels.choose_inverse_cdf``."""
    n_rows, n_firms = expu.shape
    for i in range(n_rows):
        total = 0.0
        for f in range(n_firms):
            total += expu[i, f]
        # the numpy kernel compares every cumulative sum with u × (the last one): two passes
        cum = 0.0
        for f in range(n_firms):
            prob = expu[i, f] / total if total > 0 else 0.0
            cum = prob if f == 0 else cum + prob
        last = cum
        threshold = uniforms[i] * last
        chosen = 0
        cum = 0.0
        for f in range(n_firms):
            prob = expu[i, f] / total if total > 0 else 0.0
            cum = prob if f == 0 else cum + prob
            if cum <= threshold:
                chosen += 1
        out[i] = -1 if last <= 0 else min(chosen, n_firms - 1)
    return out


#: Up to this many firms numpy sums a row sequentially (pairwise beyond), which the compiled
#: inverse-CDF sampler reproduces; with more firms the numpy sampler runs.
INVERSE_CDF_MAX_FIRMS = 7


def choose_inverse_cdf_fused(puv, pp, price_sensitivity, rationality, aware, active, use_aware,
                             supplier, loyalty, switching_cost, rng, rows=None) -> np.ndarray:
    """Logit choice by inverse CDF (one uniform per customer), same result as the numpy path.

    Arguments as ``choose_gumbel_fused``, with the model's generator instead of noise. The
    exponentials are numpy's (``np.exp`` on the centred utilities), so they match the numpy
    kernel's bit for bit; the rest is compiled.
    """
    rows = np.arange(len(puv)) if rows is None else rows
    dummy = np.zeros(1)
    util = np.empty((len(rows), puv.shape[1]))
    _utilities(
        puv, pp, price_sensitivity, float(rationality), aware, active, bool(use_aware), supplier,
        dummy if loyalty is None else loyalty, loyalty is not None,
        dummy if switching_cost is None else switching_cost, switching_cost is not None,
        rows, dummy.reshape(1, 1), False, util,
    )
    _centre_rows(util)
    np.exp(util, out=util)
    uniforms = rng.random(len(rows))
    return _pick_inverse_cdf(util, uniforms, np.empty(len(rows), dtype=np.int32))


@pjit
def _perceive(weights, levels_t, value_shift, prices, reference_price, nonmonetary_cost, puv, pp):
    n, n_dims = weights.shape
    n_firms = levels_t.shape[1]
    for i in numba.prange(n):
        r = reference_price[i]
        for f in range(n_firms):
            pp[i, f] = prices[f] / r + nonmonetary_cost[f]
        # dimension by dimension over the row, as numpy adds whole (N, F) terms
        w = weights[i, 0] if n_dims > 0 else 0.0
        for f in range(n_firms):
            puv[i, f] = w * levels_t[0, f] if n_dims > 0 else 0.0
        for d in range(1, n_dims):
            w = weights[i, d]
            for f in range(n_firms):
                puv[i, f] += w * levels_t[d, f]
        for f in range(n_firms):
            puv[i, f] += value_shift[i, f]


def perceive_fused(weights, levels, value_shift, prices, reference_price, nonmonetary_cost,
                   puv, pp) -> None:
    """Fill ``puv`` and ``pp`` (N, F) in place: PUV (+ shift) and PP in one compiled pass.

    Adds dimension by dimension in the order of ``kernels.perceived_use_value`` and computes
    PP as ``price / reference + non-monetary cost``, so the numbers match the numpy path.
    Per customer the loops run over the firms innermost (levels transposed to (D, F)), which
    is about 15 % faster than one dot product per firm.
    """
    levels_t = np.ascontiguousarray(np.asarray(levels, dtype=np.float64).T)
    _perceive(weights, levels_t, value_shift, np.asarray(prices, dtype=np.float64), reference_price,
              np.asarray(nonmonetary_cost, dtype=np.float64), puv, pp)


@_jit
def _weighted_sums(weights, levels, out):
    n, n_dims = weights.shape
    for i in range(n):
        for f in range(levels.shape[0]):
            s = weights[i, 0] * levels[f, 0] if n_dims > 0 else 0.0
            for d in range(1, n_dims):
                s += weights[i, d] * levels[f, d]
            out[i, f] = s


def weighted_sums(weights: np.ndarray, levels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out[n, f] = Σ_d weights[n, d] × levels[f, d]``, dimensions added in order."""
    _weighted_sums(weights, np.ascontiguousarray(levels, dtype=np.float64), out)
    return out


@_jit
def _count(index, n_firms, out):
    for i in range(index.shape[0]):
        f = index[i]
        if f >= 0 and f < n_firms:
            out[f] += 1


@_jit
def _weighted_count(index, weights, n_firms, out):
    for i in range(index.shape[0]):
        f = index[i]
        if f >= 0 and f < n_firms:
            out[f] += weights[i]


def count_by_firm(firm_index: np.ndarray, n_firms: int, weights=None) -> np.ndarray:
    """``kernels.count_by_firm`` in one pass: no masks, no copies (same dtypes, same sums)."""
    if weights is None:
        out = np.zeros(n_firms, dtype=np.int64)
        _count(firm_index, n_firms, out)
        return out
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != firm_index.shape:
        raise ValueError("weights and firm_index must have the same shape")
    out = np.zeros(n_firms)
    _weighted_count(firm_index, weights, n_firms, out)
    return out


@_jit
def _column_count(mask, out):
    n, f_count = mask.shape
    for i in range(n):
        for f in range(f_count):
            out[f] += mask[i, f]  # branch-free: 4x faster than `if mask[i, f]` on random masks
    return out


def column_count(mask: np.ndarray) -> np.ndarray:
    """``mask.sum(axis=0)`` for an (N, F) boolean array, without numpy's slow bool reduction."""
    return _column_count(mask, np.zeros(mask.shape[1], dtype=np.int64))
