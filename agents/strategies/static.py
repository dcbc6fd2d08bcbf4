"""``static``: hold the offer as the scenario sets it (events may still change it)."""

from agents.strategies.base import register


@register("static")
class Static:
    """Never changes price, value or programmes."""

    def decide(self, view, firm):
        """Hold."""
        return None
