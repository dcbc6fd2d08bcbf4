"""Sensitivity results in ``cvm report``: the ranked chart with intervals, offline, NaN-proof.

The folders come from real ``cvm sensitivity`` runs on a market where Alpha's own price
clearly matters and a colour nobody values cannot (``sensitivity_helpers``).
"""

from __future__ import annotations

import json
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from report_browser import render_offline

from sim.cli import main
from sim.sensitivity_chart import read_sensitivity, sensitivity_spec
from tests.insight.sensitivity_helpers import RANKED, write_sensitivity

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "source", "wbr"}


@pytest.fixture(scope="module")
def morris(tmp_path_factory) -> Path:
    return write_sensitivity(tmp_path_factory.mktemp("morris"), "morris", samples=6)


@pytest.fixture(scope="module")
def sobol(tmp_path_factory) -> Path:
    return write_sensitivity(tmp_path_factory.mktemp("sobol"), "sobol", samples=4)


def report_of(folder: Path) -> str:
    assert main(["report", str(folder), "--quiet"]) == 0
    return (folder / "report.html").read_text(encoding="utf-8")


def strict_json(text: str):
    """JSON as a browser reads it: NaN or Infinity is an error, not a number."""
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def embedded_specs(page: str) -> list[dict]:
    found = re.search(r"var specs = (.*);\n", page)
    assert found, "no chart specifications in the page"
    return strict_json(found.group(1))


class _Balance(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    def __init__(self):
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


def assert_well_formed(page: str) -> None:
    parser = _Balance()
    parser.feed(page)
    parser.close()
    assert parser.open == [], f"unclosed: {parser.open}"


def interval_rows(spec: dict) -> list[dict]:
    return [r for r in spec["data"]["values"] if r["index"] != "sigma"]


# -- the chart builder -------------------------------------------------------------------------
@pytest.mark.parametrize("method, indices", [("morris", ["mu_star", "sigma"]),
                                             ("sobol", ["ST", "S1"])])
def test_the_chart_ranks_parameters_by_effect(method, indices, request):
    table, meta = read_sensitivity(request.getfixturevalue(method))
    spec = sensitivity_spec(table, meta)
    rows = spec["data"]["values"]
    assert list(dict.fromkeys(r["parameter"] for r in rows)) == RANKED  # data in rank order
    assert [r["index"] for r in rows] == indices * 2
    for layer in spec["layer"]:  # and the axis keeps that order (not alphabetical)
        assert layer["encoding"]["y"]["sort"] == RANKED
    ranking = indices[0]
    price, colour = (next(r for r in rows if r["parameter"] == p and r["index"] == ranking)
                     for p in RANKED)
    assert price["rank"] == 1 and colour["rank"] == 2
    assert price["value"] > 0 and colour["value"] == pytest.approx(0.0, abs=1e-12)
    assert price["low"] > colour["high"]  # the price effect's interval clears colour's


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_every_interval_is_there_and_holds_its_estimate(method, request):
    table, meta = read_sensitivity(request.getfixturevalue(method))
    rows = interval_rows(sensitivity_spec(table, meta))
    assert len(rows) == (2 if method == "morris" else 4)
    for r in rows:
        assert all(math.isfinite(r[k]) for k in ("low", "value", "high")), r
        assert r["low"] <= r["value"] <= r["high"], r
    top = rows[0]
    assert top["high"] > top["low"]  # an interval, not a point, for the parameter that matters
    if method == "morris":  # sigma is drawn as a bar, without an interval
        sigma = [r for r in sensitivity_spec(table, meta)["data"]["values"]
                 if r["index"] == "sigma"]
        assert [r["low"] for r in sigma] == [None, None]
        assert sigma[0]["value"] == pytest.approx(table.loc[0, "sigma"])


# -- the report --------------------------------------------------------------------------------
def test_the_report_of_a_sensitivity_folder(morris):
    page = report_of(morris)
    assert_well_formed(page)
    assert "<script src" not in page and "cdn.jsdelivr" not in page and "vegaEmbed" in page
    assert "Sensitivity of share of Alpha — tiny" in page
    assert '<table id="ranking">' in page and 'data-chart="sensitivity"' in page
    assert "Final results" not in page
    specs = embedded_specs(page)
    assert len(specs) == 1
    rows = specs[0]["data"]["values"]
    assert list(dict.fromkeys(r["parameter"] for r in rows)) == RANKED
    table = pd.read_csv(morris / "sensitivity.csv")
    mu_star = [r for r in rows if r["index"] == "mu_star"]
    assert [r["value"] for r in mu_star] == pytest.approx(list(table["mu_star"]))
    assert [r["low"] for r in mu_star] == pytest.approx(list(table["low"]))
    # the ranking table lists the parameters in the same order
    body = page[page.index('<table id="ranking">'):]
    assert body.index(RANKED[0]) < body.index(RANKED[1])


def test_non_finite_numbers_are_written_as_null_and_said(morris, tmp_path):
    broken = tmp_path / "nan"
    shutil.copytree(morris, broken)
    table = pd.read_csv(broken / "sensitivity.csv")
    # what SALib gives when it cannot estimate an interval or a spread (too few samples)
    table.loc[0, ["mu_star_conf", "low", "high"]] = math.nan
    table.loc[1, "sigma"] = math.inf
    table.to_csv(broken / "sensitivity.csv", index=False)
    page = report_of(broken)
    assert_well_formed(page)
    rows = embedded_specs(page)[0]["data"]["values"]  # strict: a NaN here would fail
    top = next(r for r in rows if r["index"] == "mu_star" and r["rank"] == 1)
    assert top["low"] is None and top["high"] is None and top["value"] > 0
    assert next(r for r in rows if r["index"] == "sigma" and r["rank"] == 2)["value"] is None
    assert 'id="not-finite"' in page and "3 estimate(s) or interval end(s) are not finite" in page
    assert "n/a" in page[page.index('<table id="ranking">'):page.index("</table>")]


def test_sobol_report_shows_both_indices(sobol):
    page = report_of(sobol)
    assert_well_formed(page)
    rows = embedded_specs(page)[0]["data"]["values"]
    assert {r["index"] for r in rows} == {"S1", "ST"}
    assert "ST (total, with interactions)" in page and "S1 (alone)" in page


@pytest.mark.parametrize("files, message", [
    ({}, "neither a run (no firms.csv) nor a sensitivity result (no sensitivity.csv)"),
    ({"notes.txt": "mine"}, "neither a run"),
    ({"sensitivity.csv": "rank,parameter\n1,x\n"}, "is not a sensitivity ranking (missing"),
    ({"sensitivity.csv": "\"unclosed\n"}, "cannot read the sensitivity result"),
    ({"sensitivity.csv": "rank,parameter,mu_star,sigma\nfirst,x,1,1\n"}, "rank that is not"),
])
def test_a_folder_that_is_neither_exits_2_without_traceback(files, message, tmp_path, capsys):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "report.html").exists()


def test_the_table_alone_is_enough(tmp_path):
    """A folder without a usable sensitivity.json: the method is read off the columns."""
    (tmp_path / "sensitivity.csv").write_text("rank,parameter,mu_star,sigma\n1,x.y,0.5,0.1\n")
    (tmp_path / "sensitivity.json").write_text("[1, 2]")
    rows = embedded_specs(report_of(tmp_path))[0]["data"]["values"]
    assert [(r["parameter"], r["index"], r["value"]) for r in rows] == [
        ("x.y", "mu_star", 0.5), ("x.y", "sigma", 0.1)]
    assert rows[0]["low"] is None  # no mu_star_conf: no interval, and not made up


@pytest.mark.browser
def test_the_sensitivity_chart_renders_offline_in_chromium(morris):
    report = morris / "report.html"
    report_of(morris)
    chart, remote, errors = render_offline(report, """() => {
                const el = document.querySelector('.chart[data-chart=sensitivity]');
                return {rendered: el.dataset.rendered === 'true',
                        bars: el.querySelectorAll('svg .mark-rect path').length,
                        rules: el.querySelectorAll('svg .mark-rule line').length,
                        labels: [...el.querySelectorAll('svg .role-axis-label text')]
                                .map(t => t.textContent),
                        error: el.querySelector('.error') ? el.textContent : null};
            }""", "sensitivity-report.png")
    assert remote == [] and errors == []
    assert chart["rendered"] and chart["error"] is None, chart
    assert chart["bars"] == 4, chart  # mu* and sigma for each of the two parameters
    assert chart["rules"] >= 2, chart  # the intervals of mu* (colour's may be a zero-width line)
    names = [t for t in chart["labels"] if t in RANKED]
    assert names == RANKED, chart["labels"]  # price listed first: the ranking survives drawing
