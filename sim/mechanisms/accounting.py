"""Firms account: revenue = price × units, profit = revenue − variable − fixed − programme costs.

Cash changes by profit and nothing else, so money is conserved: cash(t) = cash(t−1) + profit(t).
"""

from __future__ import annotations


def account(model) -> None:
    """Book every active firm's sales of this step."""
    units = model.step_stats["units"]
    for firm in model.firms:
        if firm.active:
            firm.account(units[firm.index])
        else:
            firm.reset_books()
