"""Classroom — team: join with the game code and your team's secret, decide, read your reports.

Live checks (price range, how far attributes may move, budget) run as you type; the server
checks everything again when you submit. You can revise until the teacher closes the round.
"""

import streamlit as st

from dashboard.decision_widgets import decision_widgets
from dashboard.pages import classroom_common as common
from sim.classroom import AccessDenied, ClassroomError

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
    """The decision widgets (shared with the teacher's what-if) with live checks, and submit."""
    budget, open_round = view["budget"], status["open_round"]
    pending = (view["pending"] or {}).get("decision", {})
    if view["pending"]:
        st.success(f"Decision submitted for round {open_round} "
                   f"(revision {view['pending']['revisions']}); you can still revise it.")
    form = decision_widgets(view["limits"], view["offer"], pending, status["periods_per_round"],
                            lambda name: f"cr_{name}_{open_round}")
    problems = list(form.problems)
    m = st.columns(3)
    m[0].metric("Spending this round", common.money(form.spending))
    m[1].metric("Available", common.money(budget["available"]))
    m[2].metric("Cash", common.money(budget["cash"]))
    if form.spending > budget["available"] + 1e-6:
        problems.append(f"This decision spends {form.spending:,.0f} but you have "
                        f"{budget['available']:,.0f} available.")
    for problem in problems:
        st.warning(problem)
    if st.button("Submit decision", type="primary", disabled=bool(problems) or status["finished"]):
        try:
            stored = room.submit(game, secret, form.decision)
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
