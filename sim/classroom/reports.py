"""Round reports and the balanced scorecard, built from the replayed firms and segments tables.

The **public market report** is the industry newspaper: every firm's price, position on the
customer matrix (PP, PUV, clock label), share and customers, and the segments' sizes. The
**private report** is one team's own books and customers; nothing in it is ever put into
another team's report.

Scoring: each round, every firm's profit, share, satisfaction and customer lifetime value are
rescaled to [0, 1] across the firms of that round (best = 1, worst = 0), weighted by the
teacher's weights, and the game score is the *mean over rounds*, so one lucky round can add at
most 1/R to it.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.classroom.engine import round_of_step
from sim.classroom.settings import SCORE_METRICS, Scoring

# Own figures the model may report (shown in the private report when present).
RELATIONSHIP_FIGURES = (
    "retention", "share_of_wallet", "employee_satisfaction", "service_quality",
    "expected_quality", "perceived_quality", "quality_gap", "advertising_stock",
    "wom_positive", "wom_negative", "recovered", "satisfied_defectors",
)
DISCOUNT_PER_PERIOD = 0.01


def by_round(firms: pd.DataFrame, periods: int) -> pd.DataFrame:
    """One row per round × firm: flows summed over the round, stocks at the round's end."""
    df = firms.copy()
    df["round"] = ((df["step"] - 1) // periods + 1).astype(int)
    sums = ["profit", "revenue", "variable_cost", "fixed_cost", "marketing_spend", "complaints",
            "new_customers", "lost_customers", "units"]
    sums = [c for c in sums if c in df.columns]
    grouped = df.groupby(["round", "firm"], sort=False)
    out = grouped.last()
    out[sums] = grouped[sums].sum()
    out["share"] = grouped["share"].mean()
    out = out.reset_index()
    # The scorecard's CLV is customer equity: lifetime value of the whole customer base.
    if "clv" in out.columns:  # the model's mean CLV over current customers
        out["clv_per_customer"] = out["clv"]
        out["clv"] = out["clv"].fillna(0.0) * out["customers"]
    else:
        out["clv"] = _customer_equity(out, periods)
        out["clv_per_customer"] = out["clv"] / out["customers"].where(out["customers"] > 0)
    return out


def _customer_equity(rounds: pd.DataFrame, periods: int) -> pd.Series:
    """Customer lifetime value of the firm's customer base when the model gives none.

    Per customer: margin per period × (1 + d) / (1 + d − retention), retention being the share
    of customers kept per period over the round; times the number of customers. (The same
    formula as the model's customer-value mechanism, at firm level.)
    """
    margin = (rounds["price"] - rounds["unit_cost"]).clip(lower=0)
    base = (rounds["customers"] + rounds["lost_customers"] - rounds["new_customers"]).clip(lower=1)
    kept = (1 - rounds["lost_customers"] / base).clip(0, 1) ** (1 / periods)
    retention = kept.clip(upper=0.99)
    d = DISCOUNT_PER_PERIOD
    return rounds["customers"] * margin * (1 + d) / (1 + d - retention)


def scorecard(rounds: pd.DataFrame, weights: Scoring):
    """Per round × firm: the four metrics, their [0, 1] rescaling and the weighted round score.

    Args:
        rounds: ``by_round`` output (its profit is after research: the model books research).
        weights: the teacher's scorecard weights.
    """
    df = rounds[["round", "firm", "profit", "share", "satisfaction", "clv"]].copy()
    total_weight = sum(getattr(weights, m) for m in SCORE_METRICS)
    df["score"] = 0.0
    for metric in SCORE_METRICS:
        values = df[metric].astype(float)
        low = values.groupby(df["round"]).transform("min")
        high = values.groupby(df["round"]).transform("max")
        scaled = ((values - low) / (high - low)).where(high > low, 0.5).fillna(0.0)
        df[f"{metric}_points"] = scaled
        df["score"] += getattr(weights, metric) / total_weight * scaled
    return df


def totals(card: pd.DataFrame) -> pd.DataFrame:
    """Game score per firm: the mean of its round scores, best first."""
    out = card.groupby("firm", sort=False)["score"].mean().rename("score").reset_index()
    out["rounds"] = card.groupby("firm", sort=False)["round"].count().to_numpy()
    return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def public_report(rounds: pd.DataFrame, segments: pd.DataFrame, periods: int, round_no: int,
                  team_of_firm: dict[str, str]) -> dict[str, Any]:
    """The market report of ``round_no``: what every firm and every team may see."""
    now = rounds[rounds["round"] == round_no]
    firms = [
        {
            "firm": r.firm,
            "team": team_of_firm.get(r.firm),
            "price": _num(r.price),
            "pp": _num(r.pp),
            "puv": _num(r.puv),
            "clock_position": r.clock_position,
            "share": _num(r.share),
            "customers": int(r.customers),
        }
        for r in now.itertuples()
    ]
    seg = segments.copy()
    seg["round"] = [round_of_step(s, periods) for s in seg["step"]]
    last_step = int(seg.loc[seg["round"] == round_no, "step"].max()) if len(seg) else None
    seg_now = seg[seg["step"] == last_step]
    segment_rows = []
    for name, g in seg_now.groupby("segment", sort=False):
        segment_rows.append({
            "segment": name,
            "customers": int(g["customers"].sum()),
            "shares": {f: _num(s) for f, s in zip(g["firm"], g["share"], strict=True)},
        })
    history = [
        {"round": int(r.round), "firm": r.firm, "share": _num(r.share), "price": _num(r.price),
         "pp": _num(r.pp), "puv": _num(r.puv), "clock_position": r.clock_position}
        for r in rounds[rounds["round"] <= round_no].itertuples()
    ]
    return {"round": round_no, "firms": firms, "segments": segment_rows, "history": history}


def private_report(rounds: pd.DataFrame, segments: pd.DataFrame, periods: int, round_no: int,
                   firm: str, research_spend: dict, research: list[dict],
                   card: pd.DataFrame | None = None) -> dict[str, Any]:
    """One team's own figures for ``round_no``: P&L, cash, customers, satisfaction, CLV.

    The model books research as marketing spend of the round's first period, so ``profit``
    and ``cash`` are after research; the P&L splits it out of ``marketing_spend`` as
    ``research_spend`` (programmes are the rest). ``profit_after_research`` and
    ``cash_after_research`` remain, equal to ``profit`` and ``cash``.
    """
    mine = rounds[rounds["firm"] == firm]
    spent = {int(r): v for (r, f), v in research_spend.items() if f == firm}
    row = mine[mine["round"] == round_no].iloc[0]
    pnl = {
        k: _num(row[k])
        for k in ("revenue", "variable_cost", "fixed_cost", "marketing_spend", "profit")
        if k in row
    }
    pnl["research_spend"] = float(spent.get(round_no, 0.0))
    if pnl.get("marketing_spend") is not None:
        pnl["programme_spend"] = pnl["marketing_spend"] - pnl["research_spend"]
    pnl["profit_after_research"] = pnl.get("profit")
    seg = segments[(segments["firm"] == firm)].copy()
    seg = seg[[round_of_step(s, periods) == round_no for s in seg["step"]]]
    seg_last = seg[seg["step"] == seg["step"].max()] if len(seg) else seg
    report = {
        "round": round_no,
        "firm": firm,
        "pnl": pnl,
        "cash": _num(row["cash"]),
        "cash_after_research": _num(row["cash"]),
        "customers": int(row["customers"]),
        "new_customers": int(row["new_customers"]),
        "lost_customers": int(row["lost_customers"]),
        "satisfaction": _num(row["satisfaction"]),
        "trust": _num(row["trust"]),
        "loyalty": _num(row["loyalty"]),
        "complaints": int(row["complaints"]),
        "clv": _num(row["clv"]),
        "clv_per_customer": _num(row["clv_per_customer"]),
        "segments": [
            {"segment": r.segment, "customers": int(r.customers), "share": _num(r.share),
             "satisfaction": _num(r.satisfaction)}
            for r in seg_last.itertuples()
        ],
        "ladder": {c.removeprefix("ladder_"): _num(row[c]) for c in rounds.columns
                   if c.startswith("ladder_")},
        "relationships": {c: _num(row[c]) for c in RELATIONSHIP_FIGURES if c in rounds.columns},
        "research": research,
        "history": [
            {"round": int(r.round), "profit": _num(r.profit), "cash": _num(r.cash),
             "share": _num(r.share), "customers": int(r.customers),
             "satisfaction": _num(r.satisfaction), "research_spend": float(spent.get(int(r.round), 0.0))}
            for r in mine[mine["round"] <= round_no].itertuples()
        ],
    }
    if card is not None:
        mine_card = card[(card["firm"] == firm) & (card["round"] <= round_no)]
        report["score"] = {
            "rounds": [
                {"round": int(r.round), "score": _num(r.score),
                 **{m: _num(getattr(r, f"{m}_points")) for m in SCORE_METRICS}}
                for r in mine_card.itertuples()
            ],
            "mean": _num(mine_card["score"].mean()) if len(mine_card) else None,
        }
    return report


def _num(value) -> float | None:
    """A JSON-safe float (None for NaN)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


__all__ = [
    "by_round", "private_report", "public_report", "scorecard", "totals",
]
