"""`cvm run` writes the contract's files and columns; the model is a real Mesa model."""

import json

import mesa
import pandas as pd
import pytest
import yaml

from sim import MarketModel, load_scenario
from sim.cli import main
from sim.matrix import CLOCK_LABELS

CONTRACT_COLUMNS = (
    "replicate step firm price pp puv clock_position share customers new_customers "
    "lost_customers satisfaction trust loyalty complaints profit revenue cash"
).split()


def test_run_writes_contract_outputs(tmp_path, tiny):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(tiny))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--replicates", "2", "--quiet"]) == 0
    assert {p.name for p in out.iterdir()} >= {"firms.csv", "firms.parquet", "segments.csv", "summary.json"}
    firms = pd.read_csv(out / "firms.csv")
    assert list(firms.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert len(firms) == 2 * tiny["steps"] * len(tiny["firms"])
    assert set(firms["clock_position"]) <= set(CLOCK_LABELS)
    assert pd.read_parquet(out / "firms.parquet").shape == firms.shape
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "tiny" and summary["replicates"] == 2 and summary["steps"] == tiny["steps"]
    assert len(summary["scenario_hash"]) == 64 and summary["seed"] == tiny["seed"]
    for stats in summary["firms"].values():
        assert stats["share"]["low"] <= stats["share"]["mean"] <= stats["share"]["high"]
    segments = pd.read_csv(out / "segments.csv")
    assert {"segment", "firm", "customers", "share"} <= set(segments.columns)


def test_existing_output_is_not_overwritten(tmp_path, tiny, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(tiny))
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    assert (out / "keep.txt").read_text() == "mine"
    assert "Traceback" not in capsys.readouterr().err


def test_model_is_a_mesa_model_with_firm_agents_and_inspectable_customers(tiny):
    model = MarketModel(load_scenario(tiny), seed=1)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == len(tiny["firms"])  # customers are arrays, not agents
    model.step()
    assert model.steps == 1
    c = model.customer(0)
    assert c.segment == "a" and c.supplier in {"Alpha", "Beta", "Gamma"}
    assert set(c.puv) == {"Alpha", "Beta", "Gamma"}
    # the relationship state is there too, consistent with the arrays
    pop = model.population
    assert c.rung[c.supplier] in {"customer", "client", "supporter", "advocate", "partner"}
    assert c.zone == (float(pop.adequate[0]), float(pop.desired[0])) and c.zone[0] < c.zone[1]
    assert c.tenure == int(pop.tenure[0]) >= 1
    assert set(c.opinion) == set(c.known_by) == set(c.share_of_wallet) == set(c.puv)
    f = model.firm_by_name[c.supplier].index
    assert c.share_of_wallet[c.supplier] == pytest.approx(float(pop.wallet[0, f]))


def test_shipped_baseline_runs(tmp_path):
    out = tmp_path / "b"
    assert main(["run", "baseline", "--out", str(out), "--steps", "3", "--quiet"]) == 0
    assert (out / "firms.csv").exists()


def test_results_folder_has_the_usual_permissions(tmp_path, tiny):
    import os
    import stat

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(tiny))
    out = tmp_path / "perm"
    assert main(["run", str(path), "--out", str(out), "--steps", "2", "--quiet"]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask
