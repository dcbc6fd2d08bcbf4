"""Replaying a game: scenario + seed + decisions → the market, deterministically.

Round *k* covers steps ``(k-1)·P + 1 … k·P`` (``P`` periods per round). A team's decision for
round *k* takes effect at the round's first step as a scenario ``change`` event (phase 2 of the step, after
the computer rivals have decided on last period's public figures), so decisions are simultaneous
and the game equals ``run_scenario`` of the scenario with those events added, replicate 0 of the
game's seed. Team firms run the ``human`` strategy, which holds between decisions.

Market research is answered from the model at the end of its round with its own random stream,
so buying research never changes the market; its cost is the decision event's ``expense``,
booked in the round's first step, so it shows in the firm's profit and cash like any cost.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

from sim import fast
from sim.classroom.settings import Decision, ResearchOrder, ResearchPrices
from sim.model import MarketModel
from sim.runner import replicate_seeds
from sim.scenario import Scenario
from sim.scenario.schema import Event

#: Bumped when a replay of the same decisions gives other figures, so that cached snapshots
#: of older games are recomputed (2: market research is booked in the firm's profit and cash).
REPLAY_VERSION = 2

PROGRAMME_FIELDS = ("internal_marketing", "advertising", "quality_investment", "relationship_level",
                    "promise", "participation", "targeting")


@dataclasses.dataclass
class RoundState:
    """What customers see at the end of a round: enough to re-derive their choice odds.

    Arrays are (N, F) unless noted; ``share`` is the share of purchases in the round's last step.
    """

    attribute_value: np.ndarray
    value_shift: np.ndarray
    pp: np.ndarray
    price_sensitivity: np.ndarray  # (N,)
    available: np.ndarray  # (N, F) bool
    supplier: np.ndarray  # (N,)
    loyalty: np.ndarray  # (N,)
    switching_cost: np.ndarray  # (N,)
    share: np.ndarray  # (F,)


@dataclasses.dataclass
class Replay:
    """A replayed game: the model at the end, its tables, and one state per round end."""

    model: MarketModel
    firms: pd.DataFrame
    segments: pd.DataFrame
    states: list[RoundState]
    research: dict[tuple[int, str], list[dict]]


def round_of_step(step: int, periods: int) -> int:
    """The round a step belongs to (steps count from 1)."""
    return (int(step) - 1) // periods + 1


def replay(
    scenario: Scenario,
    seed: int,
    periods: int,
    rounds: int,
    decisions: dict[int, dict[str, Decision]],
    research_prices: ResearchPrices | None = None,
    research_seed: Any = None,
    team_numbers: dict[str, int] | None = None,
) -> Replay:
    """Run ``rounds`` rounds with the decisions given per round and per firm name.

    Args:
        scenario: the game's scenario (team firms already set to ``human``).
        seed: the game's seed; the market uses replicate 0 of it, as ``run_scenario`` does.
        periods: periods (steps) per round.
        rounds: rounds to play.
        decisions: ``{round: {firm name: Decision}}``; missing firms hold their offer.
        research_prices: when given, research orders are answered at each round's end.
        research_seed: root of the research streams (default ``seed``).
        team_numbers: firm name → team number, mixed into each team's research stream.
    """
    with _threads_for(scenario.market.customers):
        return _replay(scenario, seed, periods, rounds, decisions, research_prices,
                       research_seed, team_numbers)


@contextlib.contextmanager
def _threads_for(customers: int):
    """No more compiled-pass threads than the market has chunks (one for a classroom market).

    A parallel pass over a single chunk only makes threads wait for each other; on a busy
    machine that wait made the starter game's what-if take 1-9 s instead of 0.2 s. The setting
    is numba's, per calling thread, so other requests of the server keep theirs; results do
    not depend on it (``sim.fast``).
    """
    before = fast.threads()
    fast.set_threads(min(before, fast.n_chunks(customers)))
    try:
        yield
    finally:
        fast.set_threads(before)


def _replay(scenario, seed, periods, rounds, decisions, research_prices, research_seed,
            team_numbers) -> Replay:
    model = MarketModel(scenario, seed=replicate_seeds(seed, 1)[0], replicate=0)
    states = [capture(model, initial=True)]
    research: dict[tuple[int, str], list[dict]] = {}
    for k in range(1, rounds + 1):
        first_step = (k - 1) * periods + 1
        for firm_name, decision in decisions.get(k, {}).items():
            hand_in(model, model.firm_by_name[firm_name], decision, first_step,
                    research_prices)
        for _ in range(periods):
            model.step()
        states.append(capture(model))
        if research_prices is None:
            continue
        for firm_name, decision in decisions.get(k, {}).items():
            number = (team_numbers or {}).get(firm_name, 0)
            research[(k, firm_name)] = [
                answer(model, order, model.firm_by_name[firm_name], research_prices,
                       np.random.default_rng([research_seed or seed, k, number, i, 7919]))
                for i, order in enumerate(decision.research)
            ]
    return Replay(model, model.firms_frame(), model.segments_frame(), states, research)


def decision_event(firm_name: str, decision: Decision, step: int,
                   research_prices: ResearchPrices | None = None) -> Event | None:
    """The scenario ``change`` event that puts a decision into effect at ``step``.

    Programme sections (promise, participation, targeting) replace the firm's whole section,
    as a ``change`` event does; research is charged as the event's one-off ``expense``.
    """
    changes: dict[str, Any] = {}
    if decision.price is not None:
        changes["price"] = decision.price
    if decision.attributes:
        changes["attributes"] = dict(decision.attributes)
    chosen = decision.model_dump(include=set(PROGRAMME_FIELDS), exclude_none=True)
    if chosen:
        changes["programmes"] = {f: chosen[f] for f in PROGRAMME_FIELDS if f in chosen}
    prices = research_prices or ResearchPrices()
    cost = sum(research_cost(order, prices) for order in decision.research)
    if cost:
        changes["expense"] = cost
    return Event(at=step, firm=firm_name, set=changes) if changes else None


def hand_in(model: MarketModel, firm, decision: Decision, step: int,
            research_prices: ResearchPrices | None = None) -> None:
    """Put a team's decision into the model for the round starting at ``step``.

    It joins the step's scenario events (after the scenario's own), so it takes effect after
    every computer rival has decided on last period's figures: decisions are simultaneous.
    """
    event = decision_event(firm.name, decision, step, research_prices)
    if event is not None:
        model.events_at.setdefault(step, []).append(event)


def capture(model: MarketModel, initial: bool = False) -> RoundState:
    """The customers' view of every offer now (copies of the arrays)."""
    pop = model.population
    if initial:
        share = np.bincount(pop.supplier[pop.supplier >= 0], minlength=model.n_firms) / pop.n
    else:
        units = model.step_stats["units"]
        share = units / units.sum() if units.sum() > 0 else np.zeros(model.n_firms)
    return RoundState(
        attribute_value=pop.puv - pop.value_shift,
        value_shift=pop.value_shift.copy(),
        pp=pop.pp.copy(),
        price_sensitivity=pop.price_sensitivity.copy(),
        available=np.array(model.available(), copy=True),
        supplier=pop.supplier.copy(),
        loyalty=pop.loyalty.copy(),
        switching_cost=pop.switching_cost.copy(),
        share=np.asarray(share, dtype=float),
    )


# -- market research -------------------------------------------------------------------------
def research_cost(order: ResearchOrder, prices: ResearchPrices) -> float:
    """What a study costs."""
    price = getattr(prices, order.kind)
    return float(price.fixed + price.per_response * order.sample)


def answer(model: MarketModel, order: ResearchOrder, firm, prices: ResearchPrices,
           rng: np.random.Generator) -> dict:
    """The study's findings from a random sample of customers, with measurement noise."""
    price = getattr(prices, order.kind)
    pop = model.population
    error = price.noise / math.sqrt(order.sample)
    out: dict[str, Any] = {"kind": order.kind, "sample": order.sample,
                           "cost": research_cost(order, prices), "margin_of_error": 2 * error}
    if order.kind == "segment_survey":
        seg = model.segment_names.index(order.segment)
        people = _sample(np.nonzero(pop.segment == seg)[0], order.sample, rng)
        out["segment"] = order.segment
        out["weights"] = {
            d: round(float(pop.weights[people, j].mean() + rng.normal(0, error)), 3)
            for j, d in enumerate(model.dimensions)
        }
        out["price_sensitivity"] = round(
            float(pop.price_sensitivity[people].mean() + rng.normal(0, error)), 3
        )
    elif order.kind == "competitor_benchmark":
        out["firms"] = {}
        for other in model.firms:
            if not other.active:
                continue
            knows = np.nonzero(pop.aware[:, other.index])[0]
            people = _sample(knows, order.sample, rng)
            if len(people) == 0:
                continue
            out["firms"][other.name] = {
                "puv": round(float(pop.puv[people, other.index].mean() + rng.normal(0, error)), 3),
                "pp": round(float(pop.pp[people, other.index].mean() + rng.normal(0, error)), 3),
                "respondents": int(len(people)),
            }
    else:  # satisfaction_survey of the buyer's own customers
        out["segments"] = {}
        mine = pop.supplier == firm.index
        for s, name in enumerate(model.segment_names):
            people = _sample(np.nonzero(mine & (pop.segment == s))[0], order.sample, rng)
            values = pop.satisfaction[people, firm.index] if len(people) else np.array([])
            values = values[np.isfinite(values)]
            out["segments"][name] = (
                {"satisfaction": round(float(np.clip(values.mean() + rng.normal(0, error), 0, 1)), 3),
                 "respondents": int(len(values))}
                if len(values) else {"satisfaction": None, "respondents": 0}
            )
    return out


def _sample(pool: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    if len(pool) == 0:
        return pool
    return rng.choice(pool, size=min(size, len(pool)), replace=False)
