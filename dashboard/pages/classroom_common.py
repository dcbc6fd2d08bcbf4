"""Shared pieces of the classroom pages: the game server's store, charts and report tables.

The pages call ``sim.classroom.Classroom`` only; every secret is checked there, on the server.
The game file is ``$CVM_CLASSROOM_DB`` (default ``classroom.db`` in the folder the dashboard
was started from), so every browser connected to this server plays in the same games.
"""

from __future__ import annotations

import hmac
import os

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts
from sim.classroom import AccessDenied, Classroom, ClassroomError

DB_ENV = "CVM_CLASSROOM_DB"
#: The host password that creating a game from the dashboard needs (``cvm dashboard
#: --host-password-file FILE`` sets it from a file). Unset or empty: creation is switched off.
HOST_PASSWORD_ENV = "CVM_CLASSROOM_HOST_PASSWORD"


def db_path() -> str:
    """The game server's SQLite file."""
    return os.environ.get(DB_ENV, "classroom.db")


def host_password() -> str | None:
    """The configured host password, or None when creating games here is switched off."""
    return os.environ.get(HOST_PASSWORD_ENV) or None


def host_password_ok(given: str) -> bool:
    """Whether ``given`` is the host password (constant-time comparison; False if none is set)."""
    expected = host_password()
    return expected is not None and hmac.compare_digest(given.encode(), expected.encode())


def room() -> Classroom:
    """The classroom service over the server's game file."""
    return Classroom(db_path())


def show_error(exc: Exception) -> None:
    """A user mistake as a message (never a traceback)."""
    if isinstance(exc, AccessDenied):
        st.error(f"Access denied: {exc}")
    elif isinstance(exc, ClassroomError):
        st.error(str(exc))
    else:  # pragma: no cover - unexpected
        raise exc


def money(x) -> str:
    """Money with thousands separators, or a dash."""
    return "–" if x is None else f"{x:,.0f}"


def pct(x) -> str:
    """A share as a percentage, or a dash."""
    return "–" if x is None else f"{x:.1%}"


def num(x, digits: int = 2) -> str:
    """A number with fixed digits, or a dash."""
    return "–" if x is None else f"{x:.{digits}f}"


def market_table(report: dict) -> pd.DataFrame:
    """The public market report as a table (one row per firm)."""
    rows = [
        {"Firm": f["firm"], "Run by": f["team"] or "computer", "Price": num(f["price"]),
         "Perceived price": num(f.get("pp"), 3), "Perceived use value": num(f.get("puv"), 3),
         "Position": (f.get("clock_position") or "").replace("_", " "),
         "Share": pct(f.get("share")), "Customers": f.get("customers", "–")}
        for f in report["firms"]
    ]
    return pd.DataFrame(rows)


def matrix_chart(rows: list[dict], round_no: int | None = None,
                 title: str | None = None) -> alt.LayerChart:
    """The customer matrix of a game: the Explore page's chart, with rounds for steps.

    ``rows`` are per round and firm (``round``, ``firm``, ``pp``, ``puv``, ``share``): every
    round so far, so each firm's path is drawn and the axes — taken from every round, never
    narrower than the strategy clock's zones around the market average — stay put as the
    slider moves. Strategy-clock zones, the market-average cross, labels that step aside.
    """
    df = pd.DataFrame(rows)
    if df.empty or "pp" not in df:
        return charts.matrix_chart(pd.DataFrame(columns=["step", "firm", "pp", "puv"]))
    df = df.rename(columns={"round": "step"})
    if "step" not in df:
        df["step"] = 1
    order = list(dict.fromkeys(df["firm"]))
    chart = charts.matrix_chart(df, round_no, (), order, height=400)
    shown = int(df["step"].max()) if round_no is None else int(round_no)
    return chart.properties(title=title or f"Customer matrix, round {shown} (cross = market "
                            "average)")


def share_chart(history: list[dict]) -> alt.Chart:
    """Share per round and firm."""
    df = pd.DataFrame(history)
    return alt.Chart(df, title="Share of purchases by round").mark_line(point=True).encode(
        x=alt.X("round:O", title="Round"),
        y=alt.Y("share:Q", title="Share", axis=alt.Axis(format="%")),
        color=alt.Color("firm:N", title="Firm"),
    ).properties(height=260)


def segments_table(report: dict) -> pd.DataFrame:
    """Segment sizes and each firm's share within each segment."""
    rows = []
    for seg in report.get("segments", []):
        row = {"Segment": seg["segment"], "Customers": seg["customers"]}
        row.update({f"{firm} share": pct(s) for firm, s in seg["shares"].items()})
        rows.append(row)
    return pd.DataFrame(rows)


def show_market_report(report: dict) -> None:
    """The industry newspaper of one round."""
    if report["round"] == 0:
        st.info("No round has been closed yet. Starting offers:")
        st.table(pd.DataFrame([
            {"Firm": f["firm"], "Run by": f["team"] or "computer", "Price": num(f["price"]),
             **{d: num(v) for d, v in f["attributes"].items()}}
            for f in report["firms"]
        ]))
        return
    st.subheader(f"Market report — round {report['round']}")
    st.table(market_table(report))
    left, right = st.columns(2)
    left.altair_chart(matrix_chart(report["history"] or report["firms"], report["round"]),
                      width="stretch")
    if report["history"]:
        right.altair_chart(share_chart(report["history"]), width="stretch")
    if report.get("segments"):
        st.caption("Segments at the end of the round")
        st.table(segments_table(report))


def show_private_report(report: dict) -> None:
    """One team's own figures (only ever called with that team's report)."""
    if report["round"] == 0:
        st.info(f"No round closed yet. Cash: {money(report['cash'])}")
        return
    st.subheader(f"Private report of {report['team']} — round {report['round']}")
    pnl = report["pnl"]
    c = st.columns(4)
    c[0].metric("Profit (after research)", money(pnl.get("profit_after_research")))
    c[1].metric("Cash (after research)", money(report["cash_after_research"]))
    c[2].metric("Customers", report["customers"],
                delta=report["new_customers"] - report["lost_customers"])
    c[3].metric("Customer equity (lifetime value of all customers)", money(report["clv"]),
                help=f"Per customer: {num(report.get('clv_per_customer'))}")
    st.table(pd.DataFrame([
        {"Item": "Revenue", "Amount": money(pnl.get("revenue"))},
        {"Item": "Variable cost", "Amount": money(pnl.get("variable_cost"))},
        {"Item": "Fixed cost", "Amount": money(pnl.get("fixed_cost"))},
        {"Item": "Programmes (marketing)",
         "Amount": money(pnl.get("programme_spend", pnl.get("marketing_spend")))},
        {"Item": "Market research", "Amount": money(pnl.get("research_spend"))},
        {"Item": "Profit", "Amount": money(pnl.get("profit_after_research"))},
    ]))
    st.table(pd.DataFrame([{
        "Satisfaction": num(report["satisfaction"]), "Trust": num(report["trust"]),
        "Loyalty": num(report["loyalty"]), "Complaints": report["complaints"],
        "New customers": report["new_customers"], "Lost customers": report["lost_customers"],
    }]))
    if report["segments"]:
        st.caption("Your customers by segment")
        st.table(pd.DataFrame([
            {"Segment": s["segment"], "Customers": s["customers"], "Share": pct(s["share"]),
             "Satisfaction": num(s["satisfaction"])}
            for s in report["segments"]
        ]))
    if report.get("ladder"):
        st.caption("Relationship ladder (customers on each rung)")
        st.table(pd.DataFrame([{k: num(v, 0) for k, v in report["ladder"].items()}]))
    if report.get("relationships"):
        st.caption("Relationships and service")
        st.table(pd.DataFrame([{k.replace("_", " "): num(v) for k, v in
                                report["relationships"].items()}]))
    for study in report.get("research", []):
        with st.expander(f"Research: {study['kind'].replace('_', ' ')} "
                         f"(sample {study['sample']}, ± {study['margin_of_error']:.2f})"):
            st.json(study)
    if report.get("score"):
        st.caption(f"Scorecard: mean over rounds {num(report['score']['mean'], 3)}")
        st.table(pd.DataFrame(report["score"]["rounds"]))
