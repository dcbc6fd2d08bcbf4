"""Firms entering and leaving the market, and scenario events.

At the start of each step (after firms decide): firms in cash distress for too long exit, firms due
to enter enter (with no customers; customers learn of them with their ``awareness`` probability,
everyone when every mechanism is off), then the scenario's events of this step apply in file
order. Every event applied is logged in ``model.event_log`` and shows in the firms table's
``events`` column (market-wide events on every firm's row).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.state import State


def _segment_weights(model) -> np.ndarray:
    """(S, D) each segment's value weights as the scenario sets them."""
    return np.array([[s.weights.get(d, 0.0) for d in model.dimensions]
                     for s in model.spec.market.segments]).reshape(len(model.segment_names), -1)


STATE = State(model={
    "market_scale": 1.0,                      # market size relative to the start (market_size)
    "event_log": lambda model: [],            # every event applied: step, type, firm, extras
    "segment_weights": _segment_weights,      # (S, D) segment weights, moved by segment_shift
})


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
    """Distress exits, entries due this step, then this step's scenario events in file order."""
    for firm in model.firms:
        limit = firm.spec.exit_after
        if firm.active and limit is not None and firm.distress_steps >= limit:
            exit_market(model, firm)
            _log(model, "exit", firm.name, reason="cash")
    for firm in model.firms:
        if not firm.active and firm.exited_at is None and firm.enter_at == model.steps:
            enter(model, firm)
            if model.steps > 0:
                _log(model, "entry", firm.name)
    for event in model.events_at.get(model.steps, []):
        firm = model.firm_by_name[event.firm] if event.firm else None
        APPLY[event.type](model, event, firm)
        if event.type != "entry":
            _log(model, event.type, event.firm)


def _log(model, kind: str, firm: str | None, **extra) -> None:
    model.event_log.append({"step": model.steps, "type": kind, "firm": firm, **extra})


def _change(model, event, firm) -> None:
    change = event.set
    if change.nonmonetary_cost is not None:
        firm.nonmonetary_cost = float(change.nonmonetary_cost)
    firm.change(price=change.price, attributes=change.attributes, programmes=change.programmes,
                expense=change.expense)


def _service_failure(model, event, firm) -> None:
    # delivered quality drops from this step (the programmes phase applies it) for ``duration``
    firm.failures.append((model.steps + event.duration - 1, float(event.severity)))


def _entry(model, event, firm) -> None:
    """Entries are handled through ``firm.enter_at`` (set from the event at construction)."""


def _exit(model, event, firm) -> None:
    if firm.active:
        exit_market(model, firm)


def _cost_shock(model, event, firm) -> None:
    for f in [firm] if firm is not None else model.firms:
        if event.factor is not None:
            f.costs.unit *= event.factor
        if event.add is not None:
            f.costs.unit = max(f.costs.unit + event.add, 0.0)
        if event.fixed_factor is not None:
            f.costs.fixed *= event.fixed_factor


def _segment_rows(model, segment: str | None) -> np.ndarray:
    pop = model.population
    if segment is None:
        return np.ones(pop.n, dtype=bool)
    return pop.segment == model.segment_names.index(segment)


def _expectation_shock(model, event, firm) -> None:
    pop = model.population
    rows = _segment_rows(model, event.segment)
    if event.reference_price_factor is not None:
        pop.reference_price[rows] *= event.reference_price_factor
    if event.delta is not None:  # the zone of tolerance (``expectations``) moves as a whole
        for values in (pop.adequate, pop.desired):
            values[rows] += event.delta


def _segment_shift(model, event, firm) -> None:
    pop = model.population
    k = model.segment_names.index(event.segment)
    rows = _segment_rows(model, event.segment)
    base = model.segment_weights
    for dim, new in (event.weights or {}).items():
        d = model.dimensions.index(dim)
        old = base[k, d]
        # keep each customer's spread around the segment's weight where there is one
        pop.weights[rows, d] = pop.weights[rows, d] * (new / old) if old > 0 else new
        base[k, d] = new
    if event.price_sensitivity_factor is not None:
        pop.price_sensitivity[rows] *= event.price_sensitivity_factor


def _market_size(model, event, firm) -> None:
    model.market_scale = model.market_scale * event.factor


APPLY = {
    "change": _change,
    "service_failure": _service_failure,
    "entry": _entry,
    "exit": _exit,
    "cost_shock": _cost_shock,
    "expectation_shock": _expectation_shock,
    "segment_shift": _segment_shift,
    "market_size": _market_size,
}
