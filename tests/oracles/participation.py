"""Oracle of ``sim.mechanisms.participation``: frame and settle in plain numpy."""

from __future__ import annotations

import numpy as np

from oracles.promises import scale_zone
from sim import kernels
from sim.mechanisms.participation import ABLE, _begin_frame, book_and_train
from sim.mechanisms.promises import restore_zone


# -- kernels -------------------------------------------------------------------------------
def zone_factor(willing, ability, level, control: float, annoyance: float) -> np.ndarray:
    """Factor on a participant's adequate and desired levels (below 1 = more tolerant)."""
    return np.where(willing, 1.0 - control * level * (2.0 * ability - 1.0),
                    1.0 + annoyance * level)


def saving_per_unit(ability, level, unit_cost, cost_saving: float) -> np.ndarray:
    """Unit cost a participant saves the firm: ``cost_saving`` × level × ability × unit cost."""
    return cost_saving * level * ability * unit_cost


# -- phases --------------------------------------------------------------------------------
def frame(model) -> None:
    """Before buyers judge their experience: participation moves the participants' zones."""
    begun = _begin_frame(model)
    if begun is None:
        return
    level, optional = begun
    p = model.spec.service_ideas.participation
    pop = model.population
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
    able = ability >= ABLE
    stats["participants"] += kernels.count_by_firm(firm, nf)
    stats["able_participants"] += kernels.count_by_firm(firm[able], nf)
    gain = willing & able
    t = pop.trust[who[gain], firm[gain]]
    pop.trust[who[gain], firm[gain]] = np.minimum(1.0, t + p.trust_gain * level[gain] * (1 - t))
    saving = saving_per_unit(ability, level, unit_cost[firm], p.cost_saving) * volume
    book_and_train(model, kernels.count_by_firm(firm, nf, saving) * model.market_scale)
