"""The panel end to end: recorded from real runs, written with the results, read by the CLI."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from sim import run_scenario
from sim.cli import main
from sim.model import MarketModel
from sim.panel import PANEL_COLUMNS, brand_performance, panel_rng

SMALL = {
    "name": "panel-small", "steps": 20, "seed": 11, "replicates": 2,
    "market": {
        "customers": 300, "dimensions": ["quality", "service"],
        "segments": [
            {"name": "a", "share": 0.6, "weights": {"quality": 0.7, "service": 0.3}},
            {"name": "b", "share": 0.4, "weights": {"quality": 0.2, "service": 0.9},
             "volume": 2.0},
        ],
    },
    "firms": [
        {"name": "Alpha", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.5}},
        {"name": "Beta", "price": 9.0, "attributes": {"quality": 0.5, "service": 0.6}},
        {"name": "Gamma", "price": 11.0, "attributes": {"quality": 0.8, "service": 0.4}},
    ],
}


def small(**outputs) -> dict:
    spec = copy.deepcopy(SMALL)
    if outputs:
        spec["outputs"] = outputs
    return spec


def cli(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_panel_rows_are_the_sampled_customers_purchases():
    model = MarketModel(small(), seed=np.random.SeedSequence(5), panel=40)
    sampled = model.panel.customers.copy()
    assert len(sampled) == 40 and len(np.unique(sampled)) == 40
    pop = model.population
    for _ in range(6):
        model.step()
        bought = sampled[pop.bought[sampled]]
        rows = model.panel.frame().query(f"step == {model.steps}")
        assert rows["customer"].tolist() == bought.tolist()
        firms = [model.firms[f].name for f in pop.choice[bought]]
        assert rows["firm"].tolist() == firms
        assert rows["price_paid"].tolist() == [model.firm_by_name[f].price for f in firms]
        assert np.allclose(rows["satisfaction"], pop.satisfaction[bought, pop.choice[bought]],
                           equal_nan=True)
    table = model.panel.frame()
    assert tuple(table.columns) == PANEL_COLUMNS
    # segment b buys two units per purchase
    assert set(table.loc[table["segment"] == "b", "units"]) <= {2.0}
    assert set(table.loc[table["segment"] == "a", "units"]) <= {1.0}
    # switched: a different firm than at the customer's previous recorded purchase
    for _, group in table.groupby("customer"):
        firms = group["firm"].tolist()
        assert group["switched"].tolist()[1:] == [a != b for a, b in zip(firms[:-1], firms[1:], strict=True)]


def test_the_panel_sample_is_its_own_stream():
    seq = np.random.SeedSequence(5)
    a = panel_rng(seq).random(3)
    assert np.array_equal(a, panel_rng(np.random.SeedSequence(5)).random(3))
    assert not np.array_equal(a, np.random.default_rng(seq).random(3))
    assert seq.n_children_spawned == 0


def test_more_panel_members_than_customers_means_everybody():
    model = MarketModel(small(), seed=1, panel=10_000)
    assert np.array_equal(model.panel.customers, np.arange(300))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The small scenario written without a panel, with --panel 50 (workers 1 and 2; with 2,
    every replicate runs in a spawned worker, so the comparison is with the workers' panel)."""
    from sim import runner

    base = tmp_path_factory.mktemp("panel")
    scenario = base / "small.json"
    scenario.write_text(json.dumps(SMALL))
    dirs = {}
    for label, extra in (("plain", []), ("panel1", ["--panel", "50"]),
                         ("panel2", ["--panel", "50", "--workers", "2"])):
        dirs[label] = base / label
        runner.CALLER_TAKES_PART = "--workers" not in extra
        try:
            assert main(["run", str(scenario), "--out", str(dirs[label]), "--quiet", *extra]) == 0
        finally:
            runner.CALLER_TAKES_PART = True
    return dirs


def test_the_panel_changes_no_other_output(runs):
    plain, panel = runs["plain"], runs["panel1"]
    assert not (plain / "panel.parquet").exists() and (panel / "panel.parquet").is_file()
    for name in ("firms.csv", "segments.csv", "scenario.json"):
        assert (plain / name).read_bytes() == (panel / name).read_bytes(), name
    assert pd.read_parquet(plain / "firms.parquet").equals(pd.read_parquet(panel / "firms.parquet"))
    one, two = (json.loads((d / "summary.json").read_text()) for d in (plain, panel))
    one.pop("created"), two.pop("created")
    assert one == two
    marker = json.loads((panel / ".value-matrix-result").read_text())
    assert "panel.parquet" in marker["files"]


def test_the_panel_is_the_same_whatever_the_workers(runs):
    one = pd.read_parquet(runs["panel1"] / "panel.parquet")
    two = pd.read_parquet(runs["panel2"] / "panel.parquet")
    pd.testing.assert_frame_equal(one, two)
    assert sorted(one["replicate"].unique()) == [0, 1]
    assert one.groupby("replicate")["customer"].nunique().le(50).all()
    assert (one["step"].between(1, 20)).all()


def test_the_scenario_key_records_the_same_panel(tmp_path, runs):
    result = run_scenario(small(panel=50))
    written = pd.read_parquet(runs["panel1"] / "panel.parquet")
    pd.testing.assert_frame_equal(result.panel.reset_index(drop=True), written)
    assert run_scenario(small(panel=50), panel=0).panel is None


def test_panel_stats_prints_the_tables(runs, capsys):
    code, out, err = cli(capsys, "panel-stats", runs["panel1"])
    assert code == 0, err
    assert "penetr." in out and "duplication of purchase" in out
    for firm in ("Alpha", "Beta", "Gamma"):
        assert firm in out
    code, out, _ = cli(capsys, "panel-stats", runs["panel1"], "--json", "--replicate", "1",
                       "--from-step", "5", "--to-step", "15")
    assert code == 0
    data = json.loads(out)
    assert data["steps"][0] >= 5 and data["steps"][1] <= 15
    shares = [r["share"] for r in data["brand_performance"]]
    assert sum(shares) == pytest.approx(1.0)
    assert all(0 < r["penetration"] <= 1 and 0 <= r["sole_buyers"] <= 100
               for r in data["brand_performance"])
    assert all(a not in row for a, row in data["duplication"].items())
    code, out, _ = cli(capsys, "panel-stats", runs["panel1"], "--csv", "--by", "units")
    assert code == 0
    table = pd.read_csv(__import__("io").StringIO(out))
    panel = pd.read_parquet(runs["panel1"] / "panel.parquet")
    expected = brand_performance(panel, by="units")
    assert table["share"].to_numpy() == pytest.approx(expected["share"].to_numpy())


def test_panel_stats_refuses_a_run_without_a_panel(runs, capsys, tmp_path):
    code, _, err = cli(capsys, "panel-stats", runs["plain"])
    assert code == 2 and "panel.parquet not found" in err and "--panel" in err
    assert "Traceback" not in err
    code, _, err = cli(capsys, "panel-stats", tmp_path / "nowhere")
    assert code == 2 and "not a folder" in err
    code, _, err = cli(capsys, "panel-stats", runs["panel1"], "--from-step", "500")
    assert code == 2 and "no panel purchases" in err
    code, _, err = cli(capsys, "run", "nothing.yaml", "--panel", "-1")
    assert code == 2 and "--panel" in err


def test_the_panel_is_the_same_on_the_dask_backend():
    pytest.importorskip("distributed")
    local = run_scenario(small(panel=30), steps=8)
    remote = run_scenario(small(panel=30), steps=8, backend="dask", workers=1)
    pd.testing.assert_frame_equal(local.panel, remote.panel)
    pd.testing.assert_frame_equal(local.firms, remote.firms)
