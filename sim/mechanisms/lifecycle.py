"""Firms entering and leaving the market, and scenario events.

An entrant becomes active at its ``enter_at`` step with no customers; customers learn of it
with its ``awareness`` probability (everyone, when every mechanism is off). Events given in the
scenario change firms' offers at their step.
"""

from __future__ import annotations

import numpy as np


def enter(model, firm) -> None:
    """Put ``firm`` on the market: it becomes available to the customers who know of it."""
    firm.active = True
    firm.entered_at = model.steps
    pop = model.population
    a = firm.spec.awareness
    if model.spec.mechanisms.all_off() or a >= 1:
        pop.aware[:, firm.index] = True
    else:
        pop.aware[:, firm.index] = model.rng.random(pop.n) < a


def exit_market(model, firm) -> None:
    """Take ``firm`` off the market; its customers return to the market with no supplier."""
    firm.active = False
    firm.exited_at = model.steps
    pop = model.population
    gone = pop.supplier == firm.index
    pop.supplier[gone] = -1
    model.step_stats["lost_customers"][firm.index] += np.count_nonzero(gone)


def apply_events(model) -> None:
    """Entries due this step, then the scenario's events for this step, in file order."""
    for firm in model.firms:
        if not firm.active and firm.exited_at is None and firm.spec.enter_at == model.steps:
            enter(model, firm)
    for event in model.events_at.get(model.steps, []):
        firm = model.firm_by_name[event.firm] if event.firm else None
        if event.set and firm is not None:
            from agents.strategies import Action

            changes = dict(event.set)
            firm.apply(Action(price=changes.get("price"), attributes=changes.get("attributes")))
