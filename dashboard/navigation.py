"""The dashboard's pages, in one place.

To add a page: write a thin script under ``dashboard/pages/`` (widgets and calls to
``dashboard.views`` / ``dashboard.charts``; no model logic) and add one ``PageSpec`` to
``SECTIONS`` below, under an existing or a new section name. ``app.py`` builds the
``st.navigation`` menu from this list; nothing else needs to change. Add an AppTest for the page
in ``tests/dashboard/``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "pages"


@dataclasses.dataclass(frozen=True)
class PageSpec:
    """One page of the menu.

    Attributes:
        script: file name under ``dashboard/pages/``.
        title: the menu label and browser-tab title.
        icon: a Material icon (``:material/name:``) or an emoji.
        default: the page shown at ``/`` (exactly one page should be default).
    """

    script: str
    title: str
    icon: str = ""
    default: bool = False

    @property
    def path(self) -> Path:
        """Absolute path of the page script."""
        return PAGES_DIR / self.script


# Section name -> pages, in menu order. Classroom pages (issue 7) go in a "Classroom" section.
SECTIONS: dict[str, list[PageSpec]] = {
    "Strategy": [
        PageSpec("explore.py", "Explore", ":material/scatter_plot:", default=True),
        PageSpec("play.py", "Play and intervene", ":material/sports_esports:"),
        PageSpec("compare.py", "Compare", ":material/compare_arrows:"),
    ],
    "Scenarios and results": [
        PageSpec("editor.py", "Scenario editor", ":material/edit_document:"),
        PageSpec("results.py", "Results", ":material/folder_open:"),
    ],
    "Classroom": [
        PageSpec("classroom_team.py", "Team", ":material/groups:"),
        PageSpec("classroom_teacher.py", "Teacher", ":material/school:"),
    ],
}


def all_pages() -> list[PageSpec]:
    """Every page, in menu order."""
    return [p for pages in SECTIONS.values() for p in pages]
