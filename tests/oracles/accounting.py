"""Oracle of ``sim.mechanisms.accounting``: the firms' books, customers counted by bincount."""

from __future__ import annotations

import numpy as np

from oracles.kernels import count_by_firm
from sim.mechanisms import accounting


def account(model) -> None:
    """Book every active firm's sales of this step and track cash distress."""
    customers = count_by_firm(model.population.supplier, model.n_firms)
    with np.errstate(over="ignore", invalid="ignore"):
        accounting._book(model, model.step_stats["units"], model.market_scale, customers)
