"""Customer value: margin, retention, share of wallet and discounted customer lifetime value.

Per customer n and firm f::

    share of wallet  w[n, f] ← (1 − wallet_memory) × w + wallet_memory × bought_at_f
                     (``split``: the customer's logit choice probabilities instead of the
                     single purchase, i.e. spending spread over the firms they know)
    retention        r[f]     = smoothed share of f's previous customers who rebought from f
    margin           m[f]     = price − unit cost
    CLV[n, f]        = m[f] × w[n, f] × Σ_t (r[f] / (1 + d))^t = m w (1 + d) / (1 + d − r)

with d = ``discount_rate`` per step. ``firms.csv`` gets each firm's retention this step, the
mean share of wallet and the mean CLV of its current customers. Customer value is computed
whatever the switches (it is an output), and ``lifetime_values`` gives firms that target by
value each customer's CLV to their supplier.
"""

from __future__ import annotations

import numba
import numpy as np

from sim import fast, kernels
from sim.mechanisms.cells import get, supplier_cells
from sim.mechanisms.state import PerCustomer, State

STATE = State(
    customer={"wallet": PerCustomer(np.float32, per_firm=True)},  # share of wallet per firm
    # per firm: smoothed share of its previous customers who rebought (NaN: not yet known)
    model={"retention_estimate": lambda model: np.full(model.n_firms, np.nan)},
)

MAX_RETENTION = 0.999  # keeps the geometric sum finite when nobody ever leaves


# -- kernels -------------------------------------------------------------------------------
def lifetime_value(margin, wallet, retention, discount_rate: float) -> np.ndarray:
    """Discounted value of a customer: margin × wallet share × Σ_t (r / (1 + d))^t, t ≥ 0."""
    r = np.clip(np.asarray(retention, float), 0.0, MAX_RETENTION)
    return margin * wallet * (1.0 + discount_rate) / (1.0 + discount_rate - r)


def update_wallet(wallet, purchase_share, memory: float) -> np.ndarray:
    """Exponential average of the share of a customer's purchases made at each firm."""
    return (1.0 - memory) * wallet + memory * purchase_share


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """The whole wallet starts at the initial supplier; retention is not yet known."""
    pop = model.population
    pop.wallet[:] = 0.0
    has = np.nonzero(pop.supplier >= 0)[0]
    pop.wallet[has, pop.supplier[has]] = 1.0
    model.retention_estimate[:] = np.nan


def update(model) -> None:
    """Shares of wallet move with this step's purchases; retention estimates with churn."""
    pop, exp, stats = model.population, model.experience, model.step_stats
    p = model.spec.relationships.customer_value
    who = exp.who
    if p.share_of_wallet == "split":
        from sim.mechanisms.choice import utilities

        share = kernels.logit_probabilities(utilities(model)[who])
        pop.wallet[who] = update_wallet(pop.wallet[who], share, p.wallet_memory)
    else:
        _decay_and_add(pop.wallet, who, exp.cell, np.float32(1.0 - p.wallet_memory),
                       np.float32(p.wallet_memory))
    at_risk = stats["at_risk"]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(at_risk > 0, stats["retained"] / np.maximum(at_risk, 1), np.nan)
    est = model.retention_estimate
    m = p.retention_memory
    model.retention_estimate = np.where(
        np.isnan(est), rate, np.where(np.isnan(rate), est, (1 - m) * est + m * rate)
    )


@fast.jit
def _decay_and_add(wallet, who, cell, keep, memory):
    """Each buyer's shares × ``keep``, then + ``memory`` at the purchase's cell, in place.

    The ``"single"`` share of wallet of the module docstring, in float32: ``keep`` is
    1 − ``wallet_memory`` and each buyer has one purchase cell (flat index ``who × F + firm``).
    ``who`` is sorted; runs of consecutive buyers are scaled as one contiguous stretch (which
    numba vectorises).
    """
    nf = wallet.shape[1]
    flat = wallet.reshape(wallet.size)
    k, n_buyers = 0, who.shape[0]
    while k < n_buyers:
        start = end = who[k]
        while k < n_buyers and who[k] == end:
            end += 1
            k += 1
        rows = flat[start * nf:end * nf]
        for j in range(rows.size):
            rows[j] = rows[j] * keep
    for k in range(cell.shape[0]):
        flat[cell[k]] = flat[cell[k]] + memory


def margins(model) -> np.ndarray:
    """(F,) price minus unit cost of every firm."""
    return np.array([f.price - f.unit_cost() for f in model.firms])


def lifetime_values(model) -> np.ndarray:
    """(N,) each customer's CLV to their current supplier (0 without one or before estimates)."""
    pop = model.population
    out = np.zeros(pop.n)
    has, sup, cell = supplier_cells(model)
    r = np.nan_to_num(model.retention_estimate, nan=0.0)
    out[has] = lifetime_value(margins(model)[sup], get(pop.wallet, cell), r[sup],
                              model.spec.relationships.customer_value.discount_rate)
    return out


def columns(model) -> dict[str, np.ndarray]:
    """Per-firm retention this step, mean share of wallet and mean CLV of current customers.

    Firms without customers get NaN means.
    """
    pop, nf, stats = model.population, model.n_firms, model.step_stats
    at_risk = stats["at_risk"]
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(at_risk > 0, stats["retained"] / np.maximum(at_risk, 1), np.nan)
    discount_rate = model.spec.relationships.customer_value.discount_rate
    chunks = fast.n_chunks(pop.n)
    counts, sums = np.zeros((chunks, nf), dtype=np.int64), np.zeros((chunks, 2, nf))
    # retention estimates clipped to [0, MAX_RETENTION], NaN (no estimate yet) as 0
    r = np.minimum(np.fmax(model.retention_estimate, 0.0), MAX_RETENTION)
    _value_sums(pop.supplier, pop.wallet, margins(model), r, 1.0 + discount_rate, fast.CHUNK,
                counts, sums)
    counts, total = counts.sum(axis=0), np.zeros((2, nf))  # integers: exact
    for part in sums:  # chunk after chunk: the same bits whatever the threads
        total += part
    wallet, clv = np.where(counts > 0, total / np.maximum(counts, 1), np.nan)
    return {"retention": retention, "share_of_wallet": wallet, "clv": clv}


@fast.pjit
def _value_sums(supplier, wallet, margin, retention, growth, chunk, counts, sums):
    """Per supplier: customers, and sums of their share of wallet and of their CLV.

    A customer's CLV is ``margin × wallet × growth / (growth − retention)`` (the module
    docstring's with ``growth = 1 + d``), at the supplier's wallet cell. In parallel over fixed
    chunks of ``chunk`` customers: ``counts[c]`` (F,) and ``sums[c]`` (2, F: wallet shares,
    CLVs) receive chunk c's, added in customer order.
    """
    nf = wallet.shape[1]
    n = supplier.shape[0]
    for c in numba.prange(counts.shape[0]):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            f = supplier[i]
            if f >= 0 and f < nf:
                held = np.float64(wallet[i, f])
                counts[c, f] += 1
                sums[c, 0, f] += held
                sums[c, 1, f] += margin[f] * held * growth / (growth - retention[f])
