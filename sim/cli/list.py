"""``cvm list``: shipped scenarios, one per line: name and one-line description."""

from __future__ import annotations

from sim.scenario import load_scenario, shipped_scenarios_dir


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("list", help="list the shipped scenarios")
    p.set_defaults(func=run)


def run(args) -> int:
    """Print each shipped scenario."""
    for path in sorted(shipped_scenarios_dir().glob("*.yaml")):
        scenario = load_scenario(path)
        first = scenario.description.strip().splitlines()[0] if scenario.description else ""
        print(f"{path.stem:<28} {first}")
    return 0
