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

from sim import fast, kernels
from sim.mechanisms import programmes
from sim.mechanisms.cells import get


# -- kernels -------------------------------------------------------------------------------
def promised_ratio(weights, levels, claimed, ratio: float) -> np.ndarray:
    """(N,) promised value over delivered value of one firm's offer for every customer.

    Args:
        weights: (N, D) customers' value weights.
        levels: (D,) the levels the firm delivers.
        claimed: (D,) the levels it claims (``levels`` where it claims nothing special).
        ratio: the promise ratio multiplying the claimed value.
    """
    # the PUV kernel (dimensions added in order), not BLAS nor numpy's short-row reduction: the
    # same bits on every machine and in the compiled path (see kernels.perceived_use_value)
    delivered = kernels.perceived_use_value(weights, np.reshape(levels, (1, -1)))[:, 0]
    promised = ratio * kernels.perceived_use_value(weights, np.reshape(claimed, (1, -1)))[:, 0]
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
    pop = model.population
    firms = _promisers(model)
    if not firms and pop.promise_expectation is None:
        return
    if pop.promise_expectation is None:
        pop.promise_expectation = np.ones((pop.n, model.n_firms), dtype=np.float32)
        pop.promise_shift = np.zeros((pop.n, model.n_firms), dtype=np.float32)
        pop.promise_misled = np.zeros((pop.n, model.n_firms), dtype=bool)
        model.promise_seen = pop.aware.copy()
    p = model.spec.service_ideas.promises
    heard_of = [_hearing(model, firm, p) for firm in firms]  # (f, claimed, reach, draws)
    if fast.enabled():
        _communicate_compiled(model, firms, heard_of, p)
        return
    for firm, (f, claimed, reach, draws) in zip(firms, heard_of, strict=True):
        target = promised_ratio(pop.weights, firm.levels, claimed, firm.programmes.promise.ratio)
        aware = pop.aware[:, f]
        newly = aware & ~model.promise_seen[:, f]
        heard = aware & ((draws < reach) | newly)
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


def _hearing(model, firm, p) -> tuple[int, np.ndarray, float, np.ndarray]:
    """A promising firm's column, claimed levels, reach this step and one uniform per customer."""
    promise = firm.programmes.promise
    claimed = np.array([(promise.attributes or {}).get(d, firm.levels[i])
                        for i, d in enumerate(model.dimensions)])
    ad = programmes.AD_REACH * (1 - np.exp(-firm.advertising_stock / programmes.AD_SCALE))
    reach = 1 - (1 - p.reach) * (1 - ad)
    return firm.index, claimed, reach, model.relationship_rng.random(model.population.n)


def frame(model) -> None:
    """Before buyers judge their experience: the promise moves their zone for the firm bought."""
    model.promise_zone = None
    pop = model.population
    if not model.spec.mechanisms.promises or pop.promise_expectation is None:
        return
    if fast.enabled():
        rows = np.empty(pop.n, dtype=np.int64)
        adequate, desired = np.empty(pop.n, np.float32), np.empty(pop.n, np.float32)
        k = _scale_promised_zones(pop.bought, pop.choice, pop.promise_expectation, pop.adequate,
                                  pop.desired, rows, adequate, desired)
        if k:
            model.promise_zone = (rows[:k], adequate[:k], desired[:k])
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
    promising = model.spec.mechanisms.promises and pop.promise_expectation is not None
    p = model.spec.service_ideas.promises
    if fast.enabled():
        model.quality_stats = _settle_compiled(model, promising, p)
        return
    who, firm = exp.who, exp.firm
    # base PUV of the offer bought: perceived PUV less the shifts (nothing moves them between
    # perception and here); two gathers instead of recomputing weights × levels for every buyer
    base = get(pop.puv, exp.cell) - get(pop.value_shift, exp.cell)
    e = np.ones(len(who))
    if promising:
        e = pop.promise_expectation[who, firm].astype(np.float64)
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


# -- compiled path (numba): the same numbers as the numpy lines of the phases above ----------
# ``np.float64(x)`` widens float32 (numba's ``float(x)`` keeps float32); float32 arithmetic
# stays float32 where numpy's does (an array of float32 with a Python float).
def _settle_compiled(model, promising: bool, p) -> tuple[np.ndarray, np.ndarray]:
    """``settle`` after the zones are restored: one pass over the buyers (same bits)."""
    pop, exp, nf = model.population, model.experience, model.n_firms
    sums = np.zeros((2, nf))
    counts = np.zeros(nf, dtype=np.int64)
    dummy = np.zeros((1, 1), dtype=np.float32)
    _settle_buyers(exp.who, exp.firm, exp.z, exp.performance, pop.puv, pop.value_shift,
                   bool(promising), pop.promise_expectation if promising else dummy,
                   pop.promise_misled if promising else dummy.astype(bool),
                   float(p.correction), float(p.betrayal), sums, counts)
    with np.errstate(invalid="ignore", divide="ignore"):  # as kernels.mean_by_firm
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return means[0], means[1]


@fast.jit
def _settle_buyers(who, firm, z, performance, puv, shift, promising, expectation, misled,
                   correction, betrayal, sums, counts):
    """Per buyer in order, as ``settle``'s numpy lines: the expectation after the purchase.

    ``after_purchase`` and the misled flag when promising; the sums of ``mean_by_firm(firm,
    e × base)`` and ``mean_by_firm(firm, performance)`` into ``sums`` rows 0 and 1.
    """
    for b in range(who.shape[0]):
        n, f = who[b], firm[b]
        base = puv[n, f] - shift[n, f]
        e = 1.0
        if promising:
            e = np.float64(expectation[n, f])
            if z[b] < 0 and e > 1.0:  # broken: discounted from now on
                expectation[n, f] = np.float32(1.0 - betrayal * (e - 1.0))
                misled[n, f] = True
            else:
                expectation[n, f] = np.float32(e + correction * (1.0 - e))
        sums[0, f] += e * base
        sums[1, f] += performance[b]
        counts[f] += 1


def _communicate_compiled(model, firms, heard_of, p) -> None:
    """``communicate`` after the draws: one compiled pass over the customers (same bits)."""
    pop = model.population
    k, n_dims = len(firms), len(model.dimensions)
    cols = np.array([f for f, _, _, _ in heard_of], dtype=np.int64)
    claimed = np.array([c for _, c, _, _ in heard_of], dtype=np.float64).reshape(k, n_dims)
    reach = np.array([r for _, _, r, _ in heard_of], dtype=np.float64)
    draws = np.array([d for _, _, _, d in heard_of]).reshape(k, pop.n)
    ratio = np.array([firm.programmes.promise.ratio for firm in firms], dtype=np.float64)
    _promise_rows(pop.weights, np.ascontiguousarray(model.levels_matrix(), np.float64), cols,
                  claimed, ratio, reach, draws, pop.aware, model.promise_seen, pop.satisfaction,
                  pop.promise_misled, float(p.credibility), float(p.experienced_credibility),
                  float(p.draw), pop.promise_expectation, pop.promise_shift, pop.value_shift)


@fast.jit
def _promise_rows(weights, levels, cols, claimed, ratio, reach, draws, aware, seen,
                  satisfaction, misled, credibility, experienced_credibility, draw, expectation,
                  promise_shift, value_shift):
    """Customer by customer, the numpy lines of ``communicate`` (rows are independent).

    For each promising firm (column ``cols[i]``): who hears (aware and drawn, or newly aware),
    ``promised_ratio`` (dimensions in order), the credibility (experienced, misled) and
    ``hear`` on the float32 expectation. Then the row's awareness is remembered and
    ``promise_shift`` recomputed for every firm: ``draw × (e − 1)`` in float32, times base PUV
    in float64, rounded to float32; ``value_shift`` moves by the float32 change.
    """
    n_dims = weights.shape[1]
    draw32 = np.float32(draw)
    one = np.float32(1.0)
    for n in range(weights.shape[0]):
        for i in range(cols.shape[0]):
            f = cols[i]
            if not (aware[n, f] and (draws[i, n] < reach[i] or not seen[n, f])):
                continue
            delivered = weights[n, 0] * levels[f, 0] if n_dims > 0 else 0.0
            promised = weights[n, 0] * claimed[i, 0] if n_dims > 0 else 0.0
            for d in range(1, n_dims):
                delivered += weights[n, d] * levels[f, d]
                promised += weights[n, d] * claimed[i, d]
            promised = ratio[i] * promised
            target = promised / delivered if delivered > 1e-12 else ratio[i]
            cred = experienced_credibility if abs(satisfaction[n, f]) < np.inf else credibility
            if misled[n, f]:
                cred = 0.0
            e = np.float64(expectation[n, f])
            expectation[n, f] = np.float32(e + cred * (target - e))
        for f in range(levels.shape[0]):
            seen[n, f] = aware[n, f]
            base = weights[n, 0] * levels[f, 0] if n_dims > 0 else 0.0
            for d in range(1, n_dims):
                base += weights[n, d] * levels[f, d]
            new = np.float32(np.float64(draw32 * (expectation[n, f] - one)) * base)
            value_shift[n, f] += np.float64(new - promise_shift[n, f])
            promise_shift[n, f] = new


@fast.jit
def _scale_promised_zones(bought, choice, expectation, adequate, desired, rows, saved_adequate,
                          saved_desired):
    """``frame``'s ``scale_zone`` for buyers whose expectation ratio is not 1; returns how many."""
    k = 0
    for n in range(bought.shape[0]):
        if not bought[n]:
            continue
        e = expectation[n, choice[n]]
        if e != 1.0:
            rows[k] = n
            saved_adequate[k] = adequate[n]
            saved_desired[k] = desired[n]
            adequate[n] = adequate[n] * e
            desired[n] = desired[n] * e
            k += 1
    return k
