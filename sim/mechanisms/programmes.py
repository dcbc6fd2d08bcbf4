"""Firms' programmes: employees and service delivery, quality investment, advertising, relationships.

Runs once a step, after events and before customers perceive offers. Spending is money per step;
its effect depends on spend per customer of the market, ``x = spend / (customers × market
scale)``, so settings mean the same in markets of any size. Every response has diminishing
returns of the form ``1 − exp(−x / scale)``. The constants below are the defaults; docs/firms.md
explains each.

Service-profit chain (Heskett; seeds 000, 003) — behind ``mechanisms.service_profit_chain``:

    employee satisfaction e:  e ← e + GAIN·(1 − exp(−x_im / SCALE))·(1 − e) − DECAY·(e − 0.5)
    delivered quality target: 1 + QUALITY_SLOPE·(e − 0.5)        (1.1 at e = 1)
    service consistency:      1 − CONSISTENCY_SLOPE·(e − 0.5)    (sd multiplier; 0.7 at e = 1)

Delivered quality follows last step's employee satisfaction, moving ``DELIVERY_ADJUST`` of the way
each step, so the chain shows its order: employees first, then delivery, then customers. A
service failure multiplies delivered quality by (1 − severity) while it lasts (switch or not).

Quality investment: spend on a dimension arrives after ``QUALITY_LAG`` steps and raises the level
by ``QUALITY_GAIN·(1 − exp(−x / QUALITY_SCALE))·(1 − level)``.

Advertising (Nerlove–Arrow goodwill): stock ← (1 − AD_DECAY)·stock + x_ad; each unaware customer
becomes aware with probability ``AD_REACH·(1 − exp(−stock / AD_SCALE))``.

Relationship levels (seed 003, five levels of firm–customer relationship): each sets complaint
accessibility, recovery quality, bonds, learning rate and contact intensity, and costs
``cost_per_customer`` per customer and step.
"""

from __future__ import annotations

import dataclasses

import numpy as np

EMPLOYEE_GAIN = 0.25
EMPLOYEE_SCALE = 0.1
EMPLOYEE_DECAY = 0.1
NEUTRAL_SATISFACTION = 0.5
QUALITY_SLOPE = 0.2
CONSISTENCY_SLOPE = 0.6
DELIVERY_ADJUST = 0.5

QUALITY_LAG = 3
QUALITY_GAIN = 0.1
QUALITY_SCALE = 0.5

AD_DECAY = 0.3
AD_SCALE = 0.2
AD_REACH = 0.5


@dataclasses.dataclass(frozen=True)
class RelationshipLevel:
    """Effects and cost of one relationship level."""

    complaint_accessibility: float
    recovery_quality: float
    bonds: dict
    learning_rate: float
    contact_intensity: float
    cost_per_customer: float


LEVELS = {
    # after the sale the firm does not contact the customer
    "basic": RelationshipLevel(0.1, 0.5, {"financial": 0.1, "social": 0.0, "structural": 0.0},
                               0.0, 0.0, 0.0),
    # the customer is invited to call with problems
    "reactive": RelationshipLevel(0.5, 0.7, {"financial": 0.2, "social": 0.1, "structural": 0.0},
                                  0.1, 0.0, 0.05),
    # the firm calls soon after the sale, collects problems and suggestions
    "accountable": RelationshipLevel(0.7, 0.8,
                                     {"financial": 0.2, "social": 0.3, "structural": 0.1},
                                     0.2, 0.1, 0.2),
    # the firm keeps in touch, brings suggestions and new offers
    "proactive": RelationshipLevel(0.8, 0.85,
                                   {"financial": 0.3, "social": 0.5, "structural": 0.3},
                                   0.35, 0.3, 0.5),
    # continuous cooperation, products designed with the customer
    "partnership": RelationshipLevel(0.9, 0.9,
                                     {"financial": 0.4, "social": 0.6, "structural": 0.7},
                                     0.5, 0.4, 1.0),
}
# a firm that runs no programme learns nothing (relationships.learning.default_rate)
UNMANAGED = RelationshipLevel(0.5, 0.7, {"financial": 0.2, "social": 0.1, "structural": 0.0},
                              0.0, 0.0, 0.0)


def set_relationship_level(firm) -> None:
    """Set the firm's relationship attributes from its programme's level.

    A firm without a level gets the defaults, taking the scenario's ``relationships.bonds``
    default bonds and ``relationships.learning.default_rate`` where the scenario sets them.
    """
    progs = firm.programmes
    level = LEVELS[progs.relationship_level] if progs.relationship_level else unmanaged(firm)
    firm.complaint_accessibility = level.complaint_accessibility
    firm.recovery_quality = level.recovery_quality
    firm.bonds = dict(level.bonds)
    firm.learning_rate = level.learning_rate
    firm.contact_intensity = level.contact_intensity
    cost = progs.relationship_cost
    firm.relationship_cost_per_customer = level.cost_per_customer if cost is None else cost


def unmanaged(firm) -> RelationshipLevel:
    """The relationship attributes of a firm that picked no level (scenario defaults honoured)."""
    rel = getattr(getattr(getattr(firm, "model", None), "spec", None), "relationships", None)
    if rel is None:
        return UNMANAGED
    b = rel.bonds
    return dataclasses.replace(
        UNMANAGED,
        bonds={"financial": b.default_financial, "social": b.default_social,
               "structural": b.default_structural},
        learning_rate=rel.learning.default_rate,
    )


def run(model) -> None:
    """Advance every active firm's programmes by one step."""
    size = model.population.n * model.market_scale
    chain = model.spec.mechanisms.service_profit_chain
    for firm in model.firms:
        if not firm.active:
            continue
        progs = firm.programmes
        deliver(firm, model.steps, chain)
        firm.employee_satisfaction = employee_satisfaction(
            firm.employee_satisfaction, progs.internal_marketing / size
        )
        invest_in_quality(firm, {d: s / size for d, s in quality_spend(firm).items()})
        advertise(model, firm, progs.advertising / size)


def quality_spend(firm) -> dict[str, float]:
    """Quality investment per dimension (one number is spread evenly over the dimensions)."""
    spend = firm.programmes.quality_investment
    if isinstance(spend, dict):
        return dict(spend)
    return {d: float(spend) / len(firm.dimensions) for d in firm.dimensions}


def employee_satisfaction(e: float, spend_per_customer: float) -> float:
    """Next step's employee satisfaction: gain with diminishing returns, decay toward neutral."""
    gain = EMPLOYEE_GAIN * (1 - np.exp(-spend_per_customer / EMPLOYEE_SCALE))
    e = e + gain * (1 - e) - EMPLOYEE_DECAY * (e - NEUTRAL_SATISFACTION)
    return float(min(max(e, 0.0), 1.0))


def deliver(firm, step: int, chain: bool) -> None:
    """Delivered service quality and consistency from employee satisfaction and failures."""
    if chain:
        target = 1 + QUALITY_SLOPE * (firm.employee_satisfaction - NEUTRAL_SATISFACTION)
        firm.chain_quality += DELIVERY_ADJUST * (target - firm.chain_quality)
        firm.service_consistency = 1 - CONSISTENCY_SLOPE * (
            firm.employee_satisfaction - NEUTRAL_SATISFACTION
        )
    else:
        firm.chain_quality, firm.service_consistency = 1.0, 1.0
    firm.failures = [(until, s) for until, s in firm.failures if until >= step]
    drop = float(np.prod([1 - s for _, s in firm.failures])) if firm.failures else 1.0
    firm.service_quality = firm.chain_quality * drop


def invest_in_quality(firm, spend_per_customer: dict[str, float]) -> None:
    """Queue this step's quality spend; spend made ``QUALITY_LAG`` steps ago raises the levels."""
    spend = np.array([spend_per_customer.get(d, 0.0) for d in firm.dimensions])
    firm.quality_pipeline.append(spend)
    if len(firm.quality_pipeline) <= QUALITY_LAG:
        return
    arrived = firm.quality_pipeline.pop(0)
    gain = QUALITY_GAIN * (1 - np.exp(-arrived / QUALITY_SCALE)) * (1 - firm.levels)
    firm.levels = np.clip(firm.levels + gain, 0.0, 1.0)


def advertise(model, firm, spend_per_customer: float) -> None:
    """Build the advertising stock; unaware customers learn of the firm (no draws without it)."""
    firm.advertising_stock = (1 - AD_DECAY) * firm.advertising_stock + spend_per_customer
    if firm.advertising_stock <= 1e-12 or model.spec.mechanisms.all_off():
        return
    aware = model.population.aware[:, firm.index]
    unaware = np.nonzero(~aware)[0]
    if len(unaware) == 0:
        return
    p = AD_REACH * (1 - np.exp(-firm.advertising_stock / AD_SCALE))
    aware[unaware[model.rng.random(len(unaware)) < p]] = True


def spend(model, firm, customers: int | None = None) -> float:
    """Programme spend of this step: fixed programme budgets plus relationship cost per customer.

    Args:
        model: the market.
        firm: the firm.
        customers: the firm's current customers (counted from the population when not given).
    """
    progs = firm.programmes
    if customers is None:
        customers = int(np.count_nonzero(model.population.supplier == firm.index))
    relationship = firm.relationship_cost_per_customer * customers * model.market_scale
    firm.relationship_spend = relationship
    return (
        progs.internal_marketing
        + progs.advertising
        + sum(quality_spend(firm).values())
        + relationship
    )


def install(model) -> None:
    """Add the programmes' and this step's events' output columns to the firms table."""
    model.column_providers.append(columns)


def columns(model) -> dict[str, np.ndarray]:
    """Per-firm output columns of the programmes and of this step's events."""
    firms = model.firms
    events = np.array([""] * len(firms), dtype=object)
    for entry in model.event_log:
        if entry["step"] != model.steps:
            continue
        name = entry["firm"]
        gone = name is not None and not model.firm_by_name[name].active
        for f in firms:
            # an exited firm has no row: its exit shows on every remaining firm's row
            label = f"{entry['type']}:{name}" if gone else entry["type"]
            if gone or name in (None, f.name):
                events[f.index] = ";".join(filter(None, [events[f.index], label]))
    return {
        "employee_satisfaction": np.array([f.employee_satisfaction for f in firms]),
        "service_quality": np.array([f.service_quality for f in firms]),
        "service_consistency": np.array([f.service_consistency for f in firms]),
        "relationship_level": np.array(
            [f.programmes.relationship_level or "" for f in firms], dtype=object
        ),
        "relationship_spend": np.array([getattr(f, "relationship_spend", 0.0) for f in firms]),
        "advertising_stock": np.array([f.advertising_stock for f in firms]),
        "events": events,
    }
