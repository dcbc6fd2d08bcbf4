"""What a teacher sets for a game and what a team may decide: pydantic models, one source of truth.

``GameSettings`` is stored with the game; ``Decision`` is the JSON a team submits each round
(``{"price": 9.5}`` alone is valid, every field optional). Field titles and descriptions feed the
dashboard forms and ``cvm classroom decision-schema``. ``Decision`` checks only what can be
checked without the game; ``Classroom.check_decision`` checks it against the game (open
decisions, price range, attribute steps, promised dimensions, segments, budget) on the server.

A decision can set every programme a firm has in the scenario format: the per-period spends,
the relationship level and the service-idea sections ``promise``, ``participation`` and
``targeting`` — these are the scenario schema's own models (``sim.scenario.service_ideas``),
so their bounds are defined once, there. Market research is paid from the firm's cash: its
cost is the decision's one-off ``expense`` in the round's first period (``engine``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from sim.scenario.schema import RELATIONSHIP_LEVELS, Programmes
from sim.scenario.service_ideas import (
    ParticipationProgramme,
    PromiseProgramme,
    TargetingProgramme,
)

RESEARCH_KINDS = ("segment_survey", "competitor_benchmark", "satisfaction_survey")
# Decision fields a teacher can open or close; "research" is market research purchases.
DECISION_FIELDS = (
    "price", "attributes", "internal_marketing", "advertising", "quality_investment",
    "relationship_level", "promise", "participation", "targeting", "research",
)
# Per-period spending programmes (money per period of the round).
SPENDING_FIELDS = ("internal_marketing", "advertising", "quality_investment")
# The scenario's programme sections a team sets whole (``Programmes.promise`` etc.); their
# bounds, titles and descriptions are the scenario schema's own.
SECTION_FIELDS = ("promise", "participation", "targeting")
SCORE_METRICS = ("profit", "share", "satisfaction", "clv")


#: Longest decision a team may submit (JSON text); a real one is a few hundred bytes.
MAX_DECISION_BYTES = 64 * 1024

#: A name inside a decision (a dimension, a segment): as long as the scenario's names may be.
Name = Annotated[str, StringConstraints(min_length=1, max_length=80)]


class _Strict(BaseModel):
    """Unknown keys, NaN and infinities refused; numbers must be numbers (``true`` is not 1)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=True,
                              strict=True)


class ResearchOrder(_Strict):
    """One market-research purchase, delivered with the round's private report."""

    kind: Literal["segment_survey", "competitor_benchmark", "satisfaction_survey"] = Field(
        title="Study",
        description="segment_survey: what one segment values (its weights); "
        "competitor_benchmark: how customers perceive every firm (PUV and PP); "
        "satisfaction_survey: your customers' satisfaction by segment.",
    )
    segment: Name | None = Field(
        None, title="Segment", description="The segment to survey (segment_survey only)."
    )
    sample: int = Field(
        100, title="Sample size", ge=10, le=5000,
        description="Respondents; bigger samples cost more and are less noisy.",
    )

    @model_validator(mode="after")
    def _segment_when_needed(self) -> ResearchOrder:
        if self.kind == "segment_survey" and not self.segment:
            raise ValueError("a segment_survey needs a segment")
        if self.kind != "segment_survey" and self.segment is not None:
            raise ValueError(f"{self.kind} does not take a segment")
        return self


class Decision(_Strict):
    """A team's decision for one round. Fields left out keep last round's setting."""

    price: float | None = Field(
        None, title="Price", gt=0, le=1e9, description="Posted price for the coming round."
    )
    attributes: dict[Name, float] | None = Field(
        None,
        title="Attribute levels",
        max_length=16,  # as the scenario's dimensions
        description="Target level in [0, 1] on each value dimension; the teacher limits how far "
        "a level can move in one round.",
    )
    internal_marketing: float | None = Field(
        None, title="Internal marketing per period", ge=0, le=1e9,
        description="Spending on staff (service-profit chain): better, steadier service.",
    )
    advertising: float | None = Field(
        None, title="Advertising per period", ge=0, le=1e9,
        description="Spending on awareness among customers who do not know you yet.",
    )
    quality_investment: float | None = Field(
        None, title="Quality investment per period", ge=0, le=1e9,
        description="Spending that raises quality with a lag and diminishing returns.",
    )
    relationship_level: Literal[RELATIONSHIP_LEVELS] | None = Field(  # type: ignore[valid-type]
        None, title="Relationship level",
        description="basic, reactive, accountable, proactive or partnership: higher levels cost "
        "more per customer and build stronger bonds.",
    )
    promise: PromiseProgramme | None = Field(
        None, title=Programmes.model_fields["promise"].title,
        description="What you promise customers relative to what you deliver (ratio 1 honest, "
        "above 1 over-promising, below 1 modest); replaces your current promise.",
    )
    participation: ParticipationProgramme | None = Field(
        None, title=Programmes.model_fields["participation"].title,
        description="Customers take part in the service (level 0 stops it); training is spend "
        "per period. Replaces your current participation programme.",
    )
    targeting: TargetingProgramme | None = Field(
        None, title=Programmes.model_fields["targeting"].title,
        description="A care budget per period for your customers, uniform or tiered by "
        "estimated value (budget 0 stops it). Replaces your current targeting programme.",
    )
    research: list[ResearchOrder] = Field(
        default_factory=list, title="Market research", max_length=5,
        description="Studies to buy this round; their cost is booked in the round's first "
        "period, so it shows in that round's profit and cash.",
    )

    @field_validator("attributes")
    @classmethod
    def _levels_in_unit_interval(cls, value):
        for dim, level in (value or {}).items():
            if not 0.0 <= level <= 1.0:
                raise ValueError(f"level of {dim!r} must lie in [0, 1], got {level}")
        return value

    def record(self) -> dict:
        """The decision as stored: only the fields it sets."""
        data = self.model_dump(exclude_none=True)
        if not data.get("research"):
            data.pop("research", None)
        return data

    def given(self) -> list[str]:
        """The decision fields this decision sets."""
        fields = [f for f in DECISION_FIELDS if f != "research" and getattr(self, f) is not None]
        return fields + (["research"] if self.research else [])

    def spending_per_period(self) -> float:
        """Programme spending per period this decision sets (training and care budget included)."""
        total = sum(getattr(self, f) or 0.0 for f in SPENDING_FIELDS)
        if self.participation is not None:
            total += self.participation.training
        if self.targeting is not None:
            total += self.targeting.budget
        return total


class StudyPrice(_Strict):
    """Price and noise of one kind of study."""

    fixed: float = Field(title="Fixed cost", ge=0)
    per_response: float = Field(title="Cost per respondent", ge=0)
    noise: float = Field(
        title="Measurement noise",
        ge=0,
        description="Standard deviation of the error added to each estimate, divided by "
        "the square root of the sample size.",
    )


class ResearchPrices(_Strict):
    """What market research costs and how noisy it is."""

    segment_survey: StudyPrice = StudyPrice(fixed=400, per_response=4, noise=1.0)
    competitor_benchmark: StudyPrice = StudyPrice(fixed=600, per_response=5, noise=0.5)
    satisfaction_survey: StudyPrice = StudyPrice(fixed=300, per_response=3, noise=0.5)


class Scoring(_Strict):
    """Weights of the balanced scorecard; each round is scored on its own, then averaged."""

    profit: float = Field(0.25, title="Profit weight", ge=0)
    share: float = Field(0.25, title="Market share weight", ge=0)
    satisfaction: float = Field(0.25, title="Customer satisfaction weight", ge=0)
    clv: float = Field(0.25, title="Customer lifetime value weight", ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> Scoring:
        if sum(getattr(self, m) for m in SCORE_METRICS) <= 0:
            raise ValueError("at least one scoring weight must be positive")
        return self


class GameSettings(_Strict):
    """Everything a teacher sets when creating a game."""

    teams: int = Field(
        title="Teams", ge=0, le=64,
        description="How many firms teams run (the first firms of the scenario unless "
        "team_firms names them); the others stay computer rivals with their strategies.",
    )
    team_firms: list[str] | None = Field(None, title="Team firms")
    rounds: int = Field(6, title="Rounds", ge=1, le=60)
    periods_per_round: int = Field(4, title="Periods per round", ge=1, le=52)
    seed: int | None = Field(None, title="Seed", ge=0, le=2**63 - 1)
    starting_cash: float | None = Field(
        None, title="Starting cash", description="Every team's cash at the start (default: the "
        "scenario's cash for that firm).",
    )
    open_decisions: list[str] = Field(
        default_factory=lambda: list(DECISION_FIELDS), title="Open decisions"
    )
    price_range: tuple[float, float] = Field(
        (0.5, 2.0), title="Price range",
        description="Lowest and highest price a team may set, as multiples of its starting price.",
    )
    max_attribute_change: float = Field(
        0.2, title="Largest attribute move per round", gt=0, le=1,
    )
    credit_line: float = Field(
        0.0, title="Credit line", ge=0,
        description="How far below zero cash a team may spend on programmes and research.",
    )
    scoring: Scoring = Field(default_factory=Scoring, title="Scorecard weights")
    research: ResearchPrices = Field(default_factory=ResearchPrices, title="Market research")

    @field_validator("open_decisions")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in DECISION_FIELDS:
                raise ValueError(f"unknown decision {name!r}; known: {', '.join(DECISION_FIELDS)}")
        return value

    @field_validator("price_range")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0 < low <= 1 <= high:
            raise ValueError("price_range must be (low, high) with 0 < low <= 1 <= high")
        return value
