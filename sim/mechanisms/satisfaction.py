"""Experience and satisfaction: performance against each customer's zone of tolerance.

Every buyer experiences the service of the firm they bought from::

    performance = base PUV × service_quality × (1 + noise × service_consistency × ε)
                  + customer sacrifice × knowledge          (learning relationships)
    price gap   = value_for_money × price sensitivity × (price / reference price − 1)
    z           = (performance − price gap − adequate) / (desired − adequate)  (disconfirmation)
    score       = 1 / (1 + exp(−steepness × z))

The price gap is value for money: the customer judges what they got against what they paid,
relative to what they expected to pay (their reference price). At the reference price it is 0;
a firm that charges more disappoints its buyers (and so loses trust, rungs and good word of
mouth), one that charges less pleases them. ``performance`` itself stays the service delivered
(expectations drift toward it and the quality gap reports it).

z < 0 is a dissatisfying experience (below the adequate level), 0 ≤ z ≤ 1 a satisfying one (in
the zone of tolerance), z > 1 a delighting one (above the desired level). A customer's
satisfaction with a firm is an exponential average of scores (``memory`` = weight of the last).
Base PUV is what the offer's attribute levels are worth to the customer (no hearsay), so service
heterogeneity and a weak delivery (``service_quality`` < 1) show up here first.

Defectors are counted here too, before this step's experience overwrites anything: a customer
who bought elsewhere than their previous supplier *defected*, and was a *satisfied defector*
when their satisfaction with the firm they left was at least ½.
"""

from __future__ import annotations

import dataclasses
import math

import numba
import numpy as np

from sim import fast, kernels
from sim.mechanisms.cells import cells, firm_values, get, put, supplier_cells
from sim.mechanisms.state import State
from sim.streams import normal

STATE = State(model={
    "experience": None,  # this step's purchases and how they went (Experience), once judged
})

SATISFIED = 0.5  # satisfaction score at the adequate level (z = 0)


@dataclasses.dataclass
class Experience:
    """The step's purchases and how they went, shared by the later relationship phases.

    Attributes:
        who: (B,) indices of the customers who bought.
        firm: (B,) the firm each bought from.
        new: (B,) bought from a firm other than their previous supplier (or had none).
        performance: (B,) experienced performance in PUV units.
        z: (B,) disconfirmation (0 = adequate level, 1 = desired level).
        best: (N,) best base PUV each customer knew of when choosing (None with expectations
            off): ``population.best_known``.
        recovered: (B,) a complaint about this purchase was recovered well.
        cell: (B,) flat index ``who × F + firm`` of each purchase's (customer, firm) pair.
    """

    who: np.ndarray
    firm: np.ndarray
    new: np.ndarray
    performance: np.ndarray
    z: np.ndarray
    best: np.ndarray | None
    recovered: np.ndarray
    cell: np.ndarray

    @property
    def dissatisfied(self) -> np.ndarray:
        """(B,) below the adequate level and not put right by a complaint."""
        return (self.z < 0) & ~self.recovered

    @property
    def satisfied(self) -> np.ndarray:
        """(B,) at or above the adequate level, or recovered."""
        return ~self.dissatisfied

    @property
    def delighted(self) -> np.ndarray:
        """(B,) above the desired level."""
        return self.z > 1


# -- kernels (numpy: the set-up's one past experience, which runs once) ---------------------
def experienced_performance(
    base: np.ndarray,
    quality: np.ndarray,
    noise_sd: np.ndarray,
    learned_gain: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Performance a buyer experiences: the offer's value, delivered with variation.

    Args:
        base: (B,) base PUV of the bought offer for each buyer.
        quality: (B,) the firm's service-quality multiplier.
        noise_sd: (B,) relative standard deviation of performance.
        learned_gain: (B,) value added by what the firm knows of the buyer.
        rng: the model's generator (one normal per buyer).

    Returns:
        (B,) experienced performance, never below 0.
    """
    eps = rng.standard_normal(len(base))
    return np.maximum(base * quality * (1.0 + noise_sd * eps), 0.0) + learned_gain


def disconfirmation(performance, adequate, desired) -> np.ndarray:
    """Disconfirmation (performance − adequate) / (desired − adequate): 0 adequate, 1 desired."""
    width = np.maximum(np.asarray(desired, float) - adequate, 1e-9)
    return (performance - adequate) / width


def price_gap(price, reference_price, price_sensitivity, weight: float) -> np.ndarray:
    """Value lost (PUV units) by paying ``price`` instead of the reference price; < 0 below it."""
    return weight * price_sensitivity * (price / reference_price - 1.0)


def satisfaction_score(z: np.ndarray, steepness: float) -> np.ndarray:
    """Logistic map of disconfirmation to [0, 1]; ½ at the adequate level."""
    return 1.0 / (1.0 + np.exp(np.clip(-steepness * z, -500.0, 500.0)))


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """An established market: each customer remembers one past experience of their supplier.

    Without it a firm's mean satisfaction would be undefined until every one of its starting
    customers had bought once (many steps when purchase occasions are rare). The same equations
    as a step's experience (without learning, which has learned nothing yet), in numpy: it runs
    once.
    """
    pop, nf = model.population, model.n_firms
    params = model.spec.relationships.satisfaction
    rows, sup, cell = supplier_cells(model)
    base = get(kernels.perceived_use_value(pop.weights, model.levels_matrix()), cell)
    quality = firm_values(model, "service_quality", 1.0)
    noise = params.performance_noise * firm_values(model, "service_consistency", 1.0)
    perf = experienced_performance(base, quality[sup], noise[sup], np.zeros(len(rows)),
                                   model.relationship_rng)
    gap = price_gap(model.prices()[sup], pop.reference_price[rows], pop.price_sensitivity[rows],
                    params.value_for_money)
    z = disconfirmation(perf - gap, pop.adequate[rows], pop.desired[rows])
    put(pop.satisfaction, cells(rows, sup, nf), satisfaction_score(z, params.steepness))


def experience(model) -> None:
    """Buyers experience the service, become (dis)satisfied; defectors are counted.

    One parallel pass over the buyers (:func:`_experience_pass`) computes everything, drawing
    each buyer's performance normal from the relationship streams (buyer chunk c from stream c,
    ``sim.streams``). No (N, F) array is built: base PUV is summed where it is needed. The
    best offer each customer knows (expectations on) was found when they perceived the offers
    (``population.best_known``, ``sim.mechanisms.perception``).
    """
    pop, nf, mech = model.population, model.n_firms, model.spec.mechanisms
    params = model.spec.relationships
    sat = params.satisfaction
    quality = firm_values(model, "service_quality", 1.0)
    noise = sat.performance_noise * firm_values(model, "service_consistency", 1.0)
    levels = np.ascontiguousarray(model.levels_matrix(), dtype=np.float64)
    best = pop.best_known if mech.expectations else None  # found by this step's perception
    who = np.flatnonzero(pop.bought)  # the buyers, in customer order
    n_buyers = len(who)
    firm = np.empty(n_buyers, dtype=pop.choice.dtype)
    new = np.empty(n_buyers, dtype=bool)
    cell = np.empty(n_buyers, dtype=np.int64)
    perf, z = np.empty(n_buyers), np.empty(n_buyers)
    counts = np.zeros((fast.n_chunks(n_buyers), len(_COUNTERS), nf), dtype=np.int64)
    sacrifice = float(params.learning.customer_sacrifice) if mech.learning else 0.0
    _experience_pass(who, fast.CHUNK, pop.choice, pop.previous_supplier, pop.weights, levels,
                     pop.satisfaction, pop.knowledge, pop.adequate, pop.desired, quality, noise,
                     model.relationship_streams.table, np.asarray(model.prices(), dtype=np.float64),
                     pop.reference_price,
                     pop.price_sensitivity, float(sat.value_for_money), bool(mech.learning),
                     sacrifice, float(sat.steepness), float(sat.memory), firm, new, cell, perf,
                     z, counts)
    stats = model.step_stats
    for key, row in zip(_COUNTERS, counts.sum(axis=0), strict=True):  # integers: exact
        stats[key] += row
    model.experience = Experience(who=who, firm=firm, new=new, performance=perf, z=z, best=best,
                                  recovered=np.zeros(n_buyers, dtype=bool), cell=cell)


# -- compiled passes (numba) ---------------------------------------------------------------
# In the loops, ``x != x`` tests NaN and ``abs(x) < inf`` finiteness: numba's np.isnan and
# np.isfinite on scalars cost several times more there. ``np.float64(x)`` widens float32
# (numba's ``float(x)`` keeps float32).

#: Rows of the per-firm counters the experience pass fills, in ``step_stats`` keys.
_COUNTERS = ("defectors", "satisfied_defectors", "at_risk", "retained", "delighted_buyers")


@fast.pjit
def _experience_pass(who, chunk, choice, previous, weights, levels, satisfaction, knowledge,
                     adequate, desired, quality, noise, streams, prices, reference, sensitivity,
                     value_for_money, learning, sacrifice, steepness, memory, firm, new, cell,
                     perf, z, counts):
    """One parallel pass over the buyers: defectors, performance, disconfirmation, satisfaction.

    Per buyer ``b`` (customer n = ``who[b]``, firm f = ``choice[n]``, previous supplier p):

    - counters, from the satisfaction *before* this purchase: at risk (p ≥ 0), retained
      (p = f), defector (p ≠ f and sat[n, p] finite), satisfied defector (also sat[n, p] ≥ ½);
    - performance = max(base × quality[f] × (1 + noise[f] × eps), 0) + gain, with eps the next
      standard normal of ``streams[c]`` (c = b // chunk, buyers in order) and base =
      Σ_d weights[n, d] × levels[f, d] and gain = sacrifice × Σ_d weights[n, d] × knowledge[n, f]
      (learning on);
    - price gap = value_for_money × sensitivity[n] × (prices[f] / reference[n] − 1);
    - z = (performance − gap − adequate) / max(desired − adequate, 1e-9);
    - score = 1 / (1 + exp(clip(−steepness × z, −500, 500))); satisfaction[n, f] ← score where
      it was NaN, else (1 − memory) × old + memory × score; delighted if z > 1.

    Buyers are taken in chunks of ``chunk`` in parallel; ``counts[c]`` (rows as ``_COUNTERS``)
    holds chunk c's counts. Each buyer is a different customer, so no two iterations touch the
    same cell. The exponential is the scalar one (about 3 ns a buyer here, where numpy's
    vectorised ``np.exp`` took about 0.5 ns): the price of computing it in the pass.
    """
    n_firms = levels.shape[0]
    n_dims = weights.shape[1]
    n_buyers = who.shape[0]
    keep = 1.0 - memory
    for c in numba.prange(counts.shape[0]):
        for b in range(c * chunk, min(n_buyers, (c + 1) * chunk)):
            eps = normal(streams, c)
            n = who[b]
            f = choice[n]
            prev = previous[n]
            firm[b] = f
            new[b] = prev != f
            if prev >= 0:  # counted without branches: mispredicted ones cost more than the sums
                left = prev != f
                old = satisfaction[n, prev]
                known = left & (abs(old) < np.inf)
                counts[c, 0, prev] += known  # defector
                counts[c, 1, prev] += known & (old >= SATISFIED)  # satisfied defector
                counts[c, 2, prev] += 1  # at risk
                counts[c, 3, prev] += not left  # retained
            cell[b] = np.int64(n) * n_firms + f
            base = 0.0
            for d in range(n_dims):
                base += weights[n, d] * levels[f, d]
            gain = 0.0
            if learning:
                total = 0.0
                for d in range(n_dims):
                    total += weights[n, d]
                gain = sacrifice * total * np.float64(knowledge[n, f])
            x = base * quality[f] * (1.0 + noise[f] * eps)
            if not (x > 0.0 or x != x):  # max(x, 0) that keeps NaN
                x = 0.0
            p = x + gain
            perf[b] = p
            a = np.float64(adequate[n])
            width = np.float64(desired[n]) - a
            if width < 1e-9:
                width = 1e-9
            gap = value_for_money * sensitivity[n] * (prices[f] / reference[n] - 1.0)
            zb = ((p - gap) - a) / width
            z[b] = zb
            arg = -steepness * zb
            if arg < -500.0:
                arg = -500.0
            elif arg > 500.0:
                arg = 500.0
            score = 1.0 / (1.0 + math.exp(arg))
            old = satisfaction[n, f]
            satisfaction[n, f] = score if old != old else keep * old + memory * score
            counts[c, 4, f] += zb > 1.0  # delighted
