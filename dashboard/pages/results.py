"""Results: open a folder written by ``cvm run``, ``cvm sweep`` or ``cvm sensitivity``."""

from pathlib import Path

import streamlit as st

from dashboard import charts, tables, views
from dashboard.runs import find_run_dirs, is_sensitivity_only, read_run_dir, read_sensitivity_dir

st.title("Results")
st.caption("Open a run folder written by `cvm run` (firms.csv, segments.csv, summary.json), "
           "`cvm sweep` (sweep.csv) or `cvm sensitivity --out` (sensitivity.csv) and browse it "
           "with the same charts as Explore and `cvm report`.")

root = st.text_input("Folder to search for runs", value="results",
                     help="A run folder itself, or a folder containing run folders.")
found = find_run_dirs(root)
typed = st.text_input("…or the path of one run folder", value="", key="results_path")
choice = typed.strip() or (st.selectbox("Run folder", [str(p) for p in found], key="results_pick")
                           if found else "")
if not choice:
    st.info(f"No run folders found under `{root}`. Write one with "
            "`cvm run baseline --out results/baseline`.")
elif is_sensitivity_only(choice):
    table, meta, problems = read_sensitivity_dir(choice)
    for problem in problems:
        st.warning(problem)
    if table is not None:
        st.subheader("Sensitivity")
        views.render_sensitivity(table, meta, "results")
else:
    run, sweep, problems = read_run_dir(Path(choice))
    for problem in problems:
        st.warning(problem)
    if run is not None:
        summary = run.provenance
        if summary:
            st.markdown(f"**{summary.get('scenario', '')}** · seed {summary.get('seed', '?')} · "
                        f"{summary.get('replicates', '?')} replicate(s) · "
                        f"{summary.get('steps', '?')} steps")
        views.render_run(run, "results")
    if sweep is not None and not sweep.empty:
        st.subheader("Sweep")
        metrics = [c for c in ("share", "profit", "loyalty", "cash", "satisfaction", "clv")
                   if c in sweep.columns]
        params = sweep.attrs.get("params", [])
        meta = sweep.attrs.get("meta", {})
        if meta:
            st.caption(f"{meta.get('scenario', '')}: {meta.get('combinations', '?')} "
                       f"combination(s) × {meta.get('replicates', '?')} replicate(s); "
                       f"swept {', '.join(meta.get('params', []))}")
        if not params or not metrics:
            st.dataframe(sweep, hide_index=True)
        else:
            c1, c2 = st.columns(2)
            param = c1.selectbox("Swept parameter", params, key="sweep_param")
            metric = c2.selectbox("Metric", metrics, key="sweep_metric")
            chart = charts.sweep_chart(sweep, param, metric)
            numbers = tables.bands(sweep, metric, by=(param, "firm"))
            views.chart_and_numbers(chart, numbers, "sweep", f"sweep_{metric}")
