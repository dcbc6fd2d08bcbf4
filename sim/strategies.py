"""The strategy registry, re-exported for users: ``sim.strategies.register("name")``.

Example::

    import sim.strategies as strategies

    @strategies.register("cautious")
    class Cautious:
        def decide(self, view, firm):
            return strategies.Action(price=firm.price * 1.01)

then ``strategy: {type: cautious}`` in a scenario (register before loading it).
"""

from agents.strategies import (
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
