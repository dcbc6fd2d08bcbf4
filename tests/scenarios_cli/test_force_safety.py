"""``--force`` replaces only a recognisable previous result, atomically; everything else is refused.

Each refusal exits 2 with one readable message (no traceback) and touches nothing.
"""

from __future__ import annotations

import json
import shutil

import pytest

from sim.outputs import MARKER, is_result_dir
from tests.scenarios_cli.conftest import HERE

TINY = HERE / "tiny.yaml"
FAST = ("--preset", "smaller", "--quiet")


def snapshot(root):
    """Every file under ``root`` (relative path -> bytes), and every folder."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


def assert_refused(result, *words):
    assert result.code == 2, result.err
    assert result.out == ""
    assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    for word in words:
        assert word in result.err, result.err


@pytest.fixture
def previous(cvm, tmp_path):
    """A genuine result folder written by ``cvm run``."""
    out = tmp_path / "results" / "old"
    assert cvm("run", TINY, *FAST, "--seed", "1", "--out", out).code == 0
    return out


def test_run_writes_the_marker(previous):
    marker = json.loads((previous / MARKER).read_text())
    assert marker["value_matrix_result"] == 1
    assert "firms.csv" in marker["files"] and "summary.json" in marker["files"]
    assert is_result_dir(previous)


def test_parent_of_other_runs_is_refused(cvm, tmp_path, previous):
    parent = previous.parent
    (parent / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    result = cvm("run", TINY, *FAST, "--out", parent, "--force")
    assert_refused(result, str(parent), "not a Value Matrix result")
    assert snapshot(tmp_path) == before


def test_folder_holding_the_scenario_is_refused(cvm, tmp_path):
    scenario = tmp_path / "mine" / "tiny.yaml"
    scenario.parent.mkdir()
    shutil.copy(TINY, scenario)
    before = snapshot(tmp_path)
    result = cvm("run", scenario, *FAST, "--out", scenario.parent, "--force")
    assert_refused(result, str(scenario.parent), "tiny.yaml")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("out", [".", "..", "~"])
def test_current_parent_and_home_folders_are_refused(cvm, tmp_path, monkeypatch, out):
    work = tmp_path / "home" / "work"
    work.mkdir(parents=True)
    (work / "keep.txt").write_text("mine")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(work)
    target = str(tmp_path / "home") if out == "~" else out
    before = snapshot(tmp_path)
    result = cvm("run", TINY, *FAST, "--out", target, "--force")
    assert_refused(result, target, "refusing")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("content", ["file", "subfolder", "legacy-plus-unknown"])
def test_non_result_non_empty_folder_is_refused(cvm, tmp_path, content):
    out = tmp_path / "out"
    out.mkdir()
    if content == "file":
        (out / "thesis.docx").write_bytes(b"\x00precious")
    elif content == "subfolder":
        (out / "firms.csv").write_text("x\n")
        (out / "summary.json").write_text("{}\n")
        (out / "data").mkdir()
        (out / "data" / "raw.csv").write_text("1,2\n")
    else:
        (out / "firms.csv").write_text("x\n")
        (out / "summary.json").write_text("{}\n")
        (out / "my-notes.md").write_text("mine\n")
    before = snapshot(tmp_path)
    result = cvm("run", TINY, *FAST, "--out", out, "--force")
    assert_refused(result, str(out), "not a Value Matrix result")
    assert snapshot(tmp_path) == before


def test_non_empty_without_force_is_refused(cvm, tmp_path, previous):
    before = snapshot(tmp_path)
    result = cvm("run", TINY, *FAST, "--out", previous)
    assert_refused(result, str(previous), "--force")
    assert snapshot(tmp_path) == before


def test_a_previous_result_is_replaced(cvm, tmp_path, previous):
    old_summary = json.loads((previous / "summary.json").read_text())
    result = cvm("run", TINY, *FAST, "--seed", "2", "--out", previous, "--force")
    assert result.code == 0, result.err
    new_summary = json.loads((previous / "summary.json").read_text())
    assert (old_summary["seed"], new_summary["seed"]) == (1, 2)
    assert is_result_dir(previous)
    assert sorted(p.name for p in previous.parent.iterdir()) == ["old"]  # no temporary left


def test_a_result_of_the_previous_version_is_replaced(cvm, tmp_path, previous):
    (previous / MARKER).unlink()  # as written before the marker existed
    assert is_result_dir(previous)
    result = cvm("run", TINY, *FAST, "--seed", "3", "--out", previous, "--force")
    assert result.code == 0, result.err
    assert json.loads((previous / "summary.json").read_text())["seed"] == 3
    assert (previous / MARKER).exists()


def test_a_failed_write_leaves_the_old_result_byte_identical(cvm, tmp_path, previous,
                                                             monkeypatch):
    import sim.outputs

    before = snapshot(tmp_path)

    def boom(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sim.outputs, "_replace_dir", boom)
    result = cvm("run", TINY, *FAST, "--seed", "2", "--out", previous, "--force")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert snapshot(tmp_path) == before  # the temporary folder is gone too


def test_a_failed_swap_puts_the_old_result_back(cvm, tmp_path, previous, monkeypatch):
    import os

    import sim.outputs

    before = snapshot(tmp_path)
    real = os.rename
    calls = []

    def rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # the new folder into place
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(sim.outputs.os, "rename", rename)
    result = cvm("run", TINY, *FAST, "--seed", "2", "--out", previous, "--force")
    assert result.code == 2 and "No space left on device" in result.err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("verb", ["run", "sweep"])
def test_workers_are_capped_at_the_cores(cvm, tmp_path, monkeypatch, verb):
    import importlib

    import sim.cli.common

    module, name = {"run": ("sim.runner", "run_scenario"), "sweep": ("sim.sweep", "run_sweep")}[verb]
    module = importlib.import_module(module)
    seen = {}
    real = getattr(module, name)

    def spy(*args, **kwargs):
        seen["workers"] = kwargs["workers"]
        return real(*args, **{**kwargs, "workers": 1})

    monkeypatch.setattr(sim.cli.common, "available_cores", lambda: 2)
    monkeypatch.setattr(module, name, spy)
    extra = ("--replicates", "2") if verb == "run" else ("--param", "firms.0.price=8,9")
    result = cvm(verb, TINY, *FAST, *extra, "--workers", "200", "--out", tmp_path / "r")
    assert result.code == 0, result.err
    assert seen["workers"] == 2
    assert "--workers 200 capped at 2" in result.err
