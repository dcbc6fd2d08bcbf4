"""Classroom games: teams run firms round by round, the teacher closes rounds, all replayable.

``Classroom(db)`` is the service (``sim.classroom.game``); the store is SQLite
(``sim.classroom.store``); decisions and game settings are pydantic models
(``sim.classroom.settings``). See docs/classroom.md for the teacher's and students' workflow.
"""

from sim.classroom.game import AccessDenied, Classroom, ClassroomError, GameInfo, Team
from sim.classroom.settings import Decision, GameSettings, ResearchOrder, Scoring

__all__ = [
    "AccessDenied", "Classroom", "ClassroomError", "Decision", "GameInfo", "GameSettings",
    "ResearchOrder", "Scoring", "Team",
]
