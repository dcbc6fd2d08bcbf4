"""Value Matrix: competition on the customer matrix (perceived price × perceived use value).

Public Python interface (see docs and CONTRACT): ``load_scenario``, ``run_scenario``,
``MarketModel``, ``ScenarioError``.
"""

from sim.model import MarketModel
from sim.runner import RunResult, run_scenario
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["MarketModel", "RunResult", "Scenario", "ScenarioError", "load_scenario", "run_scenario"]
