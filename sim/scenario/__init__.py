"""Scenarios: the validated schema and the YAML loader with located, readable errors."""

from sim.scenario.loader import (
    Problem,
    ScenarioError,
    apply_override,
    load_scenario,
    resolve_scenario_path,
    scenario_hash,
    shipped_scenarios_dir,
    validate_scenario,
)
from sim.scenario.schema import Scenario

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "apply_override",
    "load_scenario",
    "resolve_scenario_path",
    "scenario_hash",
    "shipped_scenarios_dir",
    "validate_scenario",
]
