"""The parallel compiled passes give byte-identical results whatever the number of threads.

Per-customer work runs in numba ``prange`` loops and per-firm sums are taken per fixed chunk of
customers (``sim.fast.CHUNK``), so the thread count may change the speed, never the numbers.
The market here is several chunks large, with every mechanism on.
"""

from __future__ import annotations

import numba
import pytest

from sim import fast
from sim.runner import run_scenario
from sim.scenario import load_scenario

pytestmark = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2,
                                reason="needs at least 2 cores for numba threads")


@pytest.fixture
def restore_threads():
    before = fast.threads()
    yield
    fast.set_threads(before)


def _outputs(threads: int, overrides=()) -> tuple[str, str]:
    fast.set_threads(threads)
    assert fast.threads() == threads
    scenario = load_scenario("baseline", overrides=[
        f"market.customers={3 * fast.CHUNK + 123}", "steps=8", *overrides])
    result = run_scenario(scenario, replicates=1)
    return result.firms.to_csv(index=False), result.segments.to_csv(index=False)


@pytest.mark.parametrize("overrides", [(), ("market.purchase_probability=0.6",)])
def test_one_and_two_threads_give_the_same_bytes(restore_threads, overrides):
    one = _outputs(1, overrides)
    two = _outputs(2, overrides)
    assert one == two


def test_thread_setting_is_clamped_to_the_cores(restore_threads):
    assert fast.set_threads(10_000) == numba.config.NUMBA_NUM_THREADS
    assert fast.set_threads(0) == 1
