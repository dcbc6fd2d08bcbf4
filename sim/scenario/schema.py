"""The scenario schema: the single source of truth for everything a user can set.

Each section is its own pydantic model with ``extra="forbid"`` so unknown keys are refused,
bounded fields, and a title and description that the CLI, the docs and the dashboard reuse.
Cross-field checks (segment shares sum to 1, weights name declared dimensions, events name
existing firms, no duplicate names) live in ``Scenario``'s validators.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.matrix import CLOCK_LABELS
from sim.scenario import service_ideas
from sim.scenario.relationships import RelationshipParams
from sim.scenario.service_ideas import (
    ParticipationProgramme,
    PromiseProgramme,
    ServiceIdeaParams,
    TargetingProgramme,
)

#: Positions a ``clock`` strategy may aim for: the strategy clock's labels (one list, in
#: ``sim.matrix``, for the classifier, the outputs and the schema).
CLOCK_TARGETS = CLOCK_LABELS


def check_name(value: str) -> str:
    """Refuse a name holding a line break or another control character.

    Names head CSV columns and rows, HTML tables and chart labels: a newline or a tab in one
    would break lines in every output. Quotes, commas and any printable character are fine
    (the CSV writers quote them).
    """
    for i, ch in enumerate(value):
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            raise ValueError(f"a name may not hold a line break or control character "
                             f"(found {ch!r} at position {i + 1})")
    return value


class Section(BaseModel):
    """Base of every scenario section: unknown keys refused, NaN and infinities refused.

    A section's ``name`` field (segment, firm, scenario) may hold no line break or control
    character (:func:`check_name`).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=True,
                              strict=True)

    @field_validator("name", check_fields=False)
    @classmethod
    def _printable_name(cls, value: str) -> str:
        return check_name(value)


class Segment(Section):
    """A group of customers who value the same things."""

    name: str = Field(title="Segment name", min_length=1, max_length=80,
                      description="Unique within the market; events and outputs use it.")
    share: float = Field(
        title="Share of customers", gt=0, le=1, description="Fraction of all customers; sums to 1."
    )
    weights: dict[str, float] = Field(
        title="Value weights",
        description="How much a unit of each dimension's level adds to this segment's perceived "
        "use value. A dimension with weight 0 (or absent) adds nothing, however much a firm spends.",
    )
    price_sensitivity: float = Field(
        1.5,
        title="Price sensitivity",
        ge=0,
        le=50,
        description="Net value lost per unit of perceived price (price / reference price).",
    )
    heterogeneity: float = Field(
        0.2,
        title="Within-segment spread",
        ge=0,
        le=2,
        description="Log-normal spread of weights, price sensitivity and reference price across "
        "the segment's customers; 0 = identical customers.",
    )
    # service ideas (sim/scenario/service_ideas.py): participation traits and purchase volume
    willingness: float = service_ideas.WILLINGNESS
    ability: float = service_ideas.ABILITY
    volume: float = service_ideas.VOLUME

    @field_validator("weights")
    @classmethod
    def _weights_non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        for dim, w in value.items():
            if not math.isfinite(w) or w < 0:
                raise ValueError(f"weight of {dim!r} must be a finite number >= 0, got {w}")
        return value


class Market(Section):
    """The customers and how they choose."""

    customers: int = Field(
        5000, title="Customers", ge=1, le=100_000_000, description="Number of customer agents."
    )
    dimensions: list[str] = Field(
        title="Value dimensions",
        min_length=1,
        max_length=16,
        description="Attributes on which offers are perceived (e.g. quality, service), or the "
        "name of a preset: servqual = reliability, responsiveness, assurance, empathy, tangibles.",
        json_schema_extra=service_ideas.dimensions_json_schema,
    )
    segments: list[Segment] = Field(title="Segments", min_length=1, max_length=32,
                                    description="Groups of customers who value the same "
                                    "things; their shares sum to 1.")
    rationality: float = Field(
        8.0,
        title="Choice precision",
        gt=0,
        le=200,
        description="Logit scale: how strongly net-value differences drive choice. High = "
        "customers nearly always pick the best net value; low = choices look random.",
    )
    reference_price: float | None = Field(
        None,
        title="Reference price",
        gt=0,
        description="Price customers judge offers against. Default: mean starting price of "
        "the firms present at step 0.",
    )
    reference_adaptation: float = Field(
        0.1,
        title="Reference-price adaptation",
        ge=0,
        le=1,
        description="Per step, how far reference prices move toward what the market charges "
        "(only with the expectations mechanism on).",
    )
    reference_adaptation_up: float = Field(
        0.25,
        title="Upward reference adaptation",
        ge=0,
        le=1,
        description="Share of reference_adaptation applied when the market charges more than "
        "the reference price: references rise more slowly than they fall (1 = symmetric).",
    )
    purchase_probability: float = Field(
        1.0,
        title="Purchase frequency",
        ge=0,
        le=1,
        description="Probability that a customer has a purchase occasion in a step.",
    )
    choice_sampler: Literal["gumbel", "inverse_cdf"] = Field(
        "gumbel",
        title="Choice sampler",
        description="How a logit choice is drawn: Gumbel-max (one draw per customer and firm) "
        "or inverse CDF (one draw per customer). Same choice law, different random streams.",
    )

    @field_validator("dimensions", mode="before")
    @classmethod
    def _dimension_preset(cls, value):
        return service_ideas.expand_dimensions(value)

    @field_validator("dimensions")
    @classmethod
    def _unique_dimensions(cls, value: list[str]) -> list[str]:
        seen = set()
        for d in value:
            check_name(d)
            if d in seen:
                raise ValueError(f"dimension {d!r} is listed twice")
            seen.add(d)
        return value


#: Bounds on money, so that a run's sums stay far inside float64 (about 1.8e308) — money can
#: still overflow through many compounding cost shocks; outputs then hold ±inf (JSON: null).
UNIT_MONEY_MAX = 1e9  # a price, a unit cost, a cost per customer (as ``Firm.price``)
STEP_MONEY_MAX = 1e12  # a spend or fixed cost per step
CASH_MAX = 1e15  # starting cash and the exit threshold, either sign


class Costs(Section):
    """A firm's cost structure."""

    unit: float = Field(
        2.0, title="Base unit cost", ge=0, le=UNIT_MONEY_MAX,
        description="Cost of one unit at zero value."
    )
    per_value: float = Field(
        6.0,
        title="Cost of value",
        ge=0,
        le=UNIT_MONEY_MAX,
        description="Added unit cost at full level on every dimension; unit cost = unit + "
        "per_value × mean(level²), so value gets dearer the higher it goes.",
    )
    fixed: float = Field(0.0, title="Fixed cost per step", ge=0, le=STEP_MONEY_MAX,
                         description="Cost per step whatever is sold (premises, staff).")


RELATIONSHIP_LEVELS = ("basic", "reactive", "accountable", "proactive", "partnership")
PROGRAMME_KEYS = ("internal_marketing", "advertising", "quality_investment", "relationship_level")


class Strategy(Section):
    """A firm's strategy: a policy looked up by ``type``; other keys are its parameters.

    The registry (``agents.strategies``) checks the type and the parameters here, so an unknown
    strategy or a bad parameter is a validation error of the scenario, not a crash at run time.
    """

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, strict=True)

    type: str = Field(
        "static",
        title="Strategy",
        description="static | clock | undercut | adaptive | imitate | best_response | scripted "
        "| human, or a name registered from Python.",
    )

    @property
    def params(self) -> dict[str, Any]:
        """The policy's parameters (every key except ``type``)."""
        return dict(self.model_extra or {})

    @model_validator(mode="after")
    def _known_to_registry(self) -> Strategy:
        from agents.strategies import check_policy  # the registry lives with the policies

        check_policy(self.type, self.params)
        return self


class Programmes(Section):
    """A firm's programmes: what it spends each step beyond the cost of its units.

    Spending is money per step; its effect scales with spending per customer of the market, so
    the same settings mean the same thing in a market of 2,000 or 200,000 customers.
    """

    internal_marketing: float = Field(
        0.0,
        title="Internal marketing",
        ge=0,
        le=STEP_MONEY_MAX,
        description="Spend per step on employees (training, motivation). Raises employee "
        "satisfaction with diminishing returns; without it satisfaction decays to 0.5. Through "
        "the service-profit chain it raises delivered service quality and consistency.",
    )
    advertising: float = Field(
        0.0,
        title="Advertising",
        ge=0,
        le=STEP_MONEY_MAX,
        description="Spend per step on advertising. Builds a decaying advertising stock; the "
        "stock makes unaware customers aware of the firm, with diminishing returns.",
    )
    quality_investment: dict[str, float] | float = Field(
        default_factory=dict,
        title="Quality investment",
        description="Spend per step per value dimension (or one number, spread evenly over the "
        "dimensions). Raises the attribute level after a lag, with diminishing returns; higher "
        "levels also raise the unit cost.",
    )
    relationship_level: Literal[RELATIONSHIP_LEVELS] | None = Field(  # type: ignore[valid-type]
        None,
        title="Relationship level",
        description="basic | reactive | accountable | proactive | partnership: complaint "
        "capture, bonds, learning speed and contact rise with the level, and so does the cost "
        "per customer. Unset: the defaults (complaint accessibility 0.5, light bonds) at no cost.",
    )
    relationship_cost: float | None = Field(
        None,
        title="Relationship cost per customer",
        ge=0,
        le=UNIT_MONEY_MAX,
        description="Override of the level's cost per customer and step.",
    )
    promise: PromiseProgramme | None = Field(
        None, title="Service promise",
        description="What the firm promises relative to what it delivers (unset: no promise).",
    )
    participation: ParticipationProgramme | None = Field(
        None, title="Customer participation",
        description="Customers take part in the service and may be trained (unset: they do not).",
    )
    targeting: TargetingProgramme | None = Field(
        None, title="Value-based targeting",
        description="Extra care for customers, uniform or by estimated value (unset: none).",
    )

    @field_validator("quality_investment")
    @classmethod
    def _spend_non_negative(cls, value: dict[str, float] | float) -> dict[str, float] | float:
        for dim, spend in (value if isinstance(value, dict) else {"all": value}).items():
            if not math.isfinite(spend) or not 0 <= spend <= STEP_MONEY_MAX:
                raise ValueError(f"spend on {dim!r} must be a number in [0, {STEP_MONEY_MAX:g}], "
                                 f"got {spend}")
        return value


class Firm(Section):
    """A firm and its offer."""

    name: str = Field(title="Firm name", min_length=1, max_length=80)
    price: float = Field(title="Price", gt=0, le=1e9)
    attributes: dict[str, float] = Field(
        title="Attribute levels", description="Level on each value dimension, in [0, 1]."
    )
    nonmonetary_cost: float = Field(
        0.0,
        title="Non-monetary cost",
        ge=0,
        le=5,
        description="Time, effort and psychological cost of buying from the firm, in units of "
        "the reference price; added to perceived price.",
    )
    awareness: float = Field(
        1.0,
        title="Initial awareness",
        ge=0,
        le=1,
        description="Fraction of customers who know the firm at the start.",
    )
    cash: float = Field(10_000.0, title="Starting cash", ge=-CASH_MAX, le=CASH_MAX)
    costs: Costs = Field(default_factory=Costs, title="Costs")
    strategy: Strategy = Field(default_factory=Strategy, title="Strategy")
    enter_at: int = Field(
        0, title="Entry step", ge=0, description="Step at which the firm enters the market."
    )
    programmes: Programmes = Field(default_factory=Programmes, title="Programmes")
    employee_satisfaction: float = Field(
        0.5,
        title="Employee satisfaction",
        ge=0,
        le=1,
        description="Starting employee satisfaction (0.5 is neutral: delivered quality 1.0).",
    )
    exit_cash: float = Field(
        0.0,
        title="Exit threshold",
        ge=-CASH_MAX,
        le=CASH_MAX,
        description="Cash below which the firm is in distress.",
    )
    exit_after: int | None = Field(
        4,
        title="Steps in distress before exit",
        ge=1,
        description="The firm leaves the market after this many consecutive steps with cash "
        "below the threshold; its customers return to the market. Null: never exits.",
    )

    @field_validator("attributes")
    @classmethod
    def _levels_in_unit_interval(cls, value: dict[str, float]) -> dict[str, float]:
        for dim, level in value.items():
            if not math.isfinite(level) or not 0.0 <= level <= 1.0:
                raise ValueError(f"level of {dim!r} must lie in [0, 1], got {level}")
        return value


EVENT_TYPES = (
    "change",
    "service_failure",
    "entry",
    "exit",
    "cost_shock",
    "expectation_shock",
    "segment_shift",
    "market_size",
)
# Which fields each event type needs (beyond ``at``) and which it may take.
_EVENT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "change": (("firm", "set"), ()),
    "service_failure": (("firm", "severity"), ("duration",)),
    "entry": (("firm",), ()),
    "exit": (("firm",), ()),
    "cost_shock": ((), ("firm", "factor", "add", "fixed_factor")),
    "expectation_shock": ((), ("segment", "delta", "reference_price_factor")),
    "segment_shift": (("segment",), ("weights", "price_sensitivity_factor")),
    "market_size": (("factor",), ()),
}
_EVENT_OPTIONAL_FIELDS = ("firm", "set", "severity", "duration", "factor", "add", "fixed_factor",
                          "segment", "delta", "reference_price_factor", "weights",
                          "price_sensitivity_factor")


class Change(Section):
    """What a ``change`` event sets on a firm's offer (fields left out stay as they are)."""

    price: float | None = Field(None, title="Price", gt=0, le=1e9)
    attributes: dict[str, float] | None = Field(None, title="Attribute levels")
    nonmonetary_cost: float | None = Field(None, title="Non-monetary cost", ge=0, le=5)
    programmes: dict[str, Any] | None = Field(
        None, title="Programmes", description="Programme settings, as in a firm's programmes."
    )
    expense: float | None = Field(
        None, title="One-off expense", ge=0, le=STEP_MONEY_MAX,
        description="A cost booked once, as marketing spend of this step (e.g. market research "
        "a classroom team bought): it lowers this step's profit and cash.",
    )

    @field_validator("attributes")
    @classmethod
    def _levels_in_unit_interval(cls, value):
        for dim, level in (value or {}).items():
            if not math.isfinite(level) or not 0.0 <= level <= 1.0:
                raise ValueError(f"level of {dim!r} must lie in [0, 1], got {level}")
        return value

    @field_validator("programmes")
    @classmethod
    def _programmes_valid(cls, value):
        if value is not None:
            Programmes.model_validate(value)
        return value


class Event(Section):
    """A change to the world at a given step; ``type`` says which (default ``change``).

    - ``change``: set a firm's price, attributes, non-monetary cost or programmes (``set``).
    - ``service_failure``: the firm's delivered quality drops by ``severity`` for ``duration``.
    - ``entry`` / ``exit``: the firm enters (with no customers) or leaves (its customers return
      to the market).
    - ``cost_shock``: base unit cost × ``factor`` + ``add`` (one firm, or all when no firm);
      fixed cost × ``fixed_factor``.
    - ``expectation_shock``: customers' expected quality rises by ``delta`` and/or their
      reference price is multiplied by ``reference_price_factor`` (one segment or all).
    - ``segment_shift``: a segment's value weights change to ``weights``; its price sensitivity
      is multiplied by ``price_sensitivity_factor``.
    - ``market_size``: market volume × ``factor`` (growth > 1, shrinkage < 1).
    """

    at: int = Field(
        title="Step",
        ge=1,
        description="Step at which the event applies (1 is the first step; the starting state "
        "is set on the firms and the market themselves).",
    )
    type: Literal[EVENT_TYPES] = Field("change", title="Event type")  # type: ignore[valid-type]
    firm: str | None = Field(None, title="Firm")
    set: Change | None = Field(
        None, title="Set", description="Offer fields to set: price, attributes, ..."
    )
    severity: float | None = Field(
        None, title="Severity", gt=0, le=1, description="Fractional drop in delivered quality."
    )
    duration: int = Field(1, title="Duration", ge=1, description="Steps a failure lasts.")
    factor: float | None = Field(None, title="Factor", gt=0, le=1000)
    add: float | None = Field(None, title="Added unit cost", ge=-UNIT_MONEY_MAX,
                              le=UNIT_MONEY_MAX)
    fixed_factor: float | None = Field(None, title="Fixed-cost factor", ge=0, le=1000)
    segment: str | None = Field(None, title="Segment")
    delta: float | None = Field(None, title="Expectation shift", ge=-5, le=5)
    reference_price_factor: float | None = Field(
        None, title="Reference-price factor", gt=0, le=100
    )
    weights: dict[str, float] | None = Field(None, title="New value weights")
    price_sensitivity_factor: float | None = Field(
        None, title="Price-sensitivity factor", gt=0, le=100
    )

    @model_validator(mode="after")
    def _fields_fit_type(self) -> Event:
        required, optional = _EVENT_FIELDS[self.type]
        # a field counts as given when it differs from its default (so dumps round-trip)
        given = {
            f for f in _EVENT_OPTIONAL_FIELDS
            if getattr(self, f) != type(self).model_fields[f].default
        }
        missing = [f for f in required if getattr(self, f) is None]
        if missing:
            raise ValueError(f"{_article(self.type)} {self.type} event needs {', '.join(missing)}")
        stray = sorted(given - set(required) - set(optional))
        if stray:
            raise ValueError(
                f"{_article(self.type)} {self.type} event does not take {', '.join(stray)}"
                f" (it takes {', '.join(required + optional)})"
            )
        if self.type == "cost_shock" and self.factor is None and self.add is None and (
            self.fixed_factor is None
        ):
            raise ValueError("a cost_shock event needs factor, add or fixed_factor")
        if self.type == "expectation_shock" and self.delta is None and (
            self.reference_price_factor is None
        ):
            raise ValueError("an expectation_shock event needs delta or reference_price_factor")
        for dim, w in (self.weights or {}).items():
            if not math.isfinite(w) or w < 0:
                raise ValueError(f"weight of {dim!r} must be a finite number >= 0, got {w}")
        return self


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def event_problems(data: dict) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-field problems of the events on raw scenario data (see ``cross_field_problems``).

    Events must name existing segments and dimensions (firms are checked with the other
    cross-field checks), and entry events must leave at least one firm present at step 0.
    """
    market = data.get("market") if isinstance(data.get("market"), dict) else {}
    dims = market.get("dimensions") if isinstance(market.get("dimensions"), list) else None
    segments = [s.get("name") for s in _items(market.get("segments")).values()]
    firms = _items(data.get("firms"))
    out: list[tuple[tuple[str | int, ...], str]] = []
    entry_at = {f.get("name"): f.get("enter_at", 0) for f in firms.values()}
    for i, event in _items(data.get("events")).items():
        segment = event.get("segment")
        if isinstance(segment, str) and segment not in segments:
            out.append((("events", i, "segment"), f"unknown segment {segment!r}"
                        f"{did_you_mean(segment, [s for s in segments if isinstance(s, str)])}"))
        change = event.get("set") if isinstance(event.get("set"), dict) else {}
        for key, values in ((("weights",), event.get("weights")),
                            (("set", "attributes"), change.get("attributes"))):
            for dim in values if isinstance(values, dict) and dims is not None else ():
                if dim not in dims:
                    out.append(((("events", i, *key, dim)), f"unknown dimension {dim!r}"
                                f"{did_you_mean(str(dim), dims)}; declared: {', '.join(dims)}"))
        if event.get("type") == "entry" and event.get("firm") in entry_at:
            entry_at[event["firm"]] = event.get("at")
    if entry_at and not any(e == 0 for e in entry_at.values()) and any(
        isinstance(e, dict) and e.get("type") == "entry" for e in data.get("events") or []
    ):
        out.append((("events",), "with these entry events no firm is present at step 0"))
    for i, firm in firms.items():
        progs = firm.get("programmes") if isinstance(firm.get("programmes"), dict) else {}
        spend = progs.get("quality_investment")
        for dim in spend if isinstance(spend, dict) and dims is not None else ():
            if dim not in dims:
                out.append(((("firms", i, "programmes", "quality_investment", dim)),
                            f"unknown dimension {dim!r}{did_you_mean(str(dim), dims)}"))
    return out


def entry_steps(scenario: Scenario) -> dict[str, int]:
    """Step at which each firm enters: its ``enter_at``, or the step of its ``entry`` event."""
    steps = {f.name: f.enter_at for f in scenario.firms}
    for event in scenario.events:
        if event.type == "entry":
            steps[event.firm] = event.at
    return steps


class Mechanisms(Section):
    """Switches: each relationship mechanism can be turned off to see what it contributes."""

    expectations: bool = Field(
        True, title="Expectations and zone of tolerance",
        description="Customers hold adequate and desired service levels that drift toward experience and are pulled up by the best offer in the market; the reference price adapts to what the market charges.",
    )
    loyalty: bool = Field(
        True, title="Trust and loyalty",
        description="Trust builds with satisfied purchases and falls faster after a bad one; loyalty adds utility to the current supplier.",
    )
    word_of_mouth: bool = Field(
        True, title="Word of mouth",
        description="Customers talk to their contacts: the dissatisfied tell about twice as many as the satisfied; word of mouth creates awareness and shifts expected value.",
    )
    complaints: bool = Field(
        True, title="Complaints and recovery",
        description="Dissatisfied customers complain with some probability; a well-recovered complaint restores satisfaction, unvoiced dissatisfaction leaves and talks.",
    )
    switching_costs: bool = Field(
        True, title="Switching costs and bonds",
        description="Financial, social and structural bonds from a firm's relationship programme make leaving costly.",
    )
    learning: bool = Field(
        True, title="Learning relationships",
        description="A firm that learns a customer's wants shrinks the customer sacrifice, raising that customer's PUV for the firm and the cost of teaching a new supplier.",
    )
    contact_fatigue: bool = Field(
        True, title="Contact fatigue",
        description="Proactive contact beyond a customer's tolerance annoys and lowers satisfaction.",
    )
    service_profit_chain: bool = Field(
        True, title="Service-profit chain",
        description="Internal marketing raises employee satisfaction, which raises delivered service quality and consistency.",
    )
    promises: bool = Field(
        True, title="Service promises and the gap model",
        description="A firm's promise sets the expectations of the customers it reaches; delivery below the promise disappoints, a beaten modest promise delights.",
    )
    participation: bool = Field(
        True, title="Customer participation",
        description="Customers take part in the service where a firm runs a participation programme; the willing and able feel in control, the unwilling are annoyed.",
    )
    targeting: bool = Field(
        True, title="Value-based targeting",
        description="Firms may spend care on customers by estimated value instead of treating everyone as most favoured.",
    )

    def all_off(self) -> bool:
        """True when every relationship switch is off: the model reduces to a plain logit market.

        The service-idea switches (promises, participation, targeting) act only where a firm
        runs the matching programme, so they do not count here.
        """
        return not any(
            getattr(self, name) for name in type(self).model_fields
            if name not in service_ideas.PROGRAMME_SWITCHES
        )


class Outputs(Section):
    """Optional extra outputs of a run; they never change the simulated market."""

    panel: int = Field(
        0, title="Consumer panel size", ge=0, le=1_000_000,
        description="Customers sampled once per replicate (from a stream of their own) whose "
        "every purchase is written to `panel.parquet`, for `cvm panel-stats`; 0 = no panel. "
        "`--panel N` overrides. More than the market's customers means all of them.",
    )


class Scenario(Section):
    """A complete scenario: market, firms, events and mechanism switches."""

    name: str = Field(title="Scenario name", min_length=1, max_length=120,
                      description="Shown in outputs, reports and the dashboard.")
    description: str = Field("", title="Description", max_length=2000,
                             description="What the scenario sets up; its first line is shown by "
                             "`cvm list`.")
    plugins: list[str] = Field(
        default_factory=list, title="Plugins", max_length=32,
        description="Python modules (names, or .py files relative to this scenario's folder) "
        "that register strategies of your own; imported before the firms' strategies are "
        "checked, and again in every worker. A plugin is code you run: name only your own.",
    )
    lesson: str = Field("", title="Lesson", max_length=4000,
                        description="The idea the scenario teaches, in a few sentences (shown "
                        "by `cvm list --lessons` and in the report).")
    steps: int = Field(52, title="Steps", ge=1, le=100_000,
                       description="Periods to run (e.g. weeks); `--steps` overrides.")
    seed: int = Field(0, title="Seed", ge=0, le=2**63 - 1,
                      description="Master random seed: the same scenario and seed give the same "
                      "results; `--seed` overrides.")
    replicates: int = Field(1, title="Replicates", ge=1, le=10_000,
                            description="Independent runs with seeds spawned from `seed`, for "
                            "confidence bands; `--replicates` overrides.")
    market: Market = Field(title="Market", description="The customers and how they choose.")
    firms: list[Firm] = Field(title="Firms", min_length=1, max_length=64,
                              description="The competing firms, their offers, strategies "
                              "and programmes.")
    events: list[Event] = Field(default_factory=list, title="Events",
                                description="Changes to the world at given steps.")
    mechanisms: Mechanisms = Field(default_factory=Mechanisms, title="Mechanisms",
                                   description="Switches for each mechanism (all on by "
                                   "default); all off gives a plain logit market.")
    relationships: RelationshipParams = Field(
        default_factory=RelationshipParams,
        title="Relationship parameters",
        description="Parameters of the customer-relationship mechanisms (docs/model.md).",
    )
    service_ideas: ServiceIdeaParams = Field(
        default_factory=ServiceIdeaParams,
        title="Service-idea parameters",
        description="Parameters of promises, participation and targeting (docs/model.md).",
    )
    outputs: Outputs = Field(default_factory=Outputs, title="Outputs",
                             description="Extra outputs of a run (a consumer panel); the "
                             "results of the market are the same whatever is chosen here.")
    presets: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        title="Presets",
        description="Named sets of overrides kept in the file and chosen with `--preset NAME`. "
        "Each maps dotted paths to values, exactly like `--set` (e.g. `tiny: {market.customers: "
        "500, steps: 10}`); `--set` is applied after the preset.",
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        # Every cross-field problem at once, each with its own path (the loader maps them to lines).
        problems = cross_field_problems(self.model_dump())
        if problems:
            raise CrossFieldError(problems)
        return self

    def firm_index(self, name: str) -> int:
        """Column of the named firm in every per-firm array."""
        return [f.name for f in self.firms].index(name)


class CrossFieldError(ValueError):
    """Problems that involve more than one field; ``problems`` holds (location, message) pairs."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]):
        self.problems = problems
        super().__init__("\n".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))


def cross_field_problems(data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Every cross-field problem of scenario data, as (location, message) pairs.

    Works on plain (possibly invalid) data, skipping whatever is not well typed, so the loader
    can report these problems together with per-field errors in one go.
    """
    if not isinstance(data, dict):
        return []
    out: list[tuple[tuple[str | int, ...], str]] = []
    market = data.get("market") if isinstance(data.get("market"), dict) else {}
    raw_dims = market.get("dimensions")
    dims = [d for d in raw_dims if isinstance(d, str)] if isinstance(raw_dims, list) else None
    segments = _items(market.get("segments"))
    firms = _items(data.get("firms"))
    shares = [s.get("share") for s in segments.values()]
    if shares and len(shares) == len(market.get("segments")) and all(_is_number(x) for x in shares):
        total = sum(float(x) for x in shares)
        if math.isfinite(total) and abs(total - 1.0) > 1e-6:
            out.append((("market", "segments"), f"segment shares sum to {total:g}; they must sum to 1"))
    out += _duplicates(("market", "segments"), segments)
    out += _duplicates(("firms",), firms)
    if dims is not None:
        for where, items, key in (
            (("market", "segments"), segments, "weights"),
            (("firms",), firms, "attributes"),
        ):
            for i, item in items.items():
                values = item.get(key)
                for dim in values if isinstance(values, dict) else ():
                    if dim not in dims:
                        out.append(
                            ((*where, i, key, dim), f"unknown dimension {dim!r}"
                             f"{did_you_mean(str(dim), dims)}; declared: {', '.join(dims)}")
                        )
    entries = [f.get("enter_at", 0) for f in firms.values()]
    if entries and len(entries) == len(data["firms"]) and all(_is_number(e) for e in entries):
        if not any(e == 0 for e in entries):
            out.append((("firms",), "at least one firm must be present at step 0 (enter_at: 0)"))
    names = list(dict.fromkeys(f["name"] for f in firms.values() if isinstance(f.get("name"), str)))
    for i, event in _items(data.get("events")).items():
        firm = event.get("firm")
        if isinstance(firm, str) and firm not in names:
            out.append(
                (("events", i, "firm"), f"unknown firm {firm!r}{did_you_mean(firm, names)}; "
                 f"firms: {', '.join(names)}")
            )
    out += event_problems(data)
    out += service_ideas.programme_problems(data)
    return out


def _items(value: Any) -> dict[int, dict]:
    """The mapping items of a list, by index (non-mappings skipped)."""
    if not isinstance(value, list):
        return {}
    return {i: item for i, item in enumerate(value) if isinstance(item, dict)}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _duplicates(where: tuple, items: dict[int, dict]) -> list[tuple[tuple, str]]:
    first: dict[str, int] = {}
    out = []
    for i, item in items.items():
        name = item.get("name")
        if not isinstance(name, str):
            continue
        if name in first:
            out.append(
                ((*where, i, "name"), f"name {name!r} is already used by {'.'.join(map(str, where))}."
                 f"{first[name]}; names must be unique")
            )
        else:
            first[name] = i
    return out


def did_you_mean(word: str, choices: set[str] | list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` to ``word``, or ``""``."""
    import difflib

    close = difflib.get_close_matches(word, sorted(map(str, choices)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def flag_bound_problem(flag: str, value: int | None) -> str | None:
    """Why a ``--steps``/``--replicates``/``--seed`` value breaks the schema's bounds, or None.

    The flags override scenario fields, so they obey the same limits as the file (checked
    before any work, rather than after a run of a size the schema refuses).
    """
    if value is None:
        return None
    lo = hi = None
    for meta in Scenario.model_fields[flag].metadata:
        lo = getattr(meta, "ge", lo) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", hi) if getattr(meta, "le", None) is not None else hi
    if lo is not None and value < lo:
        return (f"--{flag} must be >= {lo}, got {value}" if lo == 0
                else f"--{flag} must be at least {lo:,}, got {value}")
    if hi is not None and value > hi:
        return f"--{flag} must be at most {hi:,} (the scenario schema's limit), got {value:,}"
    return None


def check_flag_bounds(args: Any, *flags: str) -> None:
    """Raise ``sim.cli.UserError`` (exit 2) for the first flag outside the schema's bounds."""
    from sim.cli import UserError

    for flag in flags:
        problem = flag_bound_problem(flag, getattr(args, flag, None))
        if problem:
            raise UserError(problem)
