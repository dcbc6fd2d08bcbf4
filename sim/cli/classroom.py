"""``cvm classroom``: run a classroom game from the command line (see CONTRACT.md).

``create | submit | close-round | status | export | decision-schema`` are the contract's verbs;
``report`` and ``debrief`` are extras for teachers who automate. Every verb prints JSON on
stdout. A wrong or missing secret, an invalid decision or flag exits 2 and changes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sim.classroom.settings import DECISION_FIELDS
from sim.cli import UserError


def add_parser(sub) -> None:
    """Register ``classroom`` and its sub-verbs."""
    p = sub.add_parser("classroom", help="run a classroom game (teams, rounds, reports)")
    verbs = p.add_subparsers(dest="classroom_verb", metavar="VERB", required=True)

    c = verbs.add_parser("create", help="create a game from a scenario; prints the secrets")
    c.add_argument("scenario", help="scenario file, or the name of a shipped scenario")
    _db(c)
    c.add_argument("--teams", type=int, required=True, help="firms run by teams (0 = demo)")
    c.add_argument("--rounds", type=int, default=None, help="rounds in the game (default 6)")
    c.add_argument("--periods", type=int, default=None, help="periods per round (default 4)")
    c.add_argument("--cash", type=float, default=None, help="every team's starting cash")
    c.add_argument("--seed", type=int, default=None, help="seed (default the scenario's)")
    c.add_argument("--team-firms", default=None, help="comma-separated firms the teams run")
    c.add_argument("--open", default=None,
                   help="comma-separated open decisions (default all: "
                        f"{', '.join(DECISION_FIELDS)})")
    c.add_argument("--weights", default=None,
                   help="scorecard weights, e.g. profit=0.4,share=0.2,satisfaction=0.2,clv=0.2")
    c.add_argument("--settings", default=None, help="JSON file of game settings (flags win)")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario value, as in cvm run")

    s = verbs.add_parser("submit", help="store (or replace) a team's decision for the open round")
    _db(s, game=True)
    s.add_argument("--team-secret", default=None, help="the team's secret")
    s.add_argument("--decision", required=True, help="decision JSON file ('-' for stdin)")

    r = verbs.add_parser("close-round", help="close the open round and advance the market")
    _db(r, game=True)
    r.add_argument("--teacher-secret", default=None, help="the teacher's secret")

    st = verbs.add_parser("status", help="rounds closed and who has submitted")
    _db(st, game=True)

    e = verbs.add_parser("export", help="write firms.csv, decisions.csv and more")
    _db(e, game=True)
    e.add_argument("--teacher-secret", default=None, help="the teacher's secret")
    e.add_argument("--out", required=True, help="output folder")
    e.add_argument("--force", action="store_true", help="replace a non-empty --out folder")

    verbs.add_parser("decision-schema", help="JSON Schema of a decision file")

    rep = verbs.add_parser("report", help="market report, plus your private report")
    _db(rep, game=True)
    rep.add_argument("--secret", default=None, help="a team's secret or the teacher's")
    rep.add_argument("--round", type=int, default=None, help="closed round (default latest)")
    rep.add_argument("--team", default=None, help="teacher only: whose private report")

    d = verbs.add_parser("debrief", help="teacher: each team's account; --team/--round for a what-if")
    _db(d, game=True)
    d.add_argument("--teacher-secret", default=None, help="the teacher's secret")
    d.add_argument("--team", default=None, help="counterfactual: the team whose decision changes")
    d.add_argument("--round", type=int, default=None, help="counterfactual: the round")
    d.add_argument("--decision", default=None,
                   help="counterfactual: decision JSON file to use instead (default: none)")
    p.set_defaults(func=run)


def _db(parser, game: bool = False) -> None:
    parser.add_argument("--db", required=True, help="the game server's SQLite file")
    if game:
        parser.add_argument("--game", required=True, help="the game code")


def run(args) -> int:
    """Dispatch to the sub-verb; classroom mistakes become exit status 2."""
    from sim.classroom import ClassroomError

    try:
        out = VERBS[args.classroom_verb](args)
    except ClassroomError as exc:
        raise UserError(str(exc)) from None
    print(json.dumps(out, indent=2, default=_jsonable))
    return 0


def _create(args) -> dict:
    from pydantic import ValidationError

    from sim.classroom import Classroom, GameSettings
    from sim.scenario import load_scenario

    data = {}
    if args.settings:
        data = _read_json(args.settings, "--settings")
    flags = {"teams": args.teams, "rounds": args.rounds, "periods_per_round": args.periods,
             "starting_cash": args.cash, "seed": args.seed}
    data.update({k: v for k, v in flags.items() if v is not None})
    if args.team_firms:
        data["team_firms"] = [n.strip() for n in args.team_firms.split(",") if n.strip()]
    if args.open is not None:
        data["open_decisions"] = [n.strip() for n in args.open.split(",") if n.strip()]
    if args.weights:
        data["scoring"] = _weights(args.weights)
    try:
        settings = GameSettings.model_validate(data)
    except ValidationError as exc:
        raise UserError("invalid game settings:\n  " + "\n  ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
        )) from None
    scenario = load_scenario(args.scenario, overrides=args.overrides)
    return Classroom(args.db).create(scenario, settings)


def _submit(args) -> dict:
    text = _read_decision(args.decision)
    return _classroom(args).submit(args.game, args.team_secret, text)


def _read_decision(path: str) -> str:
    """The decision text from a file or stdin ('-'), read no further than the size limit + 1.

    ``parse_decision`` then refuses a longer one: a huge file is never read whole.
    """
    from sim.classroom.settings import MAX_DECISION_BYTES

    try:
        if path == "-":
            return sys.stdin.read(MAX_DECISION_BYTES + 1)
        with open(path, encoding="utf-8") as fh:
            return fh.read(MAX_DECISION_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise UserError(f"--decision: cannot read {path}: {reason}") from None


def _close(args) -> dict:
    return _classroom(args).close_round(args.game, args.teacher_secret)


def _status(args) -> dict:
    return _classroom(args).status(args.game)


def _export(args) -> dict:
    return _classroom(args).export(args.game, args.teacher_secret, args.out, force=args.force)


def _schema(args) -> dict:
    from sim.classroom import Decision

    return Decision.model_json_schema()


def _report(args) -> dict:
    room = _classroom(args)
    who = room.login(args.game, args.secret)
    out = {"public": room.public_report(args.game, args.secret, args.round)}
    if who is not None or args.team:
        out["private"] = room.private_report(args.game, args.secret, args.round, args.team)
    if who is None:
        out["teacher"] = room.teacher_view(args.game, args.secret)
    return out


def _debrief(args) -> dict:
    room = _classroom(args)
    if args.team is None and args.round is None:
        return room.debrief(args.game, args.teacher_secret)
    if args.team is None or args.round is None:
        raise UserError("a counterfactual needs both --team and --round")
    decision = _read_decision(args.decision) if args.decision else None
    table = room.counterfactual(args.game, args.teacher_secret, args.team, args.round, decision)
    return {"game": args.game.upper(), "team": args.team, "round": args.round,
            "comparison": json.loads(table.to_json(orient="records"))}


VERBS = {"create": _create, "submit": _submit, "close-round": _close, "status": _status,
         "export": _export, "decision-schema": _schema, "report": _report, "debrief": _debrief}


def _classroom(args):
    from sim.classroom import Classroom

    if not Path(args.db).is_file():
        raise UserError(f"no game database at {args.db}")
    return Classroom(args.db)


def _read_text(path: str, flag: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise UserError(f"{flag}: cannot read {path}: {exc.strerror or exc}") from None


def _read_json(path: str, flag: str) -> dict:
    try:
        data = json.loads(_read_text(path, flag))
    except json.JSONDecodeError as exc:
        raise UserError(f"{flag}: {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"{flag}: {path} must hold a JSON object")
    return data


def _weights(text: str) -> dict:
    out = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise UserError(f"--weights: expected NAME=NUMBER, got {part!r}") from None
        if not sep:
            raise UserError(f"--weights: expected NAME=NUMBER, got {part!r}")
    return out


def _jsonable(value):
    if hasattr(value, "item"):
        return value.item()
    return str(value)
