"""Every invalid scenario in ``invalid/`` is refused with exactly the message in its ``.txt``.

The message is what a user sees on stderr from ``cvm validate FILE`` run in the fixture folder.
``cvm run`` refuses the same file with exit 2, writes nothing and shows no traceback.
Regenerate the expected messages (after reading every diff) with ``UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenarios_cli.conftest import HERE, UPDATE

INVALID = HERE / "invalid"
FIXTURES = sorted(INVALID.glob("*.yaml"))


def test_there_are_at_least_twenty_fixtures():
    assert len(FIXTURES) >= 20


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_validate_prints_the_exact_message(path: Path, cvm, monkeypatch):
    monkeypatch.chdir(INVALID)
    result = cvm("validate", path.name)
    expected = path.with_suffix(".txt")
    if UPDATE:
        expected.write_text(result.err)
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    assert result.err == expected.read_text()


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_run_refuses_and_writes_nothing(path: Path, cvm, tmp_path, monkeypatch):
    monkeypatch.chdir(INVALID)
    out = tmp_path / "out"
    result = cvm("run", path.name, "--out", out, "--quiet")
    assert result.code == 2
    assert result.err.startswith("error: ")
    assert "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []


def test_many_problems_are_all_reported_at_once_in_line_order(cvm, monkeypatch):
    monkeypatch.chdir(INVALID)
    lines = cvm("validate", "many_problems.yaml").err.splitlines()[1:]
    assert len(lines) >= 10
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers)


def test_a_file_over_the_size_limit_is_refused_before_parsing(cvm, tmp_path):
    from sim.scenario.loader import MAX_FILE_BYTES

    big = tmp_path / "big.yaml"
    big.write_text("name: x\n" + "# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    result = cvm("validate", big)
    assert result.code == 2
    assert f"the limit is {MAX_FILE_BYTES:,}" in result.err


def test_a_missing_file_suggests_a_shipped_name(cvm):
    result = cvm("validate", "baselin")
    assert result.code == 2
    assert "no such file, and no shipped scenario by that name (did you mean 'baseline'?)" in result.err


def test_a_folder_is_not_a_scenario(cvm, tmp_path):
    result = cvm("validate", tmp_path)
    assert result.code == 2
    assert "is a folder, not a scenario file" in result.err


def test_debug_shows_the_traceback(tmp_path):
    from sim.cli import main
    from sim.scenario import ScenarioError

    with pytest.raises(ScenarioError):
        main(["validate", str(INVALID / "nan_price.yaml"), "--debug"])


def test_a_hundred_thousand_nested_brackets_are_refused_without_recursion(cvm, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    result = cvm("validate", deep)
    assert result.code == 2
    assert result.err.endswith(":1:43: the document nests more than 40 levels deep; refused\n")
