"""Values a scenario allows never crash a later command, and names round-trip or are refused.

- Money beyond the schema's bounds is refused (exit 2, file:line and field).
- Money inside the bounds can still overflow float64 through compounding cost shocks: the run
  says so in one note (no warning, no traceback), CSV and Parquet hold ±inf, every JSON output
  writes ``null`` (strict JSON: no ``Infinity``), and ``cvm report`` and ``cvm sweep`` work.
- ``1e6`` in a file is a number (YAML 1.2), not the text "1e6".
- Names with quotes, commas and any printable character round-trip through every output;
  names with a line break or a control character are refused.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from sim.scenario import load_scenario
from tests.scenarios_cli.conftest import HERE

BASE = (HERE / "tiny.yaml").read_text()


def _strict_json(text: str):
    """Parse as strict JSON: ``Infinity``, ``-Infinity`` and ``NaN`` are errors."""
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def _overflowing(tmp_path, steps: int = 104):
    """A scenario inside every bound whose fixed cost compounds past float64 (1e12 × 1000^99)."""
    events = "\n".join(f"  - {{at: {t}, type: cost_shock, firm: Alpha, fixed_factor: 1000}}"
                       for t in range(1, 101))
    text = (BASE.replace("{name: Alpha, price: 10.0,",
                         "{name: Alpha, price: 10.0, costs: {fixed: 1e12}, exit_after: null,")
            .replace("steps: 8", f"steps: {steps}").replace("customers: 1500", "customers: 300")
            + f"events:\n{events}\n")
    path = tmp_path / "overflow.yaml"
    path.write_text(text)
    return path


def test_exponent_notation_is_a_number(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("{name: Alpha, price: 10.0,",
                                 "{name: Alpha, price: 1e1, costs: {fixed: 2.5E+3},"))
    alpha = load_scenario(path).firms[0]
    assert alpha.price == 10.0 and alpha.costs.fixed == 2500.0
    quoted = tmp_path / "q.yaml"
    quoted.write_text(BASE.replace("{name: Alpha,", "{name: '1e3',"))
    assert load_scenario(quoted).firms[0].name == "1e3"  # quoted stays text


@pytest.mark.parametrize("field, text", [
    ("firms.0.costs.unit", "costs: {unit: 1e10}"),
    ("firms.0.costs.per_value", "costs: {per_value: 2e9}"),
    ("firms.0.costs.fixed", "costs: {fixed: 1e13}"),
    ("firms.0.cash", "cash: -1e16"),
    ("firms.0.exit_cash", "exit_cash: 1e300"),
    ("firms.0.programmes.advertising", "programmes: {advertising: 1e308}"),
    ("firms.0.programmes.internal_marketing", "programmes: {internal_marketing: 5e12}"),
    ("firms.0.programmes.quality_investment", "programmes: {quality_investment: 1e13}"),
    ("firms.0.programmes.relationship_cost", "programmes: {relationship_cost: 1e10}"),
    ("firms.0.programmes.targeting.budget", "programmes: {targeting: {budget: 1e13}}"),
    ("firms.0.programmes.participation.training",
     "programmes: {participation: {level: 0.5, training: 1e13}}"),
])
def test_money_beyond_the_bounds_is_refused_with_line_and_field(cvm, tmp_path, field, text):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("{name: Alpha, price: 10.0,", f"{{name: Alpha, price: 10.0, {text},"))
    result = cvm("validate", path)
    assert result.code == 2, result.err
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "Alpha" in t)
    assert re.search(rf"s\.yaml:{line}:\d+: {re.escape(field)}: ", result.err), result.err
    assert "Traceback" not in result.err
    out = tmp_path / "out"
    assert cvm("run", path, "--out", out, "--quiet").code == 2
    assert not out.exists()


def test_a_cost_shock_event_add_is_bounded(cvm, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE + "events:\n  - {at: 2, type: cost_shock, add: -1e300}\n")
    result = cvm("validate", path)
    assert result.code == 2 and "events.0.add: input should be greater than or equal to" in result.err


def test_overflowing_money_is_said_once_and_every_output_works(cvm, tmp_path):
    out = tmp_path / "run"
    result = cvm("run", _overflowing(tmp_path), "--out", out, "--quiet")
    assert result.code == 0, result.err
    assert "note: " in result.err and "overflowed to ±inf" in result.err
    assert "Warning" not in result.err and "Traceback" not in result.err
    firms = pd.read_csv(out / "firms.csv")
    alpha = firms[firms["firm"] == "Alpha"]
    assert np.isneginf(alpha["cash"].iloc[-1]) and np.isinf(alpha["fixed_cost"].iloc[-1])
    assert np.isneginf(pd.read_parquet(out / "firms.parquet").query("firm == 'Alpha'")["cash"]).any()
    # the other firms' books are untouched by Alpha's overflow: money is still conserved there
    beta = firms[(firms["firm"] == "Beta") & (firms["replicate"] == 0)]
    assert np.isfinite(beta["cash"]).all()
    assert np.allclose(np.diff(beta["cash"]), beta["profit"].iloc[1:])
    summary = _strict_json((out / "summary.json").read_text())
    assert summary["firms"]["Alpha"]["profit"]["mean"] is None  # no finite value: null
    assert math.isfinite(summary["firms"]["Beta"]["profit"]["mean"])
    # --json is strict JSON too
    as_json = cvm("run", _overflowing(tmp_path), "--out", out, "--force", "--json")
    assert as_json.code == 0, as_json.err
    _strict_json(as_json.out)
    # the report works, and its embedded data is strict JSON
    report = cvm("report", out)
    assert report.code == 0, report.err
    page = (out / "report.html").read_text()
    assert "Infinity" not in re.sub(r"<script>(?!\s*const).*?</script>", "", page, flags=re.S)
    # a folder holding a report is still a result: --force replaces it
    again = cvm("run", _overflowing(tmp_path), "--out", out, "--force", "--quiet")
    assert again.code == 0, again.err
    assert not (out / "report.html").exists()


def test_a_sweep_of_an_overflowing_market_completes(cvm, tmp_path):
    out = tmp_path / "sweep"
    result = cvm("sweep", _overflowing(tmp_path), "--param", "firms.1.price=8,9",
                 "--replicates", "2", "--out", out, "--quiet")
    assert result.code == 0, result.err
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 2 * 2 * 3  # combinations x replicates x firms
    assert np.isneginf(table.loc[table["firm"] == "Alpha", "cash"]).all()
    _strict_json((out / "sweep.json").read_text())


ODD = ['Say "hi", ok', "B'ß; <b>&amp;</b>", "comma,separated", " spaced ", "emoji 🙂 =1+1"]


def test_names_with_quotes_and_commas_round_trip_through_every_output(cvm, tmp_path):
    text = BASE
    for old, new in zip(("Alpha", "Beta", "Gamma"), ODD[:3], strict=True):
        text = text.replace(f"name: {old}", f"name: {json.dumps(new, ensure_ascii=False)}")
    text = text.replace("name: quality first", f"name: {json.dumps(ODD[3], ensure_ascii=False)}")
    text = text.replace("name: service first", f"name: {json.dumps(ODD[4], ensure_ascii=False)}")
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    out = tmp_path / "run"
    assert cvm("run", path, "--out", out, "--quiet").code == 0
    for table in (pd.read_csv(out / "firms.csv"), pd.read_parquet(out / "firms.parquet")):
        assert set(table["firm"]) == set(ODD[:3])
    assert set(pd.read_csv(out / "segments.csv")["segment"]) == set(ODD[3:])
    assert set(_strict_json((out / "summary.json").read_text())["firms"]) == set(ODD[:3])
    assert cvm("report", out).code == 0
    page = (out / "report.html").read_text()
    assert "<b>&amp;</b>" not in page.split("<script", 1)[0]  # escaped in the HTML table
    sweep = tmp_path / "sweep"
    assert cvm("sweep", path, "--param", "firms.1.price=8,9", "--out", sweep, "--quiet").code == 0
    assert set(pd.read_csv(sweep / "sweep.csv")["firm"]) == set(ODD[:3])


@pytest.mark.parametrize("where, old", [
    ("firms.0.name", "name: Alpha"),
    ("market.segments.0.name", "name: quality first"),
    ("name", "name: Tiny golden market"),
])
@pytest.mark.parametrize("bad", ["A\\nB", "tab\\there", "bell\\a", "line\\u2028sep", "cr\\r"])
def test_names_with_line_breaks_or_control_characters_are_refused(cvm, tmp_path, where, old, bad):
    path = tmp_path / "s.yaml"
    new = old.split(": ")[0] + f': "{bad}"'
    if where == "firms.0.name":  # events and other references use the name: keep them apart
        path.write_text(BASE.replace(old, new))
    else:
        path.write_text(BASE.replace(old, new, 1))
    result = cvm("validate", path)
    assert result.code == 2
    assert f": {where}: a name may not hold a line break or control character" in result.err
    assert "Traceback" not in result.err


def test_a_dimension_with_a_line_break_is_refused(cvm, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("dimensions: [quality, service]", 'dimensions: [quality, "ser\\nvice"]'))
    result = cvm("validate", path)
    assert result.code == 2 and "market.dimensions: a name may not hold a line break" in result.err


# -- property: whatever `cvm validate` accepts, run + report + sweep complete -------------------
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sim.scenario.schema import CASH_MAX, STEP_MONEY_MAX, UNIT_MONEY_MAX  # noqa: E402

TINY_POSITIVE = 5e-324  # the smallest positive double: "gt=0" lets it through


def _near(*edges):
    """Values at and near the given bounds, and ordinary ones."""
    return st.sampled_from(sorted(set(edges)))


@st.composite
def extreme_scenarios(draw) -> dict:
    n_firms = draw(st.integers(1, 3))
    firms = []
    for i in range(n_firms):
        firm = {
            "name": f"F{i}",
            "price": draw(_near(TINY_POSITIVE, 1e-9, 1.0, 10.0, 1e6, 1e9)),
            "attributes": {"quality": draw(_near(0.0, 0.5, 1.0))},
            "cash": draw(_near(-CASH_MAX, 0.0, 1e4, CASH_MAX)),
            "exit_after": draw(st.sampled_from([None, 1, 4])),
            "costs": {"unit": draw(_near(0.0, 2.0, UNIT_MONEY_MAX)),
                      "per_value": draw(_near(0.0, 6.0, UNIT_MONEY_MAX)),
                      "fixed": draw(_near(0.0, 1e3, STEP_MONEY_MAX))},
            "programmes": draw(st.fixed_dictionaries({}, optional={
                "advertising": _near(0.0, 100.0, STEP_MONEY_MAX),
                "internal_marketing": _near(0.0, 100.0, STEP_MONEY_MAX),
                "quality_investment": _near(0.0, 100.0, STEP_MONEY_MAX),
                "relationship_level": st.sampled_from(["basic", "partnership"]),
                "relationship_cost": _near(0.0, UNIT_MONEY_MAX),
                "targeting": st.fixed_dictionaries({"budget": _near(0.0, STEP_MONEY_MAX)}),
            })),
            "strategy": draw(st.sampled_from([{"type": "static"}, {"type": "undercut"},
                                              {"type": "adaptive"}, {"type": "best_response"}])),
        }
        firms.append(firm)
    events = draw(st.lists(st.one_of(
        st.builds(lambda at, f, a: {"at": at, "type": "cost_shock", "factor": f, "add": a},
                  st.integers(1, 3), _near(1e-9, 1.0, 1000.0),
                  _near(-UNIT_MONEY_MAX, 0.0, UNIT_MONEY_MAX)),
        st.builds(lambda at, f: {"at": at, "type": "cost_shock", "fixed_factor": f},
                  st.integers(1, 3), _near(0.0, 1000.0)),
    ), max_size=3))
    return {
        "name": "extreme", "steps": 3, "seed": draw(st.integers(0, 2**32 - 1)), "replicates": 1,
        "market": {
            "customers": draw(st.integers(1, 60)), "dimensions": ["quality"],
            "rationality": draw(_near(1e-9, 8.0, 200.0)),
            "segments": [{"name": "all", "share": 1.0, "weights": {"quality": 1.0},
                          "price_sensitivity": draw(_near(0.0, 1.0, 50.0)),
                          "heterogeneity": draw(_near(0.0, 2.0))}],
        },
        "firms": firms,
        "events": events,
        "mechanisms": {m: draw(st.booleans()) for m in ("loyalty", "word_of_mouth", "complaints")},
    }


@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(extreme_scenarios())
def test_what_validate_accepts_runs_reports_and_sweeps(cvm, tmp_path_factory, data):
    import yaml

    folder = tmp_path_factory.mktemp("extreme")
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    checked = cvm("validate", path)
    assert checked.code in (0, 2) and "internal error" not in checked.err, checked.err
    event("refused by validate" if checked.code else "accepted by validate")
    if checked.code:
        return
    for argv in (("run", path, "--out", folder / "run", "--quiet"),
                 ("report", folder / "run"),
                 ("sweep", path, "--param", "firms.0.price=1,2", "--out", folder / "sweep",
                  "--quiet")):
        result = cvm(*argv)
        assert result.code == 0, (argv[0], result.err)
        assert "internal error" not in result.err and "Traceback" not in result.err
        assert "Warning" not in result.err, (argv[0], result.err)
    _strict_json((folder / "run" / "summary.json").read_text())
    _strict_json((folder / "sweep" / "sweep.json").read_text())
    firms = pd.read_csv(folder / "run" / "firms.csv")
    shares = firms.groupby(["replicate", "step"])["share"].sum()
    assert ((shares - 1).abs() < 1e-9).all() or (shares == 0).any()
    money = firms[["cash", "profit", "revenue"]].to_numpy(float)
    assert not np.isnan(money).any()  # money is finite, or ±inf when it overflowed (said)
