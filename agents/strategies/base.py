"""The strategy protocol, the action a policy returns, and the registry."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict


@dataclasses.dataclass
class Action:
    """What a firm does this step. Fields left as None are unchanged.

    Attributes:
        price: new posted price.
        attributes: new attribute levels by dimension name (targets; programmes may lag them).
        programmes: programme spending or levels by name (e.g. internal_marketing, advertising).
        expense: a one-off cost booked as marketing spend in this step (e.g. market research
            bought by a classroom team), so it shows in this step's profit and cash.
    """

    price: float | None = None
    attributes: dict[str, float] | None = None
    programmes: dict[str, Any] | None = None
    expense: float | None = None


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


class PolicyParams(BaseModel):
    """Base of a policy's ``Params``: typed, bounded, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


def rivals(view: MarketView, firm: Any) -> np.ndarray:
    """(F,) mask of the other firms on the market."""
    mask = np.asarray(view.active, dtype=bool).copy()
    mask[firm.index] = False
    return mask


def margin(price: float, unit_cost: float) -> float:
    """Margin as a fraction of price."""
    return (price - unit_cost) / price if price > 0 else -np.inf


def toward(current: np.ndarray | float, target: np.ndarray | float, max_step: np.ndarray | float):
    """Move ``current`` toward ``target`` by at most ``max_step`` (elementwise)."""
    current = np.asarray(current, dtype=float)
    return current + np.clip(np.asarray(target, dtype=float) - current, -max_step, max_step)


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


def user_policies(types) -> dict[str, Callable[..., Policy]]:
    """The registered policies among ``types`` that are not shipped ones (registered in Python).

    Worker processes start with only the shipped policies registered: a run that uses one of
    these sends the classes along (:func:`install` registers them on the worker).
    """
    return {t: _REGISTRY[t] for t in sorted(set(types)) if t in _REGISTRY
            and not getattr(_REGISTRY[t], "__module__", "").startswith("agents.strategies.")}


def install(policies: dict[str, Callable[..., Policy]]) -> None:
    """Register ``policies`` (name → class), e.g. in a worker process before a run."""
    _REGISTRY.update(policies)


def make_policy(type_name: str, params: dict[str, Any]) -> Policy:
    """Build the policy registered as ``type_name`` with the scenario's parameters.

    A policy class may declare a pydantic ``Params`` model (typed, bounded parameters); its
    validated fields are passed to the constructor as keywords. Without one, the constructor's
    signature is checked.

    Raises:
        ValueError: unknown strategy or parameters the policy does not take or accept.
    """
    cls = _lookup(type_name)
    params_model = getattr(cls, "Params", None)
    if params_model is not None:
        from pydantic import ValidationError

        try:
            checked = params_model.model_validate(dict(params))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'parameters'}: {e['msg']}" for e in exc.errors()
            )
            raise ValueError(f"strategy {type_name!r}: {problems}") from None
        return cls(**{k: getattr(checked, k) for k in type(checked).model_fields})
    sig = inspect.signature(cls)
    accepted = set(sig.parameters)
    extra = set(params) - accepted
    if extra and not any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        raise ValueError(
            f"strategy {type_name!r} does not take {', '.join(sorted(extra))}; "
            f"it takes {', '.join(sorted(accepted)) or 'no parameters'}"
        )
    try:
        return cls(**params)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"strategy {type_name!r}: {exc}") from None


def check_policy(type_name: str, params: dict[str, Any]) -> None:
    """Validate a scenario's ``strategy`` block against the registry (raises ValueError)."""
    make_policy(type_name, params)


def _lookup(type_name: str):
    if type_name not in _REGISTRY:
        import difflib

        close = difflib.get_close_matches(type_name, names(), n=1)
        hint = (f" (did you mean {close[0]!r}?)" if close else
                " (a strategy of your own: name its module with --plugin MODULE or "
                "plugins: [MODULE])")
        raise ValueError(f"unknown strategy {type_name!r}{hint}; known: {', '.join(names())}")
    return _REGISTRY[type_name]
