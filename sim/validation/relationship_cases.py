"""Relationship cases: double jeopardy, complaint recovery, the service-profit chain, spillover.

The published figures measured across shipped markets are in ``market_cases``. Each case that
needs a relationship mechanism reports ``pending`` until the model reports the columns it measures.
"""

from __future__ import annotations

import numpy as np
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
    # 0: the small brand's buyers are as loyal as the big one's; 1: loyalty falls as fast as
    # the number of buyers
    elasticity = float(np.mean(np.log(loyalty_ratio) / np.log(share_ratio)))
    return Outcome(
        measured="shares " + ", ".join(f"{share[c].mean():.3f}" for c in order)
        + "; retention " + ", ".join(f"{kept[c].mean():.3f}" for c in order)
        + f"; rank corr {m_rho:.2f}; loyalty gap / buyers gap (log ratio) {elasticity:.2f}",
        interval=f"rank corr {m_rho:.2f} [{lo_rho:.2f}, {hi_rho:.2f}]; smallest/largest: "
        f"buyers {m_sr:.2f} [{lo_sr:.2f}, {hi_sr:.2f}], retention {m_lr:.2f} "
        f"[{lo_lr:.2f}, {hi_lr:.2f}]",
        expected="rank correlation of share and retention > 0.5; smallest/largest retention "
        "ratio below 1 but well above the buyers ratio",
        passed=bool(lo_rho > 0.5 and hi_lr < 1.0 and lo_lr > hi_sr),
        numbers={"rank_corr": m_rho, "share_ratio": m_sr, "retention_ratio": m_lr,
                 "log_gap_ratio": elasticity},
    )


def _ratio_per_replicate(firms: pd.DataFrame, num: str, den: str, first_step: int = 1):
    """Σ num / Σ den over firms and steps (from ``first_step``), one value per replicate."""
    df = firms[firms["step"] >= first_step]
    sums = df.groupby("replicate")[[num, den]].sum()
    return (sums[num] / sums[den].where(sums[den] > 0)).to_numpy()


def complaint_market(settings: Settings) -> dict:
    """Three equal offers, every firm at the `accountable` level; two suffer a service failure."""
    return {
        "name": "validation: complaint recovery",
        "steps": 40,
        "market": {
            "customers": settings.customers,
            "dimensions": ["quality", "service"],
            "rationality": 8.0,
            "segments": [{"name": "everyone", "share": 1.0,
                          "weights": {"quality": 0.6, "service": 0.6}, "price_sensitivity": 1.2,
                          "heterogeneity": 0.2}],
        },
        "firms": [
            {"name": name, "price": 10.0, "attributes": {"quality": 0.65, "service": 0.65},
             "programmes": {"relationship_level": "accountable"}}
            for name in ("Able", "Baker", "Carter")
        ],
        "events": [
            {"at": 12, "type": "service_failure", "firm": "Able", "severity": 0.5, "duration": 4},
            {"at": 12, "type": "service_failure", "firm": "Baker", "severity": 0.5, "duration": 4},
        ],
    }


@case(
    "complaint_recovery",
    title="Complaint recovery",
    claim="Complainers whose problem is recovered return far more often than silent "
    "dissatisfied customers — about 90 % of them when the complaint is resolved at once.",
    source="TARP (1986) as cited in the seed texts (003); Hart, Heskett & Sasser, 'The Profitable "
    "Art of Service Recovery', *HBR* (1990)",
    scenario="Three equal offers, every firm at the `accountable` relationship level (easy "
    "complaining, good recovery), a four-step service failure at two of them from step 12, 40 "
    "steps: share of recovered complainers vs of unvoiced dissatisfied buyers who buy from the "
    "same firm at their next purchase.",
    pending=columns_present("recovered_returned", "recovered_followups", "unvoiced_returned",
                            "unvoiced_followups"),
)
def complaint_recovery(settings: Settings) -> Outcome:
    """Return rates of recovered complainers and of silent dissatisfied customers."""
    from sim import run_scenario

    firms = run_scenario(complaint_market(settings), replicates=settings.replicates,
                         seed=settings.seed).firms
    recovered = _ratio_per_replicate(firms, "recovered_returned", "recovered_followups")
    silent = _ratio_per_replicate(firms, "unvoiced_returned", "unvoiced_followups")
    defect_ratio = (1 - silent) / (1 - recovered)
    m_r, lo_r, hi_r = mean_ci(recovered)
    m_s, lo_s, hi_s = mean_ci(silent)
    m_d, lo_d, hi_d = mean_ci(defect_ratio)
    return Outcome(
        measured=f"recovered complainers return {m_r:.1%}, silent dissatisfied {m_s:.1%}: the "
        f"silent defect {m_d:.1f}× as often",
        interval=f"recovered {lo_r:.3f}–{hi_r:.3f}; silent {lo_s:.3f}–{hi_s:.3f}; defection "
        f"ratio {m_d:.2f} [{lo_d:.2f}, {hi_d:.2f}]",
        expected="recovered return rate above 80 % (the sources: about 90 %), and silent "
        "dissatisfied customers defect at least twice as often as recovered complainers",
        passed=bool(lo_r > 0.8 and lo_d > 2.0),
        numbers={"recovered_return": m_r, "silent_return": m_s, "defection_ratio": m_d},
    )


CHAIN = ("employee_satisfaction", "service_quality", "satisfaction", "loyalty", "profit")


def chain_market(settings: Settings, spend: float | None) -> dict:
    """Two equal firms; ``Alpha`` starts internal marketing at step 5 (``spend`` per step)."""
    scenario = {
        "name": "validation: service-profit chain",
        "steps": 40,
        "market": {
            "customers": settings.customers,
            "dimensions": ["quality", "service"],
            "segments": [{"name": "all", "share": 1.0,
                          "weights": {"quality": 0.5, "service": 0.7}, "price_sensitivity": 1.2}],
        },
        "firms": [
            {"name": name, "price": 10.0, "attributes": {"quality": 0.6, "service": 0.6}}
            for name in ("Alpha", "Beta")
        ],
    }
    if spend:
        scenario["events"] = [{"at": 5, "firm": "Alpha",
                               "set": {"programmes": {"internal_marketing": spend}}}]
    return scenario


@case(
    "service_profit_chain",
    title="Service-profit chain",
    claim="Internal marketing → employee satisfaction → service quality → customer "
    "satisfaction → loyalty → profit, in that causal order.",
    source="Heskett, Jones, Loveman, Sasser & Schlesinger, 'Putting the Service-Profit Chain to "
    "Work', *HBR* (1994); seed texts 000, 003",
    scenario="Two equal firms, 40 steps; intervention: Alpha spends 0.1 per customer per step "
    "on internal marketing from step 5; control: no spend; common random numbers. For each "
    "link, Alpha's treatment − control difference over the last 10 steps and the step at which "
    "it first moves (profit gross of the programme's own cost, i.e. the chain's return); "
    "lagged correlations of the difference series are reported.",
    pending=columns_present("employee_satisfaction", "service_quality", "satisfaction",
                            nonzero=("loyalty",)),
)
def service_profit_chain(settings: Settings) -> Outcome:
    """Intervention vs control: every link moves up, each no earlier than the one before."""
    from sim import run_scenario

    spend = 0.1 * settings.customers
    runs = {}
    for label, s in (("treated", spend), ("control", None)):
        firms = run_scenario(chain_market(settings, s), replicates=settings.replicates,
                             seed=settings.seed).firms
        alpha = firms[firms["firm"] == "Alpha"].copy()
        alpha["profit"] = alpha["profit"] + alpha["marketing_spend"]  # the chain's return
        runs[label] = alpha.set_index(["replicate", "step"])[list(CHAIN)]
    diff = (runs["treated"] - runs["control"]).groupby(level="step").mean()
    late = diff[diff.index > diff.index.max() - 10].mean()
    per_rep = (runs["treated"] - runs["control"])
    per_rep = per_rep[per_rep.index.get_level_values("step") > diff.index.max() - 10]
    finals = per_rep.groupby(level="replicate").mean()
    onset = {}
    for link in CHAIN:
        # common random numbers: before the intervention the difference is exactly zero, so
        # the first step it moves is when the effect arrives along the chain
        moved = diff.index[diff[link].abs() > 1e-9]
        onset[link] = int(moved.min()) if len(moved) else None
    ok = all(late[link] > 0 for link in CHAIN)
    intervals = []
    for link in CHAIN:
        m, lo, hi = mean_ci(finals[link])
        ok &= lo > 0
        intervals.append(f"{link} {m:+.4g} [{lo:+.4g}, {hi:+.4g}]")
    steps = [onset[link] for link in CHAIN]
    leads = _lead_lag(runs["treated"] - runs["control"])
    ordered = None not in steps and all(a <= b for a, b in zip(steps, steps[1:], strict=False))
    ordered = ordered and steps[0] < steps[-1]
    return Outcome(
        measured="treatment − control over the last 10 steps: "
        + ", ".join(f"{link} {late[link]:+.4g}" for link in CHAIN)
        + "; first moves at steps " + " → ".join(str(s) for s in steps)
        + "; lagged correlation, upstream leading / downstream leading: "
        + ", ".join(f"{a}→{b} {x:.2f}/{y:.2f}" for (a, b), (x, y) in leads.items()),
        interval="; ".join(intervals),
        expected="every difference > 0; each link first moves no earlier than the one before "
        "it, and profit after employee satisfaction",
        passed=bool(ok and ordered),
        numbers={"late_difference": late.to_dict(), "onset": onset,
                 "lead_lag": {f"{a}->{b}": v for (a, b), v in leads.items()}},
    )


def _lead_lag(diff: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    """Mean over replicates of corr(X(t−1), Y(t)) and corr(Y(t−1), X(t)) per chain link X → Y.

    Reported, not judged: on trending series a level correlation is a weak test of order (e.g.
    satisfaction jumps with the first better service and then fades as expectations catch up).
    """
    out = {}
    for x, y in zip(CHAIN, CHAIN[1:], strict=False):
        lead, lag = [], []
        for _, rep in diff.groupby(level="replicate"):
            a, b = rep[x].to_numpy(float), rep[y].to_numpy(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                lead.append(np.corrcoef(a[:-1], b[1:])[0, 1])
                lag.append(np.corrcoef(b[:-1], a[1:])[0, 1])
        out[(x, y)] = (float(np.nanmean(lead)), float(np.nanmean(lag)))
    return out


def spillover_market(settings: Settings, innovate: bool) -> dict:
    """Three brands; with ``innovate`` Brand1 raises its service level at step 10."""
    scenario = five_brand_market(settings)
    scenario["firms"] = scenario["firms"][:3]
    scenario["steps"] = 30
    if innovate:
        scenario["events"] = [{"at": 10, "firm": "Brand1",
                               "set": {"attributes": {"service": 0.9}}}]
    return scenario


@case(
    "expectation_spillover",
    title="Expectation spillover",
    claim="One firm's innovation raises customers' expectations and lowers the satisfaction of "
    "its rivals' customers, although the rivals changed nothing.",
    source="Seed texts 001 (expectation spillover, service homogenisation), 003; Zeithaml, Berry "
    "& Parasuraman, 'The Nature and Determinants of Customer Expectations of Service' (1993)",
    scenario="Three brands, mechanisms on, 30 steps; intervention: Brand1 raises service from "
    "0.5 to 0.9 at step 10; control: no change; common random numbers. Rivals' customers' mean "
    "satisfaction over steps 15–30, intervention − control.",
    pending=columns_present("satisfaction"),
)
def expectation_spillover(settings: Settings) -> Outcome:
    """Rivals' satisfaction after Brand1's innovation, against the control run."""
    from sim import run_scenario

    sat = {}
    for label, innovate in (("treated", True), ("control", False)):
        firms = run_scenario(spillover_market(settings, innovate),
                             replicates=settings.replicates, seed=settings.seed).firms
        rivals = firms[(firms["firm"] != "Brand1") & (firms["step"] >= 15)]
        sat[label] = rivals.groupby("replicate")["satisfaction"].mean()
    diff = (sat["treated"] - sat["control"]).to_numpy()
    m, lo, hi = mean_ci(diff)
    return Outcome(
        measured=f"rivals' customers' satisfaction {sat['treated'].mean():.3f} after the "
        f"innovation vs {sat['control'].mean():.3f} without: {m:+.3f}",
        interval=f"difference {m:+.4f} [{lo:+.4f}, {hi:+.4f}]",
        expected="difference < 0 (interval below zero)",
        passed=bool(hi < 0),
        numbers={"difference": m},
    )
