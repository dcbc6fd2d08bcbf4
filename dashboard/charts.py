"""Altair chart builders: a tidy DataFrame in, an Altair chart out. No Streamlit here.

Every chart colours firms with ``firm_scale(order)``, so a firm keeps one colour-blind-safe
colour (Okabe–Ito, then Paul Tol's muted set) across every chart of a run. Pass the same
``order`` (``tables.firm_order(firms)``) to every builder.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from dashboard import tables
from sim.matrix import DEFAULT_TOLERANCE, FAILURE_POSITIONS, classify

# Okabe & Ito (2008), then Paul Tol's "muted" scheme: distinguishable with colour-vision deficiency.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
    "#AA4499",
)
# Variants in Compare are not firms: a separate palette (Tol "bright") so nobody confuses them.
VARIANT_PALETTE = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")

PP_TITLE = "Perceived price (PP): price vs what customers expect to pay, plus time and effort"
PUV_TITLE = "Perceived use value (PUV): what the offer is worth to customers"
STEP_TITLE = "Step (period)"

# Zone fills: blue-ish where a position can win, orange-ish for the failure positions.
_ZONE_FILL = {
    "low_price_low_value": "#FFF6D5",
    "low_price": "#E3F1FB",
    "hybrid": "#CFE8F7",
    "differentiation": "#E3F1FB",
    "focused_differentiation": "#EEF6FB",
    "centre": "#F4F4F4",
}
_FAIL_FILL = "#FBE3D3"
_SHORT = {
    "low_price_low_value": "1 low price, low value",
    "low_price": "2 low price",
    "hybrid": "3 hybrid",
    "differentiation": "4 differentiation",
    "focused_differentiation": "5 focused differentiation",
    "higher_price_standard_value": "6 high price, std value ✗",
    "higher_price_low_value": "7 high price, low value ✗",
    "low_value_standard_price": "8 low value, std price ✗",
}


def firm_colours(order: Sequence[str]) -> dict[str, str]:
    """A stable colour per firm: the i-th firm of ``order`` gets the i-th palette colour."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(order)}


def firm_scale(order: Sequence[str]) -> alt.Scale:
    """The colour scale every chart uses for firms (its domain lists every firm)."""
    colours = firm_colours(order)
    return alt.Scale(domain=list(order), range=[colours[n] for n in order])


def _firm_color(order: Sequence[str], legend: bool = True) -> alt.Color:
    return alt.Color(
        "firm:N", scale=firm_scale(order), title="Firm",
        legend=alt.Legend() if legend else None,
    )


def _order(df: pd.DataFrame, order: Sequence[str] | None) -> list[str]:
    return list(order) if order else tables.firm_order(df)


# -- the customer matrix ---------------------------------------------------------------------
def matrix_chart(
    firms: pd.DataFrame,
    step: int | None = None,
    segments: Sequence[tuple[str, float]] = (),
    order: Sequence[str] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    height: int = 460,
) -> alt.LayerChart:
    """The customer matrix: PP on x, PUV on y, each firm's path up to ``step``.

    The eight strategy-clock zones are shaded around the market average at ``step`` (standard
    = within ``tolerance`` of it), and for each segment a dashed iso-value line runs through
    the market average: offers above or left of a segment's line give that segment more net
    value (PUV − price sensitivity × PP) than the average offer.

    Args:
        firms: the firms table (any number of replicates; their mean is drawn).
        step: the step shown (default the last); paths stop there.
        segments: ``(name, price_sensitivity)`` per segment for the iso-value lines.
        order: firm order for colours (default order of appearance).
        tolerance: relative half-width of the "standard" band (as in ``sim.matrix``).
        height: chart height in pixels.
    """
    order = _order(firms, order)
    means = tables.replicate_means(firms, ["pp", "puv", "share", "price"])
    means = means.dropna(subset=["pp", "puv"])
    if means.empty:
        return alt.layer(alt.Chart(pd.DataFrame({"x": []})).mark_point()).properties(
            title="Customer matrix (no data yet)", height=height)
    step = int(means["step"].max()) if step is None else int(step)
    now = means[means["step"] == step].copy()
    if now.empty:  # e.g. a firm-less step: show the nearest earlier one
        step = int(means.loc[means["step"] <= step, "step"].max())
        now = means[means["step"] == step].copy()
    mp, mv = float(now["pp"].mean()), float(now["puv"].mean())
    labels = classify(now["pp"], now["puv"], mp, mv, tolerance)
    now["position"] = [tables.clock_name(c) for c in labels]
    # every firm is labelled with its clock position (DESIGN §4), not only in the tooltip
    now["label"] = [f"{f} · {_SHORT.get(c, 'centre')}" for f, c in zip(now["firm"], labels, strict=True)]
    x0, x1 = _extent(means["pp"], mp, tolerance)
    y0, y1 = _extent(means["puv"], mv, tolerance)
    now["label_puv"] = _dodged(now, (x0, x1), (y0, y1))
    xs = alt.Scale(domain=[x0, x1], nice=False, zero=False)
    ys = alt.Scale(domain=[y0, y1], nice=False, zero=False)
    zones = _zones(mp, mv, tolerance, (x0, x1), (y0, y1))
    path = means[means["step"] <= step]
    color = _firm_color(order)
    x = alt.X("pp:Q", scale=xs, title=PP_TITLE)
    y = alt.Y("puv:Q", scale=ys, title=PUV_TITLE)
    layers = [
        alt.Chart(zones).mark_rect(opacity=0.9).encode(
            x=alt.X("x:Q", scale=xs, title=PP_TITLE), x2="x2:Q",
            y=alt.Y("y:Q", scale=ys, title=PUV_TITLE), y2="y2:Q",
            fill=alt.Fill("fill:N", scale=None),
            tooltip=[alt.Tooltip("zone:N", title="Clock zone")],
        ),
        alt.Chart(zones).mark_text(fontSize=10, color="#777777", opacity=0.9).encode(
            x=alt.X("lx:Q", scale=xs), y=alt.Y("ly:Q", scale=ys), text="short:N"),
    ]
    iso = _iso_lines(segments, mp, mv, (x0, x1))
    if not iso.empty:
        layers.append(alt.Chart(iso).mark_line(color="#666666", strokeWidth=1, opacity=0.7, clip=True).encode(
            x=alt.X("pp:Q", scale=xs), y=alt.Y("puv:Q", scale=ys),
            strokeDash=alt.StrokeDash("segment:N", title="Equal net value"),
            detail="segment:N",
        ))
    layers += [
        alt.Chart(path).mark_line(opacity=0.55, strokeWidth=2).encode(
            x=x, y=y, color=color, order="step:Q", detail="firm:N"),
        alt.Chart(now).mark_circle(opacity=0.95, stroke="white", strokeWidth=1).encode(
            x=x, y=y, color=color,
            size=alt.Size("share:Q", title="Share", scale=alt.Scale(range=[80, 900]), legend=None),
            tooltip=[
                alt.Tooltip("firm:N", title="Firm"), alt.Tooltip("price:Q", format=".2f"),
                alt.Tooltip("pp:Q", title="PP", format=".3f"),
                alt.Tooltip("puv:Q", title="PUV", format=".3f"),
                alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("position:N", title="Clock"),
            ],
        ),
        # labels point inwards: right of points in the left half, left of those in the right
        alt.Chart(now[now["pp"] <= (x0 + x1) / 2]).mark_text(
            align="left", dx=10, dy=-8, fontWeight="bold").encode(
            x=x, y=alt.Y("label_puv:Q", scale=ys), text="label:N",
            color=alt.Color("firm:N", scale=firm_scale(order), legend=None)),
        alt.Chart(now[now["pp"] > (x0 + x1) / 2]).mark_text(
            align="right", dx=-10, dy=-8, fontWeight="bold").encode(
            x=x, y=alt.Y("label_puv:Q", scale=ys), text="label:N",
            color=alt.Color("firm:N", scale=firm_scale(order), legend=None)),
        alt.Chart(pd.DataFrame({"pp": [mp], "puv": [mv]})).mark_point(
            shape="cross", size=120, color="#333333").encode(x=x, y=y),
    ]
    return alt.layer(*layers).properties(
        title=f"Customer matrix at step {step} (cross = market average)", height=height)


def _dodged(now: pd.DataFrame, xr: tuple[float, float], yr: tuple[float, float]) -> list[float]:
    """Where each firm's label goes, in PUV units: at its point, or stepped down out of the way.

    A label moves below the labels of firms whose points are close by (within 6 % of the x
    range and 5 % of the y range), so that firms at the same offer — every firm of a classroom
    game at round 0 — stay readable.
    """
    step_x, step_y = 0.06 * (xr[1] - xr[0]), 0.05 * (yr[1] - yr[0])
    placed: list[tuple[float, float]] = []  # (pp, label position) of the labels so far
    out = []
    for pp, puv in zip(now["pp"], now["puv"], strict=True):
        y = float(puv)
        while any(abs(pp - px) < step_x and abs(y - py) < step_y for px, py in placed):
            y -= step_y
        placed.append((pp, y))
        out.append(y)
    return out


def _extent(values: pd.Series, centre: float, tolerance: float) -> tuple[float, float]:
    lo = min(float(values.min()), centre * (1 - 3 * tolerance))
    hi = max(float(values.max()), centre * (1 + 3 * tolerance))
    pad = 0.12 * (hi - lo if hi > lo else abs(centre) or 1.0)
    return lo - pad, hi + pad


def _zones(mp: float, mv: float, tol: float, xr: tuple[float, float], yr: tuple[float, float]):
    """Nine rectangles (eight clock zones and the centre) with label positions.

    Corner zones are labelled at their centre; the thin "standard" bands near the chart's edge,
    so that labels do not pile up on the market average (the centre is marked, not labelled).
    """
    dx, dy = tol * abs(mp), tol * abs(mv)
    xe = [xr[0], mp - dx, mp + dx, xr[1]]
    ye = [yr[0], mv - dy, mv + dy, yr[1]]
    w, h = xr[1] - xr[0], yr[1] - yr[0]
    lx = [(xe[0] + xe[1]) / 2, mp, (xe[2] + xe[3]) / 2]
    ly = [(ye[0] + ye[1]) / 2, mv, (ye[2] + ye[3]) / 2]
    rows = []
    for pb in range(3):
        for vb in range(3):
            zone = classify([lx[pb]], [ly[vb]], mp, mv, tol)[0]
            x, y = lx[pb], ly[vb]
            if pb == 1 and vb != 1:
                y = yr[0] + 0.04 * h if vb == 0 else yr[1] - 0.04 * h
            if vb == 1 and pb != 1:
                x = xr[0] + 0.16 * w if pb == 0 else xr[1] - 0.16 * w
            rows.append({
                "x": xe[pb], "x2": xe[pb + 1], "y": ye[vb], "y2": ye[vb + 1], "lx": x, "ly": y,
                "zone": tables.clock_name(zone),
                "short": "" if zone == "centre" else _SHORT[zone],
                "fill": _FAIL_FILL if zone in FAILURE_POSITIONS else _ZONE_FILL[zone],
            })
    return pd.DataFrame(rows)


def _iso_lines(segments, mp: float, mv: float, xr: tuple[float, float]) -> pd.DataFrame:
    """Lines PUV = mv + β (PP − mp): equal net value with the market average, per segment."""
    rows = []
    for name, beta in segments:
        for xv in xr:
            rows.append({"segment": str(name), "pp": xv, "puv": mv + float(beta) * (xv - mp)})
    return pd.DataFrame(rows, columns=["segment", "pp", "puv"])


# -- time series -----------------------------------------------------------------------------
def share_chart(firms: pd.DataFrame, order: Sequence[str] | None = None) -> alt.Chart:
    """Market share over time as a stacked area (mean over replicates)."""
    order = _order(firms, order)
    data = tables.replicate_means(firms, ["share"])
    data["rank"] = data["firm"].map({n: i for i, n in enumerate(order)})
    return alt.Chart(data).mark_area(opacity=0.85).encode(
        x=alt.X("step:Q", title=STEP_TITLE),
        y=alt.Y("share:Q", stack="zero", title="Share of purchases", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=_firm_color(order), order=alt.Order("rank:Q"),
        tooltip=["step:Q", "firm:N", alt.Tooltip("share:Q", format=".1%")],
    ).properties(title="Market share over time", height=260)


def band_chart(
    firms: pd.DataFrame,
    metric: str,
    title: str | None = None,
    order: Sequence[str] | None = None,
    fmt: str = ",.3g",
    x: str = "step",
    x_title: str = STEP_TITLE,
) -> alt.LayerChart:
    """One line per firm (mean over replicates) with its 95% band when there are replicates."""
    order = _order(firms, order)
    data = tables.bands(firms, metric, by=(x, "firm"))
    color = _firm_color(order)
    xe = alt.X(f"{x}:Q", title=x_title)
    band = alt.Chart(data).mark_area(opacity=0.2).encode(
        x=xe, y=alt.Y("low:Q", title=title or metric), y2="high:Q", color=color)
    line = alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=xe, y=alt.Y("mean:Q", title=title or metric, axis=alt.Axis(format=fmt)), color=color,
        tooltip=[alt.Tooltip(f"{x}:Q"), "firm:N", alt.Tooltip("mean:Q", format=fmt),
                 alt.Tooltip("low:Q", format=fmt, title="95% low"),
                 alt.Tooltip("high:Q", format=fmt, title="95% high")])
    return alt.layer(band, line).properties(
        title=(title or metric) + (" (mean, 95% band over replicates)"
                                   if int(data["n"].max() if len(data) else 1) > 1 else ""),
        height=240)


def metrics_chart(
    firms: pd.DataFrame,
    metrics: Sequence[str],
    title: str,
    order: Sequence[str] | None = None,
) -> alt.FacetChart | None:
    """Small multiples, one panel per present metric, one line per firm; None if none present."""
    present = [m for m in metrics if tables.has_columns(firms, m)]
    if not present:
        return None
    order = _order(firms, order)
    long = tables.replicate_means(firms, present).melt(
        id_vars=["step", "firm"], value_vars=present, var_name="metric", value_name="value")
    base = alt.Chart().mark_line(strokeWidth=2).encode(
        x=alt.X("step:Q", title=STEP_TITLE), y=alt.Y("value:Q", title=None),
        color=_firm_color(order),
        tooltip=["step:Q", "firm:N", "metric:N", alt.Tooltip("value:Q", format=",.3g")],
    ).properties(width=230, height=180)
    return alt.FacetChart(
        data=long, spec=base, facet=alt.Facet("metric:N", title=None, sort=list(present)),
        columns=len(present), title=title,
    ).resolve_scale(y="independent")


def ladder_chart(firms: pd.DataFrame, step: int | None = None,
                 order: Sequence[str] | None = None) -> alt.Chart | None:
    """The relationship ladder per firm as 100% stacked bars; None when the run has no ladder.

    Prospects (who only know the firm) are left out: the bars show the firm's relationships.
    """
    data = tables.ladder_table(firms, step, prospects=False)
    if data.empty:
        return None
    order = _order(firms, order)
    rungs = list(dict.fromkeys(data.sort_values("rung_rank")["rung"]))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("firm:N", sort=order, title=None),
        x=alt.X("fraction:Q", stack="normalize", title="Share of the firm's relationships",
                axis=alt.Axis(format="%")),
        color=alt.Color("rung:N", sort=rungs, title="Rung (bottom → top)",
                        scale=alt.Scale(domain=rungs, scheme="viridis")),
        order=alt.Order("rung_rank:Q"),
        tooltip=["firm:N", "rung:N", alt.Tooltip("customers:Q", format=",.0f"),
                 alt.Tooltip("fraction:Q", format=".1%")],
    ).properties(title="Relationship ladder: customer → partner (prospects left out)",
                  height=70 + 38 * len(order))


def segment_chart(segments: pd.DataFrame, step: int | None = None,
                  order: Sequence[str] | None = None) -> alt.Chart:
    """Who buys from whom: each segment's purchases split by firm (100% stacked bars)."""
    data = tables.segment_table(segments, step)
    order = list(order) if order else list(pd.unique(data["firm"])) if len(data) else []
    data = data.assign(rank=data["firm"].map({n: i for i, n in enumerate(order)}))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("segment:N", title=None),
        x=alt.X("buyers:Q", stack="normalize", title="Share of the segment's purchases",
                axis=alt.Axis(format="%")),
        color=_firm_color(order), order=alt.Order("rank:Q"),
        tooltip=["segment:N", "firm:N", alt.Tooltip("buyers:Q", format=",.0f"),
                 alt.Tooltip("share:Q", format=".1%")],
    ).properties(title="Segments: who buys from whom",
                 height=70 + 44 * data["segment"].nunique())


# -- comparing runs --------------------------------------------------------------------------
def compare_chart(runs: pd.DataFrame, metric: str, title: str | None = None,
                  firms: Sequence[str] | None = None) -> alt.FacetChart:
    """Variants side by side: one panel per firm, one line + 95% band per variant.

    Args:
        runs: firms tables of several runs stacked, with a ``variant`` column.
        metric: the column to compare.
        title: chart title (default the metric).
        firms: firms (panels) to show, in order (default all).
    """
    firms = list(firms) if firms else tables.firm_order(runs)
    data = tables.bands(runs[runs["firm"].isin(firms)], metric, by=("variant", "step", "firm"))
    variants = list(pd.unique(runs["variant"]))
    color = alt.Color("variant:N", title="Variant",
                      scale=alt.Scale(domain=variants,
                                      range=[VARIANT_PALETTE[i % len(VARIANT_PALETTE)]
                                             for i in range(len(variants))]))
    band = alt.Chart().mark_area(opacity=0.2).encode(
        x=alt.X("step:Q", title=STEP_TITLE), y=alt.Y("low:Q", title=title or metric),
        y2="high:Q", color=color)
    line = alt.Chart().mark_line(strokeWidth=2).encode(
        x="step:Q", y=alt.Y("mean:Q", title=title or metric), color=color,
        tooltip=["variant:N", "firm:N", "step:Q", alt.Tooltip("mean:Q", format=",.3g"),
                 alt.Tooltip("low:Q", format=",.3g"), alt.Tooltip("high:Q", format=",.3g")])
    spec = alt.layer(band, line).properties(width=210, height=170)
    return alt.FacetChart(
        data=data, spec=spec, facet=alt.Facet("firm:N", title=None, sort=firms),
        columns=min(len(firms), 3), title=f"{title or metric}: mean and 95% band per variant",
    )


def sweep_chart(sweep: pd.DataFrame, param: str, metric: str,
                order: Sequence[str] | None = None) -> alt.LayerChart:
    """A sweep's final-step ``metric`` against a swept ``param``, per firm, with 95% bands."""
    data = sweep.copy()
    if not pd.api.types.is_numeric_dtype(data[param]):
        codes = {v: i for i, v in enumerate(pd.unique(data[param]))}
        data[param] = data[param].map(codes)
    return band_chart(data, metric, title=f"{metric} at the last step", order=order,
                      x=param, x_title=param)


def chart_bytes(chart, fmt: str) -> bytes:
    """The chart as a ``png`` or ``svg`` file (vl-convert); a standalone HTML page if that fails."""
    import io

    buf = io.BytesIO() if fmt == "png" else io.StringIO()
    try:
        chart.save(buf, format=fmt)
    except Exception:  # noqa: BLE001 - no renderer available: hand over something usable
        return chart.to_html().encode("utf-8")
    value = buf.getvalue()
    return value if isinstance(value, bytes) else value.encode("utf-8")


def spec_firms(chart) -> set[str]:
    """Firm names listed in a chart spec's firm colour scale (for tests and sanity checks)."""
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("field") == "firm" and isinstance(node.get("scale"), dict):
                found.update(node["scale"].get("domain") or [])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(chart.to_dict() if hasattr(chart, "to_dict") else chart)
    return found


# -- sensitivity -----------------------------------------------------------------------------
def sensitivity_chart(table: pd.DataFrame, meta: dict) -> alt.LayerChart:
    """Ranked effects of a sensitivity analysis with their 95% intervals.

    The report's chart (``sim.sensitivity_chart.sensitivity_spec``, one builder for both) as an
    Altair chart: Morris μ* and σ, or Sobol' ST and S1, one pair of bars per parameter, rank 1
    at the top, intervals as lines.

    Args:
        table: the ranking (sensitivity.csv or ``SensitivityResult.table``).
        meta: at least ``method``; ``output``, ``firm`` and ``runs`` make the title.
    """
    from sim.sensitivity_chart import sensitivity_spec

    return alt.LayerChart.from_dict(sensitivity_spec(table, meta))
