"""The ``cvm`` verbs end to end (in-process): flags, overrides, presets, outputs, refusals."""

from __future__ import annotations

import json

import pytest

from tests.scenarios_cli.conftest import HERE

TINY = HERE / "tiny.yaml"
FAST = ("--preset", "smaller")


def test_validate_ok(cvm):
    result = cvm("validate", TINY)
    assert (result.code, result.out, result.err) == (0, "ok\n", "")


def test_validate_json_lists_problems(cvm):
    result = cvm("validate", TINY, "--set", "firms.0.price=-2", "--json")
    assert result.code == 2
    report = json.loads(result.out)
    assert report["ok"] is False
    assert report["problems"] == [{
        "file": "--set firms.0.price=-2", "line": None, "column": None, "path": "firms.0.price",
        "message": "input should be greater than 0 (got -2)"}]


@pytest.mark.parametrize("override, message", [
    ("market.customers", "--set market.customers: expected PATH=VALUE, e.g. market.customers=2000"),
    ("firms.7.price=3", "--set firms.7.price=3: firms.7: no such list item (the list has 3)"),
    ("firms.0.price=[1, 2", "--set firms.0.price=[1, 2: firms.0.price: value is not valid YAML"),
    ("firms.0.price=cheap", "--set firms.0.price=cheap: firms.0.price: input should be a valid "
                            "number, unable to parse string as a number (got 'cheap')"),
    ("market.custmers=10", "--set market.custmers=10: market.custmers: unknown key 'custmers' "
                           "(did you mean 'customers'?)"),
    ("steps.x=1", "--set steps.x=1: steps.x: cannot set inside a single value"),
])
def test_bad_overrides_exit_2_and_say_why(cvm, tmp_path, override, message):
    result = cvm("run", TINY, "--set", override, "--out", tmp_path / "o")
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "o").exists()


def test_preset_and_set_apply_in_order(tmp_path):
    from sim.scenario import load_scenario

    s = load_scenario(TINY, preset="smaller", overrides=["steps=5", "firms.1.price=7.5"])
    assert (s.market.customers, s.steps, s.replicates, s.firms[1].price) == (300, 5, 1, 7.5)


def test_unknown_preset_suggests(cvm):
    result = cvm("validate", TINY, "--preset", "gama_cheap")
    assert result.code == 2
    assert "no preset 'gama_cheap' (did you mean 'gamma_cheap'?); this file has: smaller, " \
           "gamma_cheap" in result.err


@pytest.mark.parametrize("flags, message", [
    (("--steps", "0"), "--steps must be at least 1, got 0"),
    (("--replicates", "-1"), "--replicates must be at least 1, got -1"),
    (("--seed", "-5"), "--seed must be >= 0, got -5"),
    (("--steps", "many"), "invalid int value: 'many'"),
    (("--frobnicate",), "unrecognized arguments: --frobnicate"),
])
def test_bad_flags_exit_2(cvm, tmp_path, flags, message):
    result = cvm("run", TINY, "--out", tmp_path / "o", *flags)
    assert result.code == 2
    assert message in result.err
    assert not (tmp_path / "o").exists()


def test_quiet_prints_nothing_and_writes_the_tables(cvm, tmp_path):
    out = tmp_path / "o"
    result = cvm("run", TINY, *FAST, "--out", out, "--quiet")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert {p.name for p in out.iterdir()} >= {"firms.csv", "firms.parquet", "segments.csv",
                                               "summary.json"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left behind


def test_json_summary_is_machine_readable(cvm, tmp_path):
    result = cvm("run", TINY, *FAST, "--out", tmp_path / "o", "--json")
    assert result.code == 0
    summary = json.loads(result.out)
    assert summary["scenario"] == "Tiny golden market"
    assert set(summary["firms"]) == {"Alpha", "Beta", "Gamma"}
    assert 0.99 < sum(f["share"]["mean"] for f in summary["firms"].values()) < 1.01


def test_table_is_printed_by_default(cvm, tmp_path):
    result = cvm("run", TINY, *FAST, "--out", tmp_path / "o")
    assert result.code == 0
    assert "Alpha" in result.out and "results written to" in result.out
    assert result.err == ""  # no progress bar when stderr is not a terminal


def test_progress_bar_draws_on_a_terminal(capsys):
    from sim.cli.common import Progress

    progress = Progress("running", enabled=True)
    progress(1, 4)
    progress(4, 4)
    err = capsys.readouterr().err
    assert "running [#######-----------------------] 1/4" in err
    assert err.endswith("4/4" + err.split("4/4")[-1]) and err.endswith("\n")


def test_existing_output_needs_force(cvm, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = cvm("run", TINY, *FAST, "--out", out)
    assert result.code == 2
    assert "exists and is not empty; choose another --out or add --force" in result.err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    # --force replaces only a previous result, never a folder holding the user's own files
    result = cvm("run", TINY, *FAST, "--out", out, "--force", "--quiet")
    assert result.code == 2 and "is not a Value Matrix result folder" in result.err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    (out / "keep.txt").unlink()
    assert cvm("run", TINY, *FAST, "--out", out, "--quiet").code == 0
    assert cvm("run", TINY, *FAST, "--out", out, "--force", "--quiet").code == 0
    assert (out / "firms.csv").exists()


def test_unwritable_output_is_refused_before_running(cvm, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = cvm("run", TINY, *FAST, "--out", blocker / "sub")
    assert result.code == 2
    assert "is not a writable folder" in result.err
    result = cvm("run", TINY, *FAST, "--out", blocker)
    assert result.code == 2 and "is a file, not a folder" in result.err


def test_impossible_run_is_refused_with_estimate_and_limit(cvm, tmp_path):
    result = cvm("run", TINY, "--set", "market.customers=100000000", "--out", tmp_path / "o")
    assert result.code == 2
    assert "this run would need about" in result.err
    assert "the limit on this machine is 8.0 GB" in result.err
    assert not (tmp_path / "o").exists()


def test_an_internal_error_is_one_line_without_traceback(cvm, tmp_path, monkeypatch):
    import sim.runner

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(sim.runner, "run_scenario", boom)
    result = cvm("run", TINY, *FAST, "--out", tmp_path / "o")
    assert result.code == 1
    assert "internal error: RuntimeError: kaboom" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "o").exists()


def test_schema_is_json_schema_with_titles(cvm):
    result = cvm("schema")
    schema = json.loads(result.out)
    assert "presets" in schema["properties"]
    for section in ("Firm", "Market", "Segment", "Mechanisms"):
        for spec in schema["$defs"][section]["properties"].values():
            target = schema["$defs"][spec["$ref"].split("/")[-1]] if "$ref" in spec else spec
            assert "title" in target


def test_list_shows_every_shipped_scenario(cvm):
    from sim.scenario import shipped_scenarios_dir

    result = cvm("list")
    names = [line.split()[0] for line in result.out.splitlines()]
    assert names == sorted(p.stem for p in shipped_scenarios_dir().glob("*.yaml"))
    assert "(invalid" not in result.out
    assert "lesson:" in cvm("list", "--lessons").out


def test_report_refuses_a_folder_that_is_not_a_run(cvm, tmp_path):
    result = cvm("report", tmp_path)
    assert result.code == 2
    assert "neither a run (no firms.csv) nor a sensitivity result" in result.err
    assert "give the --out folder of `cvm run`" in result.err


def test_docs_explain_every_key():
    """docs/scenarios.md carries a row for every key of the schema (regenerate the reference
    with ``python -m sim.scenario.reference --write docs/scenarios.md``)."""
    from pathlib import Path

    from sim.scenario.reference import field_rows
    from sim.scenario.schema import Scenario

    page = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()
    missing = [row[0] for row in field_rows(Scenario) if f"| {row[0]} |" not in page]
    assert not missing, f"undocumented keys {missing}; run python -m sim.scenario.reference " \
                        "--write docs/scenarios.md"
    undescribed = [row[0] for row in field_rows(Scenario) if not row[4]]
    assert not undescribed


def test_the_first_example_in_the_docs_is_a_valid_scenario(tmp_path):
    import re
    from pathlib import Path

    from sim.scenario import load_scenario

    page = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()
    example = tmp_path / "cafes.yaml"
    example.write_text(re.findall(r"```yaml\n(.*?)```", page, re.S)[0])
    assert load_scenario(example, preset="tiny").market.customers == 500


def test_a_failed_write_leaves_nothing_behind(cvm, tmp_path, monkeypatch):
    import pandas as pd

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full)
    result = cvm("run", TINY, *FAST, "--out", tmp_path / "o")
    assert result.code == 2
    assert "cannot write results to" in result.err and "No space left on device" in result.err
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_run_writes_nothing(cvm, tmp_path, monkeypatch):
    import sim.runner

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.runner, "run_scenario", interrupted)
    result = cvm("run", TINY, *FAST, "--out", tmp_path / "o")
    assert result.code == 130
    assert "nothing was written" in result.err
    assert list(tmp_path.iterdir()) == []


def test_editors_accept_every_shipped_scenario_and_flag_a_typo(cvm, tmp_path):
    """What a YAML language server sees with `cvm schema --out`: no false alarms, real typos."""
    import yaml

    from sim.scenario import shipped_scenarios_dir

    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "scenario.schema.json"
    assert cvm("schema", "--out", out).code == 0
    validator = jsonschema.Draft202012Validator(json.loads(out.read_text()))
    for path in sorted(shipped_scenarios_dir().glob("*.yaml")):
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert errors == [], (path.name, errors)
    typo = yaml.safe_load((HERE / "invalid" / "unknown_firm_key_missing_price.yaml").read_text())
    assert any("prise" in e.message for e in validator.iter_errors(typo))


def test_the_memory_estimate_stays_above_a_measured_run(tmp_path):
    """Run 100,000 customers in a fresh process and compare its peak memory with the estimate."""
    import subprocess
    import sys

    code = (
        "import resource, json\n"
        "from sim import load_scenario, run_scenario\n"
        "from sim.scenario.budget import estimate_bytes\n"
        "s = load_scenario('failure_positions', overrides=['market.customers=100000', 'steps=2',"
        " 'replicates=1'])\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "run_scenario(s)\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "print(json.dumps({'added': after - before, 'estimate': estimate_bytes(s)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    numbers = json.loads(done.stdout.strip().splitlines()[-1])
    assert numbers["estimate"] > 1.2 * numbers["added"], numbers


def test_python_run_and_sweep_refuse_an_impossible_run_before_allocating(tmp_path):
    """``run_scenario`` and ``run_sweep`` apply the same memory check as ``cvm run``."""
    from sim import ScenarioError, load_scenario, run_scenario
    from sim.sweep import parse_param, run_sweep

    huge = load_scenario(TINY, overrides=["market.customers=100000000"])
    with pytest.raises(ScenarioError, match="this run would need about"):
        run_scenario(huge, replicates=2, workers=2)
    out = tmp_path / "sweep"
    with pytest.raises(ScenarioError) as caught:
        run_sweep(TINY, [parse_param("market.customers=1000,100000000")], out, replicates=1)
    message = str(caught.value)
    assert "market.customers=100000000" in message and "the limit on this machine is 8.0 GB" in message
    assert not out.exists()  # nothing written


def test_sweep_cli_refuses_an_impossible_combination(cvm, tmp_path):
    result = cvm("sweep", TINY, "--param", "market.customers=1000,100000000",
                 "--out", tmp_path / "s")
    assert result.code == 2
    assert "this run would need about" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "s").exists()
