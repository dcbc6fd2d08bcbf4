"""Pure data shaping for the dashboard: tidy run tables in, small tidy tables out.

No Streamlit here: every function takes pandas DataFrames (the ``firms`` and ``segments`` tables
of a run, see CONTRACT.md) and returns DataFrames, so the charts and the numbers shown next to
them are computed once and tested without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

# Plain words for each strategy-clock position (Bowman), numbered as on the clock face.
CLOCK_NAMES = {
    "low_price_low_value": "1 low price, low value",
    "low_price": "2 low price",
    "hybrid": "3 hybrid",
    "differentiation": "4 differentiation",
    "focused_differentiation": "5 focused differentiation",
    "higher_price_standard_value": "6 higher price, standard value (fails)",
    "higher_price_low_value": "7 higher price, low value (fails)",
    "low_value_standard_price": "8 low value, standard price (fails)",
    "centre": "centre (market average)",
}

# Rungs of the relationship ladder, bottom to top; firms tables carry them as ``ladder_<rung>``.
LADDER_RUNGS = ("prospect", "customer", "client", "supporter", "advocate", "partner")

Z95 = 1.959963984540054


def readable(value: float) -> str:
    """A number as a person reads it: thousands separated, decimals only where they matter."""
    if value is None or not math.isfinite(value):
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def clock_name(label: str) -> str:
    """Plain-words name of a strategy-clock label (unknown labels pass through)."""
    return CLOCK_NAMES.get(str(label), str(label))


def firm_order(firms: pd.DataFrame) -> list[str]:
    """Firm names in order of first appearance (scenario order; entrants last)."""
    if firms is None or firms.empty or "firm" not in firms:
        return []
    if "step" in firms.columns:
        firms = firms.sort_values(["step"], kind="stable")
    return list(pd.unique(firms["firm"]))


def has_columns(df: pd.DataFrame, *columns: str) -> bool:
    """True when every named column exists and holds at least one number."""
    return all(c in df.columns and df[c].notna().any() for c in columns)


def replicate_means(df: pd.DataFrame, columns: Sequence[str], by: Sequence[str] = ("step", "firm")):
    """Mean over replicates of ``columns`` per ``by`` group (columns that are absent are skipped)."""
    cols = [c for c in columns if c in df.columns]
    if df.empty:
        return pd.DataFrame(columns=[*by, *cols])
    return df.groupby(list(by), sort=False)[cols].mean().reset_index()


def bands(df: pd.DataFrame, metric: str, by: Sequence[str] = ("step", "firm")) -> pd.DataFrame:
    """Mean and 95% interval (normal approximation) over replicates of ``metric`` per group.

    Returns:
        Columns ``*by, mean, low, high, n``; with a single replicate low = high = mean.
    """
    if metric not in df.columns or df.empty:
        return pd.DataFrame(columns=[*by, "mean", "low", "high", "n"])
    g = df.groupby(list(by), sort=False)[metric]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    half = Z95 * out["sd"].fillna(0.0) / np.sqrt(out["n"].clip(lower=1))
    out["low"] = out["mean"] - half
    out["high"] = out["mean"] + half
    return out.drop(columns="sd")


def step_slice(firms: pd.DataFrame, step: int | None = None) -> pd.DataFrame:
    """Rows of one step (default the last)."""
    if firms.empty:
        return firms
    step = int(firms["step"].max()) if step is None else int(step)
    return firms[firms["step"] == step]


def market_average(firms: pd.DataFrame, step: int | None = None) -> tuple[float, float]:
    """The clock's reference point at a step: unweighted mean over firms of mean PP and PUV."""
    means = replicate_means(step_slice(firms, step), ["pp", "puv"])
    if means.empty:
        return math.nan, math.nan
    return float(means["pp"].mean()), float(means["puv"].mean())


def key_numbers(firms: pd.DataFrame, step: int | None = None) -> pd.DataFrame:
    """The numbers a reader should not have to hover for: one row per firm at ``step``.

    Columns: firm, share (mean over replicates), share change since the first step (in
    percentage points), position on the strategy clock (plain words, most frequent over
    replicates), and, where present, profit, cash and loyalty.
    """
    if firms.empty:
        return pd.DataFrame(columns=["firm", "share", "change (pts)", "position"])
    now = step_slice(firms, step)
    first = firms[firms["step"] == firms["step"].min()]
    order = firm_order(firms)
    cols = [c for c in ("share", "profit", "cash", "loyalty") if c in firms.columns]
    cur = now.groupby("firm")[cols].mean()
    start = first.groupby("firm")["share"].mean() if "share" in firms.columns else None
    rows = []
    for name in order:
        if name not in cur.index:
            continue
        row = {"firm": name}
        if "share" in cur.columns:
            row["share"] = float(cur.at[name, "share"])
            s0 = start.get(name, 0.0) if start is not None else 0.0
            row["change (pts)"] = 100.0 * (row["share"] - float(s0))
        if "clock_position" in now.columns:
            labels = now.loc[now["firm"] == name, "clock_position"]
            row["position"] = clock_name(labels.mode().iat[0]) if len(labels) else ""
        for c in ("profit", "cash", "loyalty"):
            if c in cur.columns:
                row[c] = float(cur.at[name, c])
        rows.append(row)
    return pd.DataFrame(rows)


def metric_numbers(firms: pd.DataFrame, metrics: Sequence[str], step: int | None = None):
    """Final (or ``step``) mean of each present metric per firm, firms in scenario order."""
    present = [m for m in metrics if m in firms.columns]
    if firms.empty or not present:
        return pd.DataFrame(columns=["firm", *present])
    cur = step_slice(firms, step).groupby("firm")[present].mean()
    order = [f for f in firm_order(firms) if f in cur.index]
    return cur.loc[order].reset_index()


def ladder_columns(firms: pd.DataFrame) -> list[str]:
    """The ``ladder_<rung>`` columns present, bottom rung first (unknown rungs after)."""
    cols = [c for c in firms.columns if c.startswith("ladder_")]
    known = [f"ladder_{r}" for r in LADDER_RUNGS if f"ladder_{r}" in cols]
    return known + sorted(set(cols) - set(known))


def ladder_table(firms: pd.DataFrame, step: int | None = None,
                 prospects: bool = True) -> pd.DataFrame:
    """Long table ``firm, rung, customers, fraction`` of the ladder at ``step`` (empty if absent).

    With ``prospects=False`` the bottom rung (people who merely know the firm) is left out, so
    the fractions describe the firm's actual relationships.
    """
    cols = ladder_columns(firms)
    if not prospects:
        cols = [c for c in cols if c != "ladder_prospect"]
    if not cols or firms.empty:
        return pd.DataFrame(columns=["firm", "rung", "rung_rank", "customers", "fraction"])
    cur = replicate_means(step_slice(firms, step), cols, by=("firm",))
    long = cur.melt(id_vars="firm", value_vars=cols, var_name="rung", value_name="customers")
    long["rung_rank"] = long["rung"].map({c: i for i, c in enumerate(cols)})
    long["rung"] = long["rung"].str.removeprefix("ladder_")
    total = long.groupby("firm")["customers"].transform("sum")
    long["fraction"] = np.where(total > 0, long["customers"] / total.where(total > 0, 1), 0.0)
    return long


def segment_table(segments: pd.DataFrame, step: int | None = None) -> pd.DataFrame:
    """Who buys from whom at ``step``: mean buyers and share per segment × firm."""
    if segments is None or segments.empty:
        return pd.DataFrame(columns=["segment", "firm", "buyers", "share"])
    cur = step_slice(segments, step)
    cols = [c for c in ("buyers", "customers", "share", "satisfaction") if c in cur.columns]
    return cur.groupby(["segment", "firm"], sort=False)[cols].mean().reset_index()


def final_with_interval(firms: pd.DataFrame, metric: str, by: Sequence[str] = ("firm",)):
    """Final-step mean and 95% interval over replicates of ``metric`` per ``by`` group."""
    last = step_slice(firms)
    return bands(last, metric, by=by)


def verdict(runs: pd.DataFrame, metrics: Sequence[str] = ("share", "profit", "loyalty"),
            firm: str | None = None) -> pd.DataFrame:
    """Which variant wins on each metric, with 95% intervals.

    Args:
        runs: firms tables of several runs stacked, with a ``variant`` column.
        metrics: metrics to judge (absent ones are skipped).
        firm: judge this firm's results; default each variant's whole market is not meaningful,
            so the first firm is used.

    Returns:
        One row per metric: the winning variant, its mean and interval, the runner-up and
        whether the two intervals overlap ("clear" when they do not).
    """
    if runs.empty:
        return pd.DataFrame(columns=["metric", "winner", "mean", "95% interval", "runner-up",
                                     "runner-up mean", "verdict"])
    firm = firm or firm_order(runs)[0]
    mine = runs[runs["firm"] == firm]
    last = mine[mine["step"] == mine.groupby("variant")["step"].transform("max")]
    rows = []
    for metric in metrics:
        if metric not in last.columns:
            continue
        b = bands(last, metric, by=("variant",)).sort_values("mean", ascending=False)
        if b.empty:
            continue
        top = b.iloc[0]
        row = {"metric": metric, "winner": top["variant"], "mean": top["mean"],
               "95% interval": f"{readable(top['low'])} to {readable(top['high'])}"}
        if len(b) > 1:
            second = b.iloc[1]
            row["runner-up"] = second["variant"]
            row["runner-up mean"] = second["mean"]
            overlap = second["high"] >= top["low"]
            single = int(b["n"].min()) < 2
            row["verdict"] = ("one replicate: no interval" if single
                              else "not distinguishable (intervals overlap)" if overlap
                              else "clear winner")
        else:
            row.update({"runner-up": "", "runner-up mean": math.nan, "verdict": "only variant"})
        rows.append(row)
    return pd.DataFrame(rows)
