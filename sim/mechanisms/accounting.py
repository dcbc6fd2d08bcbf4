"""Firms account: revenue = price × volume, profit = revenue − variable − fixed − programme costs.

Volume is the units bought this step times the market scale (1.0 unless a ``market_size`` event
grew or shrank the market). Programme spend (internal marketing, advertising, quality investment,
relationship cost per customer) is booked as marketing spend.

Cash changes by profit and nothing else, so money is conserved: cash(t) = cash(t−1) + profit(t).
A firm whose cash stays below its ``exit_cash`` for ``exit_after`` steps leaves the market at the
start of the next step (``lifecycle.apply_events``).
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.mechanisms import programmes


def account(model) -> None:
    """Book every active firm's sales of this step and track cash distress."""
    units = model.step_stats["units"]
    customers = kernels.count_by_firm(model.population.supplier, model.n_firms)
    with np.errstate(over="ignore", invalid="ignore"):  # extreme money is ±inf, said after the run
        _book(model, units, model.market_scale, customers)


def _book(model, units, scale, customers) -> None:
    """Programme spend, the books and the distress count of every firm (``customers``: (F,))."""
    for firm in model.firms:
        if firm.active:
            firm.programme_spend = programmes.spend(model, firm, int(customers[firm.index]))
            firm.account(units[firm.index] * scale)
            distressed = firm.cash < firm.spec.exit_cash
            firm.distress_steps = firm.distress_steps + 1 if distressed else 0
        else:
            firm.programme_spend = 0.0
            firm.reset_books()
