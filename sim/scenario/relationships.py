"""Parameters of the customer-relationship mechanisms (the ``relationships:`` scenario block).

One pydantic section per mechanism, each field bounded, titled and described so the CLI, the
docs and the dashboard can reuse the text. The defaults are the calibrated baseline documented
in ``docs/model.md``; every default can be changed in a scenario, e.g.::

    relationships:
      word_of_mouth: {dissatisfied_contacts: 0.8}
      complaints: {recovery_goodwill: 0.15}

Units: *PUV units* are those of perceived use value (a weight times a level in [0, 1]);
*net-value units* are those of the choice utility before the logit precision is applied.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=True,
                              strict=True)


class ExpectationParams(_Section):
    """Zone of tolerance: each customer's adequate and desired service levels."""

    adequate_ratio: float = Field(
        0.80,
        title="Adequate level (× expected performance)",
        gt=0,
        le=1,
        description="A customer's adequate level sits at this fraction of the performance they "
        "have come to expect; experience below it dissatisfies.",
    )
    desired_ratio: float = Field(
        1.10,
        title="Desired level (× expected performance)",
        ge=1,
        le=3,
        description="A customer's desired level sits at this multiple of the performance they "
        "have come to expect; experience above it delights.",
    )
    zone_spread: float = Field(
        0.3,
        title="Spread of zone widths",
        ge=0,
        le=2,
        description="Log-normal spread across customers of the width of the zone of tolerance "
        "(0 = the same width for everyone).",
    )
    adaptation: float = Field(
        0.1,
        title="Adaptation to own experience",
        ge=0,
        le=1,
        description="Per purchase, how far a customer's adequate and desired levels move toward "
        "what they just experienced (times the ratios above).",
    )
    best_offer_pull: float = Field(
        0.05,
        title="Pull of the best known offer",
        ge=0,
        le=1,
        description="Per step, how far expectations are pulled up toward the best offer the "
        "customer knows of: a competitor's innovation raises everyone's bar.",
    )
    drift: float = Field(
        0.0,
        title="Exogenous expectation drift",
        ge=-0.1,
        le=0.1,
        description="Relative change of every customer's expectations per step, modelling "
        "standards imported from other industries (0.005 = +0.5 % a step).",
    )


class SatisfactionParams(_Section):
    """Experienced performance and the satisfaction it produces."""

    performance_noise: float = Field(
        0.15,
        title="Service heterogeneity",
        ge=0,
        le=2,
        description="Relative standard deviation of experienced performance around the offer's "
        "value (multiplied by the firm's service_consistency).",
    )
    steepness: float = Field(
        3.0,
        title="Satisfaction steepness",
        gt=0,
        le=50,
        description="Slope of the logistic map from disconfirmation (0 at the adequate level, 1 "
        "at the desired level) to a satisfaction score in [0, 1].",
    )
    memory: float = Field(
        0.5,
        title="Weight of the latest experience",
        gt=0,
        le=1,
        description="Satisfaction with a firm is an exponential average of experiences; this is "
        "the weight of the newest one (1 = only the last experience counts).",
    )
    value_for_money: float = Field(
        0.3,
        title="Weight of value for money",
        ge=0,
        le=5,
        description="How much paying more than one's reference price disappoints: the "
        "experienced performance is judged net of value_for_money × price sensitivity × "
        "(price / reference price − 1), so a price above the reference lowers satisfaction and "
        "one below raises it. 0 = satisfaction ignores the price paid.",
    )


class LoyaltyParams(_Section):
    """Trust (asymmetric) and the loyalty bonus it earns the current supplier."""

    trust_gain: float = Field(
        0.08,
        title="Trust gained per satisfied purchase",
        ge=0,
        le=1,
        description="Fraction of the remaining distance to full trust gained after a satisfied "
        "purchase (× delight_boost when delighted).",
    )
    trust_loss: float = Field(
        0.25,
        title="Trust lost per dissatisfying purchase",
        ge=0,
        le=1,
        description="Fraction of trust lost after a dissatisfying purchase; larger than the gain "
        "because trust falls faster than it builds.",
    )
    delight_boost: float = Field(
        1.5, title="Delight multiplier on trust gain", ge=1, le=10,
        description="Trust grows this much faster after a delighting purchase.",
    )
    trust_bonus: float = Field(
        0.03,
        title="Loyalty bonus at full trust",
        ge=0,
        le=5,
        description="Net-value bonus of the current supplier per unit of trust.",
    )
    rung_bonus: float = Field(
        0.02,
        title="Loyalty bonus at the top rung",
        ge=0,
        le=5,
        description="Net-value bonus of the current supplier at the partner rung (linear in the "
        "rung: rung / 5 of it, so a mere customer gets a fifth).",
    )
    satisfaction_bonus: float = Field(
        1.0,
        title="Loyalty bonus of total satisfaction",
        ge=0,
        le=5,
        description="Net-value bonus of the current supplier when the customer is totally "
        "satisfied with it (satisfaction 1); convex in satisfaction above the adequate level, so "
        "merely satisfied customers get little of it (Jones & Sasser).",
    )
    satisfaction_convexity: float = Field(
        8.0,
        title="Convexity of the satisfaction bonus",
        ge=1,
        le=10,
        description="Exponent k of ((satisfaction − ½) / ½)^k in the satisfaction bonus.",
    )


class LadderParams(_Section):
    """Payne's relationship ladder: prospect, customer, client, supporter, advocate, partner."""

    client_trust: float = Field(0.55, title="Trust to become a client", ge=0, le=1)
    supporter_trust: float = Field(0.65, title="Trust to become a supporter", ge=0, le=1)
    advocate_trust: float = Field(0.80, title="Trust to become an advocate", ge=0, le=1)
    partner_trust: float = Field(0.92, title="Trust to become a partner", ge=0, le=1)
    up_probability: float = Field(
        0.3,
        title="Chance to climb per satisfied purchase",
        ge=0,
        le=1,
        description="Probability that a satisfied repeat purchase moves the relationship one rung "
        "up, once trust has reached the next rung's threshold.",
    )
    down_steps: int = Field(
        1,
        title="Rungs lost per unrecovered failure",
        ge=0,
        le=5,
        description="Rungs a relationship falls after a dissatisfying purchase that was not "
        "recovered (never below customer while the customer stays).",
    )

    @model_validator(mode="after")
    def _thresholds_rise(self) -> LadderParams:
        t = [self.client_trust, self.supporter_trust, self.advocate_trust, self.partner_trust]
        if any(b < a for a, b in zip(t, t[1:], strict=False)):
            raise ValueError("ladder trust thresholds must not decrease from client to partner")
        return self


class BondParams(_Section):
    """Switching costs from financial, social and structural bonds (and teaching a new firm)."""

    financial_weight: float = Field(
        0.05,
        title="Switching cost of a full financial bond",
        ge=0,
        le=5,
        description="Net-value cost of leaving per unit of financial bond (discounts, points).",
    )
    social_weight: float = Field(
        0.15,
        title="Switching cost of a full social bond at the top rung",
        ge=0,
        le=5,
        description="Net-value cost per unit of social bond, growing with the relationship rung.",
    )
    structural_weight: float = Field(
        0.30,
        title="Switching cost of a full structural bond",
        ge=0,
        le=5,
        description="Net-value cost per unit of structural bond once fully built (after "
        "structural_tenure purchases); the strongest bond.",
    )
    structural_tenure: int = Field(
        12, title="Purchases to build a structural bond", ge=1, le=10_000
    )
    teaching_cost: float = Field(
        0.10,
        title="Cost of teaching a new supplier",
        ge=0,
        le=5,
        description="Net-value cost of leaving per unit of what the current supplier has "
        "learned about the customer (learning relationships).",
    )
    default_financial: float = Field(0.2, title="Default financial bond", ge=0, le=1)
    default_social: float = Field(0.1, title="Default social bond", ge=0, le=1)
    default_structural: float = Field(0.0, title="Default structural bond", ge=0, le=1)


class LearningParams(_Section):
    """Learning relationships: firms learn each buyer's weights, shrinking customer sacrifice."""

    customer_sacrifice: float = Field(
        0.10,
        title="Customer sacrifice",
        ge=0,
        le=2,
        description="Value a standard offer fails to deliver, as a fraction of the customer's "
        "total weights (what a fully tailored offer would add).",
    )
    default_rate: float = Field(
        0.0,
        title="Default learning rate",
        ge=0,
        le=1,
        description="Share of the remaining unknown a firm learns per purchase, for firms "
        "without a relationship level. 0: only a firm that invests in knowing its customers "
        "(a relationship level from reactive up) learns them.",
    )


class WordOfMouthParams(_Section):
    """The social network and what customers tell each other."""

    network: Literal["small_world", "random"] = Field(
        "small_world",
        title="Network",
        description="small_world: a ring lattice with rewired shortcuts (Watts-Strogatz); "
        "random: every link rewired.",
    )
    degree: int = Field(
        10, title="Contacts per customer", ge=2, le=100,
        description="Mean number of contacts (even; the ring links degree/2 on each side).",
    )
    rewiring: float = Field(
        0.1, title="Rewiring probability", ge=0, le=1,
        description="Share of lattice links rewired to random customers (small_world only).",
    )
    satisfied_contacts: float = Field(
        0.17,
        title="Contacts told after a satisfying purchase",
        ge=0,
        le=100,
        description="Expected number of contacts a satisfied buyer tells about the firm "
        "(advocates and partners: advocate_multiplier times as many). Calibrated so that the "
        "dissatisfied tell about twice as many per buyer in the shipped markets (1.9-2.5).",
    )
    dissatisfied_contacts: float = Field(
        0.5,
        title="Contacts told after a dissatisfying purchase",
        ge=0,
        le=100,
        description="Expected number of contacts a dissatisfied buyer tells (the source texts: "
        "about twice as many as a satisfied one).",
    )
    advocate_multiplier: float = Field(
        2.0,
        title="Advocates' talk multiplier",
        ge=0,
        le=20,
        description="Satisfied advocates and partners tell this many times more contacts.",
    )
    impact: float = Field(
        0.05,
        title="Opinion shift per message",
        ge=0,
        le=1,
        description="Change of the hearer's perceived use value of the firm per message (PUV "
        "units, + for praise, − for complaint).",
    )


class ComplaintParams(_Section):
    """Voice, recovery and quiet exit."""

    base_rate: float = Field(
        0.05,
        title="Complaint rate at zero accessibility",
        ge=0,
        le=1,
        description="Probability that a dissatisfied buyer complains to a firm that makes it hard.",
    )
    accessibility_effect: float = Field(
        0.5,
        title="Effect of complaint accessibility",
        ge=0,
        le=1,
        description="Added complaint probability at full accessibility (linear in it).",
    )
    recovered_satisfaction: float = Field(
        0.95, title="Satisfaction after a recovered complaint", ge=0, le=1
    )
    recovery_goodwill: float = Field(
        0.1,
        title="Goodwill of a recovered complaint",
        ge=0,
        le=2,
        description="PUV-unit boost of the recovering firm in the complainer's eyes, fading with "
        "opinion_decay; calibrated so that 90-95 % of recovered complainers return (TARP).",
    )
    disappointment: float = Field(
        0.15,
        title="Disappointment of unvoiced dissatisfaction",
        ge=0,
        le=2,
        description="PUV-unit drop of the firm in the eyes of a dissatisfied buyer who does not "
        "complain (quiet exit).",
    )
    failed_recovery_penalty: float = Field(
        0.05,
        title="Extra drop after a failed recovery",
        ge=0,
        le=2,
        description="Added PUV-unit drop when a complaint is handled badly (double deviation).",
    )


class ContactFatigueParams(_Section):
    """Proactive contact: awareness and warmth up to a tolerance, annoyance beyond it."""

    tolerance: float = Field(
        1.5,
        title="Contact tolerance",
        ge=0,
        le=100,
        description="Median contact stock (recent contacts from one firm) a customer tolerates.",
    )
    tolerance_spread: float = Field(
        0.5, title="Spread of tolerance", ge=0, le=3,
        description="Log-normal spread of tolerance across customers.",
    )
    memory: float = Field(
        0.5,
        title="Contact memory",
        ge=0,
        lt=1,
        description="Share of last step's contact stock still remembered this step.",
    )
    warmth: float = Field(
        0.01, title="Value of a tolerated contact", ge=0, le=1,
        description="PUV-unit opinion gain per contact within tolerance.",
    )
    trust_gain: float = Field(
        0.01, title="Trust per tolerated contact", ge=0, le=1,
        description="Trust gain toward a firm that contacts its customer within tolerance.",
    )
    annoyance: float = Field(
        0.03, title="Opinion loss per excess contact", ge=0, le=1,
        description="PUV-unit opinion loss per unit of contact stock beyond tolerance.",
    )
    satisfaction_loss: float = Field(
        0.05, title="Satisfaction loss per excess contact", ge=0, le=1,
        description="Satisfaction lost per unit of contact stock beyond tolerance.",
    )


class CustomerValueParams(_Section):
    """Margin, retention, share of wallet and discounted customer lifetime value."""

    discount_rate: float = Field(
        0.01, title="Discount rate per step", ge=0, le=1,
        description="Used to discount future margins in the customer lifetime value.",
    )
    share_of_wallet: Literal["single", "split"] = Field(
        "single",
        title="Share of wallet",
        description="single: the share of wallet is the (smoothed) share of a customer's "
        "purchases made at the firm; split: customers spread their spending over the firms they "
        "know in proportion to their choice probabilities.",
    )
    wallet_memory: float = Field(
        0.2, title="Weight of the latest purchase in the share of wallet", gt=0, le=1
    )
    retention_memory: float = Field(
        0.3, title="Weight of the latest step in the retention estimate", gt=0, le=1
    )


class RelationshipParams(_Section):
    """Parameters of every customer-relationship mechanism (each switched in ``mechanisms:``)."""

    opinion_decay: float = Field(
        0.1,
        title="Opinion decay per step",
        ge=0,
        le=1,
        description="Share of a customer's opinion of a firm (from word of mouth, complaints and "
        "contacts) that fades each step.",
    )
    opinion_cap: float = Field(
        0.3, title="Largest opinion shift", ge=0, le=5,
        description="Opinions of a firm stay within ± this many PUV units.",
    )
    expectations: ExpectationParams = Field(
        default_factory=ExpectationParams, title="Expectations"
    )
    satisfaction: SatisfactionParams = Field(
        default_factory=SatisfactionParams, title="Satisfaction"
    )
    loyalty: LoyaltyParams = Field(default_factory=LoyaltyParams, title="Trust and loyalty")
    ladder: LadderParams = Field(default_factory=LadderParams, title="Relationship ladder")
    bonds: BondParams = Field(default_factory=BondParams, title="Switching costs and bonds")
    learning: LearningParams = Field(
        default_factory=LearningParams, title="Learning relationships"
    )
    word_of_mouth: WordOfMouthParams = Field(
        default_factory=WordOfMouthParams, title="Word of mouth"
    )
    complaints: ComplaintParams = Field(
        default_factory=ComplaintParams, title="Complaints and recovery"
    )
    contact_fatigue: ContactFatigueParams = Field(
        default_factory=ContactFatigueParams, title="Contact fatigue"
    )
    customer_value: CustomerValueParams = Field(
        default_factory=CustomerValueParams, title="Customer value"
    )
