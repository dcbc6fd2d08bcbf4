"""``cvm validate``: ``ok`` and exit 0 for a valid scenario; one line per problem and exit 2."""

from __future__ import annotations

import dataclasses
import json

from sim.cli.common import add_scenario_args, load
from sim.scenario import ScenarioError


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("validate", help="check a scenario file")
    add_scenario_args(p)
    p.add_argument("--json", action="store_true",
                   help='print {"ok": bool, "problems": [{file, line, column, path, message}]}')
    p.set_defaults(func=run)


def run(args) -> int:
    """Validate (without --json, ScenarioError propagates to main, which prints it, exit 2)."""
    if not args.json:
        load(args)
        print("ok")
        return 0
    try:
        load(args)
    except ScenarioError as exc:
        problems = [dataclasses.asdict(p) for p in exc.problems]
        print(json.dumps({"ok": False, "problems": problems}, indent=2))
        return 2
    print(json.dumps({"ok": True, "problems": []}))
    return 0
