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

from sim import fast
from sim.mechanisms import programmes
from sim.mechanisms.state import PerCustomer, State

STATE = State(
    customer={
        # expectation ratio e[n, f] (1 = no distortion); allocated when a firm first promises
        "promise_expectation": PerCustomer(np.float32, fill=1.0, per_firm=True, lazy=True),
        # the part of value_shift the promises hold: draw × (e − 1) × base PUV
        "promise_shift": PerCustomer(np.float32, per_firm=True, lazy=True),
        # the firm broke a promise to this customer, who no longer believes it
        "promise_misled": PerCustomer(np.bool_, fill=False, per_firm=True, lazy=True),
    },
    model={
        "promise_seen": None,   # (N, F) awareness at the last communication, once allocated
        "promise_zone": None,   # (rows, adequate, desired) to restore after the experience
        "quality_stats": None,  # this step's (expected, perceived) quality per firm
    },
)


def restore_zone(pop, saved) -> None:
    """Put back the adequate and desired levels of the rows a frame moved (None: nothing)."""
    if saved is None:
        return
    rows, adequate, desired = saved
    pop.adequate[rows] = adequate
    pop.desired[rows] = desired


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """Register the quality-gap columns (the promise state is allocated on first use)."""
    model.column_providers.append(columns)


def _promisers(model) -> list:
    return [f for f in model.firms if f.active and f.programmes.promise is not None]


def _allocate(model) -> None:
    """The promise state, the first time a firm promises."""
    pop = model.population
    for name, spec in STATE.customer.items():
        setattr(pop, name, spec.allocate(pop.n, model.n_firms))
    model.promise_seen = pop.aware.copy()


def communicate(model) -> None:
    """Promises reach customers and move their expectations; perceived PUV follows.

    The uniforms deciding who hears are drawn first (one per customer per promising firm, firm
    by firm); then one compiled pass over the customers (:func:`_promise_rows`).
    """
    if not model.spec.mechanisms.promises:
        return
    pop = model.population
    firms = _promisers(model)
    if not firms and pop.promise_expectation is None:
        return
    if pop.promise_expectation is None:
        _allocate(model)
    p = model.spec.service_ideas.promises
    heard_of = [_hearing(model, firm, p) for firm in firms]  # (f, claimed, reach, draws)
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


def _hearing(model, firm, p) -> tuple[int, np.ndarray, float, np.ndarray]:
    """A promising firm's column, claimed levels, reach this step and one uniform per customer."""
    promise = firm.programmes.promise
    claimed = np.array([(promise.attributes or {}).get(d, firm.levels[i])
                        for i, d in enumerate(model.dimensions)])
    ad = programmes.AD_REACH * (1 - np.exp(-firm.advertising_stock / programmes.AD_SCALE))
    reach = 1 - (1 - p.reach) * (1 - ad)
    return firm.index, claimed, reach, model.relationship_rng.random(model.population.n)


def frame(model) -> None:
    """Before buyers judge their experience: the promise moves their zone for the firm bought.

    A buyer's adequate and desired levels are multiplied by e[n, f] of the firm bought from
    (where e ≠ 1); the old levels are kept in ``model.promise_zone`` for :func:`settle`.
    """
    model.promise_zone = None
    pop = model.population
    if not model.spec.mechanisms.promises or pop.promise_expectation is None:
        return
    rows = np.empty(pop.n, dtype=np.int64)
    adequate, desired = np.empty(pop.n, np.float32), np.empty(pop.n, np.float32)
    k = _scale_promised_zones(pop.bought, pop.choice, pop.promise_expectation, pop.adequate,
                              pop.desired, rows, adequate, desired)
    if k:
        model.promise_zone = (rows[:k], adequate[:k], desired[:k])


def settle(model) -> None:
    """After judging: zones back; experience corrects expectations; record the quality gap.

    Per firm, over its buyers: expected quality = mean e × base PUV of the offer bought (e
    before this purchase's correction; base PUV = perceived PUV less the shifts, which nothing
    moves between perception and here), perceived quality = mean experienced performance.
    """
    pop, exp, nf = model.population, model.experience, model.n_firms
    restore_zone(pop, model.promise_zone)
    model.promise_zone = None
    promising = model.spec.mechanisms.promises and pop.promise_expectation is not None
    p = model.spec.service_ideas.promises
    sums = np.zeros((2, nf))
    counts = np.zeros(nf, dtype=np.int64)
    dummy = np.zeros((1, 1), dtype=np.float32)
    _settle_buyers(exp.who, exp.firm, exp.z, exp.performance, pop.puv, pop.value_shift,
                   bool(promising), pop.promise_expectation if promising else dummy,
                   pop.promise_misled if promising else dummy.astype(bool),
                   float(p.correction), float(p.betrayal), sums, counts)
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN for a firm without buyers
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    model.quality_stats = (means[0], means[1])


def columns(model) -> dict[str, np.ndarray]:
    """Per firm: buyers' mean expected and perceived quality and the gap (perceived − expected)."""
    if model.quality_stats is None:
        nan = np.full(model.n_firms, np.nan)
        return {"expected_quality": nan, "perceived_quality": nan, "quality_gap": nan}
    expected, perceived = model.quality_stats
    return {"expected_quality": expected, "perceived_quality": perceived,
            "quality_gap": perceived - expected}


# -- compiled passes (numba) ---------------------------------------------------------------
# ``np.float64(x)`` widens float32 (numba's ``float(x)`` keeps float32); the float32 state is
# computed in float64 and rounded once when stored.
@fast.jit
def _settle_buyers(who, firm, z, performance, puv, shift, promising, expectation, misled,
                   correction, betrayal, sums, counts):
    """Per buyer in order: the expectation after the purchase, and the quality sums.

    With promises on, a buyer with e > 1 who was dissatisfied (z < 0) was misled: e ← 1 −
    betrayal × (e − 1) and ``misled`` is set; any other buyer's e moves a ``correction`` step
    back toward 1. ``sums[0, f]`` adds e (before the update; 1 without promises) × base PUV,
    ``sums[1, f]`` the performance, ``counts[f]`` the buyers.
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


@fast.jit
def _promise_rows(weights, levels, cols, claimed, ratio, reach, draws, aware, seen,
                  satisfaction, misled, credibility, experienced_credibility, draw, expectation,
                  promise_shift, value_shift):
    """Customer by customer: who hears each promise, their new expectation, the PUV shift.

    For each promising firm i (column f = ``cols[i]``), customer n hears it when aware of f
    and either ``draws[i, n] < reach[i]`` or newly aware (not ``seen``). Hearing moves
    e ← e + cred × (target − e), with target = ratio[i] × Σ_d w[n, d] × claimed[i, d] /
    Σ_d w[n, d] × levels[f, d] (ratio[i] where nothing is valued), and cred the credibility
    (``experienced_credibility`` once n has bought from f, 0 once misled by it). Then the
    row's awareness is remembered and, for every firm, promise_shift = draw × (e − 1) × base
    PUV (stored float32); ``value_shift`` moves by the change of promise_shift.
    """
    n_dims = weights.shape[1]
    for n in range(weights.shape[0]):
        for i in range(cols.shape[0]):
            f = cols[i]
            if not (aware[n, f] and (draws[i, n] < reach[i] or not seen[n, f])):
                continue
            delivered = 0.0
            promised = 0.0
            for d in range(n_dims):
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
            base = 0.0
            for d in range(n_dims):
                base += weights[n, d] * levels[f, d]
            new = np.float32(draw * (np.float64(expectation[n, f]) - 1.0) * base)
            value_shift[n, f] += np.float64(new) - np.float64(promise_shift[n, f])
            promise_shift[n, f] = new


@fast.jit
def _scale_promised_zones(bought, choice, expectation, adequate, desired, rows, saved_adequate,
                          saved_desired):
    """Buyers whose e[n, f] ≠ 1: zone × e (rounded to float32), old levels saved; how many."""
    k = 0
    for n in range(bought.shape[0]):
        if not bought[n]:
            continue
        e = expectation[n, choice[n]]
        if e != 1.0:
            rows[k] = n
            saved_adequate[k] = adequate[n]
            saved_desired[k] = desired[n]
            adequate[n] = np.float32(np.float64(adequate[n]) * e)
            desired[n] = np.float32(np.float64(desired[n]) * e)
            k += 1
    return k
