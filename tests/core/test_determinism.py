"""One seed, one result: identical bytes for the same seed, whatever the number of workers."""

from pathlib import Path

import yaml

from sim.cli import main


def _write(tmp_path: Path, scenario: dict) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario))
    return path


def _run(path, out, *extra):
    assert main(["run", str(path), "--out", str(out), "--quiet", *extra]) == 0
    return (out / "firms.csv").read_bytes()


def test_same_seed_same_bytes_different_seed_different(tmp_path, tiny):
    path = _write(tmp_path, tiny)
    a = _run(path, tmp_path / "a", "--seed", "1")
    b = _run(path, tmp_path / "b", "--seed", "1")
    c = _run(path, tmp_path / "c", "--seed", "2")
    assert a == b
    assert a != c


def test_workers_do_not_change_results(tmp_path, tiny):
    tiny["steps"] = 5
    path = _write(tmp_path, tiny)
    one = _run(path, tmp_path / "w1", "--replicates", "3", "--workers", "1")
    two = _run(path, tmp_path / "w2", "--replicates", "3", "--workers", "2")
    assert one == two
    assert (tmp_path / "w1" / "segments.csv").read_bytes() == (tmp_path / "w2" / "segments.csv").read_bytes()
