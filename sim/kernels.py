"""Pure vectorised kernels of the choice core: arrays in, arrays out, randomness passed in.

Shapes: ``N`` customers, ``F`` firms, ``D`` value dimensions. Each kernel works on all customers
at once; none loops over customers in Python. They are tested alone against hand-computed values.
"""

from __future__ import annotations

import numpy as np

from sim import fast

NO_FIRM = -1


def perceived_use_value(weights: np.ndarray, levels: np.ndarray, out: np.ndarray | None = None):
    """PUV of every offer for every customer: weighted sum of perceived attribute levels.

    Args:
        weights: (N, D) each customer's value weights (their segment's, with spread).
        levels: (F, D) the offers' attribute levels in [0, 1].
        out: optional (N, F) buffer.

    Returns:
        (N, F) perceived use value. A dimension with weight 0 contributes nothing.

    The sum runs over dimensions in order, elementwise, rather than through ``matmul``: BLAS
    would pick its summation order (and thread count) by machine, so results could differ
    between the machines of a cluster, and its threads stall on busy shared cores. The
    compiled path in ``sim.fast`` adds in the same order and gives the same bits.
    """
    n, f = len(weights), len(levels)
    puv = np.empty((n, f)) if out is None else out
    if fast.enabled() and weights.ndim == 2 and levels.ndim == 2:
        fast.weighted_sums(weights, levels, puv)
        return puv
    if levels.shape[1] == 0:
        puv[:] = 0.0
        return puv
    np.multiply(weights[:, 0:1], levels[None, :, 0], out=puv)
    term = np.empty_like(puv) if levels.shape[1] > 1 else None
    for d in range(1, levels.shape[1]):
        np.multiply(weights[:, d : d + 1], levels[None, :, d], out=term)
        puv += term
    return puv


def perceived_price(
    prices: np.ndarray, reference_price: np.ndarray, nonmonetary_cost: np.ndarray
) -> np.ndarray:
    """PP of every offer for every customer: price relative to reference, plus non-money costs.

    Args:
        prices: (F,) posted prices.
        reference_price: (N,) each customer's reference price.
        nonmonetary_cost: (F,) time, effort and psychological cost, in reference-price units.

    Returns:
        (N, F) perceived price.
    """
    return prices[None, :] / reference_price[:, None] + nonmonetary_cost[None, :]


def net_value(puv: np.ndarray, pp: np.ndarray, price_sensitivity: np.ndarray) -> np.ndarray:
    """Customer net value = PUV − price sensitivity × PP, shape (N, F)."""
    return puv - price_sensitivity[:, None] * pp


def choice_utility(
    value: np.ndarray,
    rationality: float,
    available: np.ndarray,
    supplier: np.ndarray | None = None,
    loyalty: np.ndarray | None = None,
    switching_cost: np.ndarray | None = None,
) -> np.ndarray:
    """Deterministic part of the random utility; unavailable offers get −inf.

    Loyalty is a bonus on the current supplier; switching cost a penalty on every other firm
    (customers without a supplier pay none). Both are in net-value units.

    Args:
        value: (N, F) net value.
        rationality: logit scale (precision) multiplying the systematic utility.
        available: (N, F) bool, the offers a customer can choose (aware and on the market).
        supplier: (N,) current supplier index or ``NO_FIRM``.
        loyalty: (N,) loyalty bonus toward the current supplier.
        switching_cost: (N,) cost of leaving the current supplier.

    Returns:
        (N, F) utility.
    """
    util = value.copy()
    if supplier is not None and (loyalty is not None or switching_cost is not None):
        has = supplier >= 0
        rows = np.nonzero(has)[0]
        cols = supplier[has]
        if switching_cost is not None:
            util[has] -= switching_cost[has, None]
            util[rows, cols] += switching_cost[has]
        if loyalty is not None:
            util[rows, cols] += loyalty[has]
    util *= rationality
    util[~available] = -np.inf
    return util


def logit_probabilities(utility: np.ndarray) -> np.ndarray:
    """Multinomial logit choice probabilities per row; rows with no option give all zeros."""
    top = np.max(utility, axis=1, keepdims=True)
    finite = np.isfinite(top)
    safe_top = np.where(finite, top, 0.0)
    expu = np.exp(utility - safe_top)
    expu[~np.isfinite(utility)] = 0.0
    total = expu.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = np.where(total > 0, expu / total, 0.0)
    return prob


#: Added to the uniforms of ``gumbel_noise`` so that a draw of exactly 0 stays finite.
_TINY = np.finfo(np.float64).tiny


def gumbel_noise(rng: np.random.Generator, shape) -> np.ndarray:
    """Standard Gumbel noise, ``−log(−log U)`` with U from ``rng.random`` (the choice noise).

    Every Gumbel path of the model draws its noise here, so the compiled and the numpy choice
    read the same numbers. ``rng.random`` gives multiples of 2⁻⁵³ in [0, 1); the smallest
    positive normal double (~2.2e-308) is added first, which leaves every draw ≥ 2⁻⁵³ exactly
    as it is and turns a draw of exactly 0 (probability 2⁻⁵³) into a finite noise of about
    −6.6 instead of −inf. The largest draw, 1 − 2⁻⁵³, gives about +36.7.

    Same law as ``rng.gumbel`` but a different stream, and about four times faster: numpy's
    ``gumbel`` takes two scalar logarithms per draw, this one two vectorised passes of
    ``np.log`` in place. Like ``np.exp`` elsewhere in the model, numpy's vectorised ``log``
    may differ in the last bit between CPU families (AVX-512 or not), so seeded results can
    differ in the last bits between such machines.

    Returns:
        ``shape`` float64 array of independent standard Gumbel draws.
    """
    noise = rng.random(shape)
    np.add(noise, _TINY, out=noise)
    np.log(noise, out=noise)
    np.negative(noise, out=noise)
    np.log(noise, out=noise)
    np.negative(noise, out=noise)
    return noise


def choose_gumbel(utility: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Logit choice by the Gumbel-max trick: argmax of utility + standard Gumbel noise.

    Returns:
        (N,) chosen firm index, or ``NO_FIRM`` where no option is available.
    """
    noisy = gumbel_noise(rng, utility.shape)
    noisy += utility
    choice = np.argmax(noisy, axis=1).astype(np.int32)
    choice[~np.isfinite(noisy[np.arange(len(choice)), choice])] = NO_FIRM
    return choice


def choose_inverse_cdf(utility: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Logit choice with one uniform per customer over the cumulative logit probabilities.

    Same choice law as ``choose_gumbel`` with F times fewer random draws.
    """
    prob = logit_probabilities(utility)
    cum = np.cumsum(prob, axis=1)
    u = rng.random(len(utility))[:, None] * cum[:, -1:]
    choice = np.minimum((cum <= u).sum(axis=1), utility.shape[1] - 1).astype(np.int32)
    choice[cum[:, -1] <= 0] = NO_FIRM
    return choice


CHOOSERS = {"gumbel": choose_gumbel, "inverse_cdf": choose_inverse_cdf}


def count_by_firm(firm_index: np.ndarray, n_firms: int, weights: np.ndarray | None = None):
    """Per-firm count (or weighted sum) over customers, ignoring ``NO_FIRM`` entries.

    Counts are int64, weighted sums float64 (summed in index order either way, so the
    compiled path in ``sim.fast`` gives the same numbers).
    """
    if fast.enabled() and getattr(firm_index, "ndim", 0) == 1 and firm_index.dtype.kind in "iu":
        return fast.count_by_firm(firm_index, n_firms, weights)
    valid = firm_index >= 0
    w = None if weights is None else weights[valid]
    return np.bincount(firm_index[valid], weights=w, minlength=n_firms)[:n_firms]


def mean_by_firm(firm_index: np.ndarray, values: np.ndarray, n_firms: int) -> np.ndarray:
    """Per-firm mean of ``values`` over the customers assigned to each firm (NaN if none)."""
    counts = count_by_firm(firm_index, n_firms)
    sums = count_by_firm(firm_index, n_firms, values)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def column_count(mask: np.ndarray) -> np.ndarray:
    """(F,) int64 number of true entries in each column of an (N, F) boolean array."""
    if fast.enabled() and mask.ndim == 2 and mask.dtype == np.bool_:
        return fast.column_count(mask)
    return mask.sum(axis=0)


def column_mean(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-column mean of an (N, F) array over rows where ``mask`` is true (NaN if none)."""
    counts = mask.sum(axis=0)
    sums = np.where(mask, values, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
