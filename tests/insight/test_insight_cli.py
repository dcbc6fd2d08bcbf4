"""The validate-model, sensitivity and calibrate verbs: happy paths, and exit 2 on bad input."""

import json
import re

import pandas as pd
import pytest
import yaml

from sim import run_scenario
from sim.cli import main


@pytest.fixture
def scenario_file(tmp_path, tiny):
    tiny["steps"] = 6
    tiny["market"]["customers"] = 800
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny))
    return path


@pytest.fixture
def observed_file(tmp_path, tiny):
    tiny["steps"] = 6
    tiny["market"]["customers"] = 800
    path = tmp_path / "shares.csv"
    run_scenario(tiny, seed=8).firms[["step", "firm", "share"]].to_csv(path, index=False)
    return path


@pytest.mark.parametrize("argv", [
    ["sensitivity", "{scenario}"],                                          # no --param
    ["sensitivity", "{scenario}", "--param", "firms.0.price"],              # no range
    ["sensitivity", "{scenario}", "--param", "firms.0.price=9:8"],          # LOW >= HIGH
    ["sensitivity", "{scenario}", "--param", "nothing.here=1:2"],           # no such path
    ["sensitivity", "{scenario}", "--param", "firms.0.price=8:12", "--firm", "Zeta"],
    ["sensitivity", "{scenario}", "--param", "firms.0.price=8:12", "--output", "joy"],
    ["sensitivity", "{scenario}", "--param", "firms.0.price=8:12", "--method", "fast"],
    ["sensitivity", "{scenario}", "--param", "firms.0.price=8:12", "--samples", "0"],
    ["sensitivity", "missing.yaml", "--param", "firms.0.price=8:12"],
    ["calibrate", "{scenario}", "--observed", "missing.csv", "--param",
     "market.segments.0.price_sensitivity=0.5:3"],
    ["calibrate", "{scenario}", "--observed", "{scenario}", "--param",
     "market.segments.0.price_sensitivity=0.5:3"],                          # not a shares CSV
    ["calibrate", "{scenario}", "--observed", "{observed}"],                # no --param
    ["calibrate", "{scenario}", "--observed", "{observed}", "--param",
     "market.segments.0.price_sensitivity=0.5:3", "--evaluations", "1"],
    ["validate-model", "--case", "no_such_case"],
    ["validate-model", "--replicates", "1"],
])
def test_bad_input_exits_2_without_traceback(argv, scenario_file, observed_file, capsys):
    argv = [a.format(scenario=scenario_file, observed=observed_file) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_sensitivity_verb_writes_ranking(scenario_file, tmp_path, capsys):
    out = tmp_path / "sens"
    argv = ["sensitivity", str(scenario_file), "--param", "firms.0.price=8:12", "--param",
            "firms.1.price=8:12", "--samples", "2", "--firm", "Alpha", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "firms.0.price" in text and "mu_star" in text
    table = pd.read_csv(out / "sensitivity.csv")
    assert table["parameter"].iat[0] == "firms.0.price"
    assert len(pd.read_csv(out / "samples.csv")) == 2 * 3
    assert json.loads((out / "sensitivity.json").read_text())["firm"] == "Alpha"
    assert main(argv) == 2  # refuses to overwrite without --force


def test_calibrate_verb_writes_a_valid_scenario(scenario_file, observed_file, tmp_path, capsys):
    out = tmp_path / "calibrated.yaml"
    argv = ["calibrate", str(scenario_file), "--observed", str(observed_file), "--param",
            "market.segments.1.price_sensitivity=0.5:3", "--evaluations", "8", "--out", str(out)]
    assert main(argv) == 0
    assert "RMSE" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0


def test_validate_model_verb_prints_table_and_writes_docs(tmp_path, capsys):
    doc = tmp_path / "validation.md"
    argv = ["validate-model", "--case", "logit_shares", "--case", "wom_asymmetry",
            "--replicates", "3", "--customers", "1500", "--write-docs", str(doc)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "[PASS   ] logit_shares" in out
    assert "wom_asymmetry" in out
    assert doc.read_text().startswith("# Model validation")
    assert main(["validate-model", "--list"]) == 0
    assert "strategy_clock" in capsys.readouterr().out


def test_calibrate_verb_reports_before_and_after_rmse(scenario_file, tmp_path, capsys):
    # observed = the scenario's own shares with its own seed: the start is optimal and kept
    observed = tmp_path / "own.csv"
    spec = yaml.safe_load(scenario_file.read_text())
    run_scenario(spec).firms[["step", "firm", "share"]].to_csv(observed, index=False)
    out = tmp_path / "calibrated.yaml"
    argv = ["calibrate", str(scenario_file), "--observed", str(observed), "--param",
            "market.segments.1.price_sensitivity=0.5:3", "--evaluations", "6", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    before, after = (float(x) for x in
                     re.search(r"RMSE before ([\d.]+), after ([\d.]+)", text).groups())
    assert after <= before and after == 0.0
    assert "start is kept" in text
    assert "RMSE before 0.0000, after 0.0000" in out.read_text()  # the fit heads the file
    written = yaml.safe_load(out.read_text())
    assert written["market"]["segments"][1]["price_sensitivity"] == \
        spec["market"]["segments"][1]["price_sensitivity"]
