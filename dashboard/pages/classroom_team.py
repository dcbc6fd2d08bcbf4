"""Classroom — team: join with the game code and your team's secret, decide, read your reports.

Live checks (price range, how far attributes may move, budget) run as you type; the server
checks everything again when you submit. You can revise until the teacher closes the round.
"""

import streamlit as st

from dashboard.pages import classroom_common as common
from sim.classroom import AccessDenied, ClassroomError, ResearchOrder
from sim.classroom.engine import research_cost

st.title("Classroom — team")
room = common.room()


def join() -> None:
    """The join form; on success the team's secret stays in this browser session only."""
    with st.form("cr_join"):
        code = st.text_input("Game code", key="cr_join_code")
        secret = st.text_input("Team secret", type="password", key="cr_join_secret")
        if st.form_submit_button("Join"):
            try:
                team = room.login(code.strip(), secret)
                if team is None:
                    raise AccessDenied("that is the teacher's secret; use the teacher page")
            except (ClassroomError, AccessDenied) as exc:
                common.show_error(exc)
                return
            st.session_state["cr_team"] = (code.strip().upper(), secret.strip().upper())
            st.session_state["cr_role"] = "team"
            st.rerun()


auth = st.session_state.get("cr_team")
if not auth:
    st.write("Enter the game code and the secret your teacher gave your team.")
    join()
    st.stop()

game, secret = auth
try:
    view = room.team_view(game, secret)
except (ClassroomError, AccessDenied) as exc:
    common.show_error(exc)
    if st.button("Leave"):
        st.session_state.pop("cr_team", None)
        st.rerun()
    st.stop()

status = view["status"]
st.header(f"{view['team']} — you run {view['firm']}")
top = st.columns([3, 1, 1])
if status["finished"]:
    top[0].success(f"Game {game} is over: all {status['rounds']} rounds are closed.")
else:
    top[0].info(f"Game {game}: round {status['open_round']} of {status['rounds']} is open "
                f"({status['periods_per_round']} periods).")
if top[1].button("Refresh"):
    st.rerun()
if top[2].button("Leave game"):
    st.session_state.pop("cr_team", None)
    st.rerun()

decide_tab, market_tab, own_tab = st.tabs(["Decision", "Market report", "Our report"])


def decision_form() -> None:
    """The decision widgets with live checks, and the submit button."""
    limits, offer, budget = view["limits"], view["offer"], view["budget"]
    opened = set(limits["open_decisions"])
    pending = (view["pending"] or {}).get("decision", {})
    if view["pending"]:
        st.success(f"Decision submitted for round {status['open_round']} "
                   f"(revision {view['pending']['revisions']}); you can still revise it.")
    decision: dict = {}
    problems: list[str] = []
    low, high = limits["price"]
    if "price" in opened:
        price = st.number_input(
            f"Price (between {low:.2f} and {high:.2f})", value=float(pending.get("price", offer["price"])),
            step=0.05, format="%.2f", key=f"cr_price_{status['open_round']}",
        )
        if not low - 1e-9 <= price <= high + 1e-9:
            problems.append(f"Price must lie between {low:.2f} and {high:.2f}.")
        decision["price"] = price
    if "attributes" in opened:
        step = limits["max_attribute_change"]
        st.caption(f"Attribute levels (each may move at most {step:g} this round)")
        cols = st.columns(len(offer["attributes"]))
        changed = {}
        for col, (dim, level) in zip(cols, offer["attributes"].items(), strict=True):
            lo, hi = max(0.0, level - step), min(1.0, level + step)
            value = col.slider(dim, lo, hi, float(pending.get("attributes", {}).get(dim, level)),
                               0.01, key=f"cr_attr_{dim}_{status['open_round']}")
            if abs(value - level) > 1e-9:
                changed[dim] = value
        if changed:
            decision["attributes"] = changed
    programmes = offer.get("programmes", {})
    spend_cols = st.columns(3)
    for col, field, label in zip(
        spend_cols, ("internal_marketing", "advertising", "quality_investment"),
        ("Internal marketing per period", "Advertising per period", "Quality investment per period"),
        strict=True,
    ):
        if field in opened:
            current = float(pending.get(field, programmes.get(field, 0.0)) or 0.0)
            value = col.number_input(label, min_value=0.0, value=current, step=50.0,
                                     key=f"cr_{field}_{status['open_round']}")
            if abs(value - float(programmes.get(field, 0.0) or 0.0)) > 1e-9:
                decision[field] = value
    if "relationship_level" in opened:
        levels = ["(keep)", "basic", "reactive", "accountable", "proactive", "partnership"]
        chosen = st.selectbox("Relationship level", levels,
                              index=levels.index(pending.get("relationship_level", "(keep)")),
                              key=f"cr_level_{status['open_round']}")
        if chosen != "(keep)":
            decision["relationship_level"] = chosen
    research_cost_total = 0.0
    if "research" in opened:
        n = st.number_input("Market research studies to buy", 0, 5, len(pending.get("research", [])),
                            key=f"cr_nresearch_{status['open_round']}")
        orders = []
        for i in range(int(n)):
            c1, c2, c3 = st.columns(3)
            kind = c1.selectbox(f"Study {i + 1}", ["segment_survey", "competitor_benchmark",
                                                   "satisfaction_survey"],
                                key=f"cr_rkind_{i}_{status['open_round']}")
            segment = (c2.selectbox(f"Segment {i + 1}", limits["segments"],
                                    key=f"cr_rseg_{i}_{status['open_round']}")
                       if kind == "segment_survey" else None)
            sample = c3.number_input(f"Sample {i + 1}", 10, 5000, 100, step=10,
                                     key=f"cr_rsample_{i}_{status['open_round']}")
            order = {"kind": kind, "sample": int(sample)}
            if segment:
                order["segment"] = segment
            orders.append(order)
        if orders:
            decision["research"] = orders
            prices = room.info(game).settings.research
            research_cost_total = sum(
                research_cost(ResearchOrder.model_validate(o), prices) for o in orders
            )
    periods = status["periods_per_round"]
    spend = sum(decision.get(f, programmes.get(f, 0.0)) or 0.0
                for f in ("internal_marketing", "advertising", "quality_investment"))
    total = spend * periods + research_cost_total
    m = st.columns(3)
    m[0].metric("Spending this round", common.money(total))
    m[1].metric("Available", common.money(budget["available"]))
    m[2].metric("Cash", common.money(budget["cash"]))
    if total > budget["available"] + 1e-6:
        problems.append(f"This decision spends {total:,.0f} but you have "
                        f"{budget['available']:,.0f} available.")
    for problem in problems:
        st.warning(problem)
    if st.button("Submit decision", type="primary", disabled=bool(problems) or status["finished"]):
        try:
            stored = room.submit(game, secret, decision)
        except (ClassroomError, AccessDenied) as exc:
            common.show_error(exc)
            return
        st.session_state["cr_flash"] = (f"Decision stored for round {stored['round']} "
                                        f"(revision {stored['revision']}).")
        st.rerun()


with decide_tab:
    if flash := st.session_state.pop("cr_flash", None):
        st.success(flash)
    if status["finished"]:
        st.write("The game is over; no more decisions.")
    else:
        decision_form()

closed = status["round"]
with market_tab:
    chosen = st.number_input("Round", 0, closed, closed, key="cr_team_market_round") if closed else 0
    try:
        common.show_market_report(room.public_report(game, secret, int(chosen)))
    except (ClassroomError, AccessDenied) as exc:
        common.show_error(exc)

with own_tab:
    chosen = st.number_input("Round", 0, closed, closed, key="cr_team_own_round") if closed else 0
    try:
        common.show_private_report(room.private_report(game, secret, int(chosen)))
    except (ClassroomError, AccessDenied) as exc:
        common.show_error(exc)
