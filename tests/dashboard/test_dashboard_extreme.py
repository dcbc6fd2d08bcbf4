"""The dashboard shows a result whose money overflowed to ±inf (a market the schema allows)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from dash_helpers import chart_specs, make_app, no_exceptions, small_scenario

pytestmark = pytest.mark.timeout(240)


def _overflowing() -> dict:
    """Alpha's fixed cost compounds past float64 (1e12 × 1000^99): its cash ends at −inf."""
    data = small_scenario(steps=104)
    data["market"]["customers"] = 300
    data["firms"][0]["costs"] = {"fixed": 1e12}
    data["firms"][0]["exit_after"] = None
    data["events"] = [{"at": t, "type": "cost_shock", "firm": "Alpha", "fixed_factor": 1000}
                      for t in range(1, 101)]
    return data


def test_results_page_shows_a_run_whose_cash_overflowed(tmp_path):
    from sim import run_scenario
    from sim.outputs import write_run

    with np.errstate(over="ignore", invalid="ignore"):
        result = run_scenario(_overflowing(), replicates=1, seed=1)
    assert np.isneginf(result.firms.query("firm == 'Alpha'")["cash"].iloc[-1])
    write_run(result, tmp_path / "run")
    at = make_app("results.py")
    at.text_input(key="results_path").set_value(str(tmp_path / "run")).run()
    no_exceptions(at)
    specs = chart_specs(at)
    assert specs, "no chart drawn"
    for spec in specs:  # what reaches the browser is strict JSON: no Infinity, no NaN
        json.loads(spec, parse_constant=lambda name: pytest.fail(f"{name} in a chart spec"))
