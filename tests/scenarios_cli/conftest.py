"""Helpers for the scenario and CLI tests: run ``cvm`` in-process and capture what a user sees."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from sim.cli import main

HERE = Path(__file__).parent
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@dataclasses.dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cvm(capsys):
    """Call ``cvm`` with a list of arguments; returns exit code, stdout and stderr."""

    def call(*argv: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return call


@pytest.fixture(autouse=True)
def _fixed_memory_limit(monkeypatch):
    """Messages that quote the memory limit must not depend on the machine running the tests."""
    monkeypatch.setenv("VALUE_MATRIX_MEMORY_LIMIT", str(8 * 2**30))


@pytest.fixture(autouse=True)
def _only_shipped_strategies(monkeypatch):
    """Exact messages list the known strategies: hide policies other test modules registered."""
    from agents.strategies import base

    shipped = {k: v for k, v in base._REGISTRY.items() if v.__module__.startswith("agents.")}
    monkeypatch.setattr(base, "_REGISTRY", shipped)
