"""Building the variants the Compare page runs, without Streamlit."""

from __future__ import annotations

from pathlib import Path

from dashboard import scenarios
from sim.scenario import Scenario, load_scenario


def strategy_options() -> list[str]:
    """Strategies a user can pick for a firm (``human`` needs a person, so it is left out)."""
    from agents.strategies import names

    return [n for n in names() if n != "human"]


def default_strategies(current: str, options: list[str]) -> list[str]:
    """The firm's own strategy plus one alternative, as the page's starting selection."""
    picks = [current] if current in options else []
    for alt in ("undercut", "clock", "adaptive", "static"):
        if alt in options and alt not in picks:
            picks.append(alt)
            break
    return picks


def strategy_variants(base: Scenario, firm: str, strategies: list[str]):
    """One scenario per strategy for ``firm``; returns ``(variants, problems)``.

    A strategy that cannot run with default parameters is reported, not raised.
    """
    variants: dict[str, Scenario] = {}
    problems: list[str] = []
    data = base.model_dump(mode="json")
    for name in strategies:
        d = scenarios.copy_data(data)
        for f in d["firms"]:
            if f["name"] == firm:
                f["strategy"] = {"type": name}
        scenario, errs = scenarios.validate_data(d, f"{firm} with {name}")
        if errs:
            problems.append(f"{firm} with strategy {name!r} cannot run: "
                            + "; ".join(scenarios.problem_text(e) for e in errs))
        else:
            variants[f"{firm}: {name}"] = scenario
    return variants, problems


def scenario_variants(paths: dict[str, Path]):
    """Shipped scenarios by name; returns ``(variants, problems)``."""
    variants: dict[str, Scenario] = {}
    problems: list[str] = []
    for name, path in paths.items():
        scenario, errs = scenarios.parse_text(path.read_text(encoding="utf-8"), path.name)
        if errs:
            problems.append("; ".join(scenarios.problem_text(e) for e in errs))
        else:
            variants[name] = scenario
    return variants, problems


def resized(scenario: Scenario, customers: int) -> Scenario:
    """The scenario with another number of customers."""
    data = scenario.model_dump(mode="json")
    data["market"]["customers"] = int(customers)
    return load_scenario(data)
