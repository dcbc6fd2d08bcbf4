"""The classroom's customer matrix is the Explore chart: clock zones, the market-average cross,
axes that stay put across rounds and are never zoomed to a sliver, labels that step aside."""

from __future__ import annotations

from dashboard.pages.classroom_common import matrix_chart
from tests.dashboard.test_dashboard_charts import layer_data

FIRMS = ("Team A", "Team B", "Team C", "Team D")


def _rows(rounds: int) -> list[dict]:
    """Four identical firms at round 1 (as in classroom_starter); they drift apart later."""
    rows = []
    for r in range(1, rounds + 1):
        for i, firm in enumerate(FIRMS):
            rows.append({"round": r, "firm": firm, "pp": 1.0 + 0.004 * (r - 1) * (i - 1.5),
                         "puv": 0.757 + 0.003 * (r - 1) * (i - 1.5), "share": 0.25,
                         "clock_position": "centre"})
    return rows


def _scales(spec: dict) -> set[tuple]:
    found = set()
    for layer in spec["layer"]:
        for channel in ("x", "y"):
            scale = layer.get("encoding", {}).get(channel, {}).get("scale")
            if scale and "domain" in scale:
                found.add((channel, tuple(round(v, 9) for v in scale["domain"])))
    return found


def test_zones_cross_and_stable_axes_across_rounds():
    rows = _rows(4)
    specs = [matrix_chart(rows, r).to_dict() for r in (1, 2, 4)]
    domains = [_scales(s) for s in specs]
    assert domains[0] == domains[1] == domains[2]  # the slider never rescales the axes
    for spec in specs:
        zones = layer_data(spec, "rect")[0]
        assert len(zones) == 9 and {"zone", "fill"} <= set(zones[0])
        assert any(layer["mark"].get("shape") == "cross" for layer in spec["layer"]
                   if isinstance(layer["mark"], dict))
    (_, (y0, y1)), = [d for d in domains[0] if d[0] == "y"]
    assert y1 - y0 > 0.2 * 0.757  # not zoomed to the data's 0.748-0.766


def test_labels_of_firms_at_the_same_offer_do_not_overlap():
    spec = matrix_chart(_rows(1), 1).to_dict()
    labels = [row for rows in layer_data(spec, "text") for row in rows if "label" in row]
    assert {row["firm"] for row in labels} == set(FIRMS)
    positions = sorted(row["label_puv"] for row in labels)
    (_, (y0, y1)), = [d for d in _scales(spec) if d[0] == "y"]
    gaps = [b - a for a, b in zip(positions, positions[1:], strict=False)]
    assert min(gaps) >= 0.04 * (y1 - y0)  # every label on its own line
    assert "round 1" in spec["title"]
