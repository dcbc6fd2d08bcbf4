"""Schema of three service ideas: promises, customer participation and value-based targeting.

The source texts' ideas that sit beside the relationship loop (``docs/model.md``):

* **Service promises and the gap model** (seeds 002, 003): a firm's communicated promise sets
  the expectations of the customers it reaches; delivery below the promise disappoints, a
  modest promise that is beaten delights.
* **Customer participation and empowerment** (seed 000): customers co-produce the service;
  willing, able participants feel in control, unwilling ones are annoyed when pushed, and
  training raises ability.
* **Value-based targeting** (seed 001: "value not estimated", "most favoured treatment for
  everyone"): firms estimate each customer's value and spend their care where it pays.

This module holds what a scenario can set for them:

* firm programmes (``firms[i].programmes.promise``, ``.participation``, ``.targeting``): each
  ``None`` (the default) means the firm does not run it, and then the mechanism does nothing;
* segment traits (``willingness``, ``ability``, ``volume``), declared on ``Segment``;
* the mechanisms' parameters (the ``service_ideas:`` block), with calibrated defaults;
* dimension presets: ``market.dimensions: servqual`` names the five SERVQUAL dimensions.

It imports nothing from ``schema`` so the schema can import it.
"""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# -- dimension presets ---------------------------------------------------------------------------
DIMENSION_PRESETS: dict[str, tuple[str, ...]] = {
    # Parasuraman, Zeithaml and Berry's five service-quality dimensions (seed 003)
    "servqual": ("reliability", "responsiveness", "assurance", "empathy", "tangibles"),
}


def expand_dimensions(value):
    """``market.dimensions`` given as a preset name becomes that preset's list of dimensions.

    Raises:
        ValueError: a string that names no preset.
    """
    if not isinstance(value, str):
        return value
    key = value.strip().lower()
    if key in DIMENSION_PRESETS:
        return list(DIMENSION_PRESETS[key])
    close = difflib.get_close_matches(key, sorted(DIMENSION_PRESETS), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(
        f"unknown dimension preset {value!r}{hint}; give a list of dimensions or one of: "
        f"{', '.join(sorted(DIMENSION_PRESETS))}"
    )


def dimensions_json_schema(schema: dict) -> None:
    """JSON Schema of ``market.dimensions``: a list of names, or the name of a preset."""
    as_list = {k: schema.pop(k) for k in ("type", "items", "minItems", "maxItems") if k in schema}
    schema["anyOf"] = [as_list, {"type": "string", "enum": sorted(DIMENSION_PRESETS)}]


def programme_problems(data: dict) -> list[tuple[tuple, str]]:
    """Promised attributes naming undeclared dimensions, on raw scenario data (cross-field)."""
    market = data.get("market") if isinstance(data.get("market"), dict) else {}
    dims = market.get("dimensions")
    try:
        dims = expand_dimensions(dims)
    except ValueError:
        return []
    if not isinstance(dims, list):
        return []
    out = []
    for i, firm in enumerate(data.get("firms") or []):
        progs = firm.get("programmes") if isinstance(firm, dict) else None
        promise = progs.get("promise") if isinstance(progs, dict) else None
        claimed = promise.get("attributes") if isinstance(promise, dict) else None
        for dim in claimed if isinstance(claimed, dict) else ():
            if dim not in dims:
                close = difflib.get_close_matches(str(dim), dims, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                out.append((("firms", i, "programmes", "promise", "attributes", dim),
                            f"unknown dimension {dim!r}{hint}; declared: {', '.join(dims)}"))
    return out


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=True,
                              strict=True)


# -- segment traits (declared on ``Segment`` in schema.py) ---------------------------------------
WILLINGNESS = Field(
    0.5,
    title="Willingness to participate",
    ge=0,
    le=1,
    description="Share of the segment's customers willing to take part in a service "
    "(self-service, co-design, advice channels). Matters only where a firm runs a participation "
    "programme: willing participants gain a sense of control, unwilling ones pushed into "
    "participating are annoyed.",
)
ABILITY = Field(
    0.5,
    title="Ability to participate",
    ge=0,
    le=1,
    description="The segment's typical skill at taking part in a service, in [0, 1]; customers "
    "spread around it and count as able from 0.5. Able participants are cheaper to serve and "
    "feel in control; unable ones make mistakes. Customer training raises it.",
)
VOLUME = Field(
    1.0,
    title="Units per purchase",
    gt=0,
    le=1000,
    description="Units a customer of the segment buys at each purchase (heavy users buy more): "
    "the firm's units, revenue and variable cost count them, and so does a customer's value.",
)


# -- firm programmes (``firms[i].programmes.<name>``) --------------------------------------------
class PromiseProgramme(_Section):
    """What a firm promises in its communications, relative to what it delivers."""

    ratio: float = Field(
        1.0,
        title="Promise ratio",
        ge=0.3,
        le=3.0,
        description="Promised value as a multiple of the value the offer actually delivers: "
        "1 is an honest promise, 1.3 over-promises by 30 %, 0.9 is a modest promise.",
    )
    attributes: dict[str, float] | None = Field(
        None,
        title="Promised attribute levels",
        description="Levels the firm claims on some dimensions (others are claimed as "
        "delivered); the promise ratio then multiplies the claimed value.",
    )

    @field_validator("attributes")
    @classmethod
    def _levels_in_unit_interval(cls, value):
        for dim, level in (value or {}).items():
            if not 0.0 <= level <= 1.0:
                raise ValueError(f"promised level of {dim!r} must lie in [0, 1], got {level}")
        return value


class ParticipationProgramme(_Section):
    """Customers take part in the service (self-service, co-design, advice) and can be trained."""

    level: float = Field(
        0.5,
        title="Participation level",
        ge=0,
        le=1,
        description="How much of the service customers do themselves (0 none, 1 all of it); "
        "every effect of participation scales with it.",
    )
    optional: bool = Field(
        False,
        title="Participation is optional",
        description="false: every customer is served the participative way (the unwilling are "
        "pushed into it); true: unwilling customers are served the traditional way.",
    )
    training: float = Field(
        0.0,
        title="Customer training spend",
        ge=0,
        le=1e12,  # as schema.STEP_MONEY_MAX (a spend per step)
        description="Spend per step on training participants (courses, tutorials, forums); "
        "raises their ability with diminishing returns in spend per participant and wins some "
        "unwilling customers over. Booked as marketing spend.",
    )


class TargetingProgramme(_Section):
    """Extra care (relationship, recovery and contact effort) for customers, by estimated value."""

    budget: float = Field(
        0.0,
        title="Care budget per step",
        ge=0,
        le=1e12,  # as schema.STEP_MONEY_MAX (a spend per step)
        description="Money spent per step on extra care for the firm's current customers "
        "(booked as marketing spend, and only when the firm has customers).",
    )
    mode: Literal["uniform", "tiered"] = Field(
        "uniform",
        title="Treatment",
        description="uniform: every customer gets the same care (the 'most favoured treatment "
        "for everyone' that the source lists as a CRM mistake); tiered: the budget goes to the "
        "top tier of customers by estimated value.",
    )
    top_share: float = Field(
        0.2,
        title="Top tier share",
        gt=0,
        le=1,
        description="With tiered treatment, the share of the firm's customers (by estimated "
        "value) who get the care.",
    )
    estimate_noise: float = Field(
        0.3,
        title="Value-estimate noise",
        ge=0,
        le=5,
        description="Log-normal error of the firm's estimate of each customer's value before it "
        "knows the customer; it shrinks with what the firm has learned (learning relationships). "
        "High values stand for poor customer knowledge.",
    )


# -- the mechanisms' parameters (the ``service_ideas:`` block) -----------------------------------
class PromiseParams(_Section):
    """How promises reach customers and shape their expectations."""

    reach: float = Field(
        0.3,
        title="Reach per step",
        ge=0,
        le=1,
        description="Probability that a customer who knows the firm hears its promise in a step; "
        "the firm's advertising stock raises it, and customers who have just learned of the "
        "firm (advertising, word of mouth, contacts) always hear it.",
    )
    credibility: float = Field(
        0.7,
        title="Credibility to prospects",
        ge=0,
        le=1,
        description="How far hearing the promise moves the expectations of a customer who has "
        "never bought from the firm toward the promised level.",
    )
    experienced_credibility: float = Field(
        0.3,
        title="Credibility to customers",
        ge=0,
        le=1,
        description="The same for a customer who has bought from the firm (own experience "
        "weighs more than advertising, but the promise still sets the standard the firm is held "
        "to). A customer the firm has misled believes none of its promises.",
    )
    correction: float = Field(
        0.2,
        title="Correction by experience",
        ge=0,
        le=1,
        description="After a purchase, how far the customer's expectation of the firm moves "
        "back toward what the offer delivers.",
    )
    betrayal: float = Field(
        0.5,
        title="Betrayal of a broken promise",
        ge=0,
        le=1,
        description="A buyer who was promised more than the offer delivers and was dissatisfied "
        "feels misled: their expectation ratio drops to 1 − betrayal × (ratio − 1), below what "
        "the offer is worth, until satisfying purchases correct it, and they never believe the "
        "firm's promises again.",
    )
    draw: float = Field(
        1.0,
        title="Draw of the promise",
        ge=0,
        le=2,
        description="Share of the promised extra value (expected minus delivered) that enters "
        "the perceived use value customers choose on.",
    )


class ParticipationParams(_Section):
    """Sense of control, annoyance, cost to serve and training."""

    control: float = Field(
        0.3,
        title="Sense of control",
        ge=0,
        le=1,
        description="At full participation, how far a fully able, willing participant's "
        "adequate and desired levels fall (relative): sharing the work and responsibility makes "
        "customers more tolerant. Unable participants (ability below 0.5) get the opposite.",
    )
    annoyance: float = Field(
        0.3,
        title="Annoyance of the unwilling",
        ge=0,
        le=2,
        description="At full participation, how far an unwilling participant's adequate and "
        "desired levels rise (relative): they expected to be served.",
    )
    trust_gain: float = Field(
        0.05,
        title="Trust from control",
        ge=0,
        le=1,
        description="Per purchase at full participation, the fraction of the remaining distance "
        "to full trust that an able, willing participant gains.",
    )
    cost_saving: float = Field(
        0.3,
        title="Cost saving",
        ge=0,
        le=1,
        description="At full participation, the share of the unit cost a fully able participant "
        "saves the firm (scaled by ability).",
    )
    ability_spread: float = Field(
        0.2, title="Spread of ability", ge=0, le=1,
        description="Standard deviation of customers' ability around their segment's.",
    )
    training_gain: float = Field(
        0.3,
        title="Training gain",
        ge=0,
        le=1,
        description="Largest fraction of the remaining distance to full ability a participant "
        "gains per step of training.",
    )
    training_scale: float = Field(
        2.0,
        title="Training scale",
        gt=0,
        description="Training spend per participant and step that gives 63 % of the largest gain.",
    )
    conversion: float = Field(
        0.1,
        title="Conversion by training",
        ge=0,
        le=1,
        description="Largest probability per step that training wins an unwilling participant "
        "over to participation.",
    )


class TargetingParams(_Section):
    """What extra care is worth to a customer."""

    care_value: float = Field(
        0.2,
        title="Value of care",
        ge=0,
        le=5,
        description="Perceived use value that saturating care adds to the firm in the eyes of "
        "the customer who gets it (PUV units).",
    )
    care_scale: float = Field(
        5.0,
        title="Care scale",
        gt=0,
        description="Care spend per customer and step that gives 63 % of the value of care "
        "(diminishing returns: 1 − exp(−spend / scale)).",
    )


class ServiceIdeaParams(_Section):
    """Parameters of promises, participation and targeting (each switched in ``mechanisms:``)."""

    promises: PromiseParams = Field(default_factory=PromiseParams, title="Service promises")
    participation: ParticipationParams = Field(
        default_factory=ParticipationParams, title="Customer participation"
    )
    targeting: TargetingParams = Field(
        default_factory=TargetingParams, title="Value-based targeting"
    )


# Switches that act only where a firm runs the matching programme; ``Mechanisms.all_off`` (the
# plain-logit market) is about the relationship switches and ignores these.
PROGRAMME_SWITCHES = ("promises", "participation", "targeting")
