"""Oracle of ``sim.mechanisms.promises``: communicate, frame and settle in plain numpy."""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.mechanisms.cells import get
from sim.mechanisms.promises import _allocate, _hearing, _promisers, restore_zone


# -- kernels -------------------------------------------------------------------------------
def promised_ratio(weights, levels, claimed, ratio: float) -> np.ndarray:
    """(N,) promised value over delivered value of one firm's offer for every customer.

    Args:
        weights: (N, D) customers' value weights.
        levels: (D,) the levels the firm delivers.
        claimed: (D,) the levels it claims (``levels`` where it claims nothing special).
        ratio: the promise ratio multiplying the claimed value.
    """
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


# -- phases --------------------------------------------------------------------------------
def communicate(model) -> None:
    """Promises reach customers and move their expectations; perceived PUV follows."""
    if not model.spec.mechanisms.promises:
        return
    pop = model.population
    firms = _promisers(model)
    if not firms and pop.promise_expectation is None:
        return
    if pop.promise_expectation is None:
        _allocate(model)
    p = model.spec.service_ideas.promises
    heard_of = [_hearing(model, firm, p) for firm in firms]  # every draw before any update
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
    expectation = pop.promise_expectation.astype(np.float64)
    new = promise_shift(expectation, base, p.draw).astype(np.float32)
    pop.value_shift += new.astype(np.float64) - pop.promise_shift
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
    promising = model.spec.mechanisms.promises and pop.promise_expectation is not None
    p = model.spec.service_ideas.promises
    who, firm = exp.who, exp.firm
    # base PUV of the offer bought: perceived PUV less the shifts
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
