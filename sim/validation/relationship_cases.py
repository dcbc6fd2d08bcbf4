"""Relationship cases: double jeopardy, satisfaction, word of mouth, complaints, spillover.

Also the service-profit chain. Each case that needs a relationship mechanism reports ``pending`` until the model reports the
columns it measures.
"""

from __future__ import annotations

import pandas as pd

from sim.validation.core import Outcome, Settings, case, columns_present, mean_ci

EHRENBERG = "Ehrenberg, Goodhardt & Barwise, 'Double Jeopardy Revisited', *Journal of " \
    "Marketing* 54 (1990); Sharp, *How Brands Grow* (2010)"


def five_brand_market(settings: Settings, steps: int = 30) -> dict:
    """Five brands at one price and falling quality, heterogeneous customers, mechanisms on."""
    qualities = (0.75, 0.65, 0.58, 0.52, 0.45)
    return {
        "name": "validation: five brands",
        "steps": steps,
        "market": {
            "customers": settings.customers,
            "dimensions": ["quality", "service"],
            "rationality": 6.0,
            "segments": [
                {"name": "mainstream", "share": 0.6, "weights": {"quality": 0.7, "service": 0.4},
                 "price_sensitivity": 1.2, "heterogeneity": 0.5},
                {"name": "service first", "share": 0.4,
                 "weights": {"quality": 0.3, "service": 0.8}, "price_sensitivity": 0.9,
                 "heterogeneity": 0.5},
            ],
        },
        "firms": [
            {"name": f"Brand{i + 1}", "price": 10.0,
             "attributes": {"quality": q, "service": 0.5}}
            for i, q in enumerate(qualities)
        ],
    }


def retention(firms: pd.DataFrame, first_step: int = 6) -> pd.DataFrame:
    """Share of each firm's customers kept from one step to the next, per replicate × firm."""
    df = firms.sort_values(["replicate", "firm", "step"]).copy()
    df["before"] = df.groupby(["replicate", "firm"])["customers"].shift(1)
    df = df[(df["step"] >= first_step) & (df["before"] > 0)]
    kept = 1 - df["lost_customers"] / df["before"]
    return kept.groupby([df["replicate"], df["firm"]]).mean().unstack()


@case(
    "double_jeopardy",
    title="Double jeopardy",
    claim="Smaller brands have fewer buyers, and those buyers are also somewhat less loyal; the "
    "loyalty gap is much smaller than the gap in buyers.",
    source=EHRENBERG,
    scenario="5 brands at one price with falling quality, 2 heterogeneous segments (spread "
    "0.5), mechanisms on, 30 steps; loyalty = step-to-step retention of a brand's customers.",
    pending=columns_present(nonzero=("loyalty",)),
)
def double_jeopardy(settings: Settings) -> Outcome:
    """Rank correlation of share and retention, and the relative size of the two gaps."""
    from sim import run_scenario

    firms = run_scenario(five_brand_market(settings), replicates=settings.replicates,
                         seed=settings.seed).firms
    recent = firms[firms["step"] >= 6]
    share = recent.pivot_table(index="replicate", columns="firm", values="share", aggfunc="mean")
    kept = retention(firms)
    order = share.mean().sort_values(ascending=False).index
    share, kept = share[order], kept[order]
    rho = [pd.Series(share.loc[r]).rank().corr(pd.Series(kept.loc[r]).rank())
           for r in share.index]
    big, small = order[0], order[-1]
    share_ratio = share[small] / share[big]
    loyalty_ratio = kept[small] / kept[big]
    m_rho, lo_rho, hi_rho = mean_ci(rho)
    m_sr, lo_sr, hi_sr = mean_ci(share_ratio)
    m_lr, lo_lr, hi_lr = mean_ci(loyalty_ratio)
    return Outcome(
        measured="shares " + ", ".join(f"{share[c].mean():.3f}" for c in order)
        + "; retention " + ", ".join(f"{kept[c].mean():.3f}" for c in order)
        + f"; rank corr {m_rho:.2f}",
        interval=f"rank corr {m_rho:.2f} [{lo_rho:.2f}, {hi_rho:.2f}]; smallest/largest: "
        f"buyers {m_sr:.2f} [{lo_sr:.2f}, {hi_sr:.2f}], retention {m_lr:.2f} "
        f"[{lo_lr:.2f}, {hi_lr:.2f}]",
        expected="rank correlation of share and retention > 0.5; smallest/largest retention "
        "ratio below 1 but well above the buyers ratio",
        passed=bool(lo_rho > 0.5 and hi_lr < 1.0 and lo_lr > hi_sr),
        numbers={"rank_corr": m_rho, "share_ratio": m_sr, "retention_ratio": m_lr},
    )


def _not_yet(reason: str):
    def check(settings: Settings) -> Outcome:
        raise NotImplementedError(reason)

    return check


# The remaining cases need the relationship mechanisms (issue 3) and firm programmes (issue 4).
case(
    "satisfied_defectors",
    title="Satisfied customers still defect; totally satisfied ones stay",
    claim="Most defectors call themselves satisfied, and 'totally satisfied' customers are much "
    "more likely to stay than 'merely satisfied' ones.",
    source="Jones & Sasser, 'Why Satisfied Customers Defect', *Harvard Business Review* (1995); "
    "seed texts 000, 002",
    scenario="Baseline-like market with a rival improving its offer; defectors split by their "
    "satisfaction with the firm they left.",
    pending=columns_present("satisfied_defectors"),
)(_not_yet("satisfied_defectors"))
case(
    "wom_asymmetry",
    title="Word-of-mouth asymmetry",
    claim="Dissatisfied customers tell about twice as many people as satisfied ones.",
    source="TARP (1986) as cited in the seed texts (003); Anderson, 'Customer Satisfaction and "
    "Word of Mouth', *Journal of Service Research* (1998)",
    scenario="One firm with a service failure; word-of-mouth contacts per dissatisfied vs per "
    "satisfied customer.",
    pending=columns_present("wom_positive", "wom_negative"),
)(_not_yet("wom_asymmetry"))
case(
    "complaint_recovery",
    title="Complaint recovery",
    claim="Complainers whose problem is recovered return far more often than silent "
    "dissatisfied customers (about 90 % when resolved at once).",
    source="TARP (1986) as cited in the seed texts (003); Hart, Heskett & Sasser, 'The Profitable "
    "Art of Service Recovery', *HBR* (1990)",
    scenario="Service failures at one firm; retention of recovered complainers vs silent "
    "dissatisfied customers.",
    pending=columns_present("recovered"),
)(_not_yet("complaint_recovery"))
case(
    "service_profit_chain",
    title="Service-profit chain",
    claim="Internal marketing → employee satisfaction → customer satisfaction → loyalty → "
    "profit, in that causal order.",
    source="Heskett, Jones, Loveman, Sasser & Schlesinger, 'Putting the Service-Profit Chain to "
    "Work', *HBR* (1994); seed texts 000, 003",
    scenario="An intervention run (internal marketing switched on at step 10) against a control "
    "with common random numbers; lagged correlations along the chain.",
    pending=columns_present("employee_satisfaction", "satisfaction", nonzero=("loyalty",)),
)(_not_yet("service_profit_chain"))
case(
    "expectation_spillover",
    title="Expectation spillover",
    claim="One firm's innovation raises customers' expectations and lowers the satisfaction of "
    "its rivals' customers.",
    source="Seed texts 001 (expectation spillover, service homogenisation), 003; Zeithaml, Berry "
    "& Parasuraman (1993)",
    scenario="One firm raises its service level at step 10; rivals' customers' satisfaction vs a "
    "control run with common random numbers.",
    pending=columns_present("satisfaction"),
)(_not_yet("expectation_spillover"))
