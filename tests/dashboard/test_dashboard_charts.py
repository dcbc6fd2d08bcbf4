"""Chart builders and tables, tested without Streamlit: DataFrame in, Vega-Lite spec out."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dashboard import charts, tables
from sim.matrix import CLOCK_LABELS, FAILURE_POSITIONS, classify

SEGS = [("quality lovers", 1.5), ("service lovers", 1.0)]


def layer_data(spec: dict, mark: str) -> list[list[dict]]:
    """Rows of every layer with the given mark type (datasets resolved)."""
    out = []
    for layer in spec.get("layer", []):
        m = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        if m == mark:
            out.append(spec["datasets"][(layer.get("data") or spec["data"])["name"]])
    return out


def test_matrix_spec_names_every_firm_and_draws_their_paths(small_run):
    order = tables.firm_order(small_run.firms)
    chart = charts.matrix_chart(small_run.firms, 6, SEGS, order)
    spec = chart.to_dict()
    assert charts.spec_firms(chart) == {"Alpha", "Beta", "Gamma"}
    (path,) = layer_data(spec, "line")[1:]  # first line layer: iso-value lines
    assert {r["firm"] for r in path} == set(order)
    assert max(r["step"] for r in path) == 6  # the path stops at the chosen step
    assert "step 6" in spec["title"]
    labels = [r["label"] for rows in layer_data(spec, "text") for r in rows if "label" in r]
    assert sorted(lbl.split(" · ")[0] for lbl in labels) == ["Alpha", "Beta", "Gamma"]
    assert all(" · " in lbl for lbl in labels)  # each firm labelled with its clock position


def test_matrix_zones_are_the_eight_clock_positions_around_the_market_average(small_run):
    firms = small_run.firms
    spec = charts.matrix_chart(firms, 4, SEGS).to_dict()
    (zones,) = layer_data(spec, "rect")
    assert len(zones) == 9
    names = {z["zone"] for z in zones}
    assert names == {tables.clock_name(c) for c in CLOCK_LABELS}
    mp, mv = tables.market_average(firms, 4)
    centre = next(z for z in zones if z["zone"] == tables.clock_name("centre"))
    assert centre["x"] == pytest.approx(mp * 0.95) and centre["x2"] == pytest.approx(mp * 1.05)
    assert centre["y"] == pytest.approx(mv * 0.95) and centre["y2"] == pytest.approx(mv * 1.05)
    for z in zones:  # each zone's own label is what classify() says about points inside it
        inside = classify([(z["x"] + z["x2"]) / 2], [(z["y"] + z["y2"]) / 2], mp, mv)[0]
        assert z["zone"] == tables.clock_name(inside)
    failing = {tables.clock_name(c) for c in FAILURE_POSITIONS}
    assert {z["fill"] for z in zones if z["zone"] in failing} == {charts._FAIL_FILL}


def test_iso_value_lines_have_the_segment_price_sensitivity_as_slope(small_run):
    spec = charts.matrix_chart(small_run.firms, None, SEGS).to_dict()
    iso = layer_data(spec, "line")[0]
    mp, mv = tables.market_average(small_run.firms)
    for name, beta in SEGS:
        a, b = [r for r in iso if r["segment"] == name]
        assert (b["puv"] - a["puv"]) / (b["pp"] - a["pp"]) == pytest.approx(beta)
        # the line passes through the market average: equal net value with the average offer
        assert a["puv"] + beta * (mp - a["pp"]) == pytest.approx(mv)


def test_matrix_without_segments_or_data_still_builds(small_run):
    assert charts.spec_firms(charts.matrix_chart(small_run.firms)) == {"Alpha", "Beta", "Gamma"}
    empty = small_run.firms.iloc[0:0]
    assert "no data" in charts.matrix_chart(empty).to_dict()["title"]


def test_every_chart_gives_a_firm_the_same_colour(small_run):
    firms, segs = small_run.firms, small_run.segments
    order = tables.firm_order(firms)
    built = [
        charts.matrix_chart(firms, None, SEGS, order), charts.share_chart(firms, order),
        charts.band_chart(firms, "share", order=order),
        charts.metrics_chart(firms, ["satisfaction", "trust", "loyalty"], "r", order),
        charts.metrics_chart(firms, ["profit", "cash"], "m", order),
        charts.segment_chart(segs, order=order),
    ]
    expected = charts.firm_colours(order)
    for chart in built:
        text = json.dumps(chart.to_dict())
        scales = _firm_scales(chart.to_dict())
        assert scales, text[:200]
        for domain, rng in scales:
            assert dict(zip(domain, rng, strict=True)) == expected


def _firm_scales(node, found=None):
    found = [] if found is None else found
    if isinstance(node, dict):
        if node.get("field") == "firm" and isinstance(node.get("scale"), dict):
            found.append((node["scale"]["domain"], node["scale"]["range"]))
        for v in node.values():
            _firm_scales(v, found)
    elif isinstance(node, list):
        for v in node:
            _firm_scales(v, found)
    return found


def test_palette_is_distinct_and_stable():
    assert len(set(charts.PALETTE)) == len(charts.PALETTE)
    a = charts.firm_colours(["A", "B", "C"])
    assert a == charts.firm_colours(["A", "B", "C", "D"]) | {} or a.items() <= charts.firm_colours(
        ["A", "B", "C", "D"]).items()
    assert charts.firm_colours(["A"])["A"] == "#0072B2"  # Okabe-Ito blue first


def test_share_chart_stacks_mean_shares(small_run):
    spec = charts.share_chart(small_run.firms).to_dict()
    assert spec["encoding"]["y"]["stack"] == "zero"
    rows = pd.DataFrame(spec["datasets"][spec["data"]["name"]])
    sums = rows.groupby("step")["share"].sum()
    assert np.allclose(sums, 1.0, atol=1e-9)


def test_band_chart_has_a_real_band_with_replicates(small_run):
    spec = charts.band_chart(small_run.firms, "share").to_dict()
    rows = pd.DataFrame(spec["datasets"][spec["data"]["name"]])  # layers share one dataset
    assert (rows["high"] >= rows["low"]).all() and (rows["high"] > rows["low"]).any()
    assert "95% band" in spec["title"]
    one = small_run.firms[small_run.firms["replicate"] == 0]
    assert "95% band" not in charts.band_chart(one, "share").to_dict()["title"]


def test_bands_are_mean_plus_minus_1_96_standard_errors():
    df = pd.DataFrame({"step": [1, 1, 1], "firm": ["A"] * 3, "share": [0.1, 0.2, 0.3]})
    b = tables.bands(df, "share").iloc[0]
    half = 1.959963984540054 * 0.1 / np.sqrt(3)
    assert b["mean"] == pytest.approx(0.2)
    assert (b["low"], b["high"]) == pytest.approx((0.2 - half, 0.2 + half))


def test_absent_columns_degrade_gracefully(small_run):
    firms = small_run.firms.drop(columns=["trust", "loyalty"]).assign(satisfaction=0.4)
    spec = charts.metrics_chart(firms, ["satisfaction", "trust", "loyalty"], "t").to_dict()
    assert set(pd.DataFrame(spec["datasets"][spec["data"]["name"]])["metric"]) == {"satisfaction"}
    assert charts.metrics_chart(firms, ["nothing_here"], "t") is None
    no_ladder = firms.drop(columns=tables.ladder_columns(firms))
    assert charts.ladder_chart(no_ladder) is None


def test_ladder_chart_when_ladder_columns_exist(small_run):
    firms = small_run.firms.copy()
    rungs = tables.LADDER_RUNGS
    for i, rung in enumerate(reversed(rungs)):  # columns in a scrambled order
        firms[f"ladder_{rung}"] = float(i + 1)
    table = tables.ladder_table(firms)
    assert list(dict.fromkeys(table.sort_values("rung_rank")["rung"])) == list(rungs)
    assert np.allclose(table.groupby("firm")["fraction"].sum(), 1.0)
    spec = charts.ladder_chart(firms).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == list(rungs[1:])  # no prospects


def test_key_numbers_read_like_a_result(small_run):
    numbers = tables.key_numbers(small_run.firms)
    assert list(numbers["firm"]) == ["Alpha", "Beta", "Gamma"]
    assert numbers["share"].sum() == pytest.approx(1.0)
    first = small_run.firms[small_run.firms["step"] == 1].groupby("firm")["share"].mean()
    alpha = numbers.set_index("firm").loc["Alpha"]
    assert alpha["change (pts)"] == pytest.approx(100 * (alpha["share"] - first["Alpha"]))
    assert all(p in tables.CLOCK_NAMES.values() for p in numbers["position"])


def test_segment_chart_splits_each_segment_by_firm(small_run):
    spec = charts.segment_chart(small_run.segments).to_dict()
    rows = pd.DataFrame(spec["datasets"][spec["data"]["name"]])
    assert set(rows["segment"]) == {"quality lovers", "service lovers"}
    assert spec["encoding"]["x"]["stack"] == "normalize"


def _variants(small_run, bump: float) -> pd.DataFrame:
    a = small_run.firms.assign(variant="A")
    b = small_run.firms.assign(variant="B")
    b["share"] = b["share"] + bump
    return pd.concat([a, b], ignore_index=True)


def test_verdict_names_a_clear_winner_only_when_intervals_do_not_overlap(small_run):
    clear = tables.verdict(_variants(small_run, 0.2), firm="Beta").set_index("metric")
    assert clear.at["share", "winner"] == "B" and clear.at["share", "verdict"] == "clear winner"
    tie = tables.verdict(_variants(small_run, 0.0), firm="Beta").set_index("metric")
    assert tie.at["share", "verdict"].startswith("not distinguishable")


def test_compare_chart_facets_by_firm_and_colours_variants(small_run):
    spec = charts.compare_chart(_variants(small_run, 0.05), "share").to_dict()
    assert spec["facet"]["field"] == "firm"
    assert spec["spec"]["layer"][1]["encoding"]["color"]["scale"]["domain"] == ["A", "B"]


def test_sweep_chart_plots_metric_against_parameter():
    sweep = pd.DataFrame({"firms.0.price": [9, 9, 10, 10] * 2, "firm": ["A", "B"] * 4,
                          "replicate": [0, 0, 0, 0, 1, 1, 1, 1], "share": np.linspace(0, 1, 8)})
    spec = charts.sweep_chart(sweep, "firms.0.price", "share").to_dict()
    assert spec["layer"][1]["encoding"]["x"]["field"] == "firms\\.0\\.price" or \
        spec["layer"][1]["encoding"]["x"]["field"].replace("\\", "") == "firms.0.price"


def test_charts_export_as_png_and_svg(small_run):
    chart = charts.share_chart(small_run.firms)
    assert charts.chart_bytes(chart, "png").startswith(b"\x89PNG")
    svg = charts.chart_bytes(chart, "svg")
    assert svg.lstrip().startswith(b"<svg") and b"Market share over time" in svg
