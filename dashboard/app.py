"""Value Matrix dashboard: ``streamlit run dashboard/app.py`` (or ``cvm dashboard``).

The router only: the pages are listed in ``dashboard/navigation.py``.
"""

import streamlit as st

from dashboard.navigation import SECTIONS

st.set_page_config(page_title="Value Matrix", page_icon=":material/grid_view:", layout="wide")

pages = {
    section: [st.Page(p.path, title=p.title, icon=p.icon or None, default=p.default) for p in specs]
    for section, specs in SECTIONS.items()
}
st.navigation(pages).run()
