"""Experience, satisfaction, complaints, word of mouth, trust, loyalty, ladder, expectations.

The relationship mechanisms (DESIGN.md §3 rows 4–15) slot in here, each behind its switch in
``mechanisms:``. The choice core only needs the reference-price adaptation, which belongs to
expectations (PP is relative to what the market charges).
"""

from __future__ import annotations

from sim.mechanisms import perception


def experience(model) -> None:
    """Customers who bought experience the service and become (dis)satisfied."""


def complain(model) -> None:
    """Dissatisfied customers complain or leave quietly; firms recover some complaints."""


def talk(model) -> None:
    """Word of mouth over the social network."""


def update(model) -> None:
    """Trust, loyalty, the relationship ladder and expectations move with experience."""
    if model.spec.mechanisms.expectations:
        perception.adapt_reference_price(model)
