"""Value Matrix: competition on the customer matrix (perceived price × perceived use value).

Public Python interface (see docs and CONTRACT): ``load_scenario``, ``run_scenario``,
``MarketModel``, ``ScenarioError``; and ``explain(result, firm, step_from, step_to)``, why a
firm's share changed (``sim.explain`` is that function; its module is ``sim.explain`` too, for
``from sim.explain import DRIVERS``).
"""

from sim.explain import explain
from sim.model import MarketModel
from sim.runner import RunResult, run_scenario
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["MarketModel", "RunResult", "Scenario", "ScenarioError", "explain", "load_scenario",
           "run_scenario"]
