"""Explore: run a scenario and see it on the customer matrix and over time."""

import streamlit as st

from dashboard import views
from dashboard.runs import cached_run

st.title("Explore a market")
st.caption("Pick a scenario, change its key parameters, run it, and read the market on the "
           "customer matrix and over time.")

scenario, label = views.scenario_source("explore")
if scenario is not None:
    if scenario.description:
        st.markdown(f"**{scenario.name}**: {scenario.description}")
    if scenario.lesson:
        with st.expander("What this scenario teaches"):
            st.markdown(scenario.lesson)
    edited, submitted = views.parameter_form(scenario, "explore")
    run = cached_run(edited, progress_label="Simulating")
    views.render_run(run, "explore")
