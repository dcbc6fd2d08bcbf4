"""``human``: decisions handed in from outside (dashboard user, classroom team).

The dashboard or the classroom calls ``policy.hand_in(Action(...))`` (or
``model.hand_in(firm_name, action)``) before stepping the model. The action is applied at the
next firms-decide phase, once; between decisions the firm holds its offer and programmes.
"""

from __future__ import annotations

from agents.strategies.base import Action, register


@register("human")
class Human:
    """Apply the last decision handed in, then hold."""

    def __init__(self):
        self.pending: Action | None = None
        self.history: list[tuple[int, Action]] = []

    def hand_in(self, action: Action) -> None:
        """Queue a decision for the next step (a later hand-in replaces an unapplied one)."""
        if not isinstance(action, Action):
            raise TypeError(f"hand_in expects an Action, got {type(action).__name__}")
        self.pending = action

    def decide(self, view, firm):
        """The pending decision, if any; otherwise hold."""
        action, self.pending = self.pending, None
        if action is not None:
            self.history.append((view.step, action))
        return action
