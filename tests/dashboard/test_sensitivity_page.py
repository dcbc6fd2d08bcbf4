"""The Results page opens a ``cvm sensitivity --out`` folder and draws the ranked effects chart."""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest
from dash_helpers import charts, make_app, no_exceptions

from dashboard import charts as builders
from dashboard.runs import find_run_dirs, is_sensitivity_only, read_sensitivity_dir
from tests.insight.sensitivity_helpers import RANKED, write_sensitivity

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_sensitivity(tmp_path_factory.mktemp("dash"), "morris", samples=6)


def test_the_altair_chart_is_the_reports_chart_in_rank_order(folder):
    from sim.sensitivity_chart import read_sensitivity, sensitivity_spec

    table, meta = read_sensitivity(folder)
    spec = builders.sensitivity_chart(table, meta).to_dict()
    report = sensitivity_spec(table, meta)
    assert spec["title"] == report["title"]
    assert [layer["encoding"]["y"]["sort"] for layer in spec["layer"]] == [RANKED, RANKED]
    rows = next(iter(spec["datasets"].values()))  # Altair moves the inline rows to datasets
    assert rows == report["data"]["values"]
    assert list(dict.fromkeys(r["parameter"] for r in rows)) == RANKED


def test_the_folder_is_found_and_read(folder, tmp_path):
    assert folder in find_run_dirs(folder.parent)
    assert is_sensitivity_only(folder)
    table, meta, problems = read_sensitivity_dir(folder)
    assert problems == [] and meta["method"] == "morris" and list(table["parameter"]) == RANKED
    table, meta, problems = read_sensitivity_dir(tmp_path)
    assert table is None and "no sensitivity.csv" in problems[0]


def test_results_page_draws_the_sensitivity_chart(folder):
    at = make_app("results.py")
    no_exceptions(at)
    at.text_input(key="results_path").set_value(str(folder)).run()
    no_exceptions(at)
    assert not at.warning, [w.value for w in at.warning]
    specs = [c.proto.spec for c in charts(at)]
    assert len(specs) == 1
    spec = json.loads(specs[0])
    assert spec["title"].startswith("Sensitivity of share of Alpha (Morris, 18 runs)")
    assert spec["layer"][0]["encoding"]["y"]["sort"] == RANKED
    data = charts(at)[0].proto.datasets[0].data.data
    assert RANKED[0].encode() in data and RANKED[1].encode() in data
    assert any("μ*" in c.value for c in at.caption)  # what the bars mean, in words
    numbers = at.dataframe[0].value
    assert list(dict.fromkeys(numbers["parameter"])) == RANKED


def test_results_page_says_when_numbers_are_not_finite(folder, tmp_path):
    broken = tmp_path / "nan"
    shutil.copytree(folder, broken)
    table = pd.read_csv(broken / "sensitivity.csv")
    table.loc[0, ["mu_star_conf", "low", "high"]] = math.nan
    table.to_csv(broken / "sensitivity.csv", index=False)
    at = make_app("results.py")
    at.text_input(key="results_path").set_value(str(broken)).run()
    no_exceptions(at)
    assert any("2 estimate(s) or interval end(s) are not finite" in i.value for i in at.info)
    assert len(charts(at)) == 1
