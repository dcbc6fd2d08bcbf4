"""The sensitivity chart, and reading the folder it is drawn from.

One builder for both places that draw it: ``cvm report`` embeds :func:`sensitivity_spec` in
report.html, and the dashboard's Results page wraps the same specification in an Altair chart
(``dashboard.charts.sensitivity_chart``). The specification is plain Vega-Lite (a dict), because
the simulation core never imports Altair.

The chart ranks the parameters (rank 1 at the top) and draws, for each, the method's indices as
bars with their 95 % intervals as lines: Morris ``mu_star`` (with ``mu_star_conf``) and
``sigma`` (no interval); Sobol' ``ST`` and ``S1`` (each with its ``_conf``). A value that is not
finite (NaN, e.g. an interval SALib could not estimate) is written as ``null`` and not drawn.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

#: Index -> legend label, in drawing order per method (the ranking index first).
LABELS = {
    "morris": {"mu_star": "μ* (mean |effect|)", "sigma": "σ (spread of effects)"},
    "sobol": {"ST": "ST (total, with interactions)", "S1": "S1 (alone)"},
}
COLOURS = ("#0072B2", "#E69F00")  # Okabe–Ito blue and orange, as the dashboard's first firms
_NOTES = {
    "morris": "Bars: μ*, the mean absolute change of {output} when the parameter moves across "
              "its range (elementary effects, in units of {output}), with its bootstrap 95% "
              "interval (black line), and σ, the spread of those effects: large relative to μ* "
              "means a non-linear effect or interactions. Ranked by μ*.",
    "sobol": "Bars: ST, the share of the variance of {output} the parameter is involved in "
             "(interactions included), and S1, its share alone, each with its bootstrap 95% "
             "interval (black lines). Ranked by ST. With few samples the estimates are noisy "
             "and may fall outside 0–1.",
}


class SensitivityFolderError(ValueError):
    """A folder's sensitivity result cannot be read; the message says why, for a user."""


def is_sensitivity_dir(path: str | Path) -> bool:
    """Whether ``path`` holds a ``cvm sensitivity --out`` result (its sensitivity.csv)."""
    return (Path(path) / "sensitivity.csv").is_file()


def read_sensitivity(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """The ranking table (sensitivity.csv) and what was analysed (sensitivity.json).

    Without sensitivity.json (or with one from an older version) the method is recognised
    from the table's columns.

    Raises:
        SensitivityFolderError: missing or unreadable files, or a table without the columns
            of a Morris or Sobol' ranking.
    """
    path = Path(path)
    if not is_sensitivity_dir(path):
        raise SensitivityFolderError(f"{path} has no sensitivity.csv; give the --out folder of "
                                     "`cvm sensitivity`")
    try:
        table = pd.read_csv(path / "sensitivity.csv")
        meta_path = path / "sensitivity.json"
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise SensitivityFolderError(f"cannot read the sensitivity result in {path}: {exc}") \
            from None
    if not isinstance(meta, dict):
        meta = {}
    method = meta.get("method") or ("morris" if "mu_star" in table else "sobol")
    needed = {"rank", "parameter", *LABELS.get(method, {"?": ""})}
    if method not in LABELS or table.empty or not needed <= set(table.columns):
        missing = ", ".join(sorted(needed - set(table.columns))) or "rows"
        raise SensitivityFolderError(f"{path}/sensitivity.csv is not a sensitivity ranking "
                                     f"(missing {missing})")
    rank = pd.to_numeric(table["rank"], errors="coerce")
    if rank.isna().any():
        raise SensitivityFolderError(f"{path}/sensitivity.csv has a rank that is not a number")
    table = table.assign(rank=rank.astype(int)).sort_values("rank", kind="stable")
    return table.reset_index(drop=True), {**meta, "method": method}


def effects(table: pd.DataFrame, method: str) -> pd.DataFrame:
    """Long chart data: one row per parameter and index, in rank order.

    Columns: ``rank, parameter, range, index, label, value, low, high``. ``low``/``high`` are
    the 95 % interval (the ranking index's from the table, clipped at 0 as there; the other
    index's as value ± its ``_conf``), or NaN where there is none (``sigma``) or it is not
    finite.
    """
    rows = []
    ranking = str(table["index"].iat[0]) if "index" in table and len(table) else None
    for _, r in table.iterrows():
        for index, label in LABELS[method].items():
            value = _number(r.get(index))
            conf = _number(r.get(f"{index}_conf"))
            if index == ranking and "low" in r and "high" in r:
                low, high = _number(r["low"]), _number(r["high"])
            else:
                low, high = value - conf, value + conf
            rows.append({"rank": int(r["rank"]), "parameter": str(r["parameter"]),
                         "range": _range(r), "index": index, "label": label, "value": value,
                         "low": low, "high": high})
    return pd.DataFrame(rows, columns=["rank", "parameter", "range", "index", "label", "value",
                                       "low", "high"])


def index_note(method: str, output: str) -> str:
    """What the chart's bars and lines mean, in a sentence or three (report and dashboard)."""
    return _NOTES[method].format(output=output)


def missing_note(count: int) -> str:
    """The sentence that says ``count`` numbers are not finite and how they are shown."""
    return (f"{count} estimate(s) or interval end(s) are not finite (NaN, e.g. an interval that "
            "cannot be estimated from so few samples): they are null in the chart's data, "
            "shown as n/a, and not drawn.")


def missing_numbers(data: pd.DataFrame) -> int:
    """How many estimates or interval ends of ``effects`` data are not finite (not drawn).

    ``sigma`` has no interval by design; its empty ends are not counted.
    """
    has_interval = data["index"] != "sigma"
    ends = data.loc[has_interval, ["low", "high"]]
    return int(data["value"].isna().sum() + ends.isna().to_numpy().sum())


def sensitivity_spec(table: pd.DataFrame, meta: dict, width: int = 520) -> dict:
    """Vega-Lite specification of the ranked effects with their 95 % intervals.

    Args:
        table: the ranking (sensitivity.csv, or ``SensitivityResult.table``).
        meta: at least ``method``; ``output``, ``firm`` and ``runs`` make the title.
        width: chart width in pixels.
    """
    method = meta["method"]
    data = effects(table, method)
    parameters = list(dict.fromkeys(data["parameter"]))
    labels = list(LABELS[method].values())
    y = {"field": "parameter", "type": "nominal", "sort": parameters,
         "title": "Parameter (rank 1 at the top)", "axis": {"labelLimit": 260}}
    offset = {"field": "label", "type": "nominal", "sort": labels}
    unit = meta.get("output", "output") if method == "morris" else "share of variance"
    tooltip = [{"field": "rank", "type": "quantitative"}, {"field": "parameter"},
               {"field": "range"}, {"field": "label", "title": "index"},
               {"field": "value", "type": "quantitative", "format": ".4g"},
               {"field": "low", "type": "quantitative", "format": ".4g", "title": "95% low"},
               {"field": "high", "type": "quantitative", "format": ".4g", "title": "95% high"}]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": _title(meta),
        "width": width, "height": {"step": 26 * len(labels) + 10},
        "data": {"values": _records(data)},
        "layer": [
            {"mark": {"type": "bar", "opacity": 0.85},
             "encoding": {"y": y, "yOffset": offset, "x": {
                 "field": "value", "type": "quantitative", "title": f"Effect ({unit})"},
                 "color": {"field": "label", "type": "nominal", "sort": labels, "title": "Index",
                           "scale": {"domain": labels, "range": list(COLOURS)},
                           "legend": {"orient": "bottom"}},
                 "tooltip": tooltip}},
            {"mark": {"type": "rule", "color": "#222", "strokeWidth": 2},
             "encoding": {"y": y, "yOffset": offset, "x": {"field": "low", "type": "quantitative"},
                          "x2": {"field": "high"}, "tooltip": tooltip}},
        ],
    }


def _title(meta: dict) -> str:
    what = f"{meta.get('output', 'output')} of {meta.get('firm', 'the firm')}"
    runs = f", {meta['runs']} runs" if meta.get("runs") else ""
    name = "Morris" if meta["method"] == "morris" else "Sobol'"
    return f"Sensitivity of {what} ({name}{runs}): effects with 95% intervals"


def _range(row: pd.Series) -> str:
    low, high = _number(row.get("low_bound")), _number(row.get("high_bound"))
    return "" if math.isnan(low) or math.isnan(high) else f"{low:g}:{high:g}"


def _number(value) -> float:
    """``value`` as a finite float, or NaN (missing, text, ±inf)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN as None (JSON ``null``)."""
    clean = df.astype(object).where(pd.notna(df), None)
    return clean.to_dict(orient="records")
