"""Model validation: published claims the model must reproduce, run and judged as a table.

``run_suite()`` runs every registered case and returns the validation table (one row per case:
claim, source, scenario, measured result, 95 % interval over replicates, status);
``markdown()`` renders it for ``docs/validation.md``. ``cvm validate-model`` prints it.
"""

from sim.validation.core import (
    CASES,
    ERROR,
    FAIL,
    PASS,
    PENDING,
    Case,
    Outcome,
    Settings,
    case,
    mean_ci,
    run_case,
    run_suite,
)
from sim.validation.report import markdown, text_table

# Registering the cases: import order is the table's order.
# isort: off
from sim.validation import choice_cases as _choice  # noqa: F401
from sim.validation import strategy_cases as _strategy  # noqa: F401
from sim.validation import relationship_cases as _relationship  # noqa: F401
from sim.validation import market_cases as _market  # noqa: F401
# isort: on

__all__ = [
    "CASES", "ERROR", "FAIL", "PASS", "PENDING", "Case", "Outcome", "Settings", "case",
    "markdown", "mean_ci", "run_case", "run_suite", "text_table",
]
