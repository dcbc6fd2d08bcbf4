"""Calibration: fit scenario parameters so simulated shares match observed shares over time.

``calibrate(scenario, observed, params)`` searches the parameter box (``PATH=LOW:HIGH``, as for
sensitivity) for the values whose simulated shares are closest to the observed ones in root
mean squared error, and returns the fit (RMSE, MAPE) and the calibrated scenario.

The starting point (the scenario's own values of the calibrated parameters) is always a
candidate when it lies in the box, evaluated first with the same seed and replicates as every
other candidate: the result is never worse than the scenario given, and on a tie the start is
kept. A start outside the box is reported (``start_in_range``, ``start_note``) and not a
candidate.

The search runs in two stages: a scrambled Sobol' design over the box (global: the share surface
can have flat or rugged regions), then bounded Nelder-Mead from the best design point
(``scipy.optimize.minimize``) from the best point so far (start or design). Every evaluation goes through ``run_scenario`` with the same seed
(common random numbers), so the objective is a deterministic function of the parameters.

Observed shares are a CSV file, long (``step,firm,share``) or wide (``step`` and one column per
firm). Only the (step, firm) cells given are fitted.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario import Problem, Scenario, ScenarioError
from sim.sensitivity import ParamRange, check_params, parse_param, with_values


@dataclasses.dataclass
class Calibration:
    """The result of a calibration.

    Attributes:
        values: best value found per parameter path.
        rmse: root mean squared error of shares at the best values.
        mape: mean absolute percentage error of shares (cells with observed share > 0), in %.
        initial_rmse: RMSE of the scenario as given, before calibration (same seed and
            replicates as the candidates). ``rmse <= initial_rmse`` whenever
            ``start_in_range``.
        scenario: the calibrated, validated scenario.
        history: one row per evaluation: parameter values and RMSE.
        fitted: observed and simulated shares per (step, firm) at the best values.
        evaluations: model runs made.
        start: the scenario's own value per parameter path (None where it has none).
        start_in_range: whether every start value lies in its range (then the start is a
            candidate and the result is never worse than it).
        start_note: why the start is not a candidate, or that it was kept ("" otherwise).
        start_kept: no candidate fitted strictly better, so the start itself is returned.
    """

    values: dict[str, float]
    rmse: float
    mape: float
    initial_rmse: float
    scenario: Scenario
    history: pd.DataFrame
    fitted: pd.DataFrame
    evaluations: int
    start: dict[str, float | None] = dataclasses.field(default_factory=dict)
    start_in_range: bool = False
    start_note: str = ""
    start_kept: bool = False

    @property
    def before_rmse(self) -> float:
        """RMSE of the scenario as given (alias of ``initial_rmse``)."""
        return self.initial_rmse

    @property
    def after_rmse(self) -> float:
        """RMSE of the calibrated scenario (alias of ``rmse``)."""
        return self.rmse


def read_observed(source: str | Path | pd.DataFrame, firms: Sequence[str]) -> pd.DataFrame:
    """Observed shares as a long table ``step, firm, share``.

    Raises:
        ScenarioError: unreadable file, missing columns, unknown firms, or shares outside [0, 1].
    """
    label = "observed" if isinstance(source, pd.DataFrame) else str(source)
    if isinstance(source, pd.DataFrame):
        df = source.copy()
    else:
        try:
            df = pd.read_csv(source)
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise _error(label, f"cannot read observed shares: {exc}") from None
    if "step" not in df.columns:
        raise _error(label, "needs a 'step' column (long: step,firm,share; or wide: step and "
                     "one column per firm)")
    if not {"firm", "share"} <= set(df.columns):
        wide = [c for c in df.columns if c != "step"]
        df = df.melt(id_vars="step", value_vars=wide, var_name="firm", value_name="share")
    df = df[["step", "firm", "share"]].dropna()
    unknown = sorted(set(df["firm"].astype(str)) - set(firms))
    if unknown:
        raise _error(label, f"unknown firm(s) {', '.join(unknown)}; the scenario has "
                     f"{', '.join(firms)}")
    steps = pd.to_numeric(df["step"], errors="coerce")
    share = pd.to_numeric(df["share"], errors="coerce")
    if steps.isna().any() or (steps < 1).any() or (steps != steps.round()).any():
        raise _error(label, "steps must be whole numbers from 1")
    if share.isna().any() or (share < 0).any() or (share > 1).any():
        raise _error(label, "shares must be numbers in [0, 1]")
    if df.empty:
        raise _error(label, "no observed shares")
    return pd.DataFrame({"step": steps.astype(int), "firm": df["firm"].astype(str),
                         "share": share.astype(float)}).reset_index(drop=True)


def fit_errors(simulated: pd.DataFrame, observed: pd.DataFrame) -> tuple[float, float, pd.DataFrame]:
    """RMSE and MAPE (%) of simulated against observed shares, and the joined table."""
    joined = observed.merge(simulated, on=["step", "firm"], how="left",
                            suffixes=("_observed", "_simulated"))
    joined["share_simulated"] = joined["share_simulated"].fillna(0.0)  # absent firm: no sales
    err = joined["share_simulated"] - joined["share_observed"]
    rmse = float(np.sqrt(np.mean(err**2)))
    pos = joined["share_observed"] > 0
    mape = float(np.mean(np.abs(err[pos]) / joined.loc[pos, "share_observed"]) * 100) \
        if pos.any() else math.nan
    return rmse, mape, joined


def simulated_shares(spec: Scenario, steps: int, replicates: int, seed: int) -> pd.DataFrame:
    """Mean share per (step, firm) over replicates, from ``run_scenario``."""
    from sim.runner import run_scenario

    firms = run_scenario(spec, replicates=replicates, seed=seed, steps=steps).firms
    return firms.groupby(["step", "firm"], as_index=False)["share"].mean()


def calibrate(
    scenario: Scenario | str | dict,
    observed: str | Path | pd.DataFrame,
    params: Sequence[ParamRange | str],
    replicates: int = 1,
    seed: int | None = None,
    design: int | None = None,
    max_evaluations: int = 60,
    progress: Callable[[int, float], None] | None = None,
) -> Calibration:
    """Fit ``params`` so the scenario's simulated shares match ``observed``.

    Args:
        scenario: the scenario to calibrate.
        observed: CSV path or DataFrame of observed shares (long or wide).
        params: ``ParamRange``s or ``PATH=LOW:HIGH`` strings.
        replicates: replicates per evaluation (their mean share is fitted).
        seed: the seed of every evaluation (default the scenario's).
        design: points of the initial Sobol' design (default 4 × parameters + 4, rounded down
            to a power of 2).
        max_evaluations: budget of model runs for the whole search.
        progress: called as ``progress(evaluations, best_rmse)``.

    Raises:
        ScenarioError: bad parameters or observed data.
    """
    from scipy.optimize import minimize
    from scipy.stats import qmc

    from sim.model import _coerce

    spec = _coerce(scenario)
    ranges = [p if isinstance(p, ParamRange) else parse_param(p) for p in params]
    check_params(spec, ranges)
    obs = read_observed(observed, [f.name for f in spec.firms])
    if replicates < 1 or max_evaluations < 2:
        raise _error("calibrate", "replicates must be >= 1 and max_evaluations >= 2")
    seed = spec.seed if seed is None else int(seed)
    steps = int(obs["step"].max())
    lows = np.array([p.low for p in ranges])
    span = np.array([p.high - p.low for p in ranges])
    start, start_in_range, start_note = _start_values(spec, ranges)
    history: list[dict] = []
    cache: dict[tuple, float] = {}
    best: dict = {}  # the best evaluation so far: rmse, mape, joined, values, unit

    def objective(unit: np.ndarray) -> float:
        unit = np.clip(unit, 0.0, 1.0)
        key = tuple(np.round(unit, 12))
        if key in cache:
            return cache[key]
        values = lows + unit * span
        sim = simulated_shares(with_values(spec, ranges, values), steps, replicates, seed)
        rmse, mape, joined = fit_errors(sim, obs)
        cache[key] = rmse
        history.append({**{p.path: v for p, v in zip(ranges, values, strict=True)},
                        "rmse": rmse})
        if not best or rmse < best["rmse"]:  # strict: on a tie the earlier (the start) stays
            best.update(rmse=rmse, mape=mape, joined=joined, values=values, unit=unit)
        if progress:
            progress(len(history), best["rmse"])
        return rmse

    extra_runs = 0
    if start_in_range:
        # the start is the first candidate, run exactly as the others (common random numbers)
        start_unit = np.divide(np.array([start[p.path] for p in ranges]) - lows, span,
                               out=np.zeros(len(ranges)), where=span > 0)
        initial_rmse = objective(start_unit)
    else:
        initial_rmse = fit_errors(simulated_shares(spec, steps, replicates, seed), obs)[0]
        extra_runs = 1
    n_design = max(1, min(design or 4 * len(ranges) + 4, max_evaluations - len(history) - 1))
    sampler = qmc.Sobol(d=len(ranges), scramble=True, rng=np.random.default_rng(seed))
    points = sampler.random_base2(int(math.floor(math.log2(n_design))))  # balanced: 2**m points
    for u in points:
        objective(u)
    remaining = max_evaluations - len(history)
    if remaining > 0:
        origin = best["unit"].copy()
        minimize(objective, origin, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(ranges),
                 options={"maxfev": remaining, "xatol": 1e-3, "fatol": 1e-5,
                          "initial_simplex": _simplex(origin, 0.1)})
    table = pd.DataFrame(history)
    values = {p.path: float(v) for p, v in zip(ranges, best["values"], strict=True)}
    kept = start_in_range and best["rmse"] >= initial_rmse
    if kept:
        values = {p.path: float(start[p.path]) for p in ranges}
        fitted_spec = spec
        start_note = "no candidate fitted better than the start; the start is kept"
    else:
        fitted_spec = with_values(spec, ranges, list(values.values()))
    return Calibration(values, best["rmse"], best["mape"], initial_rmse, fitted_spec, table,
                       best["joined"], len(history) + extra_runs, start, start_in_range,
                       start_note, kept)


def _start_values(spec: Scenario, ranges: Sequence[ParamRange]
                  ) -> tuple[dict[str, float | None], bool, str]:
    """The scenario's own value of each parameter, whether all lie in their ranges, and why not."""
    data = spec.model_dump(mode="json")  # defaults included: the values the model runs with
    start: dict[str, float | None] = {}
    problems = []
    for p in ranges:
        node = data
        for key in p.path.split("."):
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            elif isinstance(node, dict) and key in node:
                node = node[key]
            else:
                node = None
                break
        if node is None or isinstance(node, bool) or not isinstance(node, int | float):
            start[p.path] = None
            problems.append(f"{p.path} has no value in the scenario")
        else:
            start[p.path] = float(node)
            if not p.low <= node <= p.high:
                problems.append(f"{p.path} = {node:.4g} is outside {p.low:g}:{p.high:g}")
    if problems:
        return start, False, ("the start is not a candidate (" + "; ".join(problems)
                              + "); the result may fit worse than the scenario given")
    return start, True, ""


def _simplex(start: np.ndarray, size: float) -> np.ndarray:
    """A starting simplex around ``start`` that stays inside the unit box."""
    pts = [start]
    for i in range(len(start)):
        p = start.copy()
        p[i] = p[i] + size if p[i] + size <= 1 else p[i] - size
        pts.append(p)
    return np.array(pts)


def to_yaml(scenario: Scenario, note: str = "") -> str:
    """The scenario as YAML (defaults filled in), with an optional comment on top."""
    import yaml

    data = scenario.model_dump(mode="json", exclude_unset=True)
    head = "".join(f"# {line}\n" for line in note.splitlines())
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _error(label: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(label, None, None, "", message)])
