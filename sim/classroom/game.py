"""Classroom games: create, submit, close rounds, report, export, debrief — with roles enforced.

``Classroom(db)`` is the one service the CLI, the dashboard pages and the tests call. Every
method that reads or changes a team's data takes a secret and checks it on the server side:

* the **teacher** secret closes rounds, sees every submission, exports and debriefs;
* a **team** secret submits and revises that team's decision for the open round, and reads the
  public market report and that team's own private report — never another team's;
* ``status`` (round number and which teams have submitted) is public, as the contract says.

The market is never stored: it is replayed from scenario + seed + the decision records (see
``sim.classroom.engine``); snapshots only cache the replay.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from sim.classroom import debrief as debrief_mod
from sim.classroom import engine, reports
from sim.classroom.settings import MAX_DECISION_BYTES, Decision, GameSettings
from sim.classroom.store import Store, StoreError
from sim.scenario import Scenario, validate_scenario

# Test hook: seconds to sleep inside the close-round transaction, after its records are
# written and before they commit (the crash-safety test kills the process there).
PAUSE_ENV = "CVM_CLASSROOM_CLOSE_PAUSE"


class ClassroomError(Exception):
    """A user mistake (unknown game, closed round, invalid decision): exit status 2."""


class AccessDenied(ClassroomError):
    """A missing or wrong secret, or a secret of the wrong role."""


@dataclasses.dataclass(frozen=True)
class Team:
    """A team of a game: its number (secret prefix), its name and the firm it runs."""

    number: int
    name: str
    firm: str


@dataclasses.dataclass
class GameInfo:
    """A game's fixed facts, as stored at creation."""

    id: str
    scenario: Scenario
    settings: GameSettings
    seed: int
    teams: list[Team]

    @property
    def periods(self) -> int:
        """Periods (model steps) per round."""
        return self.settings.periods_per_round

    def team_named(self, name: str) -> Team:
        """The team with this name (or running the firm of this name)."""
        for team in self.teams:
            if name in (team.name, team.firm):
                return team
        raise ClassroomError(
            f"no team {name!r} in game {self.id}; teams: {', '.join(t.name for t in self.teams)}"
        )

    def team_of_firm(self) -> dict[str, str]:
        """Firm name → team name, for team firms."""
        return {t.firm: t.name for t in self.teams}


def prepare_scenario(scenario: Scenario, settings: GameSettings) -> tuple[Scenario, list[Team]]:
    """The game's scenario: team firms get the ``human`` strategy and the starting cash.

    Raises:
        ClassroomError: more teams than firms, or team firms the scenario does not have.
    """
    from agents.strategies import names as strategy_names

    firm_names = [f.name for f in scenario.firms]
    if settings.team_firms is not None:
        unknown = [n for n in settings.team_firms if n not in firm_names]
        if unknown:
            raise ClassroomError(f"team_firms: no firm {unknown[0]!r} in the scenario; "
                                 f"firms: {', '.join(firm_names)}")
        if len(settings.team_firms) != settings.teams:
            raise ClassroomError(f"team_firms names {len(settings.team_firms)} firms for "
                                 f"{settings.teams} teams")
        team_firms = list(settings.team_firms)
    else:
        if settings.teams > len(firm_names):
            raise ClassroomError(f"the scenario has {len(firm_names)} firms, so at most "
                                 f"{len(firm_names)} teams, not {settings.teams}")
        team_firms = firm_names[: settings.teams]
    strategy = "human" if "human" in strategy_names() else "static"
    data = scenario.model_dump(mode="json")
    for firm in data["firms"]:
        if firm["name"] in team_firms:
            firm["strategy"] = {"type": strategy}
            if settings.starting_cash is not None:
                firm["cash"] = settings.starting_cash
    teams = [Team(i, name if name.lower().startswith("team") else f"Team {name}", name)
             for i, name in enumerate(team_firms, 1)]
    return validate_scenario(data, "<classroom game>"), teams


class Classroom:
    """The classroom service over one SQLite file (``--db``)."""

    def __init__(self, db: str | Path):
        try:
            self.store = Store(db)
        except StoreError as exc:
            raise ClassroomError(str(exc)) from None

    # -- creating and reading games -----------------------------------------------------------
    def create(self, scenario: Scenario, settings: GameSettings) -> dict:
        """Create a game; returns the contract's JSON: game code, teacher secret, team secrets."""
        game_scenario, teams = prepare_scenario(scenario, settings)
        seed = scenario.seed if settings.seed is None else settings.seed
        return self.store.create_game(
            game_scenario.model_dump_json(), settings.model_dump_json(), seed,
            [(t.name, t.firm) for t in teams],
        )

    def info(self, game_id: str) -> GameInfo:
        """The game's fixed facts."""
        with self.store.read() as con:
            row = self._game(con, game_id)
            teams = [Team(r["number"], r["name"], r["firm"]) for r in Store.teams(con, row["id"])]
        scenario = validate_scenario(json.loads(row["scenario_json"]), "<classroom game>")
        settings = GameSettings.model_validate_json(row["settings_json"])
        return GameInfo(row["id"], scenario, settings, int(row["seed"]), teams)

    def games(self) -> list[dict]:
        """Every game in the file (code, scenario, rounds closed) — no secrets."""
        return self.store.games()

    def status(self, game_id: str) -> dict:
        """Public: rounds closed, the open round and which teams have submitted for it."""
        info = self.info(game_id)
        with self.store.read() as con:
            closed = Store.closed_rounds(con, info.id)
            pending = Store.effective_decisions(con, info.id).get(closed + 1, {})
        finished = closed >= info.settings.rounds
        return {
            "game": info.id,
            "scenario": info.scenario.name,
            "round": closed,
            "rounds": info.settings.rounds,
            "open_round": None if finished else closed + 1,
            "finished": finished,
            "periods_per_round": info.periods,
            "teams": [t.name for t in info.teams],
            "submitted": [t.name for t in info.teams if t.name in pending and not finished],
        }

    # -- roles --------------------------------------------------------------------------------
    def login(self, game_id: str, secret: str | None) -> Team | None:
        """Who a secret belongs to: a ``Team``, or None for the teacher.

        Raises:
            AccessDenied: the secret is neither the teacher's nor a team's of this game.
        """
        with self.store.read() as con:
            game = self._game(con, game_id)
            secret = (secret or "").strip().upper()
            if secret.startswith("T-"):
                if self.store.is_teacher(con, game["id"], secret):
                    return None
            else:
                row = self.store.team_for_secret(con, game["id"], secret)
                if row is not None:
                    return Team(row["number"], row["name"], row["firm"])
        raise AccessDenied("wrong or missing secret for this game; nothing was changed")

    def _team(self, game_id: str, secret: str | None) -> Team:
        team = self.login(game_id, secret)
        if team is None:
            raise AccessDenied("this needs a team secret, not the teacher's")
        return team

    def _teacher(self, game_id: str, secret: str | None) -> None:
        if self.login(game_id, secret) is not None:
            raise AccessDenied("only the teacher can do this; a team secret cannot")

    # -- decisions ----------------------------------------------------------------------------
    def submit(self, game_id: str, team_secret: str | None, decision: Any) -> dict:
        """Store (or replace) the team's decision for the open round.

        Args:
            game_id: the game code.
            team_secret: the team's secret (identifies the team).
            decision: a mapping (or JSON text) matching ``Decision``.

        Raises:
            AccessDenied: wrong or missing team secret (nothing stored).
            ClassroomError: invalid decision or no open round (nothing stored).
        """
        team = self._team(game_id, team_secret)
        parsed = parse_decision(decision)
        info = self.info(game_id)
        for _ in range(5):
            with self.store.read() as con:
                closed = Store.closed_rounds(con, info.id)
            self.check_decision(info, team, parsed, closed)
            with self.store.write() as con:
                if Store.closed_rounds(con, info.id) != closed:
                    continue  # a round closed meanwhile: check again against the new round
                decision_id = Store.append_decision(
                    con, info.id, team.name, closed + 1, parsed.record()
                )
                revisions = len([
                    r for r in Store.decision_records(con, info.id, team.name)
                    if r["round"] == closed + 1
                ])
            return {"game": info.id, "team": team.name, "firm": team.firm, "round": closed + 1,
                    "decision_id": decision_id, "revision": revisions,
                    "decision": parsed.record()}
        raise ClassroomError("rounds kept closing while submitting; try again")

    def check_decision(self, info: GameInfo, team: Team, decision: Decision, closed: int) -> None:
        """Server-side checks of a decision against the game for the round after ``closed``.

        Raises:
            ClassroomError: one message listing every problem.
        """
        problems = []
        settings = info.settings
        if closed >= settings.rounds:
            raise ClassroomError(f"the game is over: all {settings.rounds} rounds are closed")
        for name in decision.given():
            if name not in settings.open_decisions:
                problems.append(f"{name}: not open in this game (open: "
                                f"{', '.join(settings.open_decisions) or 'none'})")
        spec = info.scenario.firms[info.scenario.firm_index(team.firm)]
        low, high = (spec.price * x for x in settings.price_range)
        if decision.price is not None and not low - 1e-9 <= decision.price <= high + 1e-9:
            problems.append(f"price: must lie between {low:.2f} and {high:.2f}, "
                            f"got {decision.price:g}")
        offer = self.offer(info, team, closed)
        for dim, level in (decision.attributes or {}).items():
            if dim not in offer["attributes"]:
                problems.append(f"attributes.{dim}: unknown dimension; known: "
                                f"{', '.join(offer['attributes'])}")
            elif abs(level - offer["attributes"][dim]) > settings.max_attribute_change + 1e-9:
                problems.append(
                    f"attributes.{dim}: can move at most {settings.max_attribute_change:g} per "
                    f"round, from {offer['attributes'][dim]:.2f} (got {level:g})"
                )
        claimed = decision.promise.attributes if decision.promise is not None else None
        for dim in claimed or {}:
            if dim not in offer["attributes"]:
                problems.append(f"promise.attributes.{dim}: unknown dimension; known: "
                                f"{', '.join(offer['attributes'])}")
        segments = [s.name for s in info.scenario.market.segments]
        for i, order in enumerate(decision.research):
            if order.segment is not None and order.segment not in segments:
                problems.append(f"research.{i}.segment: unknown segment {order.segment!r}; "
                                f"segments: {', '.join(segments)}")
        budget = self.budget(info, team, closed)
        spend = self.spending(info, decision)
        if spend > budget["available"] + 1e-6:
            problems.append(
                f"budget: this decision spends {spend:,.2f} this round but {team.name} has "
                f"{budget['available']:,.2f} available"
            )
        if problems:
            raise ClassroomError("invalid decision:\n  " + "\n  ".join(problems))

    def spending(self, info: GameInfo, decision: Decision) -> float:
        """Money a decision commits this round: programmes for every period plus research."""
        research = sum(engine.research_cost(o, info.settings.research) for o in decision.research)
        return decision.spending_per_period() * info.periods + research

    def offer(self, info: GameInfo, team: Team, closed: int) -> dict:
        """The team's price, attribute levels and programmes going into round ``closed + 1``."""
        spec = info.scenario.firms[info.scenario.firm_index(team.firm)]
        dims = info.scenario.market.dimensions
        price = spec.price
        levels = {d: float(spec.attributes.get(d, 0.0)) for d in dims}
        programmes = _programme_settings(getattr(spec, "programmes", None))
        first_step = closed * info.periods + 1
        changes = []
        for e in info.scenario.events:
            if e.firm == team.firm and e.at < first_step and e.set is not None:
                change = e.set if isinstance(e.set, dict) else e.set.model_dump(exclude_none=True)
                changes.append((e.at, 0, {**change, **_programme_settings(change.get("programmes"))}))
        with self.store.read() as con:
            decided = Store.effective_decisions(con, info.id)
        for k in range(1, closed + 1):
            if team.name in decided.get(k, {}):
                changes.append(((k - 1) * info.periods + 1, 1, decided[k][team.name][0]))
        for _, _, change in sorted(changes, key=lambda c: (c[0], c[1])):
            price = change.get("price", price)
            levels.update({d: float(v) for d, v in (change.get("attributes") or {}).items()
                           if d in levels})
            programmes.update({f: change[f] for f in engine.PROGRAMME_FIELDS
                               if change.get(f) is not None})
        return {"price": float(price), "attributes": levels, "programmes": programmes}

    def budget(self, info: GameInfo, team: Team, closed: int) -> dict:
        """Cash the team has going into the round after ``closed`` (research bought is in it)."""
        if closed == 0:
            spec = info.scenario.firms[info.scenario.firm_index(team.firm)]
            cash = float(spec.cash)
        else:
            firms = self.results(info)["firms"]
            mine = firms[firms["firm"] == team.firm]
            cash = float(mine["cash"].iat[-1]) if len(mine) else 0.0
        with self.store.read() as con:
            research = sum(float(p["cost"]) for p in Store.purchases(con, info.id, team.name))
        available = max(cash + info.settings.credit_line, 0.0)
        return {"cash": cash, "research_spent": research, "available": available}

    # -- closing rounds -----------------------------------------------------------------------
    def close_round(self, game_id: str, teacher_secret: str | None) -> dict:
        """Close the open round: freeze its decisions, record the close, advance the market.

        The replay runs outside the write lock; the close commits only if no decision arrived
        meanwhile (else it replays again), so submissions never wait for the simulation.

        Raises:
            AccessDenied: not the teacher's secret. ClassroomError: the game is over.
        """
        self._teacher(game_id, teacher_secret)
        info = self.info(game_id)
        for _ in range(5):
            with self.store.read() as con:
                closed = Store.closed_rounds(con, info.id)
                last_id = Store.last_decision_id(con, info.id)
                decided = Store.effective_decisions(con, info.id)
            round_no = closed + 1
            if round_no > info.settings.rounds:
                raise ClassroomError(f"the game is over: all {info.settings.rounds} rounds are closed")
            frozen = {k: v for k, v in decided.items() if k <= round_no}
            digest = decisions_digest(round_no, frozen)
            results = self._replay(info, round_no, frozen)
            with self.store.write() as con:
                if Store.closed_rounds(con, info.id) != closed:
                    raise ClassroomError(f"round {round_no} was closed meanwhile by another request")
                if Store.last_decision_id(con, info.id) != last_id:
                    continue  # a decision arrived while we replayed: replay with it
                Store.append_round(con, info.id, round_no, last_id, digest)
                for team in info.teams:
                    decision = frozen.get(round_no, {}).get(team.name)
                    answers = results["research"].get((round_no, team.firm), [])
                    for request, answer in zip(decision[0].get("research", []) if decision else [],
                                               answers, strict=True):
                        Store.append_purchase(con, info.id, team.name, round_no, request,
                                              answer["cost"], answer)
                _pause_inside_transaction(round_no)
            self.store.put_snapshot(info.id, round_no, _cache_key(digest), _dump_results(results))
            return {
                "game": info.id,
                "round": round_no,
                "rounds": info.settings.rounds,
                "finished": round_no >= info.settings.rounds,
                "decisions": sorted(frozen.get(round_no, {})),
                "steps": round_no * info.periods,
            }
        raise ClassroomError("decisions kept arriving while closing; try again")

    # -- replay and its cache -----------------------------------------------------------------
    def frozen(self, info: GameInfo) -> tuple[int, dict, str]:
        """Rounds closed, the decisions they applied ``{round: {team: record}}``, and a digest."""
        with self.store.read() as con:
            closes = Store.round_closes(con, info.id)
            last_id = closes[-1]["last_decision_id"] if closes else 0
            decided = Store.effective_decisions(con, info.id, up_to_id=last_id)
        closed = len(closes)
        frozen = {k: v for k, v in decided.items() if k <= closed}
        return closed, frozen, decisions_digest(closed, frozen)

    def results(self, info: GameInfo) -> dict:
        """The replayed market through the closed rounds (from the cache when it is current)."""
        closed, frozen, digest = self.frozen(info)
        cached = self.store.get_snapshot(info.id, closed, _cache_key(digest))
        if cached is not None:
            return _load_results(cached)
        results = self._replay(info, closed, frozen)
        self.store.put_snapshot(info.id, closed, _cache_key(digest), _dump_results(results))
        return results

    def _replay(self, info: GameInfo, rounds: int, frozen: dict, keep_model: bool = False) -> dict:
        by_firm = {
            k: {info.team_named(team).firm: Decision.model_validate(rec[0])
                for team, rec in per_team.items()}
            for k, per_team in frozen.items()
        }
        played = engine.replay(
            info.scenario, info.seed, info.periods, rounds, by_firm,
            research_prices=info.settings.research,
            team_numbers={t.firm: t.number for t in info.teams},
        )
        out = {"firms": played.firms, "segments": played.segments, "research": played.research}
        if keep_model:
            out["replay"] = played
        return out

    # -- reports ------------------------------------------------------------------------------
    def public_report(self, game_id: str, secret: str | None, round_no: int | None = None) -> dict:
        """The market report of a closed round (default the latest); any player may read it."""
        self.login(game_id, secret)
        info = self.info(game_id)
        results = self.results(info)
        round_no = self._closed_round(results, info, round_no)
        if round_no == 0:
            return {"round": 0, "firms": self._starting_offers(info), "segments": [], "history": []}
        rounds = reports.by_round(results["firms"], info.periods)
        return reports.public_report(rounds, results["segments"], info.periods, round_no,
                                     info.team_of_firm())

    def private_report(self, game_id: str, secret: str | None, round_no: int | None = None,
                       team_name: str | None = None) -> dict:
        """A team's own report. A team secret reads only its own team; the teacher names one."""
        who = self.login(game_id, secret)
        info = self.info(game_id)
        if who is None:
            if team_name is None:
                raise ClassroomError("name the team whose private report to show")
            team = info.team_named(team_name)
        else:
            if team_name is not None and team_name not in (who.name, who.firm):
                raise AccessDenied("a team can read only its own private report")
            team = who
        results = self.results(info)
        round_no = self._closed_round(results, info, round_no)
        budget = self.budget(info, team, round_no)
        if round_no == 0:
            return {"round": 0, "team": team.name, "firm": team.firm, "cash": budget["cash"],
                    "cash_after_research": budget["cash"], "history": [], "research": []}
        with self.store.read() as con:
            purchases = Store.purchases(con, info.id, team.name)
        research = [json.loads(p["result_json"]) for p in purchases if p["round"] == round_no]
        spend = {(int(p["round"]), team.firm): 0.0 for p in purchases}
        for p in purchases:
            spend[(int(p["round"]), team.firm)] += float(p["cost"])
        rounds = reports.by_round(results["firms"], info.periods)
        card = reports.scorecard(rounds, info.settings.scoring)
        report = reports.private_report(rounds, results["segments"], info.periods, round_no,
                                        team.firm, spend, research, card)
        return {"team": team.name, **report}

    def team_view(self, game_id: str, team_secret: str | None) -> dict:
        """What a team's decision form needs: open round, current offer, limits, budget, draft."""
        team = self._team(game_id, team_secret)
        info = self.info(game_id)
        status = self.status(game_id)
        closed = status["round"]
        offer = self.offer(info, team, closed) if not status["finished"] else None
        with self.store.read() as con:
            pending = Store.effective_decisions(con, info.id).get(closed + 1, {}).get(team.name)
        return {
            "game": info.id, "team": team.name, "firm": team.firm, "status": status,
            "offer": offer, "budget": self.budget(info, team, closed),
            "limits": self.limits(info, team),
            "pending": None if pending is None else
            {"decision": pending[0], "submitted_at": pending[1], "revisions": pending[2]},
        }

    @staticmethod
    def limits(info: GameInfo, team: Team) -> dict:
        """The game's rules for a team's decision form: what is open and within which bounds."""
        spec = info.scenario.firms[info.scenario.firm_index(team.firm)]
        low, high = (spec.price * x for x in info.settings.price_range)
        return {"price": [low, high],
                "max_attribute_change": info.settings.max_attribute_change,
                "open_decisions": list(info.settings.open_decisions),
                "segments": [s.name for s in info.scenario.market.segments],
                "research": info.settings.research.model_dump()}

    def what_if_view(self, game_id: str, teacher_secret: str | None, team_name: str,
                     round_no: int) -> dict:
        """What the what-if form needs for one team and closed round.

        Returns:
            The team's rules (``limits``), its offer going into the round, the periods per
            round and the decision it played that round (``played``; ``{}`` for none).
        """
        self._teacher(game_id, teacher_secret)
        info = self.info(game_id)
        team = info.team_named(team_name)
        closed, frozen, _ = self.frozen(info)
        if not 1 <= round_no <= closed:
            raise ClassroomError(f"round must be a closed round, 1 to {closed}, got {round_no}")
        played = frozen.get(round_no, {}).get(team.name)
        return {"team": team.name, "firm": team.firm, "periods": info.periods,
                "limits": self.limits(info, team), "offer": self.offer(info, team, round_no - 1),
                "played": played[0] if played else {}}

    def teacher_view(self, game_id: str, teacher_secret: str | None) -> dict:
        """Status with every team's submission for the open round, and the scores so far."""
        self._teacher(game_id, teacher_secret)
        info = self.info(game_id)
        status = self.status(game_id)
        with self.store.read() as con:
            pending = Store.effective_decisions(con, info.id).get(status["round"] + 1, {})
        submissions = [
            {"team": t.name, "firm": t.firm, "submitted": t.name in pending,
             "submitted_at": pending[t.name][1] if t.name in pending else None,
             "revisions": pending[t.name][2] if t.name in pending else 0,
             "decision": pending[t.name][0] if t.name in pending else None}
            for t in info.teams
        ]
        return {**status, "submissions": submissions, "scores": self.scores(info)}

    def scores(self, info: GameInfo) -> list[dict]:
        """Game scores (mean of round scores) of every firm, best first; teams are marked."""
        results = self.results(info)
        if results["firms"].empty:
            return []
        rounds = reports.by_round(results["firms"], info.periods)
        card = reports.scorecard(rounds, info.settings.scoring)
        team_of = info.team_of_firm()
        return [
            {"firm": r.firm, "team": team_of.get(r.firm), "score": float(r.score),
             "rounds": int(r.rounds)}
            for r in reports.totals(card).itertuples()
        ]

    # -- export and debrief -------------------------------------------------------------------
    def export(self, game_id: str, teacher_secret: str | None, out: str | Path,
               force: bool = False) -> dict:
        """Write firms.csv (as ``cvm run``), segments.csv, decisions.csv, scores.csv, research.csv."""
        from sim.outputs import write_run
        from sim.runner import RunResult, package_version
        from sim.scenario import scenario_hash

        self._teacher(game_id, teacher_secret)
        info = self.info(game_id)
        closed, frozen, _ = self.frozen(info)
        results = self._replay(info, closed, frozen)  # the truth, not the cache
        provenance = {
            "scenario": info.scenario.name, "scenario_hash": scenario_hash(info.scenario),
            "seed": info.seed, "replicates": 1, "steps": closed * info.periods,
            "game": info.id, "rounds_closed": closed, "periods_per_round": info.periods,
            "package_version": package_version(),
            "created": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        }
        result = RunResult(results["firms"], results["segments"], info.scenario, provenance)
        out = Path(out)
        write_run(result, out, force=force)
        self.decisions_table(info, frozen).to_csv(out / "decisions.csv", index=False)
        scores = self.scores(info)
        pd.DataFrame(scores, columns=["firm", "team", "score", "rounds"]).to_csv(
            out / "scores.csv", index=False)
        with self.store.read() as con:
            purchases = [dict(p) for p in Store.purchases(con, info.id)]
        pd.DataFrame(purchases, columns=["id", "game_id", "team", "round", "kind", "request_json",
                                         "cost", "result_json", "created"]).to_csv(
            out / "research.csv", index=False)
        return {"game": info.id, "out": str(out), "rounds": closed,
                "files": sorted(p.name for p in out.iterdir())}

    def decisions_table(self, info: GameInfo, frozen: dict) -> pd.DataFrame:
        """One row per applied decision: round, team, firm, time, revisions and each field."""
        rows = []
        firm_of = {t.name: t.firm for t in info.teams}
        for k in sorted(frozen):
            for team, (decision, submitted_at, revisions) in sorted(frozen[k].items()):
                rows.append({
                    "round": k, "team": team, "firm": firm_of[team],
                    "step": (k - 1) * info.periods + 1, "submitted_at": submitted_at,
                    "revisions": revisions, "price": decision.get("price"),
                    "attributes": json.dumps(decision["attributes"], sort_keys=True)
                    if decision.get("attributes") else None,
                    **{f: json.dumps(v, sort_keys=True) if isinstance(v, dict) else v
                       for f in engine.PROGRAMME_FIELDS for v in [decision.get(f)]},
                    "research": json.dumps(decision.get("research", [])),
                    "decision": json.dumps(decision, sort_keys=True),
                })
        columns = ["round", "team", "firm", "step", "submitted_at", "revisions", "price",
                   "attributes", *engine.PROGRAMME_FIELDS, "research", "decision"]
        return pd.DataFrame(rows, columns=columns)

    def debrief(self, game_id: str, teacher_secret: str | None) -> dict:
        """Matrix replay, scores and each team's round-by-round account of its share."""
        self._teacher(game_id, teacher_secret)
        info = self.info(game_id)
        closed, frozen, _ = self.frozen(info)
        results = self._replay(info, closed, frozen, keep_model=True)
        played = results["replay"]
        rounds = reports.by_round(results["firms"], info.periods) if closed else None
        names = [f.name for f in info.scenario.firms]
        firms = [t.firm for t in info.teams] or [f.name for f in info.scenario.firms]
        accounts = {
            firm: debrief_mod.account(played.states, rounds, names, firm,
                                      info.scenario.market.rationality, info.scenario.mechanisms,
                                      {f.name: f.price for f in info.scenario.firms})
            for firm in firms
        } if closed else {}
        matrix = [] if rounds is None else [
            {"round": int(r.round), "firm": r.firm, "pp": reports._num(r.pp),
             "puv": reports._num(r.puv), "share": reports._num(r.share),
             "clock_position": r.clock_position}
            for r in rounds.itertuples()
        ]
        return {"game": info.id, "rounds": closed, "matrix": matrix,
                "scores": self.scores(info), "accounts": accounts,
                "team_of_firm": info.team_of_firm()}

    def counterfactual(self, game_id: str, teacher_secret: str | None, team_name: str,
                       round_no: int, decision: Any | None) -> pd.DataFrame:
        """Re-run the closed rounds with one team's decision in one round replaced.

        Args:
            game_id: the game code.
            teacher_secret: the teacher's secret.
            team_name: the team (or its firm) whose decision changes.
            round_no: the closed round in which it changes.
            decision: the decision to use instead (mapping or JSON), or None for "no decision"
                (the team holds its previous offer that round).

        Returns:
            ``debrief.compare`` table: share and profit per round and firm, played vs what-if.
        """
        self._teacher(game_id, teacher_secret)
        info = self.info(game_id)
        team = info.team_named(team_name)
        closed, frozen, _ = self.frozen(info)
        if not 1 <= round_no <= closed:
            raise ClassroomError(f"round must be a closed round, 1 to {closed}, got {round_no}")
        changed = {k: dict(v) for k, v in frozen.items()}
        if decision is None:
            changed.get(round_no, {}).pop(team.name, None)
        else:
            parsed = parse_decision(decision)
            changed.setdefault(round_no, {})[team.name] = (
                parsed.record(), "counterfactual", 1)
        # what was played comes from the replay cache; only the what-if is replayed
        actual = reports.by_round(self.results(info)["firms"], info.periods)
        what_if = reports.by_round(self._replay(info, closed, changed)["firms"], info.periods)
        return debrief_mod.compare(actual, what_if)

    # -- helpers ------------------------------------------------------------------------------
    def _game(self, con, game_id: str):
        try:
            return self.store.game(con, game_id)
        except StoreError as exc:
            raise ClassroomError(str(exc)) from None

    @staticmethod
    def _closed_round(results: dict, info: GameInfo, round_no: int | None) -> int:
        firms = results["firms"]
        closed = 0 if firms.empty else int(firms["step"].max()) // info.periods
        if round_no is None:
            return closed
        if not 0 <= round_no <= closed:
            raise ClassroomError(f"round {round_no} is not closed yet (closed: {closed})")
        return round_no

    @staticmethod
    def _starting_offers(info: GameInfo) -> list[dict]:
        team_of = info.team_of_firm()
        return [{"firm": f.name, "team": team_of.get(f.name), "price": f.price,
                 "attributes": dict(f.attributes)}
                for f in info.scenario.firms if f.enter_at == 0]


def _programme_settings(programmes) -> dict:
    """Programme settings as decision fields (quality investment as one total per period)."""
    if programmes is None:
        return {}
    data = programmes if isinstance(programmes, dict) else programmes.model_dump()
    out = {f: data[f] for f in engine.PROGRAMME_FIELDS if data.get(f) is not None}
    if isinstance(out.get("quality_investment"), dict):
        out["quality_investment"] = float(sum(out["quality_investment"].values()))
    return out


def parse_decision(decision: Any) -> Decision:
    """A ``Decision`` from a mapping or JSON text, with readable errors.

    Raises:
        ClassroomError: every problem with its field path.
    """
    if isinstance(decision, str | bytes) and len(decision) > MAX_DECISION_BYTES:
        raise ClassroomError(f"invalid decision: longer than {MAX_DECISION_BYTES:,} characters "
                             "(a decision is a few hundred)")
    try:
        if isinstance(decision, str | bytes):
            return Decision.model_validate_json(decision)
        return Decision.model_validate(decision)
    except ValidationError as exc:
        lines = []
        for err in exc.errors()[:20]:
            where = ".".join(_short(str(p)) for p in err["loc"]) or "decision"
            lines.append(f"{where}: {_short(err['msg'].removeprefix('Value error, '), 200)}")
        raise ClassroomError("invalid decision:\n  " + "\n  ".join(lines)) from None


def _short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters (a huge key or value must not flood the message)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decisions_digest(rounds: int, frozen: dict) -> str:
    """Fingerprint of the decisions a replay through ``rounds`` depends on."""
    data = {str(k): {team: rec[0] for team, rec in sorted(v.items())}
            for k, v in sorted(frozen.items()) if k <= rounds}
    text = json.dumps({"rounds": rounds, "decisions": data}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _cache_key(digest: str) -> str:
    """A snapshot's key: the decisions' digest and the replay's version (older caches miss)."""
    return f"{digest}:v{engine.REPLAY_VERSION}"


def _dump_results(results: dict) -> str:
    return json.dumps({
        "firms": results["firms"].to_dict(orient="split", index=False),
        "segments": results["segments"].to_dict(orient="split", index=False),
        "research": [[k, f, v] for (k, f), v in results["research"].items()],
    })


def _load_results(payload: str) -> dict:
    data = json.loads(payload)
    return {
        "firms": pd.DataFrame(data["firms"]["data"], columns=data["firms"]["columns"]),
        "segments": pd.DataFrame(data["segments"]["data"], columns=data["segments"]["columns"]),
        "research": {(k, f): v for k, f, v in data["research"]},
    }


def _pause_inside_transaction(round_no: int) -> None:
    seconds = float(os.environ.get(PAUSE_ENV, "0") or 0)
    if seconds > 0:
        print(f"closing round {round_no}: records written, pausing {seconds:g}s before commit",
              file=sys.stderr, flush=True)
        time.sleep(seconds)
