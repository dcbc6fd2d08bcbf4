"""What each mechanism keeps between steps, declared by the mechanism itself.

A mechanism module declares its state once, at its top::

    STATE = State(
        customer={"opinion": PerCustomer(np.float32, per_firm=True)},   # (N, F) arrays
        model={"experience": None},                                      # model attributes
    )

:func:`install` allocates every declared customer array on the population and sets every
model attribute to its default before any mechanism's ``setup`` runs, so the phases read
``population.opinion`` or ``model.experience`` directly: no attribute is created later, none is
probed for with ``getattr``, and two mechanisms cannot claim the same name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True)
class PerCustomer:
    """One array a mechanism keeps for every customer.

    Attributes:
        dtype: numpy dtype of the array.
        fill: initial value of every entry.
        per_firm: (N, F) — one value per customer and firm — instead of (N,).
        lazy: start as ``None``; the mechanism allocates it when it is first needed (so a
            market that never uses it pays no memory for it).
    """

    dtype: Any
    fill: float | int | bool = 0
    per_firm: bool = False
    lazy: bool = False

    def allocate(self, n: int, n_firms: int) -> np.ndarray:
        """A new array of this shape, dtype and fill."""
        shape = (n, n_firms) if self.per_firm else (n,)
        return np.full(shape, self.fill, dtype=self.dtype)


@dataclasses.dataclass(frozen=True)
class State:
    """A mechanism's declared state.

    Attributes:
        customer: per-customer arrays by population attribute name.
        model: model attributes by name, with their default: a value (immutable, or ``None``)
            or a function of the model that makes one (for arrays and lists).
    """

    customer: Mapping[str, PerCustomer] = dataclasses.field(default_factory=dict)
    model: Mapping[str, Any | Callable[[Any], Any]] = dataclasses.field(default_factory=dict)


NO_STATE = State()


def install(model, modules: Iterable[ModuleType]) -> None:
    """Allocate the customer arrays and set the model attributes every module declares.

    Raises:
        ValueError: two modules (or a module and the core population) claim the same name.
    """
    pop = model.population
    owner: dict[str, str] = {}
    for module in modules:
        state: State = getattr(module, "STATE", NO_STATE)
        name = module.__name__.rsplit(".", 1)[-1]
        for key, spec in state.customer.items():
            if key in owner or hasattr(pop, key):
                raise ValueError(f"population.{key} declared by {name} is already there")
            owner[key] = name
            setattr(pop, key, None if spec.lazy else spec.allocate(pop.n, model.n_firms))
        for key, default in state.model.items():
            if key in owner or hasattr(model, key):
                raise ValueError(f"model.{key} declared by {name} is already there")
            owner[key] = name
            setattr(model, key, default(model) if callable(default) else default)


def declared(modules: Iterable[ModuleType]) -> dict[str, str]:
    """Every declared name (``population.x`` / ``model.y``) and the mechanism that owns it."""
    out = {}
    for module in modules:
        state: State = getattr(module, "STATE", NO_STATE)
        name = module.__name__.rsplit(".", 1)[-1]
        out.update({f"population.{k}": name for k in state.customer})
        out.update({f"model.{k}": name for k in state.model})
    return out
