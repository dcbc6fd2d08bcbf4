"""Play and intervene: step the market, move a firm's offer by hand, undo to an earlier step."""

import streamlit as st

from dashboard import charts, scenarios, tables, views
from dashboard.decision_widgets import research_widgets, section_widgets
from dashboard.play import PlaySession, programme_changes, programme_controls, with_human_firms
from sim.classroom.settings import SECTION_FIELDS

st.title("Play and intervene")
st.caption("Step the market period by period, change a firm's offer by hand and watch customers "
           "respond. Undo rebuilds any earlier step exactly from the seed and your moves.")

scenario, label = views.scenario_source("play")
session: PlaySession | None = st.session_state.get("play_session")

if scenario is not None:
    with st.form("play_setup"):
        c1, c2, c3 = st.columns([2, 1, 1])
        mine = c1.multiselect("Firms you control", [f.name for f in scenario.firms],
                              default=[scenario.firms[0].name], key="play_mine",
                              help="They hold their offer unless you move them (the `human` "
                              "strategy); the other firms follow their scenario strategies.")
        customers = c2.number_input(
            scenarios.field_spec("market.customers").label, 100, 1_000_000,
            min(scenario.market.customers, 3000), step=500, key="play_customers",
            help=scenarios.field_spec("market.customers").help or None)
        seed = c3.number_input(scenarios.field_spec("seed").label, 0, 2**31 - 1,
                               int(scenario.seed), key="play_seed")
        start = st.form_submit_button("Start a new game", type="primary")
    if start or session is None:
        data = scenario.model_dump(mode="json")
        data["market"]["customers"] = int(customers)
        sized, problems = scenarios.validate_data(data, label)
        if problems:
            views.show_problems(problems, "Cannot start")
        else:
            try:
                session = PlaySession(with_human_firms(sized, mine), seed=int(seed))
                st.session_state["play_session"] = session
            except Exception as exc:  # noqa: BLE001 - a user's scenario must not crash the page
                st.error(f"**{sized.name} could not start.**\n\n{exc}")



def _session() -> PlaySession:
    return st.session_state["play_session"]


def _safely(action):
    """A button callback that reports a failure as a message instead of an exception box."""
    def run() -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001
            st.session_state["play_note"] = ("error", f"That did not work: {exc}")
    return run


def _prog_key(firm: str, control, step: int) -> str:
    return f"play_prog_{firm}_{control.name}_{control.dimension or ''}_{step}"


def _hand_in(firm: str, offer: dict, sections: dict, research: list[dict]) -> None:
    """Button callback: hand in what changed in the move widgets (runs before the page).

    ``sections`` are the service-programme sections (promise, participation, targeting) and
    ``research`` the studies the player set, as the shared decision widgets returned them on
    the page's last run.
    """
    step = _session().step
    price = st.session_state[f"play_price_{firm}_{step}"]
    levels = {d: st.session_state[f"play_level_{firm}_{d}_{step}"] for d in offer["attributes"]}
    controls = programme_controls(offer["programmes"], list(offer["attributes"]))
    progs = programme_changes(controls, [st.session_state[_prog_key(firm, c, step)]
                                         for c in controls])
    progs.update({name: section for name, section in sections.items()
                  if section != offer["programmes"].get(name)})
    changed = {d: v for d, v in levels.items() if abs(v - offer["attributes"][d]) > 1e-9}
    new_price = price if abs(price - offer["price"]) > 1e-9 else None
    if new_price is None and not changed and not progs and not research:
        st.session_state["play_note"] = ("info", "Nothing changed: move a price, level or "
                                         "programme first.")
        return
    _session().move(firm, new_price, changed or None, progs or None, research)
    st.session_state["play_note"] = ("success", f"{firm}'s move is handed in; it takes effect "
                                     f"in step {step + 1}.")


if session is not None:
    st.markdown(f"**{session.scenario.name}**, seed {session.seed}: **{session.step} steps** "
                f"played of {session.scenario.steps} planned.")
    b1, b2, b3, b4 = st.columns(4)
    b1.button("Step 1", key="play_step1", on_click=_safely(lambda: _session().advance(1)))
    b2.button("Step 5", key="play_step5", on_click=_safely(lambda: _session().advance(5)))
    b3.button("To the planned end", key="play_end", disabled=session.step >= session.scenario.steps,
              on_click=_safely(lambda: _session().advance(_session().scenario.steps
                                                         - _session().step)))
    with b4.popover("Undo", disabled=session.step == 0):
        st.number_input("Back to step", 0, max(session.step, 0), max(session.step - 1, 0),
                        key="play_undo_step")
        st.button("Undo to this step", key="play_undo",
                  on_click=_safely(lambda: _session().undo_to(
                      int(st.session_state["play_undo_step"]))))

    with st.expander("Move a firm's offer", expanded=True):
        firm = st.selectbox("Firm", session.firm_names, key="play_firm")
        offer = session.offer(firm)
        cols = st.columns(1 + len(offer["attributes"]))
        cols[0].number_input(scenarios.field_spec("firms.0.price").label, min_value=0.01,
                             value=offer["price"], step=0.1, key=f"play_price_{firm}_{session.step}")
        for i, (dim, level) in enumerate(offer["attributes"].items(), start=1):
            cols[i].slider(dim, 0.0, 1.0, float(level), 0.01,
                           key=f"play_level_{firm}_{dim}_{session.step}")
        controls = programme_controls(offer["programmes"], list(offer["attributes"]))
        if controls:
            st.caption("Programmes (spend per step; effects build up over time)")
            pcols = st.columns(4)
            for i, c in enumerate(controls):
                with pcols[i % 4]:
                    if c.kind == "number":
                        st.number_input(c.label, min_value=0.0, value=float(c.value), step=50.0,
                                        help=c.help or None, key=_prog_key(firm, c, session.step))
                    else:
                        st.selectbox(c.label, list(c.options), index=list(c.options).index(c.value)
                                     if c.value in c.options else 0, help=c.help or None,
                                     format_func=lambda o: "default" if o is None else str(o),
                                     key=_prog_key(firm, c, session.step))
        st.caption("Service programmes (each replaces the firm's whole section)")
        sections, problems = {}, []
        for name in SECTION_FIELDS:
            section, trouble = section_widgets(
                name, offer["programmes"].get(name), None, list(offer["attributes"]),
                lambda field: f"play_{firm}_{field}_{session.step}")
            problems += trouble
            if section is not None:
                sections[name] = section
        for problem in problems:
            st.warning(problem)
        st.caption("Market research (answered now from the market; paid in the next step)")
        research = research_widgets([s.name for s in session.scenario.market.segments], [],
                                    lambda field: f"play_{firm}_{field}_{session.step}")
        st.button("Hand in this move", key="play_move", type="primary", disabled=bool(problems),
                  on_click=_safely(lambda: _hand_in(firm, offer, sections, research)))
        kind, note = st.session_state.pop("play_note", (None, None))
        if kind == "success":
            st.success(note)
        elif kind == "error":
            st.error(note)
        elif kind == "info":
            st.info(note)
        if not session.moves_table().empty:
            st.dataframe(session.moves_table(), hide_index=True, key="play_moves")
        for found in reversed(session.findings):
            with st.expander(f"Research for {found['firm']} after step {found['after step']}: "
                             f"{found['kind'].replace('_', ' ')} (cost {found['cost']:,.0f})"):
                st.json(found)

    firms = session.firms_frame()
    if firms.empty:
        st.info("Press **Step 1** to play the first period.")
    else:
        order = tables.firm_order(firms)
        segs = scenarios.segment_lines(session.scenario)
        numbers = tables.key_numbers(firms)
        views.chart_and_numbers(charts.matrix_chart(firms, None, segs, order),
                                numbers[[c for c in ("firm", "share", "position", "profit")
                                         if c in numbers.columns]], "play_matrix", "play_matrix")
        views.chart_and_numbers(charts.share_chart(firms, order),
                                numbers[["firm", "share", "change (pts)"]], "play_share", "play_share")
        money = charts.metrics_chart(firms, ["profit", "cash"], "Profit per step and cash", order)
        if money is not None:
            views.chart_and_numbers(money, tables.metric_numbers(firms, ["profit", "cash"]),
                                    "play_money", "play_money", beside=False)
