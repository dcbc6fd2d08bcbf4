"""``cvm list``: shipped scenarios, one per line: name and one-line description."""

from __future__ import annotations

import textwrap

from sim.scenario import ScenarioError, load_scenario, shipped_scenarios_dir


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("list", help="list the shipped scenarios")
    p.add_argument("--lessons", action="store_true", help="also print each scenario's lesson and presets")
    p.set_defaults(func=run)


def run(args) -> int:
    """Print each shipped scenario."""
    paths = sorted(shipped_scenarios_dir().glob("*.yaml"))
    width = max((len(p.stem) for p in paths), default=0) + 2
    for path in paths:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:  # a broken shipped file must not hide the others
            print(f"{path.stem:<{width}}(invalid: {exc.problems[0].message})")
            continue
        first = scenario.description.strip().splitlines()[0] if scenario.description else ""
        print(f"{path.stem:<{width}}{first}")
        if args.lessons and scenario.lesson:
            print(textwrap.fill(" ".join(scenario.lesson.split()), width=96,
                                initial_indent=" " * 4 + "lesson: ", subsequent_indent=" " * 4))
        if args.lessons and scenario.presets:
            print(f"    presets: {', '.join(scenario.presets)}")
    return 0
