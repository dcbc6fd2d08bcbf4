"""Worker processes never re-run the caller's main script (e.g. a Streamlit page)."""

import sys
import types

import pytest

from sim import run_scenario


def test_parallel_run_does_not_execute_a_main_script(tmp_path, tiny, monkeypatch):
    tiny["steps"] = 3
    tiny["market"]["customers"] = 300
    marker = tmp_path / "page_ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit('a page ran in a worker')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)  # a script main, as Streamlit's AppTest leaves it
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    parallel = run_scenario(tiny, replicates=2, workers=2)
    assert not marker.exists()
    assert sys.modules["__main__"] is fake_main  # restored afterwards
    serial = run_scenario(tiny, replicates=2, workers=1)
    assert parallel.firms.equals(serial.firms)


@pytest.mark.parametrize("caller_takes_part", [True, False])
def test_parallel_run_shares_work_with_the_caller_and_reports_progress_in_order(
        tiny, monkeypatch, caller_takes_part):
    """workers=3: the caller and two spawned workers (or three workers alone); same tables as
    serial, progress from the calling thread only, never backwards, ending at replicates ×
    steps."""
    import threading

    from sim import runner

    monkeypatch.setattr(runner, "CALLER_TAKES_PART", caller_takes_part)
    tiny["steps"] = 4
    tiny["market"]["customers"] = 400
    seen = []

    def progress(done, total):
        seen.append((done, total, threading.current_thread() is threading.main_thread()))

    parallel = run_scenario(tiny, replicates=5, workers=3, progress=progress)
    serial = run_scenario(tiny, replicates=5, workers=1)
    assert parallel.firms.equals(serial.firms) and parallel.segments.equals(serial.segments)
    assert sorted(parallel.firms["replicate"].unique()) == [0, 1, 2, 3, 4]
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and done[-1] == 20 and all(t == 20 for _, t, _ in seen)
    assert all(main for _, _, main in seen)


def test_caller_leaves_the_workers_their_cores_and_gets_its_threads_back(tiny):
    """With 2 processes, the caller's compiled passes run on one thread fewer while the worker
    runs (1 + 1 threads on 2 cores, not 2 + 1), and on all of them again afterwards."""
    import numba

    from sim import fast

    tiny["steps"] = 3
    tiny["market"]["customers"] = 300
    before = fast.set_threads(numba.config.NUMBA_NUM_THREADS)
    during = set()

    def progress(done, total):
        if done < total:  # the last report comes after the workers have gone
            during.add(fast.threads())

    run_scenario(tiny, replicates=3, workers=2, progress=progress)
    assert during == {max(1, before - 1)}
    assert fast.threads() == before
