"""Compare: strategies or scenarios side by side over replicates, with 95% bands and a verdict."""

import pandas as pd
import streamlit as st

from dashboard import charts, compare, scenarios, tables, views

st.title("Compare strategies and scenarios")
st.caption("Run each variant over several replicates (independent random streams from one "
           "seed) and compare means with 95% intervals. Overlapping intervals mean the "
           "difference could be chance.")

mode = st.radio("Compare", ["Strategies for one firm", "Shipped scenarios"], horizontal=True,
                key="compare_mode")
variants, problems = {}, []
if mode == "Strategies for one firm":
    base, _ = views.scenario_source("compare")
    if base is not None:
        firm = st.selectbox("Firm whose strategy changes", [f.name for f in base.firms],
                            key="compare_firm")
        current = next(f.strategy.type for f in base.firms if f.name == firm)
        options = compare.strategy_options()
        chosen = st.multiselect("Strategies", options, key="compare_strategies",
                                default=compare.default_strategies(current, options))
        variants, problems = compare.strategy_variants(base, firm, chosen)
else:
    files = scenarios.shipped()
    chosen = st.multiselect("Scenarios", list(files), default=list(files)[:2],
                            key="compare_scenarios",
                            format_func=lambda s: scenarios.shipped_title(files[s]))
    variants, problems = compare.scenario_variants({s: files[s] for s in chosen})
for problem in problems:
    st.warning(problem)

with st.form("compare_form"):
    c1, c2, c3, c4 = st.columns(4)
    replicates = c1.number_input("Replicates per variant", 1, 200, 5, key="compare_reps",
                                 help=scenarios.field_spec("replicates").help or None)
    customers = c2.number_input("Customers", 100, 1_000_000, 2000, step=500, key="compare_customers",
                                help=scenarios.field_spec("market.customers").help or None)
    steps = c3.number_input("Steps", 1, 10_000, 52, key="compare_steps",
                            help=scenarios.field_spec("steps").help or None)
    seed = c4.number_input("Seed", 0, 2**31 - 1, 1, key="compare_seed")
    go = st.form_submit_button("Compare", type="primary", disabled=len(variants) < 1)

if go:
    runs = []
    for name, scenario in variants.items():
        sized = compare.resized(scenario, int(customers))
        run = views.run_or_message(sized, seed=int(seed), replicates=int(replicates),
                                   steps=int(steps), progress_label=f"Running {name}")
        if run is not None:
            runs.append(run.firms.assign(variant=name))
    st.session_state["compare_runs"] = (pd.concat(runs, ignore_index=True) if runs
                                        else pd.DataFrame())

runs = st.session_state.get("compare_runs")
if runs is None or runs.empty:
    st.info("Choose two or more variants and press **Compare**.")
else:
    firms = tables.firm_order(runs)
    focus = st.selectbox("Judge the results of", firms, key="compare_focus")
    st.subheader(f"Verdict for {focus}")
    verdict = tables.verdict(runs, ("share", "profit", "loyalty"), firm=focus)
    st.dataframe(views.style_numbers(verdict, {"mean": tables.readable,
                                               "runner-up mean": tables.readable}),
                 hide_index=True, key="compare_verdict")
    st.download_button("Verdict CSV", verdict.to_csv(index=False), "verdict.csv", "text/csv",
                       key="compare_verdict_csv", on_click="ignore")
    for metric, title in (("share", "Market share"), ("profit", "Profit per step"),
                          ("loyalty", "Loyalty")):
        if metric not in runs.columns:
            continue
        st.subheader(title)
        final = tables.final_with_interval(runs, metric, by=("variant", "firm"))
        views.chart_and_numbers(charts.compare_chart(runs, metric, title, firms), final,
                                f"compare_{metric}", f"compare_{metric}", beside=False)
