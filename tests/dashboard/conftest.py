"""Fixtures for the dashboard tests."""

from __future__ import annotations

import pytest
from dash_helpers import small_scenario


@pytest.fixture(scope="session")
def small_run():
    """The small scenario run with 3 replicates of 12 steps."""
    from sim import run_scenario

    return run_scenario(small_scenario(), replicates=3, steps=12, seed=5)
