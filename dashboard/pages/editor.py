"""Scenario editor: edit YAML, see every problem with its line and field, download the file."""

import streamlit as st

from dashboard import scenarios, views

st.title("Scenario editor")
st.caption("Edit a scenario as YAML. It is checked as you go, exactly as `cvm validate` checks "
           "a file; a valid scenario can be downloaded or opened in Explore, Play and Compare.")

files = scenarios.shipped()
c1, c2 = st.columns([2, 1])
with c1:
    start = st.selectbox("Start from", ["(keep my text)", *files], key="editor_start",
                         format_func=lambda s: s if s not in files else scenarios.shipped_title(files[s]))
with c2:
    upload = st.file_uploader("…or upload a YAML file", type=["yaml", "yml"], key="editor_upload")

WIDGET = "editor_text"
if upload is not None and st.session_state.get("editor_loaded") != upload.file_id:
    try:
        st.session_state[WIDGET] = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        st.error(f"{upload.name}: not a text file (not UTF-8).")
    st.session_state["editor_loaded"] = upload.file_id
elif start in files and st.session_state.get("editor_loaded") != start:
    st.session_state[WIDGET] = files[start].read_text(encoding="utf-8")
    st.session_state["editor_loaded"] = start
elif WIDGET not in st.session_state:
    # back on the page: the text survives in plain state; first visit: a shipped scenario
    saved = st.session_state.get(views.EDITOR_KEY)
    if saved is None and files:
        saved = next(iter(files.values())).read_text(encoding="utf-8")
    st.session_state[WIDGET] = saved or ""

text = st.text_area("Scenario (YAML)", key=WIDGET, height=520,
                    help="Keys and their meaning: `cvm schema`, or the field help in Explore.")
st.session_state[views.EDITOR_KEY] = text
name = st.text_input("File name", value="my_scenario.yaml", key="editor_filename")
scenario, problems = scenarios.parse_text(text, name)
if problems:
    views.show_problems(problems, f"{len(problems)} problem(s) in {name}", text)
else:
    st.success(f"Valid: **{scenario.name}**, {len(scenario.firms)} firms, "
               f"{len(scenario.market.segments)} segments, {scenario.market.customers:,} "
               f"customers, {scenario.steps} steps. Choose *From the scenario editor* on the "
               "Explore, Play or Compare page to run it.")
st.download_button("Download YAML", data=text, file_name=name, mime="application/x-yaml",
                   key="editor_download", on_click="ignore", disabled=not text.strip())
