"""Explore: run a scenario and see it on the customer matrix and over time."""

import streamlit as st

from dashboard import views

st.title("Explore a market")

with st.sidebar:
    scenario, label = views.scenario_source("explore")
    if scenario is not None:
        edited, submitted = views.parameter_form(scenario, "explore", columns=1)

if scenario is None:
    st.info("Choose a scenario in the sidebar (a shipped one, a file you upload, or the "
            "scenario editor's text).")
else:
    st.markdown(f"**{scenario.name}**" + (f": {scenario.description}" if scenario.description
                                          else ""))
    if scenario.lesson:
        with st.expander("What this scenario teaches"):
            st.markdown(scenario.lesson)
    run = views.run_or_message(edited, progress_label="Simulating")
    if run is not None:
        views.render_run(run, "explore")
