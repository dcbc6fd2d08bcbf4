"""The strategy protocol, the action a policy returns, and the registry."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np


@dataclasses.dataclass
class Action:
    """What a firm does this step. Fields left as None are unchanged.

    Attributes:
        price: new posted price.
        attributes: new attribute levels by dimension name (targets; programmes may lag them).
        programmes: programme spending or levels by name (e.g. internal_marketing, advertising).
    """

    price: float | None = None
    attributes: dict[str, float] | None = None
    programmes: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class MarketView:
    """What a policy may read about the market: last step's public figures, per firm index.

    Arrays have one entry per firm column (inactive firms have ``active`` False).
    """

    step: int
    names: tuple[str, ...]
    dimensions: tuple[str, ...]
    active: np.ndarray
    prices: np.ndarray
    levels: np.ndarray
    unit_costs: np.ndarray
    shares: np.ndarray
    profits: np.ndarray
    pp: np.ndarray
    puv: np.ndarray
    reference_price: float


class Policy(Protocol):
    """A strategy: decide what the firm does this step."""

    def decide(self, view: MarketView, firm: Any) -> Action | None:
        """Return an action for ``firm`` given the market ``view``, or None to hold."""
        ...


_REGISTRY: dict[str, Callable[..., Policy]] = {}


def register(name: str):
    """Class decorator: make a policy available to scenarios as ``strategy: {type: name}``."""

    def deco(cls):
        _REGISTRY[name] = cls
        return cls

    return deco


def names() -> list[str]:
    """Registered strategy names."""
    return sorted(_REGISTRY)


def make_policy(type_name: str, params: dict[str, Any]) -> Policy:
    """Build the policy registered as ``type_name`` with the scenario's parameters.

    Raises:
        ValueError: unknown strategy or parameters the policy does not take.
    """
    if type_name not in _REGISTRY:
        import difflib

        close = difflib.get_close_matches(type_name, names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown strategy {type_name!r}{hint}; known: {', '.join(names())}")
    cls = _REGISTRY[type_name]
    sig = inspect.signature(cls)
    accepted = set(sig.parameters)
    extra = set(params) - accepted
    if extra and not any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        raise ValueError(
            f"strategy {type_name!r} does not take {', '.join(sorted(extra))}; "
            f"it takes {', '.join(sorted(accepted)) or 'no parameters'}"
        )
    return cls(**params)
