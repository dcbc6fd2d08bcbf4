"""Step a market by hand, move firms' offers mid-run, and undo — without Streamlit.

A ``PlaySession`` owns one ``MarketModel``. Every hand move is recorded with the step at which
it was made, so any earlier state can be rebuilt exactly: a fresh model from the same scenario
and seed, stepped again with the same moves handed in at the same steps ("replay"). One seed
plus the decisions is the whole state; nothing else needs saving.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from agents.strategies import Action
from sim.classroom.engine import answer
from sim.classroom.settings import ResearchOrder, ResearchPrices
from sim.model import MarketModel
from sim.scenario import Scenario, load_scenario


@dataclasses.dataclass(frozen=True)
class Move:
    """A hand move: handed in after ``at`` steps, so it shapes step ``at + 1`` onwards."""

    at: int
    firm: str
    price: float | None = None
    attributes: dict[str, float] | None = None
    programmes: dict[str, Any] | None = None
    expense: float | None = None  # market research bought with the move

    def action(self) -> Action:
        """The move as a strategy ``Action``."""
        return Action(price=self.price, attributes=self.attributes, programmes=self.programmes,
                      expense=self.expense)


def strategy_names() -> list[str]:
    """Registered strategy names (``human`` among them once the firms work has landed)."""
    from agents.strategies import names

    return names()


def with_human_firms(scenario: Scenario, firms: list[str]) -> Scenario:
    """The scenario with the named firms switched to the ``human`` strategy (when available)."""
    if not firms or "human" not in strategy_names():
        return scenario
    data = scenario.model_dump(mode="json")
    for firm in data["firms"]:
        if firm["name"] in firms:
            firm["strategy"] = {"type": "human"}
    return load_scenario(data)


def hand_in(model: MarketModel, firm_name: str, action: Action) -> str:
    """Give a firm a decision; returns ``"queued"`` or ``"applied"``.

    A firm run by the ``human`` strategy gets it through ``model.hand_in`` (its policy applies
    it in the next decide phase). Any other firm has its offer changed at once with
    ``firm.apply`` (its own strategy may move it again later). Either way the move shapes the
    next step.
    """
    firm = model.firm_by_name[firm_name]
    if hasattr(firm.policy, "hand_in"):
        if hasattr(model, "hand_in"):
            model.hand_in(firm_name, action)
        else:
            firm.policy.hand_in(action)
        return "queued"
    firm.apply(action)
    return "applied"


SKIPPED_PROGRAMMES = ("relationship_cost",)


@dataclasses.dataclass(frozen=True)
class ProgrammeControl:
    """One programme setting a player can change by hand (described by the schema).

    ``name`` is the key in ``Action.programmes``; ``dimension`` is set for per-dimension quality
    investment; ``options`` lists the choices of a choice setting (None = the default).
    """

    name: str
    label: str
    help: str
    value: Any
    kind: str  # "number" or "choice"
    dimension: str | None = None
    options: tuple = ()


def programme_controls(programmes: dict[str, Any], dimensions: list[str]) -> list[ProgrammeControl]:
    """The simple programme settings of a firm as controls.

    Spends, the relationship level and quality investment per dimension. The nested sections
    (promise, participation, targeting) are drawn by ``dashboard.decision_widgets``; cost
    overrides are left to the scenario editor.
    """
    from dashboard.scenarios import choice_options, field_spec

    out: list[ProgrammeControl] = []
    for name, value in programmes.items():
        if name in SKIPPED_PROGRAMMES:
            continue
        try:
            spec = field_spec(f"firms.0.programmes.{name}")
        except KeyError:
            continue
        if name == "quality_investment":
            per = value if isinstance(value, dict) else {
                d: float(value or 0.0) / max(len(dimensions), 1) for d in dimensions}
            for dim in dimensions:
                out.append(ProgrammeControl(name, f"{spec.label}: {dim}", spec.help,
                                            float(per.get(dim, 0.0)), "number", dimension=dim))
        elif spec.kind == "float" and (value is None or isinstance(value, (int, float))):
            out.append(ProgrammeControl(name, spec.label, spec.help, float(value or 0.0), "number"))
        else:
            options = choice_options(f"firms.0.programmes.{name}")
            if options:
                out.append(ProgrammeControl(name, spec.label, spec.help, value, "choice",
                                            options=tuple(options)))
    return out


def programme_changes(controls: list[ProgrammeControl], values: list[Any]) -> dict[str, Any]:
    """``Action.programmes`` from the controls' new values: only the settings that changed."""
    changes: dict[str, Any] = {}
    invest: dict[str, float] = {}
    invest_changed = False
    for control, value in zip(controls, values, strict=True):
        if control.dimension is not None:
            invest[control.dimension] = float(value)
            invest_changed |= abs(float(value) - control.value) > 1e-9
        elif value != control.value:
            changes[control.name] = value
    if invest_changed:
        changes["quality_investment"] = invest
    return changes


class PlaySession:
    """A market stepped by hand, with hand moves and undo by replay.

    Args:
        scenario: a validated scenario (or path, name, mapping).
        seed: the seed (default the scenario's).
    """

    def __init__(self, scenario: Scenario | str | dict, seed: int | None = None):
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.seed = self.scenario.seed if seed is None else int(seed)
        self.moves: list[Move] = []
        self.findings: list[dict] = []  # market research answers, in order of purchase
        self.model = MarketModel(self.scenario, seed=self.seed)

    @property
    def step(self) -> int:
        """Steps played so far."""
        return int(self.model.steps)

    @property
    def firm_names(self) -> list[str]:
        """Names of every firm in the scenario."""
        return [f.name for f in self.model.firms]

    def advance(self, n: int = 1) -> None:
        """Play ``n`` more steps."""
        for _ in range(max(int(n), 0)):
            self.model.step()

    def move(self, firm: str, price: float | None = None, attributes: dict | None = None,
             programmes: dict | None = None, research: list[dict] | None = None) -> Move:
        """Hand in a move for ``firm`` now; it is recorded for replay.

        ``research`` orders (as a classroom decision's) are answered at once from the market
        as it is now, with a random stream of their own (the market is not changed), and their
        cost (default study prices) is charged to the firm's next step as a one-off expense.

        Raises:
            KeyError: no firm of that name.
            ValueError: an invalid research order.
        """
        if firm not in self.model.firm_by_name:
            raise KeyError(f"no firm named {firm!r}")
        findings = self._research(firm, research or [])
        cost = sum(f["cost"] for f in findings)
        mv = Move(self.step, firm, price, attributes or None, programmes or None, cost or None)
        hand_in(self.model, firm, mv.action())
        self.moves.append(mv)
        self.findings += [{"after step": self.step, "firm": firm, **f} for f in findings]
        return mv

    def _research(self, firm: str, orders: list[dict]) -> list[dict]:
        """The findings of ``orders`` for ``firm`` now (each with its ``cost``)."""
        try:
            checked = [ResearchOrder.model_validate(o) for o in orders]
        except ValidationError as exc:
            raise ValueError(f"research: {exc.errors()[0]['msg']}") from None
        agent = self.model.firm_by_name[firm]
        streams = [[self.seed, self.step, agent.index, len(self.findings) + i, 7919]
                   for i in range(len(checked))]
        return [answer(self.model, order, agent, ResearchPrices(), np.random.default_rng(s))
                for order, s in zip(checked, streams, strict=True)]

    def undo_to(self, step: int) -> None:
        """Go back to the state after ``step`` steps, forgetting moves made at or after it."""
        step = max(0, min(int(step), self.step))
        kept = [m for m in self.moves if m.at < step]
        self.findings = [f for f in self.findings if f["after step"] < step]
        self.model = MarketModel(self.scenario, seed=self.seed)
        self.moves = []
        by_step: dict[int, list[Move]] = {}
        for m in kept:
            by_step.setdefault(m.at, []).append(m)
        while self.step < step:
            for m in by_step.get(self.step, []):
                hand_in(self.model, m.firm, m.action())
                self.moves.append(m)
            self.model.step()

    def firms_frame(self) -> pd.DataFrame:
        """The firms table so far."""
        return self.model.firms_frame()

    def segments_frame(self) -> pd.DataFrame:
        """The segments table so far."""
        return self.model.segments_frame()

    def offer(self, firm: str) -> dict[str, Any]:
        """A firm's current price, attribute levels and (if it has any) programmes."""
        f = self.model.firm_by_name[firm]
        programmes = getattr(f, "programmes", None)
        if hasattr(programmes, "model_dump"):
            programmes = programmes.model_dump(mode="json")
        return {
            "price": float(f.price),
            "attributes": f.attributes(),
            "programmes": dict(programmes) if isinstance(programmes, dict) else {},
        }

    def moves_table(self) -> pd.DataFrame:
        """The recorded moves as a table (one row per move)."""
        rows = [{"after step": m.at, "firm": m.firm, "price": m.price,
                 "attributes": m.attributes or {}, "programmes": m.programmes or {},
                 "research cost": m.expense}
                for m in self.moves]
        return pd.DataFrame(rows, columns=["after step", "firm", "price", "attributes", "programmes",
                                           "research cost"])
