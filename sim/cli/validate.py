"""``cvm validate``: ``ok`` and exit 0 for a valid scenario; one line per problem and exit 2."""

from __future__ import annotations

from sim.cli.common import add_scenario_args, load


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("validate", help="check a scenario file")
    add_scenario_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Validate (ScenarioError propagates to main, which prints it and exits 2)."""
    load(args)
    print("ok")
    return 0
