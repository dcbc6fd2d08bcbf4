"""Strategies registered from Python work with worker processes, or stay in this process."""

from __future__ import annotations

import numpy as np
import pytest

from agents.strategies import base
from sim import run_scenario
from sim.runner import BackendError
from sim.strategies import Action


class NudgeUp:
    """Raise the price a little every step (a user's policy, in an importable module)."""

    def __init__(self, step: float = 0.25):
        self.step = step

    def decide(self, view, firm):
        return Action(price=firm.price + self.step)


@pytest.fixture
def nudging(tiny, monkeypatch):
    monkeypatch.setitem(base._REGISTRY, "test_nudge_up", NudgeUp)
    tiny["steps"] = 4
    tiny["market"]["customers"] = 400
    tiny["firms"][0]["strategy"] = {"type": "test_nudge_up", "step": 0.25}
    return tiny


def _alpha_last_price(result) -> np.ndarray:
    firms = result.firms
    last = firms[(firms["firm"] == "Alpha") & (firms["step"] == firms["step"].max())]
    return last.sort_values("replicate")["price"].to_numpy()


def test_user_strategy_runs_in_worker_processes(nudging, workers_only):
    serial = run_scenario(nudging, replicates=3, workers=1)
    parallel = run_scenario(nudging, replicates=3, workers=2)  # was "unknown strategy" there
    assert parallel.firms.equals(serial.firms)
    assert np.allclose(_alpha_last_price(parallel), 10.0 + 4 * 0.25)  # every replicate nudged


def test_user_strategy_from_main_runs_here_with_a_warning(nudging, monkeypatch):
    in_main = type("NudgeUp", (NudgeUp,), {"__module__": "__main__"})
    monkeypatch.setitem(base._REGISTRY, "test_nudge_up", in_main)
    serial = run_scenario(nudging, replicates=2, workers=1)
    with pytest.warns(RuntimeWarning, match="defined in __main__"):
        parallel = run_scenario(nudging, replicates=2, workers=2)
    assert parallel.firms.equals(serial.firms)
    with pytest.raises(BackendError, match="module installed on the Dask workers"):
        run_scenario(nudging, replicates=2, backend="dask")


def test_user_strategy_in_a_parallel_sweep(nudging, tmp_path):
    from sim.sweep import parse_param, run_sweep

    params = [parse_param("firms.1.price=8,9")]
    serial = run_sweep(nudging, params, tmp_path / "one", replicates=1, seed=2)
    parallel = run_sweep(nudging, params, tmp_path / "two", replicates=1, seed=2, workers=2)
    assert parallel.csv.read_text() == serial.csv.read_text()


def test_user_strategy_in_parallel_sensitivity(nudging):
    from sim.sensitivity import sensitivity

    params = ["firms.1.price=8:10", "firms.2.price=10:12"]
    one = sensitivity(nudging, params, samples=2, workers=1, output="share", firm="Alpha")
    two = sensitivity(nudging, params, samples=2, workers=2, output="share", firm="Alpha")
    assert one.samples.equals(two.samples)
