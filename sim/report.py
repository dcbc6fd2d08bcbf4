"""``report.html``: a self-contained page of a run directory, readable offline.

The page carries everything it needs: the Vega, Vega-Lite and vega-embed JavaScript (bundled by
``vl-convert-python``, which ships them), the chart specifications and the aggregated data. It
makes no network request, so it opens from an e-mail attachment, a USB stick or a classroom
machine without internet.

Charts: the customer matrix (each firm's path over time, the strategy-clock zones around the
market average and one iso-value line per segment), shares with replicate bands, satisfaction
and loyalty, profit, the relationship ladder (when the run has rung columns), and a table of
final results.

For a ``cvm sensitivity --out`` folder the page shows the ranking instead: a table and the
ranked effects with their 95 % intervals (``sim.sensitivity_chart``, the same chart as the
dashboard's Results page).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.matrix import DEFAULT_TOLERANCE
from sim.outputs import json_safe
from sim.sensitivity_chart import (
    SensitivityFolderError,
    effects,
    index_note,
    is_sensitivity_dir,
    missing_note,
    missing_numbers,
    read_sensitivity,
    sensitivity_spec,
)

LADDER_RUNGS = ("prospect", "customer", "client", "supporter", "advocate", "partner")
ZONE_COLOURS = {
    "hybrid": "#d9f0d3", "differentiation": "#e5f5e0", "low_price": "#e5f5e0",
    "focused_differentiation": "#f7fcf5", "low_price_low_value": "#f7fcf5",
    "centre": "#ffffff", "higher_price_standard_value": "#fde0dd",
    "higher_price_low_value": "#fcc5c0", "low_value_standard_price": "#fde0dd",
}
_GRID = (
    ("low_price_low_value", "low_price", "hybrid"),
    ("low_value_standard_price", "centre", "differentiation"),
    ("higher_price_low_value", "higher_price_standard_value", "focused_differentiation"),
)


_WANTED = "give the --out folder of `cvm run` or of `cvm sensitivity`"


class ReportError(Exception):
    """The folder is not a result folder (or the report cannot be built); a user-facing message."""


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``run_dir/report.html`` (or ``out``) from a ``cvm run`` or ``cvm sensitivity`` folder.

    Raises:
        ReportError: the folder is neither result, or its tables cannot be read.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ReportError(f"{run_dir} is not a folder; {_WANTED}")
    if (run_dir / "firms.csv").is_file():
        page = build_html(*read_run(run_dir))
    elif is_sensitivity_dir(run_dir):
        try:
            table, meta = read_sensitivity(run_dir)
        except SensitivityFolderError as exc:
            raise ReportError(str(exc)) from None
        page = build_sensitivity_html(table, meta)
    else:
        raise ReportError(f"{run_dir} is neither a run (no firms.csv) nor a sensitivity result "
                          f"(no sensitivity.csv); {_WANTED}")
    target = Path(out) if out else run_dir / "report.html"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target


def read_run(run_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict, dict]:
    """The firms and segments tables, summary.json and scenario.json of a run folder."""
    if not run_dir.is_dir():
        raise ReportError(f"{run_dir} is not a folder; {_WANTED}")
    if not (run_dir / "firms.csv").is_file():
        raise ReportError(f"{run_dir} has no firms.csv; give the --out folder of `cvm run`")
    try:
        firms = pd.read_csv(run_dir / "firms.csv")
        seg_path = run_dir / "segments.csv"
        segments = pd.read_csv(seg_path) if seg_path.is_file() else pd.DataFrame()
        summary = _read_json(run_dir / "summary.json")
        scenario = _read_json(run_dir / "scenario.json")
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ReportError(f"cannot read the run in {run_dir}: {exc}") from None
    needed = {"replicate", "step", "firm", "pp", "puv", "share"}
    if firms.empty or not needed <= set(firms.columns):
        missing = ", ".join(sorted(needed - set(firms.columns))) or "rows"
        raise ReportError(f"{run_dir}/firms.csv is not a firms table (missing {missing})")
    return firms, segments, summary, scenario


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


# -- the page ----------------------------------------------------------------------------------
def build_html(firms: pd.DataFrame, segments: pd.DataFrame, summary: dict, scenario: dict) -> str:
    """The whole report page of a run as one string."""
    title = str(summary.get("scenario") or scenario.get("name") or "Value Matrix run")
    meta = (f"{summary.get('steps', '?')} steps × {summary.get('replicates', '?')} replicate(s), "
            f"seed {summary.get('seed', '?')} · scenario hash "
            f"{str(summary.get('scenario_hash', ''))[:12]} · value-matrix "
            f"{summary.get('package_version', '?')} · {summary.get('created', '')}")
    return _page(title, str(scenario.get("description", "")), _lesson_block(scenario), meta,
                 "<h2>Final results</h2>\n" + final_table(firms, summary),
                 chart_specs(firms, segments, scenario))


def _page(title: str, description: str, lesson: str, meta: str, tables: str,
          charts: list[dict]) -> str:
    """The page around ``tables`` (HTML) and ``charts`` (key, title, note, spec), offline."""
    import vl_convert

    blocks = "\n".join(
        f'<section><h2>{html.escape(c["title"])}</h2><p class="note">{html.escape(c["note"])}</p>'
        f'<div class="chart" id="chart-{i}" data-chart="{html.escape(c["key"])}"></div></section>'
        for i, c in enumerate(charts)
    )
    bundle = vl_convert.javascript_bundle().replace("</script", "<\\/script")
    return _PAGE.format(
        title=html.escape(title), description=html.escape(description), lesson=lesson,
        meta=html.escape(meta), tables=tables, blocks=blocks, bundle=bundle,
        specs=_script_json([c["spec"] for c in charts]),
    )


def _lesson_block(scenario: dict) -> str:
    lesson = " ".join(str(scenario.get("lesson", "")).split())
    return f'<p class="lesson"><b>Lesson.</b> {html.escape(lesson)}</p>' if lesson else ""


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element (no "</script>" can close it early)."""
    text = json.dumps(json_safe(value), allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def final_table(firms: pd.DataFrame, summary: dict) -> str:
    """HTML table of final-step results per firm (mean and 95% interval over replicates)."""
    last = firms[firms["step"] == firms["step"].max()]
    per = summary.get("firms") or {}
    cols = [c for c in ("customers", "satisfaction", "trust", "revenue", "cash") if c in last]
    head = ["firm", "position", "share (95% CI)", "profit (95% CI)", "loyalty", *cols]
    rows = []
    for name, group in last.groupby("firm", sort=False):
        s = per.get(str(name), {})
        position = s.get("clock_position") or group["clock_position"].mode().iat[0]
        cells = [
            html.escape(str(name)),
            html.escape(str(position).replace("_", " ")),
            _ci(s.get("share"), group["share"], "{:.3f}"),
            _ci(s.get("profit"), group.get("profit"), "{:,.0f}"),
            _fmt(group["loyalty"].mean() if "loyalty" in group else None, "{:.3f}"),
            *(_fmt(group[c].mean(), "{:,.3f}" if c in ("satisfaction", "trust") else "{:,.0f}")
              for c in cols),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f'<table id="final"><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _ci(stat: dict | None, values: pd.Series | None, fmt: str) -> str:
    if stat and stat.get("mean") is not None:
        mean, low, high = stat["mean"], stat["low"], stat["high"]
    elif values is not None and len(values):
        mean = low = high = float(values.mean())
    else:
        return "–"
    if low == high:
        return fmt.format(mean)
    return f"{fmt.format(mean)} ({fmt.format(low)} – {fmt.format(high)})"


def _fmt(value: Any, fmt: str) -> str:
    try:
        return "–" if value is None or not math.isfinite(float(value)) else fmt.format(value)
    except (TypeError, ValueError):
        return "–"


# -- a sensitivity result ----------------------------------------------------------------------
def build_sensitivity_html(table: pd.DataFrame, meta: dict) -> str:
    """The report page of a ``cvm sensitivity`` result: the ranking as a table and a chart."""
    method, output = meta["method"], str(meta.get("output", "the output"))
    firm = str(meta.get("firm", "the firm"))
    data = effects(table, method)
    title = f"Sensitivity of {output} of {firm}"
    if meta.get("scenario"):
        title += f" — {meta['scenario']}"
    name = "Morris elementary effects" if method == "morris" else "Sobol' indices"
    what = (f"Which parameters drive {output} of {firm} (mean of its last "
            f"{meta.get('window', 5)} steps): {name}, parameters ranked from the most "
            "influential down.")
    facts = [f"{meta['runs']} runs" if meta.get("runs") else "",
             f"{meta['samples']} samples" if meta.get("samples") else "",
             f"{meta['replicates']} replicate(s) per point" if meta.get("replicates") else "",
             f"{meta['steps']} steps" if meta.get("steps") else "",
             f"seed {meta['seed']}" if meta.get("seed") is not None else "",
             f"value-matrix {meta['package_version']}" if meta.get("package_version") else "",
             str(meta.get("created", ""))]
    note = index_note(method, output)
    missing = missing_numbers(data)
    if missing:
        note += f" {missing_note(missing)}"
    tables = ("<h2>Ranking</h2>\n" + sensitivity_table(data)
              + (f'<p class="note" id="not-finite">{html.escape(missing_note(missing))}</p>'
                 if missing else ""))
    chart = {"key": "sensitivity", "title": "Ranked effects with 95% intervals", "note": note,
             "spec": sensitivity_spec(table, meta)}
    return _page(title, what, "", " · ".join(f for f in facts if f), tables, [chart])


def sensitivity_table(data: pd.DataFrame) -> str:
    """HTML table of the ranking: each index with its 95% interval (n/a where not finite)."""
    labels = list(dict.fromkeys(data["label"]))
    head = ["rank", "parameter", "range", *labels]
    rows = []
    for (rank, parameter), group in data.groupby(["rank", "parameter"], sort=False):
        cells = [str(rank), html.escape(str(parameter)), html.escape(str(group["range"].iat[0]))]
        for _, r in group.iterrows():
            cells.append(_estimate(r["value"], r["low"], r["high"], r["index"] != "sigma"))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return (f'<table id="ranking"><thead><tr>{header}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _estimate(value: float, low: float, high: float, interval: bool) -> str:
    def number(x: float) -> str:
        return f"{x:.4g}" if x is not None and math.isfinite(x) else "n/a"

    return f"{number(value)} ({number(low)} – {number(high)})" if interval else number(value)


# -- the charts --------------------------------------------------------------------------------
def chart_specs(firms: pd.DataFrame, segments: pd.DataFrame, scenario: dict) -> list[dict]:
    """Vega-Lite specifications with their data inlined, in page order."""
    by_step = _mean_by_step(firms)
    charts = [
        {"key": "matrix", "title": "Customer matrix",
         "note": "Each firm's mean perceived price (PP) and perceived use value (PUV) over time; "
                 "the dot is the last step. Shaded: strategy-clock zones around the market "
                 "average (green wins, red the failure positions). Dashed: for each segment, "
                 "the offers that give it the same net value as the market average — above "
                 "a line is better for that segment.",
         "spec": matrix_spec(by_step, scenario)},
        {"key": "share", "title": "Market share",
         "note": "Share of purchases per step: mean over replicates, band from the lowest to "
                 "the highest replicate.",
         "spec": band_spec(firms, "share", "Share of purchases")},
    ]
    for column, title, label in (
        ("satisfaction", "Satisfaction", "Mean satisfaction of the firm's customers"),
        ("loyalty", "Loyalty", "Mean loyalty of the firm's customers"),
        ("profit", "Profit", "Profit per step"),
    ):
        if column in firms and firms[column].notna().any():
            charts.append({"key": column, "title": title, "note": label + ", mean over replicates.",
                           "spec": band_spec(firms, column, label)})
    ladder = ladder_spec(firms)
    if ladder is not None:
        charts.append({"key": "ladder", "title": "Relationship ladder",
                       "note": "Customers on each rung of the ladder at the last step, mean "
                               "over replicates.", "spec": ladder})
    return charts


def _mean_by_step(firms: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("pp", "puv", "share") if c in firms]
    means = firms.groupby(["step", "firm"], sort=False)[cols].mean().reset_index()
    labels = firms.groupby(["step", "firm"], sort=False)["clock_position"].agg(
        lambda s: s.mode().iat[0]).reset_index()
    return means.merge(labels, on=["step", "firm"])


def _records(df: pd.DataFrame) -> list[dict]:
    clean = df.astype(object).where(pd.notna(df), None)
    return clean.to_dict(orient="records")


def matrix_spec(by_step: pd.DataFrame, scenario: dict) -> dict:
    """Customer matrix: firm paths, clock zones and iso-value lines per segment."""
    path = by_step.dropna(subset=["pp", "puv"]).sort_values(["firm", "step"])
    last_step = path["step"].max()
    final = path[path["step"] == last_step]
    pp0, puv0 = float(final["pp"].mean()), float(final["puv"].mean())
    xs = [path["pp"].min(), path["pp"].max(), pp0 * 0.8, pp0 * 1.2]
    ys = [path["puv"].min(), path["puv"].max(), puv0 * 0.8, puv0 * 1.2]
    x_lo, x_hi = _padded(xs)
    y_lo, y_hi = _padded(ys)
    zones = _zones(pp0, puv0, (x_lo, x_hi), (y_lo, y_hi))
    iso = _iso_lines(scenario, pp0, puv0, (x_lo, x_hi), (y_lo, y_hi))
    x = {"field": "pp", "type": "quantitative", "title": "Perceived price (PP)",
         "scale": {"domain": [x_lo, x_hi], "nice": False, "zero": False}}
    y = {"field": "puv", "type": "quantitative", "title": "Perceived use value (PUV)",
         "scale": {"domain": [y_lo, y_hi], "nice": False, "zero": False}}
    firm_colour = {"field": "firm", "type": "nominal", "title": "Firm"}
    layers: list[dict] = [
        {"data": {"values": zones}, "mark": {"type": "rect", "opacity": 0.8},
         "encoding": {"x": {**x, "field": "x0"}, "x2": {"field": "x1"},
                      "y": {**y, "field": "y0"}, "y2": {"field": "y1"},
                      "fill": {"field": "fill", "type": "nominal", "scale": None, "legend": None},
                      "tooltip": [{"field": "zone", "title": "Clock position"}]}},
        {"data": {"values": zones}, "mark": {"type": "text", "fontSize": 9, "color": "#777",
                                             "baseline": "top", "align": "left", "dx": 3, "dy": 3},
         "encoding": {"x": {**x, "field": "x0"}, "y": {**y, "field": "y1"},
                      "text": {"field": "label"}}},
    ]
    if iso:
        layers.append(
            {"data": {"values": iso}, "mark": {"type": "line", "strokeDash": [5, 4],
                                               "color": "#555", "clip": True},
             "encoding": {"x": {**x, "field": "x"}, "y": {**y, "field": "y"},
                          "detail": {"field": "segment"},
                          "tooltip": [{"field": "segment"}, {"field": "slope",
                                                             "title": "price sensitivity"}]}})
        ends = [p for p in iso if p["end"]]
        layers.append(
            {"data": {"values": ends}, "mark": {"type": "text", "fontSize": 9, "color": "#555",
                                                "align": "right", "dx": -2, "dy": -6},
             "encoding": {"x": {**x, "field": "x"}, "y": {**y, "field": "y"},
                          "text": {"field": "segment"}}})
    layers += [
        {"data": {"values": _records(path)}, "mark": {"type": "line", "point": False,
                                                     "strokeWidth": 2},
         "encoding": {"x": x, "y": y, "color": firm_colour, "order": {"field": "step"},
                      "tooltip": [{"field": "firm"}, {"field": "step"},
                                  {"field": "pp", "format": ".3f"},
                                  {"field": "puv", "format": ".3f"},
                                  {"field": "clock_position"}]}},
        {"data": {"values": _records(final)}, "mark": {"type": "point", "filled": True,
                                                      "size": 90},
         "encoding": {"x": x, "y": y, "color": firm_colour,
                      "tooltip": [{"field": "firm"}, {"field": "clock_position"},
                                  {"field": "share", "format": ".3f"}]}},
        {"data": {"values": _records(final)}, "mark": {"type": "text", "dx": 8, "dy": -8,
                                                      "align": "left", "fontWeight": "bold"},
         "encoding": {"x": x, "y": y, "text": {"field": "firm"}, "color": firm_colour}},
    ]
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 560,
            "height": 420, "layer": layers}


def _padded(values: list[float]) -> tuple[float, float]:
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    pad = (hi - lo) * 0.08 or 0.1
    return lo - pad, hi + pad


def _zones(pp0: float, puv0: float, xr: tuple[float, float], yr: tuple[float, float]) -> list[dict]:
    """The 3 × 3 clock grid around the market average (bands as in ``sim.matrix``)."""
    t = DEFAULT_TOLERANCE
    px = [xr[0], pp0 - t * abs(pp0), pp0 + t * abs(pp0), xr[1]]
    vy = [yr[0], puv0 - t * abs(puv0), puv0 + t * abs(puv0), yr[1]]
    zones = []
    for p in range(3):
        for v in range(3):
            name = _GRID[p][v]
            zones.append({"x0": px[p], "x1": px[p + 1], "y0": vy[v], "y1": vy[v + 1],
                          "zone": name, "fill": ZONE_COLOURS[name],
                          "label": name.replace("_", " ") if name != "centre" else ""})
    return zones


def _iso_lines(scenario: dict, pp0: float, puv0: float, xr: tuple[float, float],
               yr: tuple[float, float]) -> list[dict]:
    """Lines PUV = puv0 + b (PP − pp0): equal net value PUV − b·PP for segment sensitivity b."""
    segs = ((scenario.get("market") or {}).get("segments")) or []
    out = []
    for seg in segs:
        b = float(seg.get("price_sensitivity", 0.0))
        x_at = [xr[0], xr[1]]
        if b > 0:  # clip to the vertical extent so the label end stays in view
            x_at = [max(xr[0], pp0 + (yr[0] - puv0) / b), min(xr[1], pp0 + (yr[1] - puv0) / b)]
        for k, xv in enumerate(x_at):
            out.append({"segment": str(seg.get("name", "")), "slope": b, "x": xv,
                        "y": puv0 + b * (xv - pp0), "end": k == 1})
    return out


def band_spec(firms: pd.DataFrame, column: str, title: str) -> dict:
    """Mean line per firm over steps with a band from the lowest to the highest replicate."""
    stats = (firms.groupby(["step", "firm"], sort=False)[column]
             .agg(["mean", "min", "max"]).reset_index())
    x = {"field": "step", "type": "quantitative", "title": "Step"}
    colour = {"field": "firm", "type": "nominal", "title": "Firm"}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 560, "height": 260,
        "data": {"values": _records(stats)},
        "layer": [
            {"mark": {"type": "area", "opacity": 0.2},
             "encoding": {"x": x, "y": {"field": "min", "type": "quantitative", "title": title},
                          "y2": {"field": "max"}, "color": {**colour, "legend": None}}},
            {"mark": {"type": "line", "strokeWidth": 2},
             "encoding": {"x": x, "y": {"field": "mean", "type": "quantitative", "title": title},
                          "color": colour,
                          "tooltip": [{"field": "firm"}, {"field": "step"},
                                      {"field": "mean", "format": ".3f"},
                                      {"field": "min", "format": ".3f"},
                                      {"field": "max", "format": ".3f"}]}},
        ],
    }


def ladder_columns(firms: pd.DataFrame) -> dict[str, str]:
    """Rung name -> column, for columns like ``ladder_advocate`` or ``advocates``."""
    found = {}
    for rung in LADDER_RUNGS:
        for col in (f"ladder_{rung}", f"rung_{rung}", f"{rung}s", f"n_{rung}"):
            if col in firms.columns and col != "customers":
                found[rung] = col
                break
    return found if len(found) >= 3 else {}


def ladder_spec(firms: pd.DataFrame) -> dict | None:
    """Stacked bars of customers per rung per firm at the last step, or None without rungs."""
    cols = ladder_columns(firms)
    if not cols:
        return None
    last = firms[firms["step"] == firms["step"].max()]
    means = last.groupby("firm", sort=False)[list(cols.values())].mean()
    rows = [{"firm": firm, "rung": rung, "order": i, "customers": float(means.at[firm, col])}
            for firm in means.index for i, (rung, col) in enumerate(cols.items())]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 560, "height": 260,
        "data": {"values": rows}, "mark": "bar",
        "encoding": {
            "y": {"field": "firm", "type": "nominal", "title": "Firm"},
            "x": {"field": "customers", "type": "quantitative", "stack": "zero",
                  "title": "Customers"},
            "color": {"field": "rung", "type": "ordinal", "sort": list(cols),
                      "scale": {"scheme": "blues"}, "title": "Rung"},
            "order": {"field": "order"},
            "tooltip": [{"field": "firm"}, {"field": "rung"},
                        {"field": "customers", "format": ",.0f"}],
        },
    }


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} — Value Matrix report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em;
       color: #222; }}
h1 {{ margin-bottom: .2em; }} .meta {{ color: #666; font-size: .85em; }}
.lesson {{ background: #f4f8fb; border-left: 4px solid #4a90c2; padding: .6em .9em; }}
.note {{ color: #555; font-size: .9em; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: .92em; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .35em .7em; text-align: right; white-space: nowrap; }}
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) {{ text-align: left; }}
.chart {{ min-height: 120px; }} .error {{ color: #b00; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{description}</p>
{lesson}
<p class="meta">{meta}</p>
{tables}
{blocks}
<script>{bundle}</script>
<script>
(function () {{
  var specs = {specs};
  var done = 0;
  specs.forEach(function (spec, i) {{
    var el = document.getElementById("chart-" + i);
    vegaEmbed(el, spec, {{renderer: "svg", actions: false}}).then(function () {{
      el.setAttribute("data-rendered", "true");
    }}).catch(function (err) {{
      el.innerHTML = '<p class="error">This chart could not be drawn: ' + err + '</p>';
    }}).finally(function () {{
      done += 1;
      if (done === specs.length) document.body.setAttribute("data-charts-done", "true");
    }});
  }});
}})();
</script>
</body>
</html>
"""
