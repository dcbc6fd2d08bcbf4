"""Strategy policies: one small protocol, one registry keyed by the scenario's ``strategy.type``.

A policy sees a read-only ``MarketView`` and its own firm, and returns an ``Action`` (or None to
hold). Register your own from Python::

    from agents.strategies import register, Action

    @register("always_cheaper")
    class AlwaysCheaper:
        def __init__(self, step: float = 0.1):
            self.step = step
        def decide(self, view, firm):
            return Action(price=firm.price - self.step)

and use it from YAML as ``strategy: {type: always_cheaper, step: 0.2}``.
"""

from agents.strategies.base import Action, MarketView, Policy, make_policy, names, register
from agents.strategies import static as _static  # noqa: F401  (registers "static")

__all__ = ["Action", "MarketView", "Policy", "make_policy", "names", "register"]
