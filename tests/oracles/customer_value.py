"""Oracle of ``sim.mechanisms.customer_value``: share of wallet and its columns in plain numpy."""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.mechanisms.cells import get, supplier_cells
from sim.mechanisms.customer_value import lifetime_value, margins, update_wallet


def update(model) -> None:
    """Shares of wallet move with this step's purchases; retention estimates with churn."""
    pop, exp, stats = model.population, model.experience, model.step_stats
    p = model.spec.relationships.customer_value
    who = exp.who
    if p.share_of_wallet == "split":
        from sim.mechanisms.choice import utilities

        share = kernels.logit_probabilities(utilities(model)[who])
        pop.wallet[who] = update_wallet(pop.wallet[who], share, p.wallet_memory)
    else:  # decay every share of the buyers, add the purchase
        pop.wallet[who] *= np.float32(1.0 - p.wallet_memory)
        pop.wallet.reshape(-1)[exp.cell] += np.float32(p.wallet_memory)
    at_risk = stats["at_risk"]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(at_risk > 0, stats["retained"] / np.maximum(at_risk, 1), np.nan)
    est = model.retention_estimate
    m = p.retention_memory
    model.retention_estimate = np.where(
        np.isnan(est), rate, np.where(np.isnan(rate), est, (1 - m) * est + m * rate)
    )


def columns(model) -> dict[str, np.ndarray]:
    """Per-firm retention this step, mean share of wallet and mean CLV of current customers."""
    pop, nf, stats = model.population, model.n_firms, model.step_stats
    at_risk = stats["at_risk"]
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(at_risk > 0, stats["retained"] / np.maximum(at_risk, 1), np.nan)
    discount_rate = model.spec.relationships.customer_value.discount_rate
    r = np.nan_to_num(model.retention_estimate, nan=0.0)
    _, sup, cell = supplier_cells(model)
    held = get(pop.wallet, cell).astype(np.float64)
    wallet = kernels.mean_by_firm(sup, held, nf)
    clv = kernels.mean_by_firm(sup, lifetime_value(margins(model)[sup], held, r[sup],
                                                   discount_rate), nf)
    return {"retention": retention, "share_of_wallet": wallet, "clv": clv}
