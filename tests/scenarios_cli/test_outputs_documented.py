"""Every column a run writes to firms.csv and segments.csv is documented in docs/outputs.md.

Runs every shipped scenario at its ``tiny`` preset (one replicate), which between them switch on
promises, participation, targeting, relationship levels (contacts), internal marketing and
events, and checks that each column name of the firms and segments tables appears in
docs/outputs.md written as code (`name`). The summary.json keys are checked the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sim import ScenarioError, load_scenario, run_scenario
from sim.outputs import summarise
from sim.scenario.loader import shipped_scenarios_dir

DOC = Path(__file__).resolve().parents[2] / "docs" / "outputs.md"
SCENARIOS = sorted(p.stem for p in shipped_scenarios_dir().glob("*.yaml"))


def documented_names() -> set[str]:
    """Every piece of text written as code (between backticks) in docs/outputs.md."""
    return set(re.findall(r"`([^`\n]+)`", DOC.read_text(encoding="utf-8")))


def tiny(name: str):
    """A shipped scenario at its ``tiny`` preset, or shrunk by overrides if it has none."""
    try:
        return load_scenario(name, preset="tiny")
    except ScenarioError:  # no tiny preset: a small market, a few steps
        return load_scenario(name, overrides=["market.customers=500", "steps=10"])


@pytest.fixture(scope="module")
def runs() -> dict:
    """Each shipped scenario's result, one replicate at its tiny size."""
    return {name: run_scenario(tiny(name), replicates=1) for name in SCENARIOS}


def test_the_runs_exercise_every_programme(runs):
    """Guard: the scenarios still switch on what the columns report (else the check is weak)."""
    firms = pd.concat([r.firms for r in runs.values()], ignore_index=True)
    for column in ("participants", "treated", "contacts", "recovered", "wom_positive",
                   "care_spend", "relationship_spend", "advertising_stock"):
        assert firms[column].abs().sum() > 0, f"no run exercises {column!r}"
    assert firms["targeting_accuracy"].notna().any()
    assert (firms["quality_gap"].abs() > 0).any()
    assert (firms["events"] != "").any()
    assert (firms["relationship_level"] != "").any()


def test_every_firms_column_is_documented(runs):
    doc = documented_names()
    missing: dict[str, list[str]] = {}
    for name, result in runs.items():
        for column in result.firms.columns:
            if column not in doc:
                missing.setdefault(column, []).append(name)
    assert not missing, (
        "firms.csv columns not documented in docs/outputs.md (as `name`): "
        + ", ".join(f"{c} (in {', '.join(s[:3])}{', ...' if len(s) > 3 else ''})"
                    for c, s in sorted(missing.items()))
    )


def test_every_segments_column_is_documented(runs):
    doc = documented_names()
    columns = {c for r in runs.values() for c in r.segments.columns}
    missing = sorted(columns - doc)
    assert not missing, f"segments.csv columns not documented in docs/outputs.md: {missing}"


def test_every_summary_key_is_documented(runs):
    doc = documented_names()
    keys: set[str] = set()
    for result in runs.values():
        summary = summarise(result)
        keys |= set(summary)
        for per_firm in summary["firms"].values():  # as `share` or as `firms.<name>.retention`
            keys |= {k for k in per_firm if f"firms.<name>.{k}" not in doc}
    missing = sorted(keys - doc)
    assert not missing, f"summary.json keys not documented in docs/outputs.md: {missing}"
