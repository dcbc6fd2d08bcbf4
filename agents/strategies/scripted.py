"""``scripted``: a timeline of moves given in the scenario.

```yaml
strategy:
  type: scripted
  timeline:
    - {at: 5, price: 9.0}
    - {at: 12, attributes: {quality: 0.8}, programmes: {internal_marketing: 300}}
```

A move applies at the start of its step (in the firms-decide phase); between moves the firm holds.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field, field_validator

from agents.strategies.base import Action, PolicyParams, register


class Move(PolicyParams):
    """One scripted move."""

    at: int = Field(ge=1, title="Step")
    price: float | None = Field(None, gt=0, title="Price")
    attributes: dict[str, float] | None = Field(None, title="Attribute levels")
    programmes: dict[str, Any] | None = Field(None, title="Programmes")

    @field_validator("attributes")
    @classmethod
    def _levels(cls, value):
        for dim, level in (value or {}).items():
            if not math.isfinite(level) or not 0.0 <= level <= 1.0:
                raise ValueError(f"level of {dim!r} must lie in [0, 1], got {level}")
        return value


@register("scripted")
class Scripted:
    """Play a timeline of moves."""

    class Params(PolicyParams):
        """Parameters of ``scripted``."""

        timeline: list[Move] = Field(default_factory=list, title="Moves")

    def __init__(self, timeline: list[Move] | None = None):
        self.moves: dict[int, list[Move]] = {}
        for move in timeline or []:
            move = move if isinstance(move, Move) else Move.model_validate(move)
            self.moves.setdefault(move.at, []).append(move)

    def decide(self, view, firm):
        """The move(s) scheduled for this step, merged in timeline order."""
        moves = self.moves.get(view.step)
        if not moves:
            return None
        action = Action()
        for move in moves:
            if move.price is not None:
                action.price = move.price
            if move.attributes:
                action.attributes = {**(action.attributes or {}), **move.attributes}
            if move.programmes:
                action.programmes = {**(action.programmes or {}), **move.programmes}
        return action
