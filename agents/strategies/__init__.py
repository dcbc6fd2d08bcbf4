"""Strategy policies: one small protocol, one registry keyed by the scenario's ``strategy.type``.

A policy sees a read-only ``MarketView`` and its own firm, and returns an ``Action`` (or None to
hold). Register your own from Python::

    from sim.strategies import register, Action

    @register("always_cheaper")
    class AlwaysCheaper:
        def __init__(self, step: float = 0.1):
            self.step = step
        def decide(self, view, firm):
            return Action(price=firm.price - self.step)

and use it from YAML as ``strategy: {type: always_cheaper, step: 0.2}``. A policy may declare a
pydantic ``Params`` model (subclass ``PolicyParams``) for typed, bounded parameters; otherwise its
constructor's signature is checked. Shipped policies: static, clock, undercut, adaptive,
imitate, best_response, scripted, human (see docs/firms.md).
"""

# Importing a policy module registers it.
from agents.strategies import adaptive as _adaptive  # noqa: F401
from agents.strategies import best_response as _best_response  # noqa: F401
from agents.strategies import clock as _clock  # noqa: F401
from agents.strategies import human as _human  # noqa: F401
from agents.strategies import imitate as _imitate  # noqa: F401
from agents.strategies import scripted as _scripted  # noqa: F401
from agents.strategies import static as _static  # noqa: F401
from agents.strategies import undercut as _undercut  # noqa: F401
from agents.strategies.base import (
    Action,
    MarketView,
    Policy,
    PolicyParams,
    check_policy,
    make_policy,
    names,
    register,
)

__all__ = [
    "Action", "MarketView", "Policy", "PolicyParams", "check_policy", "make_policy", "names",
    "register",
]
