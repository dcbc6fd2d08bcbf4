"""Service promises and the gap model (switch ``promises``; seeds 002, 003).

A firm with a ``promise`` programme communicates a promised value: its offer's value to each
customer (on the claimed attribute levels, if any) times the promise ratio. Each customer keeps,
per firm, an *expectation ratio* e[n, f] — how much more (or less) than the offer's actual value
they expect from the firm (1 = no distortion; stored only once some firm promises)::

    hear:     e ← e + credibility × (promised / delivered − e)      (customers the promise reaches)
    buy:      e ← e + correction × (1 − e)                          (own experience corrects it)
              e ← 1 − betrayal × (e − 1)   if e > 1 and the buyer was dissatisfied (misled)
    choose:   PUV[n, f] += draw × (e − 1) × base PUV[n, f]           (the promise draws customers)
    judge:    adequate, desired × e[n, f]   for the purchase from f  (the promise sets the bar)

Each step a customer who knows the firm hears its promise with probability ``reach`` (raised by
the firm's advertising stock); customers who learned of the firm since the last step (through
advertising, word of mouth or contacts) always hear it. Prospects believe it
(``credibility``), customers who have bought from the firm less (``experienced_credibility``:
the promise still sets the standard they hold the firm to), and a customer the firm has misled
not at all. An over-promiser thus draws customers in, then disappoints them: below the raised
bar they are dissatisfied, complain, talk, lose trust and — misled — discount the firm from then
on (``betrayal``). A modest promise that is beaten delights. An honest promise (ratio 1) changes nothing.

Every step, whatever the switch, the firms table gets the SERVQUAL view of each firm's buyers:
``expected_quality`` (mean e × base PUV of the offer bought), ``perceived_quality`` (mean
experienced performance) and ``quality_gap`` = perceived − expected (negative: delivery falls
short of what customers were led to expect). With the switch off e is 1 throughout, nothing is
drawn and promises have no effect.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.mechanisms import programmes


# -- kernels -------------------------------------------------------------------------------
def promised_ratio(weights, levels, claimed, ratio: float) -> np.ndarray:
    """(N,) promised value over delivered value of one firm's offer for every customer.

    Args:
        weights: (N, D) customers' value weights.
        levels: (D,) the levels the firm delivers.
        claimed: (D,) the levels it claims (``levels`` where it claims nothing special).
        ratio: the promise ratio multiplying the claimed value.
    """
    # elementwise sums, not BLAS: the same bits on every machine (see kernels.perceived_use_value)
    delivered = (weights * levels).sum(axis=1)
    promised = ratio * (weights * claimed).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(delivered > 1e-12, promised / np.maximum(delivered, 1e-12), ratio)
    return out


def hear(expectation, target, credibility) -> np.ndarray:
    """Expectation ratio after hearing a promise: a ``credibility`` step toward ``target``."""
    return expectation + credibility * (target - expectation)


def correct(expectation, correction: float) -> np.ndarray:
    """Expectation ratio after a purchase: a ``correction`` step back toward the delivered 1."""
    return expectation + correction * (1.0 - expectation)


def after_purchase(expectation, dissatisfied, correction: float, betrayal: float) -> np.ndarray:
    """Expectation ratio after a purchase.

    A buyer who had been promised more than the offer delivers (ratio > 1) and was dissatisfied
    feels misled and now discounts the firm: 1 − betrayal × (ratio − 1). Everyone else moves a
    ``correction`` step back toward 1.
    """
    broken = dissatisfied & (expectation > 1.0)
    return np.where(broken, 1.0 - betrayal * (expectation - 1.0),
                    correct(expectation, correction))


def promise_shift(expectation, base, draw: float) -> np.ndarray:
    """PUV shift from a promise: ``draw`` × the expected extra value (e − 1) × base PUV."""
    return draw * (expectation - 1.0) * base


def scale_zone(pop, rows: np.ndarray, factor: np.ndarray):
    """Multiply the adequate and desired levels of ``rows`` by ``factor``; return what to restore."""
    saved = (rows, pop.adequate[rows].copy(), pop.desired[rows].copy())
    pop.adequate[rows] = pop.adequate[rows] * factor
    pop.desired[rows] = pop.desired[rows] * factor
    return saved


def restore_zone(pop, saved) -> None:
    """Undo ``scale_zone`` exactly (the saved values are put back)."""
    if saved is None:
        return
    rows, adequate, desired = saved
    pop.adequate[rows] = adequate
    pop.desired[rows] = desired


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """No promise state until a firm promises; register the quality-gap columns."""
    pop = model.population
    pop.promise_expectation = None  # (N, F) float32 expectation ratio, allocated on first use
    pop.promise_shift = None        # (N, F) float32 part of value_shift that promises hold
    pop.promise_misled = None       # (N, F) bool: the firm broke a promise to this customer
    model.promise_seen = None       # awareness of promising firms at the last communication
    model.promise_zone = None
    model.quality_stats = None
    model.column_providers.append(columns)


def _promisers(model) -> list:
    return [f for f in model.firms if f.active and f.programmes.promise is not None]


def communicate(model) -> None:
    """Promises reach customers and move their expectations; perceived PUV follows."""
    if not model.spec.mechanisms.promises:
        return
    pop, rng = model.population, model.relationship_rng
    firms = _promisers(model)
    if not firms and pop.promise_expectation is None:
        return
    if pop.promise_expectation is None:
        pop.promise_expectation = np.ones((pop.n, model.n_firms), dtype=np.float32)
        pop.promise_shift = np.zeros((pop.n, model.n_firms), dtype=np.float32)
        pop.promise_misled = np.zeros((pop.n, model.n_firms), dtype=bool)
        model.promise_seen = pop.aware.copy()
    p = model.spec.service_ideas.promises
    dims = model.dimensions
    for firm in firms:
        f = firm.index
        promise = firm.programmes.promise
        claimed = np.array([(promise.attributes or {}).get(d, firm.levels[i])
                            for i, d in enumerate(dims)])
        target = promised_ratio(pop.weights, firm.levels, claimed, promise.ratio)
        ad = programmes.AD_REACH * (1 - np.exp(-firm.advertising_stock / programmes.AD_SCALE))
        reach = 1 - (1 - p.reach) * (1 - ad)
        aware = pop.aware[:, f]
        newly = aware & ~model.promise_seen[:, f]
        heard = aware & ((rng.random(pop.n) < reach) | newly)
        experienced = np.isfinite(pop.satisfaction[:, f])
        cred = np.where(experienced, p.experienced_credibility, p.credibility)
        cred = np.where(pop.promise_misled[:, f], 0.0, cred)  # fooled once, never again
        e = pop.promise_expectation[:, f]
        e[heard] = hear(e[heard], target[heard], cred[heard])
    model.promise_seen = pop.aware.copy()
    base = kernels.perceived_use_value(pop.weights, model.levels_matrix())
    new = promise_shift(pop.promise_expectation, base, p.draw).astype(np.float32)
    pop.value_shift += new - pop.promise_shift
    pop.promise_shift = new


def frame(model) -> None:
    """Before buyers judge their experience: the promise moves their zone for the firm bought."""
    model.promise_zone = None
    pop = model.population
    if not model.spec.mechanisms.promises or pop.promise_expectation is None:
        return
    who = np.nonzero(pop.bought)[0]
    e = pop.promise_expectation[who, pop.choice[who]]
    moved = e != 1.0
    if moved.any():
        model.promise_zone = scale_zone(pop, who[moved], e[moved])


def settle(model) -> None:
    """After judging: zones back; experience corrects expectations; record the quality gap."""
    pop, exp, nf = model.population, model.experience, model.n_firms
    restore_zone(pop, model.promise_zone)
    model.promise_zone = None
    who, firm = exp.who, exp.firm
    # base PUV of the offer bought: perceived PUV less the shifts (nothing moves them between
    # perception and here); two gathers instead of recomputing weights × levels for every buyer
    base = pop.puv[who, firm] - pop.value_shift[who, firm]
    e = np.ones(len(who))
    if model.spec.mechanisms.promises and pop.promise_expectation is not None:
        e = pop.promise_expectation[who, firm].astype(np.float64)
        p = model.spec.service_ideas.promises
        pop.promise_expectation[who, firm] = after_purchase(e, exp.z < 0, p.correction,
                                                            p.betrayal)
        broken = (exp.z < 0) & (e > 1.0)
        pop.promise_misled[who[broken], firm[broken]] = True
    expected = kernels.mean_by_firm(firm, e * base, nf)
    perceived = kernels.mean_by_firm(firm, exp.performance, nf)
    model.quality_stats = (expected, perceived)


def columns(model) -> dict[str, np.ndarray]:
    """Per firm: buyers' mean expected and perceived quality and the gap (perceived − expected)."""
    if model.quality_stats is None:
        nan = np.full(model.n_firms, np.nan)
        return {"expected_quality": nan, "perceived_quality": nan, "quality_gap": nan}
    expected, perceived = model.quality_stats
    return {"expected_quality": expected, "perceived_quality": perceived,
            "quality_gap": perceived - expected}
