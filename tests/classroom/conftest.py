"""Fixtures for the classroom tests; plain helpers live in ``classroom_helpers``."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from classroom_helpers import SMALL


@pytest.fixture
def small() -> dict:
    """Four firms, two segments, 1,000 customers."""
    return copy.deepcopy(SMALL)


@pytest.fixture
def scenario_file(tmp_path, small) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small))
    return path
