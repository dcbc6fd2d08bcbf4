"""Test oracles: the numpy reference of every compiled phase of the step.

The product runs one implementation per phase, the compiled (numba) passes in
``sim/mechanisms/``. Each module here re-states a mechanism module's phases in plain vectorised
numpy — the readable reference the compiled passes were written from — under the same function
names (``oracles.satisfaction.experience`` is the reference of
``sim.mechanisms.satisfaction.experience``). ``harness.check_phase`` runs a phase both ways from
the same model state and the same random draws; discrete outcomes (choices, switches, counts,
rungs) must be equal and floats equal to a tight tolerance.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def oracle_of(phase: Callable) -> Callable | None:
    """The numpy reference of a production phase function, or None if it has none."""
    module = phase.__module__
    if not module.startswith("sim.mechanisms."):
        return None
    try:
        oracle = importlib.import_module(f"oracles.{module.rsplit('.', 1)[-1]}")
    except ModuleNotFoundError:
        return None
    return getattr(oracle, phase.__name__, None)
