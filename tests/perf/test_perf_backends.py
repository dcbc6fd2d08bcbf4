"""Serial, process and Dask backends agree bit for bit; sweeps resume and survive a dead worker."""

import copy
import os
import signal

import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.runner import BackendError, run_scenario
from sim.sweep import SweepError, parse_param, run_sweep

distributed = pytest.importorskip("distributed")

PARAMS = ["firms.0.price=9,11", "mechanisms.loyalty=true,false"]


@pytest.fixture(scope="module")
def cluster():
    """One small real cluster for the module: 2 worker processes, 1 thread each."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as c:
        yield c


@pytest.fixture
def small(tiny):
    s = copy.deepcopy(tiny)
    s["steps"] = 5
    s["market"]["customers"] = 1000
    return s


def _bytes(result):
    return result.firms.to_csv(index=False), result.segments.to_csv(index=False)


def test_run_scenario_serial_process_dask_identical(small, cluster, workers_only):
    serial = run_scenario(small, replicates=3, seed=11)
    process = run_scenario(small, replicates=3, seed=11, workers=2)
    dask = run_scenario(small, replicates=3, seed=11, backend="dask",
                        address=cluster.scheduler_address)
    assert _bytes(serial) == _bytes(process) == _bytes(dask)
    assert sorted(serial.firms["replicate"].unique()) == [0, 1, 2]


def test_sweep_local_process_dask_identical(small, cluster, tmp_path):
    a = run_sweep(small, PARAMS, tmp_path / "serial", replicates=2, seed=4)
    b = run_sweep(small, PARAMS, tmp_path / "process", replicates=2, seed=4, workers=2)
    c = run_sweep(small, PARAMS, tmp_path / "dask", replicates=2, seed=4, backend="dask",
                  address=cluster.scheduler_address)
    text = a.csv.read_bytes()
    assert text == b.csv.read_bytes() == c.csv.read_bytes()
    lines = text.decode().splitlines()
    header = lines[0].split(",")
    assert header[:4] == ["combination", "replicate", "firms.0.price", "mechanisms.loyalty"]
    # 4 combinations x 2 replicates x 3 firms, final step only
    assert len(lines) - 1 == 4 * 2 * 3
    assert {line.split(",")[header.index("step")] for line in lines[1:]} == {"5"}


def test_sweep_seeds_differ_between_combinations_and_replicates(small, tmp_path):
    # price=10 is the scenario's own price, so the swept column only changes the seed
    r = run_sweep(small, ["firms.0.price=10,10.0"], tmp_path / "s", replicates=2, seed=1)
    t = pd.read_csv(r.csv)
    metrics = [c for c in ("share", "satisfaction", "trust", "profit", "pp") if c in t.columns]
    runs = {key: tuple(g[metrics].to_numpy().ravel().tolist())
            for key, g in t.groupby(["combination", "replicate"])}
    assert len(runs) == 4 and len(set(runs.values())) == 4


def test_steps_can_be_swept(small, tmp_path):
    r = run_sweep(small, ["steps=2,4"], tmp_path / "steps", seed=1)
    t = pd.read_csv(r.csv)
    assert t.groupby("combination")["step"].max().tolist() == [2, 4]


def test_resume_skips_finished_work(small, tmp_path):
    out = tmp_path / "resume"
    first = run_sweep(small, PARAMS, out, replicates=1, seed=2)
    assert (first.ran, first.skipped) == (4, 0)
    full = first.csv.read_bytes()
    parts = sorted((out / "parts").glob("*.csv"))
    stamps = {p: p.stat().st_mtime_ns for p in parts}
    parts[1].unlink()  # as if the sweep had been interrupted before this task finished
    (out / "sweep.csv").unlink()
    seen = []
    again = run_sweep(small, PARAMS, out, replicates=1, seed=2,
                      progress=lambda done, total: seen.append((done, total)))
    assert (again.ran, again.skipped) == (1, 3)
    assert seen[0] == (3, 4) and seen[-1] == (4, 4)
    assert again.csv.read_bytes() == full
    for p in parts[:1] + parts[2:]:
        assert p.stat().st_mtime_ns == stamps[p]
    more = run_sweep(small, PARAMS, out, replicates=2, seed=2)  # extend: only new replicates
    assert (more.ran, more.skipped) == (4, 4)


def test_resume_refuses_a_different_sweep(small, tmp_path):
    run_sweep(small, ["firms.0.price=9"], tmp_path / "x", seed=2)
    with pytest.raises(SweepError, match="different sweep"):
        run_sweep(small, ["firms.0.price=9"], tmp_path / "x", seed=3)


@pytest.mark.parametrize("text", ["firms.0.price", "firms.0.price=", "=1,2", "a..b=1",
                                  "firms.0.price=1,,2", "firms.0.price=1,1"])
def test_bad_param_refused(text):
    with pytest.raises(SweepError):
        parse_param(text)


def test_cli_sweep_writes_the_table_and_resumes(small, tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small))
    args = ["sweep", str(path), "--param", "firms.0.price=9,10", "--replicates", "2",
            "--out", str(tmp_path / "out")]
    assert main(args) == 0
    assert "4 run, 0 already done" in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert len(table) == 2 * 2 * len(small["firms"])
    assert main(args) == 0
    assert "0 run, 4 already done" in capsys.readouterr().out


def test_cli_bad_input_exit_2_and_writes_nothing(small, tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small))
    out = tmp_path / "never"
    base = ["sweep", str(path), "--out", str(out), "--quiet"]
    assert main([*base, "--param", "firms.0.price"]) == 2
    assert "PATH=V1,V2" in capsys.readouterr().err
    assert main([*base, "--param", "firms.0.price=-1,9"]) == 2
    assert main([*base, "--param", "firms.0.price=9", "--backend", "dask",
                 "--address", "tcp://127.0.0.1:1"]) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()


def test_unreachable_scheduler_is_a_backend_error(small, tmp_path):
    with pytest.raises(BackendError, match="not a Dask scheduler address"):
        run_scenario(small, backend="dask", address="nonsense")
    with pytest.raises(BackendError, match="unknown backend"):
        run_scenario(small, backend="spark")


def test_killed_worker_loses_and_duplicates_nothing(small, cluster, tmp_path):
    scenario = copy.deepcopy(small)
    scenario["steps"] = 25
    scenario["market"]["customers"] = 4000
    params = ["firms.0.price=8,9,10,11", "firms.1.price=9,10"]
    reference = run_sweep(scenario, params, tmp_path / "local", seed=9)

    killed = []
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as spy:
        def kill_a_busy_worker(done, total):
            if killed or done < 1:
                return
            for addr, keys in spy.processing().items():
                if keys:
                    pid = spy.run(os.getpid, workers=[addr])[addr]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(keys[0])
                    return

        result = run_sweep(scenario, params, tmp_path / "dask", seed=9, backend="dask",
                           address=cluster.scheduler_address, progress=kill_a_busy_worker)
    assert killed, "no worker was busy when the first result came back"
    assert result.ran == 8
    assert sorted(p.name for p in (tmp_path / "dask" / "parts").glob("*.csv")) == sorted(
        p.name for p in (tmp_path / "local" / "parts").glob("*.csv"))
    assert result.csv.read_bytes() == reference.csv.read_bytes()
