"""Value-based targeting (switch ``targeting``) and heavy users.

Seed 001 lists among the common CRM mistakes "the value of customers is not estimated" and
"most favoured treatment for everyone".

**Heavy users.** A segment's ``volume`` is the units its customers buy per purchase (default 1).
Right after the purchase phase the firm's units — hence share of units, revenue and variable
cost — count them, with or without the switch: a few heavy users can be worth many light ones.

**Care by estimated value.** A firm with a ``targeting`` programme spends ``budget`` per step on
extra care for its current customers: the relationship level, recovery effort and contact a
favoured customer gets, condensed into the value the customer sees in it::

    care shift[n, supplier] = care_value × (1 − exp(−spend per treated customer / care_scale))

added to the customer's perceived use value of their supplier (so cared-for customers stay).
``uniform`` treatment spreads the budget over every customer (the "most favoured treatment for
everyone"); ``tiered`` treatment gives it to the ``top_share`` of customers with the highest
*estimated* value. A customer's value is their lifetime value to the supplier (``clv`` of the
customer-value mechanism) times their volume; the firm sees it through a log-normal error::

    estimate = value × exp(σ ε − σ²/2),   σ = estimate_noise × (1 − knowledge[n, f])

with one fixed ε per customer and firm (drawn when a firm first targets), so a firm that knows
its customers (learning relationships) ranks them better. Diminishing returns make care worth
most where it is concentrated on the customers worth most; with noisy estimates the tiers are
little better than chance. Columns: ``care_spend``, ``treated``, ``targeting_accuracy`` (share
of the treated who are truly in the top tier; tiered treatment only).
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.mechanisms.state import PerCustomer, State

STATE = State(
    customer={
        # units each customer buys per purchase; only when some segment buys other than 1
        "volume": PerCustomer(np.float64, fill=1.0, lazy=True),
        # (N, F) the part of value_shift that care holds; once a firm has targeted
        "care_shift": PerCustomer(np.float32, per_firm=True, lazy=True),
        # (N, F) fixed ε of the firms' value estimates, drawn when a firm first targets
        "value_error": PerCustomer(np.float32, per_firm=True, lazy=True),
    },
    model={
        # share of the treated who are truly in the top tier, per firm (NaN unless tiered)
        "targeting_accuracy": lambda model: np.full(model.n_firms, np.nan),
    },
)


# -- kernels -------------------------------------------------------------------------------
def estimated_value(value, noise_sd, eps) -> np.ndarray:
    """A firm's mean-preserving log-normal estimate of each customer's value."""
    return value * np.exp(noise_sd * eps - 0.5 * noise_sd**2)


def top_tier(estimate: np.ndarray, share: float) -> np.ndarray:
    """Positions of the ``share`` of entries with the highest estimate (at least one)."""
    k = int(min(len(estimate), max(1, round(share * len(estimate)))))
    if k >= len(estimate):
        return np.arange(len(estimate))
    return np.argpartition(-estimate, k - 1)[:k]


def care_effect(spend_per_customer, care_value: float, care_scale: float) -> np.ndarray:
    """PUV a customer sees in the care they get (diminishing returns in spend)."""
    return care_value * (1.0 - np.exp(-np.asarray(spend_per_customer, float) / care_scale))


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """Segment volumes per customer; no care state until a firm targets; register columns."""
    pop = model.population
    volume = np.array([s.volume for s in model.spec.market.segments], dtype=np.float64)
    if (volume != 1.0).any():
        pop.volume = volume[pop.segment]
    for firm in model.firms:
        firm.care_spend = 0.0
    model.column_providers.append(columns)


def count_volume(model) -> None:
    """Heavy users: each purchase counts ``volume`` units (nothing to do when all buy one)."""
    pop = model.population
    if pop.volume is None:
        return
    b = pop.bought
    extra = kernels.count_by_firm(pop.choice[b], model.n_firms, pop.volume[b] - 1.0)
    model.step_stats["units"] = model.step_stats["units"] + extra


def customer_values(model) -> np.ndarray:
    """(N,) each customer's value to their supplier: lifetime value × units per purchase."""
    from sim.mechanisms.customer_value import lifetime_values

    pop = model.population
    value = lifetime_values(model)
    return value if pop.volume is None else value * pop.volume


def care(model) -> None:
    """Firms spend their care budget on customers, uniformly or by estimated value."""
    pop, nf, stats = model.population, model.n_firms, model.step_stats
    for firm in model.firms:
        firm.care_spend = 0.0
    model.targeting_accuracy = np.full(nf, np.nan)
    on = model.spec.mechanisms.targeting
    firms = [f for f in model.firms
             if on and f.active and f.programmes.targeting is not None
             and f.programmes.targeting.budget > 0]
    if not firms and pop.care_shift is None:
        return
    p = model.spec.service_ideas.targeting
    new = np.zeros((pop.n, nf), dtype=np.float32)
    if firms:
        if pop.value_error is None:
            pop.value_error = model.relationship_rng.standard_normal((pop.n, nf)).astype(np.float32)
        value = customer_values(model)
        scale = model.market_scale
        for firm in firms:
            prog, f = firm.programmes.targeting, firm.index
            rows = np.nonzero(pop.supplier == f)[0]
            if len(rows) == 0:
                continue
            if prog.mode == "tiered":
                sd = prog.estimate_noise * (1.0 - pop.knowledge[rows, f].astype(np.float64))
                est = estimated_value(value[rows], sd, pop.value_error[rows, f])
                picked = top_tier(est, prog.top_share)
                bar = np.partition(value[rows], len(rows) - len(picked))[len(rows) - len(picked)]
                model.targeting_accuracy[f] = float(np.mean(value[rows][picked] >= bar))
                treated = rows[picked]
            else:
                treated = rows
            per_customer = prog.budget / (len(treated) * scale)
            new[treated, f] = care_effect(per_customer, p.care_value, p.care_scale)
            firm.care_spend = float(prog.budget)
            stats["treated"][f] += len(treated)
    old = pop.care_shift if pop.care_shift is not None else 0.0
    pop.value_shift += new - old
    pop.care_shift = new


def columns(model) -> dict[str, np.ndarray]:
    """Care spend, customers treated and targeting accuracy of this step."""
    return {
        "care_spend": np.array([f.care_spend for f in model.firms]),
        "treated": model.step_stats["treated"].astype(np.int64),
        "targeting_accuracy": model.targeting_accuracy.copy(),
    }
