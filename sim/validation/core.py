"""The validation registry: each case states a published claim, runs the model and judges it.

A case is a function that runs scenarios through ``run_scenario`` and returns an ``Outcome``
(what was measured, the 95 % interval over replicates, what the claim expects, pass or fail).
A case whose mechanism is not in the model yet reports ``pending`` — never a silent pass.
"""

from __future__ import annotations

import dataclasses
import math
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

PASS, FAIL, PENDING, ERROR = "pass", "fail", "pending", "error"


@dataclasses.dataclass
class Settings:
    """How hard a suite run works.

    Attributes:
        replicates: independent replicates per scenario (intervals are over these).
        seed: master seed; every case derives its runs from it.
        customers: population size of every case's market.
    """

    replicates: int = 5
    seed: int = 20240601
    customers: int = 3000


@dataclasses.dataclass
class Outcome:
    """What a case measured and whether the claim held.

    Attributes:
        measured: the measured quantity in words and numbers.
        interval: its 95 % interval over replicates, in words.
        expected: what the claim (or the formula) says it should be.
        passed: whether the claim held within the stated tolerance.
        numbers: the raw numbers, for tests and the docs.
    """

    measured: str
    interval: str
    expected: str
    passed: bool
    numbers: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Case:
    """One validation case.

    Attributes:
        key: short identifier (``cvm validate-model --case KEY``).
        title: one line.
        claim: the published claim, in words.
        source: where the claim comes from.
        scenario: the scenario that tests it, in words.
        check: runs the scenario(s) and returns an ``Outcome``.
        pending: returns why the case cannot run yet (a mechanism not in the model), or None.
    """

    key: str
    title: str
    claim: str
    source: str
    scenario: str
    check: Callable[[Settings], Outcome]
    pending: Callable[[], str | None] = lambda: None


CASES: dict[str, Case] = {}


def case(key: str, *, title: str, claim: str, source: str, scenario: str,
         pending: Callable[[], str | None] | None = None):
    """Decorator registering ``check(settings) -> Outcome`` as a validation case."""

    def deco(check: Callable[[Settings], Outcome]):
        CASES[key] = Case(key, title, claim, source, scenario, check, pending or (lambda: None))
        return check

    return deco


TABLE_COLUMNS = (
    "case", "title", "claim", "source", "scenario", "measured", "interval", "expected",
    "status", "seconds",
)


def run_case(c: Case, settings: Settings | None = None) -> dict[str, Any]:
    """Run one case; a row of the validation table (status pass, fail, pending or error)."""
    settings = settings or Settings()
    row: dict[str, Any] = {k: getattr(c, k) for k in ("title", "claim", "source", "scenario")}
    row["case"] = c.key
    start = time.perf_counter()
    try:
        reason = c.pending()
    except Exception as exc:  # the probe itself broke: report it with the case
        reason = None
        row.update(measured="—", interval="—", expected="—", status=ERROR,
                   reason=f"checking whether the case can run: {type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc())
    if row.get("status") == ERROR:
        pass
    elif reason:
        row.update(measured="—", interval="—", expected="—", status=PENDING, reason=reason)
    else:
        try:
            out = c.check(settings)
            row.update(measured=out.measured, interval=out.interval, expected=out.expected,
                       status=PASS if out.passed else FAIL, numbers=out.numbers, reason="")
        except Exception as exc:  # a broken case is reported, not hidden
            row.update(measured="—", interval="—", expected="—", status=ERROR,
                       reason=f"{type(exc).__name__}: {exc}",
                       traceback=traceback.format_exc())
    row["seconds"] = round(time.perf_counter() - start, 2)
    return row


def run_suite(keys: Iterable[str] | None = None, settings: Settings | None = None,
              progress: Callable[[str, dict], None] | None = None) -> pd.DataFrame:
    """Run the chosen cases (default all) and return the validation table.

    Raises:
        KeyError: an unknown case key.
    """
    keys = list(CASES) if keys is None else list(keys)
    unknown = [k for k in keys if k not in CASES]
    if unknown:
        raise KeyError(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}")
    rows = []
    for key in keys:
        row = run_case(CASES[key], settings)
        rows.append(row)
        if progress:
            progress(key, row)
    df = pd.DataFrame(rows)
    rest = [c for c in df.columns if c not in TABLE_COLUMNS]
    return df[list(TABLE_COLUMNS) + rest]


# -- statistics shared by the cases --------------------------------------------------------------
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
         9: 2.262, 10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042}


def t_quantile(df: int) -> float:
    """Two-sided 95 % Student-t quantile for ``df`` degrees of freedom (1.96 beyond 30)."""
    if df <= 0:
        return math.nan
    for k in sorted(_T975):
        if df <= k:
            return _T975[k]
    return 1.96


def mean_ci(values: Iterable[float]) -> tuple[float, float, float]:
    """Mean and 95 % t-interval over replicates (the interval collapses for one value)."""
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, m, m
    half = t_quantile(len(x) - 1) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return m, m - half, m + half


def fmt_ci(values: Iterable[float], digits: int = 3) -> str:
    """``mean [low, high]`` of ``values``."""
    m, lo, hi = mean_ci(values)
    return f"{m:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def per_replicate(firms: pd.DataFrame, metric: str, steps: slice | None = None) -> pd.DataFrame:
    """Mean of ``metric`` over the chosen steps, one row per replicate, one column per firm."""
    df = firms
    if steps is not None:
        lo = steps.start if steps.start is not None else df["step"].min()
        hi = steps.stop if steps.stop is not None else df["step"].max() + 1
        df = df[(df["step"] >= lo) & (df["step"] < hi)]
    return df.pivot_table(index="replicate", columns="firm", values=metric, aggfunc="mean",
                          sort=False)


def all_off() -> dict[str, bool]:
    """The ``mechanisms`` block that reduces the model to a plain logit market."""
    from sim.scenario.schema import Mechanisms

    return {name: False for name in Mechanisms.model_fields}


def strategy_registered(name: str) -> Callable[[], str | None]:
    """A ``pending`` check: the named firm strategy must be registered."""

    def check() -> str | None:
        from agents.strategies import names

        return None if name in names() else f"firm strategy {name!r} is not in the model yet"

    return check


def columns_present(*columns: str, nonzero: tuple[str, ...] = ()):
    """A ``pending`` check: a tiny run must report these firms-table columns (not all NaN).

    Columns named in ``nonzero`` must also take a non-zero value somewhere (a mechanism that is
    only a placeholder reports zeros).
    """

    def check() -> str | None:
        firms = _probe_firms()
        missing = [c for c in (*columns, *nonzero) if c not in firms or firms[c].isna().all()]
        missing += [c for c in nonzero if c in firms and not (firms[c].fillna(0) != 0).any()]
        if missing:
            return f"the model does not report {', '.join(missing)} yet"
        return None

    return check


_PROBE: dict[str, pd.DataFrame] = {}


def _probe_firms() -> pd.DataFrame:
    from sim import run_scenario

    if "firms" not in _PROBE:  # one probe run per process is enough
        _PROBE["firms"] = run_scenario(probe_scenario(), replicates=1, seed=1).firms
    return _PROBE["firms"]


def probe_scenario() -> dict:
    """A tiny two-firm market used to probe which mechanisms the model has."""
    return {
        "name": "probe",
        "steps": 8,
        "market": {
            "customers": 300,
            "dimensions": ["quality", "service"],
            "segments": [{"name": "all", "share": 1.0,
                          "weights": {"quality": 0.6, "service": 0.4}}],
        },
        "firms": [
            {"name": "A", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.5}},
            {"name": "B", "price": 9.0, "attributes": {"quality": 0.4, "service": 0.4}},
        ],
    }
