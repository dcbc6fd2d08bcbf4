"""Classroom server on its own: ``streamlit run dashboard/classroom_app.py``.

Role-based navigation: before anyone logs in both doors are shown; once this browser session
has joined as a team only the team page is offered, and as the teacher only the teacher page.
Games live in ``$CVM_CLASSROOM_DB`` (default ``classroom.db``). The main dashboard lists the
same two pages in its "Classroom" section.
"""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="Value Matrix classroom", page_icon=":material/school:",
                   layout="wide")
team = st.Page(PAGES / "classroom_team.py", title="Team", icon=":material/groups:",
               default=True)
teacher = st.Page(PAGES / "classroom_teacher.py", title="Teacher", icon=":material/school:")
role = st.session_state.get("cr_role")
if role == "team" and st.session_state.get("cr_team"):
    pages = [team]
elif role == "teacher" and st.session_state.get("cr_teacher"):
    pages = [teacher]
else:
    pages = [team, teacher]
st.navigation(pages).run()
