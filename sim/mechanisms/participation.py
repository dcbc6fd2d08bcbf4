"""Customer participation and empowerment (switch ``participation``; seed 000).

A firm with a ``participation`` programme of level L lets its customers co-produce the service
(self-service, co-design, advice channels). Every customer has a *willingness* (drawn once from
their segment's ``willingness`` share) and an *ability* a in [0, 1] (their segment's ``ability``
plus a normal spread); a participant is *able* when a ≥ 0.5. The state is drawn the first time
a firm runs the programme, so nothing is drawn in markets without one.

Buyers of the firm participate — all of them, or only the willing when participation is
``optional`` — and judge the service with a moved zone of tolerance (adequate and desired levels
both multiplied by)::

    willing:    1 − control × L × (2a − 1)     able (a > ½): more tolerant, a sense of control;
                                               unable (a < ½): mistakes, less tolerant
    unwilling:  1 + annoyance × L              pushed into work they expected done for them

so willing, able participants are more often satisfied and delighted, unwilling ones less. Able
willing participants also gain trust (``trust_gain`` × L of the distance to full trust) and
every participant does part of the work::

    saving per unit = cost_saving × L × a × unit cost         (cost to serve falls)

Training: a firm spending T per step on training its participants raises their ability by
``training_gain`` × (1 − exp(−x / training_scale)) of the distance to 1, x = T per participant,
and wins unwilling participants over with probability ``conversion`` × (1 − exp(−x /
training_scale)). Training is booked as marketing spend, the saving lowers variable cost.
The firms table gets ``participants``, ``able_participants``, ``able_share``,
``participation_saving`` and ``cost_to_serve`` (variable cost per unit sold).
"""

from __future__ import annotations

import numpy as np

from sim import fast, kernels
from sim.mechanisms.promises import restore_zone, scale_zone

ABLE = 0.5  # ability from which a participant counts as able


# -- kernels -------------------------------------------------------------------------------
def zone_factor(willing, ability, level, control: float, annoyance: float) -> np.ndarray:
    """Factor on a participant's adequate and desired levels (below 1 = more tolerant)."""
    return np.where(willing, 1.0 - control * level * (2.0 * ability - 1.0),
                    1.0 + annoyance * level)


def saving_per_unit(ability, level, unit_cost, cost_saving: float) -> np.ndarray:
    """Unit cost a participant saves the firm: ``cost_saving`` × level × ability × unit cost."""
    return cost_saving * level * ability * unit_cost


def training_effect(spend_per_participant: float, scale: float) -> float:
    """Diminishing-returns effect of training spend, in [0, 1)."""
    return float(1.0 - np.exp(-max(spend_per_participant, 0.0) / scale))


def train(ability, effect: float, gain: float) -> np.ndarray:
    """Ability after a step of training: ``gain`` × ``effect`` of the distance to 1."""
    return ability + gain * effect * (1.0 - ability)


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """No participation state until a firm runs the programme; register the columns."""
    pop = model.population
    pop.willing = None   # (N,) bool
    pop.ability = None   # (N,) float32
    model.participation_zone = None
    model.participation = None  # this step's (who, firm, level, willing, ability) of participants
    for firm in model.firms:
        firm.participation_saving = 0.0
        firm.training_spend = 0.0
    model.column_providers.append(columns)


def _draw_traits(model) -> None:
    pop, rng = model.population, model.relationship_rng
    segs = model.spec.market.segments
    p = model.spec.service_ideas.participation
    willingness = np.array([s.willingness for s in segs])[pop.segment]
    ability = np.array([s.ability for s in segs])[pop.segment]
    pop.willing = rng.random(pop.n) < willingness
    spread = rng.standard_normal(pop.n) * p.ability_spread if p.ability_spread > 0 else 0.0
    pop.ability = np.clip(ability + spread, 0.0, 1.0).astype(np.float32)


def _levels(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(F,) participation level (0 without a programme), optional flag, training spend."""
    level, optional, training = np.zeros(model.n_firms), np.zeros(model.n_firms, bool), np.zeros(
        model.n_firms)
    for f in model.firms:
        prog = f.programmes.participation
        if f.active and prog is not None:
            level[f.index], optional[f.index], training[f.index] = (
                prog.level, prog.optional, prog.training)
    return level, optional, training


def frame(model) -> None:
    """Before buyers judge their experience: participation moves the participants' zones."""
    model.participation_zone = model.participation = None
    for firm in model.firms:
        firm.participation_saving = 0.0
        firm.training_spend = 0.0
    if not model.spec.mechanisms.participation or not any(
            f.active and f.programmes.participation is not None for f in model.firms):
        return
    level, optional, training = _levels(model)
    if not (level > 0).any() and not (training > 0).any():
        return
    pop = model.population
    if pop.willing is None:
        _draw_traits(model)
    p = model.spec.service_ideas.participation
    if fast.enabled():
        _frame_compiled(model, level, optional, p)
        return
    who = np.nonzero(pop.bought)[0]
    firm = pop.choice[who]
    part = (level[firm] > 0) & (pop.willing[who] | ~optional[firm])
    who, firm = who[part], firm[part]
    willing, ability = pop.willing[who], pop.ability[who].astype(np.float64)
    factor = zone_factor(willing, ability, level[firm], p.control, p.annoyance)
    model.participation_zone = scale_zone(pop, who, factor)
    model.participation = (who, firm, level[firm], willing, ability)


def settle(model) -> None:
    """After judging: zones back; trust, cost to serve and training of the participants."""
    pop, nf, stats = model.population, model.n_firms, model.step_stats
    restore_zone(pop, model.participation_zone)
    model.participation_zone = None
    if model.participation is None:
        return
    p = model.spec.service_ideas.participation
    who, firm, level, willing, ability = model.participation
    unit_cost = np.array([f.unit_cost() for f in model.firms])
    volume = np.array([s.volume for s in model.spec.market.segments])[pop.segment[who]]
    scale = getattr(model, "market_scale", 1.0)
    if fast.enabled():
        counts = np.zeros((2, nf), dtype=np.int64)
        saving = np.zeros(nf)
        _settle_participants(who, firm, level, willing, ability, volume, unit_cost, pop.trust,
                             float(p.trust_gain), float(p.cost_saving), counts, saving)
        stats["participants"] += counts[0]
        stats["able_participants"] += counts[1]
        per_firm = saving * scale
    else:
        able = ability >= ABLE
        stats["participants"] += kernels.count_by_firm(firm, nf)
        stats["able_participants"] += kernels.count_by_firm(firm[able], nf)
        gain = willing & able
        t = pop.trust[who[gain], firm[gain]]
        pop.trust[who[gain], firm[gain]] = np.minimum(1.0,
                                                      t + p.trust_gain * level[gain] * (1 - t))
        saving = saving_per_unit(ability, level, unit_cost[firm], p.cost_saving) * volume
        per_firm = kernels.count_by_firm(firm, nf, saving) * scale
    _, _, training = _levels(model)
    for f in model.firms:
        f.participation_saving = float(per_firm[f.index])
        if training[f.index] <= 0:
            continue
        f.training_spend = float(training[f.index])
        mine = np.nonzero(firm == f.index)[0]
        if len(mine) == 0:
            continue
        effect = training_effect(training[f.index] / (len(mine) * scale), p.training_scale)
        rows = who[mine]
        pop.ability[rows] = train(pop.ability[rows], effect, p.training_gain)
        unwilling = rows[~pop.willing[rows]]
        won = model.relationship_rng.random(len(unwilling)) < p.conversion * effect
        pop.willing[unwilling[won]] = True


def columns(model) -> dict[str, np.ndarray]:
    """Participants, able participants and their share, the saving and the cost to serve."""
    stats = model.step_stats
    participants = stats["participants"].astype(np.int64)
    able = stats["able_participants"].astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(participants > 0, able / np.maximum(participants, 1), np.nan)
        cost = np.array([f.variable_cost / f.units if f.units > 0 else np.nan
                         for f in model.firms])
    return {
        "participants": participants, "able_participants": able, "able_share": share,
        "participation_saving": np.array([f.participation_saving for f in model.firms]),
        "cost_to_serve": cost,
    }


# -- compiled path (numba): the same numbers as the numpy lines of the phases above ----------
def _frame_compiled(model, level: np.ndarray, optional: np.ndarray, p) -> None:
    """``frame`` from the participants on: one pass over the customers (same bits)."""
    pop = model.population
    n = pop.n
    who, firm = np.empty(n, dtype=np.int64), np.empty(n, dtype=pop.choice.dtype)
    willing, ability = np.empty(n, dtype=bool), np.empty(n)
    adequate, desired = np.empty(n, dtype=np.float32), np.empty(n, dtype=np.float32)
    k = _frame_participants(pop.bought, pop.choice, pop.willing, pop.ability, level, optional,
                            float(p.control), float(p.annoyance), pop.adequate, pop.desired,
                            who, firm, willing, ability, adequate, desired)
    who, firm = who[:k], firm[:k]
    model.participation_zone = (who, adequate[:k], desired[:k])
    model.participation = (who, firm, level[firm], willing[:k], ability[:k])


@fast.jit
def _frame_participants(bought, choice, willing_all, ability_all, level, optional, control,
                        annoyance, adequate, desired, who, firm, willing, ability,
                        saved_adequate, saved_desired):
    """Participants in customer order, ``zone_factor`` and ``scale_zone``; returns how many.

    As numpy: the factor in float64, the scaled levels rounded back to float32.
    """
    k = 0
    for n in range(bought.shape[0]):
        if not bought[n]:
            continue
        f = choice[n]
        w = willing_all[n]
        if not (level[f] > 0 and (w or not optional[f])):
            continue
        a = np.float64(ability_all[n])
        if w:
            factor = 1.0 - control * level[f] * (2.0 * a - 1.0)
        else:
            factor = 1.0 + annoyance * level[f]
        who[k], firm[k], willing[k], ability[k] = n, f, w, a
        saved_adequate[k] = adequate[n]
        saved_desired[k] = desired[n]
        adequate[n] = np.float32(np.float64(adequate[n]) * factor)
        desired[n] = np.float32(np.float64(desired[n]) * factor)
        k += 1
    return k


@fast.jit
def _settle_participants(who, firm, level, willing, ability, volume, unit_cost, trust,
                         trust_gain, cost_saving, counts, saving):
    """Per participant in order, as ``settle``'s numpy lines: counts, trust, cost saving.

    ``counts`` rows: participants, able participants; ``saving`` the per-firm sum of
    ``saving_per_unit`` × volume (before the market scale).
    """
    for i in range(who.shape[0]):
        n, f = who[i], firm[i]
        able = ability[i] >= ABLE
        counts[0, f] += 1
        counts[1, f] += able
        if willing[i] and able:
            t = trust[n, f]
            x = t + trust_gain * level[i] * (1 - t)
            trust[n, f] = x if not (x > 1.0) else 1.0  # np.minimum(1.0, x): NaN stays
        saving[f] += cost_saving * level[i] * ability[i] * unit_cost[f] * volume[i]
