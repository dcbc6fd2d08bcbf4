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

from sim import fast
from sim.mechanisms.promises import restore_zone
from sim.mechanisms.state import PerCustomer, State

STATE = State(
    customer={
        # drawn the first time a firm runs the programme
        "willing": PerCustomer(np.bool_, fill=False, lazy=True),
        "ability": PerCustomer(np.float32, lazy=True),
    },
    model={
        "participation_zone": None,  # (rows, adequate, desired) to restore after the experience
        "participation": None,  # this step's (who, firm, level, willing, ability) of participants
    },
)

ABLE = 0.5  # ability from which a participant counts as able


# -- kernels -------------------------------------------------------------------------------
def training_effect(spend_per_participant: float, scale: float) -> float:
    """Diminishing-returns effect of training spend, in [0, 1)."""
    return float(1.0 - np.exp(-max(spend_per_participant, 0.0) / scale))


def train(ability, effect: float, gain: float) -> np.ndarray:
    """Ability after a step of training: ``gain`` × ``effect`` of the distance to 1."""
    return ability + gain * effect * (1.0 - ability)


# -- phases --------------------------------------------------------------------------------
def setup(model) -> None:
    """Register the columns; the firms save and train nothing yet."""
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


def _begin_frame(model) -> tuple[np.ndarray, np.ndarray] | None:
    """Reset the step's participation; (level, optional) per firm if any firm runs it, else None.

    Draws the customers' traits the first time a firm runs the programme.
    """
    model.participation_zone = model.participation = None
    for firm in model.firms:
        firm.participation_saving = 0.0
        firm.training_spend = 0.0
    if not model.spec.mechanisms.participation or not any(
            f.active and f.programmes.participation is not None for f in model.firms):
        return None
    level, optional, training = _levels(model)
    if not (level > 0).any() and not (training > 0).any():
        return None
    if model.population.willing is None:
        _draw_traits(model)
    return level, optional


def frame(model) -> None:
    """Before buyers judge their experience: participation moves the participants' zones.

    Participants are the buyers of a firm with level L > 0 (only the willing ones where the
    programme is optional); their adequate and desired levels are multiplied by the zone factor
    of the module docstring (rounded to float32), the old levels kept for :func:`settle`.
    """
    begun = _begin_frame(model)
    if begun is None:
        return
    level, optional = begun
    p = model.spec.service_ideas.participation
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
    counts = np.zeros((2, nf), dtype=np.int64)
    saving = np.zeros(nf)
    _settle_participants(who, firm, level, willing, ability, volume, unit_cost, pop.trust,
                         float(p.trust_gain), float(p.cost_saving), counts, saving)
    stats["participants"] += counts[0]
    stats["able_participants"] += counts[1]
    book_and_train(model, saving * model.market_scale)


def book_and_train(model, saving: np.ndarray) -> None:
    """Book each firm's saving; train its participants and win some unwilling ones over.

    Args:
        model: the model, with this step's ``participation``.
        saving: (F,) cost saved by participation this step (market scale included).
    """
    pop, p = model.population, model.spec.service_ideas.participation
    who, firm = model.participation[:2]
    _, _, training = _levels(model)
    for f in model.firms:
        f.participation_saving = float(saving[f.index])
        if training[f.index] <= 0:
            continue
        f.training_spend = float(training[f.index])
        mine = np.nonzero(firm == f.index)[0]
        if len(mine) == 0:
            continue
        effect = training_effect(training[f.index] / (len(mine) * model.market_scale),
                                 p.training_scale)
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


# -- compiled passes (numba) ---------------------------------------------------------------
@fast.jit
def _frame_participants(bought, choice, willing_all, ability_all, level, optional, control,
                        annoyance, adequate, desired, who, firm, willing, ability,
                        saved_adequate, saved_desired):
    """Participants in customer order, their zones scaled; returns how many.

    A buyer n of firm f participates when level[f] > 0 and (willing or not optional[f]). The
    zone factor is 1 − control × level × (2a − 1) for the willing (a = ability), 1 + annoyance
    × level for the others, in float64; the scaled levels are rounded back to float32 and the
    old ones saved.
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
    """Per participant in order: counts, trust of the able willing, cost saving.

    ``counts`` rows: participants, able participants (ability ≥ ½). An able, willing
    participant's trust moves ``trust_gain`` × level of the distance to 1 (NaN stays NaN).
    ``saving[f]`` sums cost_saving × level × ability × unit_cost[f] × volume (before the
    market scale).
    """
    for i in range(who.shape[0]):
        n, f = who[i], firm[i]
        able = ability[i] >= ABLE
        counts[0, f] += 1
        counts[1, f] += able
        if willing[i] and able:
            t = trust[n, f]
            x = t + trust_gain * level[i] * (1 - t)
            trust[n, f] = x if not (x > 1.0) else 1.0  # min(x, 1) that keeps NaN
        saving[f] += cost_saving * level[i] * ability[i] * unit_cost[f] * volume[i]
