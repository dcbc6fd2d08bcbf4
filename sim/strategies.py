"""The strategy registry, re-exported for users: ``sim.strategies.register("name")``.

Example::

    import sim.strategies as strategies

    @strategies.register("cautious")
    class Cautious:
        def decide(self, view, firm):
            return strategies.Action(price=firm.price * 1.01)

then ``strategy: {type: cautious}`` in a scenario (register before loading it).
The registry itself lives in ``agents.strategies``; this module only gives it the public name.
"""

from agents.strategies import *  # noqa: F403 - the public face of the one registry
from agents.strategies import __all__  # noqa: F401
