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

import numpy as np

from sim import fast, kernels
from sim.mechanisms.cells import get, supplier_cells

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
    pop.wallet = np.zeros((pop.n, model.n_firms), dtype=np.float32)
    has = np.nonzero(pop.supplier >= 0)[0]
    pop.wallet[has, pop.supplier[has]] = 1.0
    model.retention_estimate = np.full(model.n_firms, np.nan)


def update(model) -> None:
    """Shares of wallet move with this step's purchases; retention estimates with churn."""
    pop, exp, stats = model.population, model.experience, model.step_stats
    p = model.spec.relationships.customer_value
    who = exp.who
    if p.share_of_wallet == "split":
        from sim.mechanisms.choice import utilities

        share = kernels.logit_probabilities(utilities(model)[who])
        pop.wallet[who] = update_wallet(pop.wallet[who], share, p.wallet_memory)
    elif fast.enabled():
        _decay_and_add(pop.wallet, who, exp.cell, np.float32(1.0 - p.wallet_memory),
                       np.float32(p.wallet_memory))
    else:  # the same update, in place: decay every share, add the purchase
        keep = np.float32(1.0 - p.wallet_memory)
        if len(who) == pop.n:
            pop.wallet *= keep
        else:
            pop.wallet[who] *= keep
        pop.wallet.reshape(-1)[exp.cell] += np.float32(p.wallet_memory)
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
    """``wallet[who] *= keep`` then ``wallet.flat[cell] += memory``, in float32, in place.

    Mirrors the numpy lines of :func:`update` (``"purchase"`` shares). Each buyer has one
    purchase cell, so no cell repeats and adding in a loop equals numpy's buffered ``+=``.
    """
    nf = wallet.shape[1]
    flat = wallet.reshape(wallet.size)
    k, n_buyers = 0, who.shape[0]
    while k < n_buyers:  # runs of consecutive buyers: one contiguous (vectorised) stretch
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
    """Per-firm retention this step, mean share of wallet and mean CLV of current customers."""
    pop, nf, stats = model.population, model.n_firms, model.step_stats
    at_risk = stats["at_risk"]
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(at_risk > 0, stats["retained"] / np.maximum(at_risk, 1), np.nan)
    discount_rate = model.spec.relationships.customer_value.discount_rate
    if fast.enabled():
        counts, sums = np.zeros(nf, dtype=np.int64), np.zeros((2, nf))
        # np.clip(np.nan_to_num(r), 0, MAX_RETENTION) with fewer calls: fmax turns NaN into 0
        r = np.minimum(np.fmax(model.retention_estimate, 0.0), MAX_RETENTION)
        _value_sums(pop.supplier, pop.wallet, margins(model), r, 1.0 + discount_rate, counts,
                    sums)
        wallet, clv = _mean(sums, counts)
        return {"retention": retention, "share_of_wallet": wallet, "clv": clv}
    r = np.nan_to_num(model.retention_estimate, nan=0.0)
    _, sup, cell = supplier_cells(model)
    held = get(pop.wallet, cell)
    wallet = kernels.mean_by_firm(sup, held.astype(np.float64), nf)
    # lifetime_values(model)[has], without building and re-reading the (N,) array
    clv = kernels.mean_by_firm(sup, lifetime_value(margins(model)[sup], held, r[sup],
                                                   discount_rate), nf)
    return {"retention": retention, "share_of_wallet": wallet, "clv": clv}


@fast.jit
def _value_sums(supplier, wallet, margin, retention, growth, counts, sums):
    """Per supplier: customers, and sums of their share of wallet and of their CLV.

    Mirrors the numpy lines of :func:`columns`: the wallet share at the supplier's cell (float32
    widened to float64), ``lifetime_value`` with ``growth = 1 + d`` and the retention already
    clipped per firm, summed in customer order as ``kernels.mean_by_firm``. Fills ``counts``
    (F,) and ``sums`` (2, F): wallet shares, CLVs.
    """
    nf = wallet.shape[1]
    for i in range(supplier.shape[0]):
        f = supplier[i]
        if f >= 0 and f < nf:
            held = np.float64(wallet[i, f])
            counts[f] += 1
            sums[0, f] += held
            sums[1, f] += margin[f] * held * growth / (growth - retention[f])


def _mean(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """As ``kernels.mean_by_firm``: sum / count, NaN where the count is 0."""
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
