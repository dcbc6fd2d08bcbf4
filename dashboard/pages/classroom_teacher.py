"""Classroom — teacher: create a game, hand out the secrets, watch submissions, close rounds, debrief.

The teacher's secret stays in this browser session; every action is checked on the server.
"""

import json
import time

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from dashboard import scenarios
from dashboard.decision_widgets import decision_widgets
from dashboard.pages import classroom_common as common
from sim.classroom import AccessDenied, ClassroomError, GameSettings
from sim.classroom.settings import DECISION_FIELDS
from sim.scenario import ScenarioError, load_scenario, validate_scenario

st.title("Classroom — teacher")
room = common.room()


def choose_scenario():
    """A shipped scenario or an uploaded YAML file (never an arbitrary path on the server)."""
    files = scenarios.shipped()
    source = st.radio("Scenario", ["Shipped scenario", "Upload a YAML file"], horizontal=True,
                      key="cr_source")
    if source == "Shipped scenario":
        default = list(files).index("classroom_starter") if "classroom_starter" in files else 0
        name = st.selectbox("Shipped scenario", list(files), index=default, key="cr_shipped",
                            format_func=lambda s: scenarios.shipped_title(files[s]))
        return load_scenario(files[name]) if name else None
    upload = st.file_uploader("Scenario file (YAML)", type=["yaml", "yml"], key="cr_upload")
    if upload is None:
        return None
    scenario, problems = scenarios.parse_text(upload.getvalue().decode("utf-8", "replace"),
                                              upload.name)
    for problem in problems:
        st.error(scenarios.problem_text(problem))
    return scenario


def create_form() -> None:
    """Create a game: scenario, teams, rounds, open decisions and scorecard weights.

    Only the host may create games: the form asks for the host password the dashboard was
    started with, so a visitor who reaches the page can join or open games but not make them.
    """
    if common.host_password() is None:
        st.info("Creating games here is switched off: no host password is set. Start the "
                "dashboard with `cvm dashboard --host-password-file FILE` (or set "
                f"`{common.HOST_PASSWORD_ENV}`), or create the game on the command line with "
                "`cvm classroom create`, then open it in the other tab.")
        return
    scenario = choose_scenario()
    if scenario is None:
        return
    firms = [f.name for f in scenario.firms]
    st.caption(f"{scenario.name}: firms {', '.join(firms)}. The first firms are run by teams, "
               "the others stay computer rivals with the scenario's strategies.")
    with st.form("cr_create"):
        c = st.columns(4)
        teams = c[0].number_input("Teams", 0, len(firms), min(2, len(firms)), key="cr_teams",
                                  help="0 = a demo against computer rivals only.")
        rounds = c[1].number_input("Rounds", 1, 60, 6, key="cr_rounds")
        periods = c[2].number_input("Periods per round", 1, 52, 4, key="cr_periods")
        customers = c[3].number_input("Customers", 100, 1_000_000,
                                      scenario.market.customers, step=500, key="cr_customers")
        cash = st.number_input("Starting cash per team (0 = the scenario's)", 0.0, 1e9, 0.0,
                               step=1000.0, key="cr_cash")
        opened = st.multiselect("Open decisions", list(DECISION_FIELDS),
                                default=list(DECISION_FIELDS), key="cr_open")
        st.caption("Scorecard weights (each round is scored on its own, then averaged)")
        w = st.columns(4)
        weights = {m: w[i].number_input(m, 0.0, 1.0, 0.25, 0.05, key=f"cr_w_{m}")
                   for i, m in enumerate(("profit", "share", "satisfaction", "clv"))}
        password = st.text_input("Host password", type="password", key="cr_host_password",
                                 help="The password the dashboard was started with.")
        submitted = st.form_submit_button("Create game")
    if not submitted:
        return
    if not common.host_password_ok(password):
        st.error("Access denied: wrong host password; no game was created.")
        return
    try:
        data = scenario.model_dump(mode="json")
        data["market"]["customers"] = int(customers)
        settings = GameSettings(
            teams=int(teams), rounds=int(rounds), periods_per_round=int(periods),
            starting_cash=float(cash) if cash else None, open_decisions=opened, scoring=weights,
        )
        created = room.create(validate_scenario(data), settings)
    except ScenarioError as exc:
        st.error(f"Invalid scenario:\n\n{exc}")
        return
    except ValidationError as exc:
        st.error("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
        return
    except (ClassroomError, AccessDenied) as exc:
        common.show_error(exc)
        return
    st.session_state["cr_teacher"] = (created["game"], created["teacher_secret"])
    st.session_state["cr_created"] = created
    st.session_state["cr_role"] = "teacher"
    st.rerun()


def open_form() -> None:
    """Open an existing game with its code and the teacher's secret."""
    with st.form("cr_open_game"):
        code = st.text_input("Game code", key="cr_open_code")
        secret = st.text_input("Teacher secret", type="password", key="cr_open_secret")
        if st.form_submit_button("Open game"):
            try:
                if room.login(code.strip(), secret) is not None:
                    raise AccessDenied("that is a team's secret; use the team page")
            except (ClassroomError, AccessDenied) as exc:
                common.show_error(exc)
                return
            st.session_state["cr_teacher"] = (code.strip().upper(), secret.strip().upper())
            st.session_state["cr_role"] = "teacher"
            st.rerun()


@st.fragment
def what_if(closed: int) -> None:
    """Re-run the game with one team's decision in one round replaced, from the team's form.

    The form is the team page's (``decision_widgets``), within the game's rules, starting from
    the decision the team played that round; the answer stays shown until the next Re-run.
    A fragment: its widgets and Re-run rerun only this part, not the debrief, reports and
    charts above it (a full rerun of the page took most of the time the answer took).
    """
    st.subheader("What if?")
    c = st.columns([2, 1])
    team = c[0].selectbox("Team to change", [s["team"] for s in view["submissions"]],
                           key="cr_wi_team")
    round_no = int(c[1].number_input("Round to change", 1, closed, 1, key="cr_wi_round"))
    if team is None:
        return
    ctx = room.what_if_view(game, secret, team, round_no)
    skip = st.checkbox("No decision that round (the team holds its previous offer)",
                       key="cr_wi_none")
    problems: list[str] = []
    decision = None
    if not skip:
        st.caption(f"{team}'s decision in round {round_no} instead of the one it played "
                   "(the form starts from that one).")
        form = decision_widgets(ctx["limits"], ctx["offer"], ctx["played"], ctx["periods"],
                                lambda name: f"cr_wi_{name}_{team}_{round_no}")
        decision, problems = form.decision, form.problems
        for problem in problems:
            st.warning(problem)
    if st.button("Re-run", key="cr_wi_go", type="primary", disabled=bool(problems)):
        started = time.perf_counter()
        try:
            table = room.counterfactual(game, secret, team, round_no, decision)
        except (ClassroomError, AccessDenied) as exc:
            common.show_error(exc)
            return
        asked = "no decision" if decision is None else json.dumps(decision)
        st.session_state["cr_wi_answer"] = (game, team, round_no, asked, table,
                                            time.perf_counter() - started)
    answer = st.session_state.get("cr_wi_answer")
    if answer and answer[0] == game:  # not another game's answer after switching games
        _, team, round_no, asked, table, seconds = answer
        st.markdown(f"**What if {team} had played `{asked}` in round {round_no}** "
                    f"(re-run in {seconds:.1f} s):")
        st.table(table[["round", "firm", "share_actual", "share_counterfactual",
                        "share_difference", "profit_actual", "profit_counterfactual",
                        "profit_difference"]].round(3))


auth = st.session_state.get("cr_teacher")
if not auth:
    new_tab, open_tab = st.tabs(["Create a game", "Open a game"])
    with new_tab:
        create_form()
    with open_tab:
        open_form()
    st.stop()

game, secret = auth
try:
    view = room.teacher_view(game, secret)
except (ClassroomError, AccessDenied) as exc:
    common.show_error(exc)
    st.session_state.pop("cr_teacher", None)
    st.stop()

created = st.session_state.get("cr_created")
if created and created["game"] == game:
    with st.expander("Secrets to hand out (shown only now — write them down)", expanded=True):
        st.markdown(f"Game code: **{game}**")
        st.markdown(f"Teacher secret: `{created['teacher_secret']}`")
        lines = ["| Team | Firm | Secret |", "|---|---|---|"]
        lines += [f"| {t['name']} | {t['firm']} | `{t['secret']}` |" for t in created["teams"]]
        st.markdown("\n".join(lines))
        st.download_button("Download as JSON", json.dumps(created, indent=2),
                           file_name=f"game-{game}-secrets.json")

closed, total = view["round"], view["rounds"]
st.header(f"Game {game} — {view['scenario']}")
c = st.columns([3, 1, 1, 1])
if view["finished"]:
    c[0].success(f"All {total} rounds are closed.")
else:
    n_sub = sum(s["submitted"] for s in view["submissions"])
    c[0].info(f"Round {closed + 1} of {total} is open: {n_sub} of {len(view['submissions'])} "
              "teams have submitted.")
if c[1].button("Refresh"):
    st.rerun()
if c[2].button(f"Close round {closed + 1}", type="primary", disabled=view["finished"]):
    try:
        with st.spinner("Advancing the market..."):
            done = room.close_round(game, secret)
        st.session_state["cr_teacher_flash"] = f"Round {done['round']} closed."
    except (ClassroomError, AccessDenied) as exc:
        common.show_error(exc)
    st.rerun()
if c[3].button("Log out"):
    for key in ("cr_teacher", "cr_created"):
        st.session_state.pop(key, None)
    st.rerun()
if flash := st.session_state.pop("cr_teacher_flash", None):
    st.success(flash)

subs_tab, market_tab, teams_tab, scores_tab, debrief_tab = st.tabs(
    ["Submissions", "Market report", "Team reports", "Scores", "Debrief"]
)

with subs_tab:
    st.table(pd.DataFrame([
        {"Team": s["team"], "Firm": s["firm"], "Submitted": "yes" if s["submitted"] else "no",
         "At": (s["submitted_at"] or "")[:19].replace("T", " "), "Revisions": s["revisions"],
         "Decision": json.dumps(s["decision"]) if s["decision"] else ""}
        for s in view["submissions"]
    ], columns=["Team", "Firm", "Submitted", "At", "Revisions", "Decision"]))

with market_tab:
    chosen = st.number_input("Round", 0, closed, closed, key="cr_t_round") if closed else 0
    common.show_market_report(room.public_report(game, secret, int(chosen)))

with teams_tab:
    names = [s["team"] for s in view["submissions"]]
    if names and closed:
        team = st.selectbox("Team", names, key="cr_t_team")
        common.show_private_report(room.private_report(game, secret, closed, team))
    else:
        st.write("Private reports appear here once a round is closed.")

with scores_tab:
    st.caption("Balanced scorecard: profit, share, satisfaction and customer lifetime value, "
               "rescaled within each round and averaged over rounds.")
    st.table(pd.DataFrame([
        {"Firm": s["firm"], "Team": s["team"] or "computer", "Score": f"{s['score']:.3f}",
         "Rounds": s["rounds"]}
        for s in view["scores"]
    ], columns=["Firm", "Team", "Score", "Rounds"]))

with debrief_tab:
    if not closed:
        st.write("The debrief is available once a round is closed.")
    elif st.toggle("Show the debrief", key="cr_debrief_on"):
        debrief = room.debrief(game, secret)
        shown = st.slider("Matrix at round", 1, closed, closed, key="cr_debrief_round")
        st.altair_chart(common.matrix_chart(debrief["matrix"], shown), width="stretch")
        for firm, lines in debrief["accounts"].items():
            st.subheader(debrief["team_of_firm"].get(firm, firm))
            for line in lines:
                st.write(line["text"])
        what_if(closed)
