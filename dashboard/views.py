"""Streamlit building blocks shared by the pages.

Pick a scenario, edit its key parameters, and draw a run (matrix, shares, relationships,
ladder, money, segments) with numbers beside every chart. Pages stay thin by composing these;
charts come from ``dashboard.charts``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts, scenarios, tables
from dashboard.runs import RunView
from sim.scenario import Scenario, scenario_hash

# The Scenario editor's text, kept in plain session state (widget state is dropped when the
# user leaves the page) and offered as a source on the other pages.
EDITOR_KEY = "editor_saved"

PP_PUV_HELP = (
    "**Perceived price (PP)** is the price relative to what a customer expects to pay (their "
    "reference price), plus the time, effort and psychological cost of buying.\n\n"
    "**Perceived use value (PUV)** is what the offer is worth to the customer: the levels of "
    "the attributes they value, weighted by how much their segment values each. An attribute "
    "nobody in a segment values adds nothing for it.\n\n"
    "Net value = PUV − price sensitivity × PP. The strategy clock (Bowman) names a firm's "
    "position relative to the market average: within ±5% counts as standard."
)


# -- choosing a scenario ---------------------------------------------------------------------
def scenario_source(key: str) -> tuple[Scenario | None, str]:
    """Let the user pick a shipped scenario, upload one, or use the editor's text.

    Problems in an uploaded or edited scenario are shown as messages (never an exception box).

    Returns:
        ``(scenario or None, label)``.
    """
    options = ["Shipped scenario", "Upload a YAML file"]
    if st.session_state.get(EDITOR_KEY):
        options.append("From the scenario editor")
    source = st.radio("Scenario", options, horizontal=True, key=f"{key}_source")
    if source == "Shipped scenario":
        files = scenarios.shipped()
        if not files:
            st.error("No shipped scenarios were found.")
            return None, ""
        stem = st.selectbox("Shipped scenario", list(files), key=f"{key}_shipped",
                            format_func=lambda s: scenarios.shipped_title(files[s]))
        return _parsed(files[stem].read_text(encoding="utf-8"), files[stem].name)
    if source == "Upload a YAML file":
        upload = st.file_uploader("Scenario file (.yaml)", type=["yaml", "yml"], key=f"{key}_upload")
        if upload is None:
            st.info("Upload a scenario file to run it (`cvm validate` checks it the same way).")
            return None, ""
        try:
            text = upload.getvalue().decode("utf-8")
        except UnicodeDecodeError:
            st.error(f"{upload.name}: not a text file (not UTF-8).")
            return None, upload.name
        return _parsed(text, upload.name)
    return _parsed(st.session_state[EDITOR_KEY], "editor")


def _parsed(text: str, label: str) -> tuple[Scenario | None, str]:
    scenario, problems = scenarios.parse_text(text, label)
    if problems:
        show_problems(problems, f"{label} is not a valid scenario", text)
    return scenario, label


def show_problems(problems, title: str, text: str | None = None) -> None:
    """Problems as one readable error message, one line per problem.

    With the YAML ``text``, each located problem also quotes the line it points at.
    """
    source = text.splitlines() if text else []
    lines = []
    for p in problems:
        lines.append(f"- {scenarios.problem_text(p)}")
        if p.line is not None and 0 < p.line <= len(source) and source[p.line - 1].strip():
            lines.append(f"  `{p.line}: {source[p.line - 1].strip()[:100]}`")
    st.error(f"**{title}**\n\n" + "\n".join(lines))


def parameter_form(scenario: Scenario, key: str, submit_label: str = "Run simulation",
                   columns: int = 3):
    """Widgets for the scenario's key parameters, generated from the schema, in a form.

    Args:
        scenario: the scenario whose values the widgets start from.
        key: widget-key prefix (unique per page).
        submit_label: the run button's label.
        columns: widgets per row (1 in the sidebar).

    Returns:
        ``(scenario, submitted)``: the scenario with the user's values (or the unchanged one if
        they are invalid — the problems are shown), and whether the form was submitted.
    """
    data = scenario.model_dump(mode="json")
    edited = copy.deepcopy(data)
    # Widgets are keyed by the scenario too, so choosing another scenario starts from its values.
    wkey = f"{key}:{scenario_hash(scenario)[:10]}"
    with st.form(f"{key}_form"):
        cols = st.columns(columns)
        for i, path in enumerate(scenarios.GENERAL_FIELDS):
            with cols[i % columns]:
                _field_widget(edited, path, wkey)
        with st.expander("Firms: prices", expanded=False):
            fcols = st.columns(min(len(data["firms"]), columns + 1))
            for i, firm in enumerate(data["firms"]):
                with fcols[i % len(fcols)]:
                    _field_widget(edited, f"firms.{i}.price", wkey, label=f"{firm['name']}: price")
        with st.expander("Segments: price sensitivity", expanded=False):
            scols = st.columns(min(len(data["market"]["segments"]), columns + 1))
            for i, seg in enumerate(data["market"]["segments"]):
                with scols[i % len(scols)]:
                    _field_widget(edited, f"market.segments.{i}.price_sensitivity", wkey,
                                  label=f"{seg['name']}: price sensitivity")
        with st.expander("Mechanisms (switch off to see what each contributes)", expanded=False):
            mcols = st.columns(columns + 1)
            for i, path in enumerate(scenarios.mechanism_fields()):
                with mcols[i % len(mcols)]:
                    _field_widget(edited, path, wkey)
        submitted = st.form_submit_button(submit_label, type="primary")
    if edited == data:
        return scenario, submitted
    new, problems = scenarios.validate_data(edited, "parameters")
    if problems:
        show_problems(problems, "These parameter values are not valid; the scenario's own are used")
        return scenario, submitted
    return new, submitted


def _field_widget(data: dict, path: str, key: str, label: str | None = None) -> None:
    spec = scenarios.field_spec(path)
    value = scenarios.get_path(data, path)
    wkey = f"{key}:{path}"
    label = label or spec.label
    if spec.kind == "bool":
        new = st.checkbox(label, value=bool(value), help=spec.help or None, key=wkey)
    elif spec.kind == "int":
        new = st.number_input(label, value=int(value), step=1, help=spec.help or None, key=wkey,
                              min_value=None if spec.minimum is None else _js(spec.minimum),
                              max_value=None if spec.maximum is None else _js(spec.maximum))
    elif spec.kind == "float":
        lo = spec.minimum
        new = st.number_input(label, value=float(value), help=spec.help or None, key=wkey,
                              min_value=None if lo is None or spec.exclusive_min else float(lo),
                              max_value=None if spec.maximum is None else float(spec.maximum),
                              format="%.3f")
    else:
        return
    scenarios.set_path(data, path, new)


def _js(bound: float) -> int:
    """An integer bound a browser can represent exactly (JavaScript's safe-integer range)."""
    limit = 2**53 - 1
    return int(max(-limit, min(limit, bound)))


def run_or_message(scenario: Scenario, **kwargs) -> RunView | None:
    """``runs.cached_run``, but a scenario that cannot run gives a message, not a traceback."""
    from dashboard.runs import cached_run

    try:
        return cached_run(scenario, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a user's scenario must never show an exception box
        st.error(f"**{scenario.name} could not run.**\n\n{exc}")
        return None


# -- drawing a run ---------------------------------------------------------------------------
def chart_and_numbers(chart, numbers: pd.DataFrame | None, key: str, name: str,
                      formats: dict[str, str] | None = None, beside: bool = True,
                      ratio: tuple[float, float] = (3, 1.4)) -> None:
    """A chart with its numbers (so nobody has to hover) and export buttons.

    Args:
        chart: the Altair chart.
        numbers: the table shown with it (also offered as CSV).
        key: widget-key prefix.
        name: file name stem for the exports.
        formats: extra number formats for the table.
        beside: table to the right of the chart (False: below it, for wide small multiples).
        ratio: widths of chart and table when beside.
    """
    if beside:
        left, right = st.columns(list(ratio))
    else:
        left = st.container()
        right = st.columns([3, 1])[0]
    with left:
        st.altair_chart(chart, key=f"{key}_chart")
    with right:
        if numbers is not None and not numbers.empty:
            st.dataframe(style_numbers(numbers, formats), hide_index=True, key=f"{key}_numbers")
        export_buttons(chart, name, key, numbers)


def style_numbers(df: pd.DataFrame, formats: dict | None = None):
    """Readable number formats for the tables beside charts."""
    defaults = {"share": "{:.1%}", "change (pts)": "{:+.1f}", "profit": "{:,.0f}",
                "mean": tables.readable, "low": tables.readable, "high": tables.readable,
                "cash": "{:,.0f}", "loyalty": "{:.3f}", "satisfaction": "{:.3f}",
                "trust": "{:.3f}", "pp": "{:.3f}", "puv": "{:.3f}", "PP": "{:.3f}",
                "PUV": "{:.3f}", "price": "{:.2f}"}
    defaults.update(formats or {})
    return df.style.format({c: f for c, f in defaults.items() if c in df.columns}, na_rep="–")


def export_buttons(chart, name: str, key: str, table: pd.DataFrame | None = None) -> None:
    """PNG and SVG of a chart (made only when clicked) and the CSV of its table."""
    cols = st.columns(3)
    with cols[0]:
        st.download_button("PNG", data=_exporter(chart, "png"), file_name=f"{name}.png",
                           mime="image/png", key=f"{key}_png", on_click="ignore")
    with cols[1]:
        st.download_button("SVG", data=_exporter(chart, "svg"), file_name=f"{name}.svg",
                           mime="image/svg+xml", key=f"{key}_svg", on_click="ignore")
    if table is not None and not table.empty:
        with cols[2]:
            st.download_button("CSV", data=table.to_csv(index=False), file_name=f"{name}.csv",
                               mime="text/csv", key=f"{key}_csv", on_click="ignore")


def _exporter(chart: alt.TopLevelMixin, fmt: str) -> Callable[[], bytes]:
    return lambda: charts.chart_bytes(chart, fmt)


def render_run(run: RunView, key: str) -> None:
    """Every chart of a run, each with its numbers: the Explore and Results pages' body."""
    firms, segments = run.firms, run.segments
    if firms is None or firms.empty:
        st.info("This run has no rows yet.")
        return
    order = tables.firm_order(firms)
    segs = scenarios.segment_lines(run.scenario)
    replicates = int(firms["replicate"].nunique()) if "replicate" in firms.columns else 1
    if run.label:
        st.caption(run.label)

    st.subheader("The customer matrix", help=PP_PUV_HELP)
    matrix_section(firms, segs, order, key)

    st.subheader("Market share")
    numbers = tables.key_numbers(firms)[["firm", "share", "change (pts)", "position"]]
    chart_and_numbers(charts.share_chart(firms, order), numbers, f"{key}_share", "market_share")
    if replicates > 1:
        band = charts.band_chart(firms, "share", "Share of purchases", order, fmt=".0%")
        chart_and_numbers(band, tables.final_with_interval(firms, "share").rename(
            columns={"mean": "share"}), f"{key}_shareband", "market_share_bands",
            {"low": "{:.1%}", "high": "{:.1%}"})

    st.subheader("Satisfaction, trust and loyalty")
    rel = charts.metrics_chart(firms, ["satisfaction", "trust", "loyalty"],
                               "Customers' satisfaction, trust and loyalty (mean per firm)", order)
    if rel is not None:
        chart_and_numbers(rel, tables.metric_numbers(firms, ["satisfaction", "trust", "loyalty"]),
                          f"{key}_rel", "relationships", beside=False)

    ladder = charts.ladder_chart(firms, order=order)
    st.subheader("Relationship ladder")
    if ladder is None:
        st.caption("This run records no relationship ladder (no `ladder_*` columns).")
    else:
        lt = tables.ladder_table(firms).pivot_table(index="firm", columns="rung", values="fraction",
                                                    sort=False).reset_index()
        chart_and_numbers(ladder, lt, f"{key}_ladder", "relationship_ladder",
                          {c: "{:.0%}" for c in lt.columns if c != "firm"})

    st.subheader("Profit and cash")
    money = charts.metrics_chart(firms, ["profit", "cash"], "Profit per step and cash", order)
    if money is not None:
        chart_and_numbers(money, tables.metric_numbers(firms, ["profit", "cash"]),
                          f"{key}_money", "profit_cash", beside=False)

    st.subheader("Segments")
    if segments is None or segments.empty:
        st.caption("This run has no segments table.")
    else:
        seg = tables.segment_table(segments)
        wide = seg.pivot_table(index="segment", columns="firm", values="share", sort=False)
        wide = wide[[f for f in order if f in wide.columns]].reset_index()
        chart_and_numbers(charts.segment_chart(segments, order=order), wide, f"{key}_seg",
                          "segments", {c: "{:.0%}" for c in wide.columns if c != "segment"})

    with st.expander("Tables (CSV)"):
        # made when clicked: a run with many replicates has long tables
        st.download_button("firms.csv", lambda: firms.to_csv(index=False), "firms.csv",
                           "text/csv", key=f"{key}_firms_csv", on_click="ignore")
        st.download_button("segments.csv", lambda: segments.to_csv(index=False), "segments.csv",
                           "text/csv", key=f"{key}_segments_csv", on_click="ignore")
        st.dataframe(firms, hide_index=True, key=f"{key}_firms_table")


def matrix_section(firms: pd.DataFrame, segs, order, key: str) -> None:
    """The customer matrix with a step slider and play/pause, redrawn on its own (a fragment)."""
    steps = sorted(int(s) for s in firms["step"].unique())
    state_key = f"{key}_matrix_step"
    if st.session_state.get(state_key) not in steps:
        st.session_state[state_key] = steps[-1]

    playing = st.toggle("Play the steps", key=f"{key}_playing",
                        help="Animate the matrix step by step (pause by switching off)")

    @st.fragment(run_every=0.8 if playing and len(steps) > 1 else None)
    def body() -> None:
        if st.session_state.get(f"{key}_playing") and len(steps) > 1:
            i = steps.index(st.session_state[state_key])
            st.session_state[state_key] = steps[(i + 1) % len(steps)]
        if len(steps) > 1:
            st.select_slider("Step", options=steps, key=state_key)
        step = st.session_state[state_key]
        chart = charts.matrix_chart(firms, step, segs, order)
        now = tables.replicate_means(tables.step_slice(firms, step), ["price", "pp", "puv", "share"])
        pos = tables.key_numbers(firms, step)[["firm", "position"]]
        numbers = now.drop(columns="step").merge(pos, on="firm", how="left")
        numbers = numbers.set_index("firm").loc[[f for f in order if f in set(numbers["firm"])]]
        chart_and_numbers(chart, numbers.reset_index().drop(columns="price"), f"{key}_matrix",
                          f"customer_matrix_step{step}", ratio=(2.6, 1.8))

    body()


def render_sensitivity(table: pd.DataFrame, meta: dict, key: str) -> None:
    """A sensitivity result: what was analysed, the ranked effects chart and its numbers."""
    from sim.sensitivity_chart import effects, index_note, missing_note, missing_numbers

    method = meta["method"]
    output, firm = meta.get("output", "the output"), meta.get("firm", "the firm")
    facts = [f"**{meta['scenario']}**" if meta.get("scenario") else "",
             f"sensitivity of `{output}` of {firm}",
             "Morris" if method == "morris" else "Sobol'",
             f"{meta['runs']} runs" if meta.get("runs") else "",
             f"seed {meta['seed']}" if meta.get("seed") is not None else ""]
    st.markdown(" · ".join(f for f in facts if f))
    st.caption(index_note(method, output))
    data = effects(table, method)
    missing = missing_numbers(data)
    if missing:
        st.info(missing_note(missing))
    chart_and_numbers(charts.sensitivity_chart(table, meta), data.drop(columns="label"),
                      f"{key}_sensitivity", "sensitivity", formats={"value": tables.readable},
                      beside=False)
