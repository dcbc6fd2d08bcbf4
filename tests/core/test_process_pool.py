"""Worker processes never re-run the caller's main script (e.g. a Streamlit page)."""

import sys
import types

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
