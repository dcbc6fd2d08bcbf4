"""Decision widgets shared by the classroom team page, the teacher's what-if and the Play page.

Every programme widget is drawn from the scenario schema (``sim.scenario``): labels, help texts,
bounds and choices are the schema's, and live checks validate with the schema's own models, so
what a form allows is what the server accepts (the server checks everything again anyway).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any

import streamlit as st
from pydantic import BaseModel, ValidationError

from dashboard.scenarios import field_spec
from sim.classroom.engine import research_cost
from sim.classroom.settings import (
    RELATIONSHIP_LEVELS,
    RESEARCH_KINDS,
    SECTION_FIELDS,
    SPENDING_FIELDS,
    Decision,
    ResearchOrder,
    ResearchPrices,
)
from sim.scenario.schema import Programmes

Key = Callable[[str], str]
KEEP = "(keep)"


def section_model(name: str) -> type[BaseModel]:
    """The scenario schema's model of the programme section ``name`` (promise, ...)."""
    return next(a for a in typing.get_args(Programmes.model_fields[name].annotation)
                if isinstance(a, type) and issubclass(a, BaseModel))


def section_widgets(name: str, current: dict | None, start: dict | None, dimensions: list[str],
                    key: Key) -> tuple[dict | None, list[str]]:
    """A programme section (promise, participation, targeting) as widgets.

    A toggle says whether to set the section; its fields start from ``start`` (a decision
    being revised), else ``current`` (the firm's section now), else the schema's defaults.

    Returns:
        The section's settings (None when the toggle is off) and the problems the schema finds.
    """
    model = section_model(name)
    spec = field_spec(f"firms.0.programmes.{name}")
    now = "runs now" if current else "not running"
    on = st.toggle(f"Set the {spec.label.lower()} ({now})", value=start is not None,
                   key=key(f"{name}_on"), help=spec.help or None)
    if not on:
        return None, []
    values = {**model().model_dump(), **(current or {}), **(start or {})}
    out: dict[str, Any] = {}
    cols = st.columns(len(model.model_fields))
    for col, (field, info) in zip(cols, model.model_fields.items(), strict=True):
        with col:
            out[field] = _field_widget(model, field, info, values.get(field), dimensions,
                                       key(f"{name}_{field}"))
    out = {k: v for k, v in out.items() if v is not None}
    try:
        model.model_validate(out)
    except ValidationError as exc:
        return out, [f"{spec.label}: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                     for e in exc.errors()]
    return out, []


def _field_widget(model, field: str, info, value, dimensions: list[str], key: str):
    """One field of a schema section as the widget its type calls for."""
    spec = field_spec(field, model)
    options = (info.annotation,) if typing.get_origin(info.annotation) is typing.Literal else (
        typing.get_args(info.annotation))
    choices = [a for arg in options if typing.get_origin(arg) is typing.Literal
               for a in typing.get_args(arg)]
    if choices:
        return st.selectbox(spec.label, choices, index=choices.index(value) if value in choices
                            else 0, help=spec.help or None, key=key)
    if spec.kind == "bool":
        return st.checkbox(spec.label, value=bool(value), help=spec.help or None, key=key)
    if spec.kind == "float":
        step = 0.05 if (spec.maximum or 0) <= 5 else 10.0
        return st.number_input(spec.label, min_value=spec.minimum, max_value=spec.maximum,
                               value=float(value), step=step, help=spec.help or None, key=key)
    # levels claimed on some dimensions (the promise's attributes): pick them, then set each
    claimed = dict(value or {})
    chosen = st.multiselect(spec.label, dimensions, default=[d for d in claimed if d in dimensions],
                            help=spec.help or None, key=key)
    levels = {d: st.slider(d, 0.0, 1.0, float(claimed.get(d, 0.6)), 0.01, key=f"{key}_{d}")
              for d in chosen}
    return levels or None


@dataclasses.dataclass
class DecisionInput:
    """What the decision widgets produced: the decision, live problems and its spending."""

    decision: dict
    problems: list[str]
    spending: float


def decision_widgets(limits: dict, offer: dict, start: dict, periods: int,
                     key: Key) -> DecisionInput:
    """A classroom decision as widgets, within the game's rules, with live checks.

    Args:
        limits: ``Classroom.limits``: price range, largest attribute move, open decisions,
            segments and research prices.
        offer: the team's price, attribute levels and programmes going into the round.
        start: the decision to start from (a pending or played one; ``{}`` for none).
        periods: periods in the round (programme spending is per period).
        key: widget key of a name (so the same form can appear for several teams and rounds).
    """
    opened = set(limits["open_decisions"])
    decision: dict = {}
    problems: list[str] = []
    low, high = limits["price"]
    if "price" in opened:
        price = st.number_input(f"Price (between {low:.2f} and {high:.2f})",
                                value=float(start.get("price", offer["price"])), step=0.05,
                                format="%.2f", key=key("price"))
        if not low - 1e-9 <= price <= high + 1e-9:
            problems.append(f"Price must lie between {low:.2f} and {high:.2f}.")
        decision["price"] = price
    if "attributes" in opened:
        decision.update(_attribute_widgets(limits["max_attribute_change"], offer, start, key))
    programmes = offer.get("programmes", {})
    spend_cols = st.columns(len(SPENDING_FIELDS))
    for col, field in zip(spend_cols, SPENDING_FIELDS, strict=True):
        if field in opened:
            current = float(programmes.get(field, 0.0) or 0.0)
            value = col.number_input(Decision.model_fields[field].title, min_value=0.0,
                                     value=float(start.get(field, current)), step=50.0,
                                     help=Decision.model_fields[field].description,
                                     key=key(field))
            if abs(value - current) > 1e-9 or field in start:
                decision[field] = value
    if "relationship_level" in opened:
        levels = [KEEP, *RELATIONSHIP_LEVELS]
        chosen = st.selectbox(f"Relationship level (now: {programmes.get('relationship_level') or 'default'})",
                              levels, index=levels.index(start.get("relationship_level", KEEP)),
                              key=key("level"))
        if chosen != KEEP:
            decision["relationship_level"] = chosen
    for name in SECTION_FIELDS:
        if name in opened:
            section, trouble = section_widgets(name, programmes.get(name), start.get(name),
                                               list(offer["attributes"]), key)
            problems += trouble
            if section is not None:
                decision[name] = section
    research = 0.0
    if "research" in opened:
        orders = research_widgets(limits["segments"], start.get("research", []), key)
        if orders:
            decision["research"] = orders
            prices = ResearchPrices.model_validate(limits["research"])
            research = sum(research_cost(ResearchOrder.model_validate(o), prices) for o in orders)
    return DecisionInput(decision, problems, _per_period(decision, programmes) * periods + research)


def _attribute_widgets(step: float, offer: dict, start: dict, key: Key) -> dict:
    st.caption(f"Attribute levels (each may move at most {step:g} this round)")
    cols = st.columns(len(offer["attributes"]))
    changed = {}
    for col, (dim, level) in zip(cols, offer["attributes"].items(), strict=True):
        lo, hi = max(0.0, level - step), min(1.0, level + step)
        value = col.slider(dim, lo, hi, float(start.get("attributes", {}).get(dim, level)), 0.01,
                           key=key(f"attr_{dim}"))
        if abs(value - level) > 1e-9:
            changed[dim] = value
    return {"attributes": changed} if changed else {}


def research_widgets(segments: list[str], start: list[dict], key: Key) -> list[dict]:
    """Market research orders (how many studies, and each one's kind, segment and sample)."""
    n = st.number_input("Market research studies to buy", 0, 5, len(start), key=key("nresearch"))
    orders = []
    for i in range(int(n)):
        first = start[i] if i < len(start) else {}
        c1, c2, c3 = st.columns(3)
        kinds = list(RESEARCH_KINDS)
        kind = c1.selectbox(f"Study {i + 1}", kinds, index=kinds.index(first.get("kind", kinds[0])),
                            key=key(f"rkind_{i}"))
        segment = (c2.selectbox(f"Segment {i + 1}", segments, key=key(f"rseg_{i}"),
                                index=segments.index(first["segment"])
                                if first.get("segment") in segments else 0)
                   if kind == "segment_survey" else None)
        sample = c3.number_input(f"Sample {i + 1}", 10, 5000, int(first.get("sample", 100)),
                                 step=10, key=key(f"rsample_{i}"))
        order = {"kind": kind, "sample": int(sample)}
        if segment:
            order["segment"] = segment
        orders.append(order)
    return orders


def _per_period(decision: dict, programmes: dict) -> float:
    """Spending per period once the decision applies (what it leaves out keeps running)."""
    total = sum(float(decision.get(f, programmes.get(f, 0.0)) or 0.0) for f in SPENDING_FIELDS)
    for name, field in (("participation", "training"), ("targeting", "budget")):
        section = decision.get(name, programmes.get(name)) or {}
        total += float(section.get(field, 0.0) or 0.0)
    return total
