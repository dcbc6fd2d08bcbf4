"""``cvm sensitivity --out`` writes a marked result folder, with the same --force rules as a run."""

from __future__ import annotations

import json

import pytest

from sim.cli import main
from sim.outputs import MARKER, is_result_dir
from tests.insight.sensitivity_helpers import write_sensitivity


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_sensitivity(tmp_path_factory.mktemp("sens"), samples=2)


def test_the_folder_carries_the_marker_and_provenance(folder):
    marker = json.loads((folder / MARKER).read_text())
    assert marker["files"] == ["samples.csv", "sensitivity.csv", "sensitivity.json"]
    assert is_result_dir(folder)
    meta = json.loads((folder / "sensitivity.json").read_text())
    assert meta["scenario"] == "tiny" and meta["samples"] == 2 and meta["steps"] == 6
    assert meta["params"] == ["firms.0.attributes.colour=0:1", "firms.0.price=8:12"]
    assert meta["runs"] == 2 * 3 and len(meta["ranking"]) == 2


def _argv(out, scenario, *extra):
    return ["sensitivity", str(scenario), "--param", "firms.0.price=8:12", "--samples", "2",
            "--out", str(out), *extra]


def test_force_replaces_a_previous_sensitivity_result(folder, capsys):
    before = (folder / "samples.csv").read_text()
    scenario = folder.parent / "coloured.yaml"
    assert main(_argv(folder, scenario)) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(_argv(folder, scenario, "--force")) == 0
    assert (folder / "samples.csv").read_text() != before  # one parameter now, not two
    assert is_result_dir(folder)


def test_force_refuses_a_folder_that_is_not_a_result(folder, tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    (mine / "sensitivity.csv").write_text("not ours")
    assert main(_argv(mine, folder.parent / "coloured.yaml", "--force")) == 2
    err = capsys.readouterr().err
    assert "not a Value Matrix result" in err and "Traceback" not in err
    assert (mine / "sensitivity.csv").read_text() == "not ours"
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt", "sensitivity.csv"]


def test_a_sensitivity_folder_from_before_the_marker_is_recognised(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for name in ("sensitivity.csv", "samples.csv", "sensitivity.json"):
        (old / name).write_text("x")
    assert is_result_dir(old)
    (old / "sensitivity.json").unlink()
    assert not is_result_dir(old)  # sensitivity.csv alone could be anybody's
