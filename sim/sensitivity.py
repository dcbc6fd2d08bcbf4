"""Global sensitivity analysis: which scenario parameters drive a firm's outcome, with intervals.

``sensitivity(scenario, params, method="morris" | "sobol", samples=N, output="share", firm=...)``
samples the parameter box with SALib, runs every sample point through ``run_scenario`` (sample points in
parallel local processes with ``workers``, or as tasks on the runner's Dask cluster), and ranks
the parameters:

* **Morris** elementary effects (Morris 1991; Campolongo et al. 2007): ``mu_star`` (mean
  absolute effect of moving the parameter across its range) with its bootstrap 95 % interval,
  and ``sigma`` (non-linearity and interactions). ``samples`` trajectories, samples × (D + 1) runs.
* **Sobol** indices (Saltelli 2002/2010): first-order ``S1`` and total ``ST`` share of the
  output's variance, with bootstrap 95 % intervals. samples × (D + 2) runs; a power of 2.

Every sample point uses the same master seed (common random numbers), so differences between
points come from the parameters, not from the dice. The output is the chosen firms-table column
of the named firm, averaged over the last ``window`` steps and over replicates.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario import Problem, Scenario, ScenarioError, apply_override, validate_scenario

METHODS = ("morris", "sobol")


@dataclasses.dataclass(frozen=True)
class ParamRange:
    """A scenario parameter (dotted path) and the range to explore.

    Attributes:
        path: dotted path into the scenario, e.g. ``firms.0.price``.
        low: lower end of the range.
        high: upper end of the range.
    """

    path: str
    low: float
    high: float

    @property
    def integer(self) -> bool:
        """Whether the parameter takes whole numbers (e.g. ``market.customers``)."""
        return self.path.endswith(("customers", "steps", "enter_at")) or self.path == "seed"


_PARAM = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*=\s*([^:]+):([^:]+)\s*$")


def parse_param(text: str) -> ParamRange:
    """Read ``PATH=LOW:HIGH`` (e.g. ``firms.0.price=8:12``).

    Raises:
        ScenarioError: malformed text, non-numeric bounds, or ``LOW >= HIGH``.
    """
    m = _PARAM.match(text)
    if not m:
        raise _error(text, "expected PATH=LOW:HIGH, e.g. firms.0.price=8:12")
    path, low_text, high_text = m.groups()
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise _error(path, f"bounds must be numbers, got {low_text!r}:{high_text!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise _error(path, "bounds must be finite numbers")
    if low >= high:
        raise _error(path, f"LOW must be below HIGH, got {low:g}:{high:g}")
    return ParamRange(path, low, high)


def with_values(scenario: Scenario, params: Sequence[ParamRange], values: Sequence[float]):
    """The scenario with each parameter set to its value, validated.

    Raises:
        ScenarioError: a path that does not exist or a value the schema refuses.
    """
    data = scenario.model_dump(mode="json", exclude_unset=True)
    for p, v in zip(params, values, strict=True):
        value = int(round(v)) if p.integer else float(v)
        data = apply_override(data, f"{p.path}={value!r}", "--param")
    return validate_scenario(data, "--param")


def check_params(scenario: Scenario, params: Sequence[ParamRange]) -> None:
    """Refuse parameters that are not numbers of the scenario, or whose range is invalid.

    Raises:
        ScenarioError: one problem per bad parameter.
    """
    if not params:
        raise _error("--param", "give at least one --param PATH=LOW:HIGH")
    seen = set()
    data = scenario.model_dump(mode="json", exclude_unset=True)
    problems = []
    for p in params:
        if p.path in seen:
            problems.append(Problem("--param", None, None, p.path, "given twice"))
            continue
        seen.add(p.path)
        current = _lookup(data, p.path)
        if current is not None and (isinstance(current, bool)
                                    or not isinstance(current, int | float)):
            problems.append(Problem("--param", None, None, p.path,
                                    f"is not a number (it is {current!r})"))
            continue
        for bound in (p.low, p.high):
            try:
                with_values(scenario, [p], [bound])
            except ScenarioError as exc:
                problems += [dataclasses.replace(q, path=q.path or p.path) for q in exc.problems]
                break
    if problems:
        raise ScenarioError(problems)


def output_value(firms: pd.DataFrame, output: str, firm: str, window: int = 5) -> float:
    """Mean of ``output`` for ``firm`` over the last ``window`` steps and all replicates."""
    rows = firms[firms["firm"] == firm]
    if rows.empty:
        return math.nan
    last = rows["step"].max()
    rows = rows[rows["step"] > last - window]
    return float(pd.to_numeric(rows[output], errors="coerce").mean())


@dataclasses.dataclass
class SensitivityResult:
    """What a sensitivity analysis found.

    Attributes:
        table: one row per parameter, ranked (1 = most influential), with the method's indices
            and their 95 % intervals (``low``/``high`` around the ranking index).
        samples: one row per model run: the parameter values and the output (chart data).
        method: ``morris`` or ``sobol``.
        output: the firms-table column analysed.
        firm: the firm analysed.
        runs: model runs made.
        provenance: scenario name and hash, seed, samples, replicates, steps, window, the
            parameters' ranges, package version and time.
    """

    table: pd.DataFrame
    samples: pd.DataFrame
    method: str
    output: str
    firm: str
    runs: int
    provenance: dict[str, Any] = dataclasses.field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The sensitivity.json content: what was analysed, provenance, the ranking."""
        return {
            "method": self.method, "output": self.output, "firm": self.firm, "runs": self.runs,
            **self.provenance,
            "ranking": self.table[["rank", "parameter", "index", "value", "low", "high"]]
            .to_dict(orient="records"),
        }


def sensitivity(
    scenario: Scenario | str | dict,
    params: Sequence[ParamRange | str],
    method: str = "morris",
    samples: int = 8,
    output: str = "share",
    firm: str | None = None,
    replicates: int = 1,
    seed: int | None = None,
    steps: int | None = None,
    window: int = 5,
    workers: int = 1,
    backend: str | None = None,
    address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SensitivityResult:
    """Rank the parameters by their influence on ``output`` of ``firm``.

    Args:
        scenario: the base scenario (a ``Scenario``, a path or shipped name, or a mapping).
        params: ``ParamRange``s or ``PATH=LOW:HIGH`` strings.
        method: ``morris`` (screening; cheap) or ``sobol`` (variance shares; dearer).
        samples: Morris trajectories, or Sobol base samples (a power of 2).
        output: a numeric firms-table column (``share``, ``profit``, ``loyalty``, ...).
        firm: the firm whose output is analysed (default the first firm).
        replicates: replicates per sample point (the output is their mean).
        seed: master seed shared by every sample point (default the scenario's).
        steps: periods per run (default the scenario's).
        window: final steps averaged into the output.
        workers: processes running sample points in parallel (local processes, or the workers
            of a temporary Dask cluster).
        backend: ``"local"`` (default) or ``"dask"``: sample points become Dask tasks, each a
            ``run_scenario`` call on a worker.
        address: the Dask scheduler's address (``dask`` only; default a temporary local
            cluster).
        progress: called as ``progress(done, total)`` after each run.

    Raises:
        ScenarioError: a bad parameter, firm, output, method or sample count.
    """
    from sim.model import _coerce

    spec = _coerce(scenario)
    ranges = [p if isinstance(p, ParamRange) else parse_param(p) for p in params]
    check_params(spec, ranges)
    names = [f.name for f in spec.firms]
    firm = names[0] if firm is None else firm
    if firm not in names:
        raise _error("--firm", f"unknown firm {firm!r}; the scenario has {', '.join(names)}")
    if method not in METHODS:
        raise _error("--method", f"unknown method {method!r}; choose {' or '.join(METHODS)}")
    minimum = 2 if method == "morris" else 4
    if samples < minimum:
        raise _error("--samples", f"{method} needs at least {minimum} samples, got {samples}")
    if method == "sobol" and samples & (samples - 1):
        raise _error("--samples", f"sobol needs a power of 2 (e.g. 8, 16, 32), got {samples}")
    if replicates < 1 or window < 1 or workers < 1:
        raise _error("--replicates", "replicates, window and workers must be at least 1")
    seed = spec.seed if seed is None else int(seed)
    problem = {
        "num_vars": len(ranges),
        "names": [p.path for p in ranges],
        "bounds": [[p.low, p.high] for p in ranges],
    }
    x = _sample(problem, method, samples, seed)
    specs = [with_values(spec, ranges, point) for point in x]
    from sim.runner import portable_policies  # Python-registered strategies go with the points

    policies, workers = portable_policies(spec, backend or "local", workers)
    run = functools.partial(_run, replicates=replicates, seed=seed, steps=steps,
                            policies=policies or None)
    first = run(specs[0])  # in this process: a bad output fails fast
    if output not in first.columns:
        raise _error("--output", f"unknown output {output!r}; numeric firms columns: "
                     f"{', '.join(_numeric_columns(first))}")
    y = np.empty(len(x))
    y[0] = output_value(first, output, firm, window)
    if progress:
        progress(1, len(x))
    for i, firms in enumerate(_map(run, specs[1:], workers, backend, address), start=1):
        y[i] = output_value(firms, output, firm, window)
        if progress:
            progress(i + 1, len(x))
    if not np.isfinite(y).all():
        raise _error("--output", f"{output!r} of {firm} is undefined (NaN) in some runs; "
                     "choose another output or firm")
    table = _analyse(problem, method, x, y, ranges, seed)
    sample_table = pd.DataFrame(x, columns=problem["names"])
    sample_table[output] = y
    return SensitivityResult(table, sample_table, method, output, firm, len(x),
                             _provenance(spec, ranges, seed, samples, replicates, steps, window))


def _provenance(spec, ranges, seed, samples, replicates, steps, window) -> dict[str, Any]:
    import datetime as dt

    from sim.runner import package_version
    from sim.scenario import scenario_hash

    return {
        "scenario": spec.name, "scenario_hash": scenario_hash(spec), "seed": seed,
        "samples": samples, "replicates": replicates,
        "steps": spec.steps if steps is None else int(steps), "window": window,
        "params": [f"{p.path}={p.low:g}:{p.high:g}" for p in ranges],
        "package_version": package_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_result(result: SensitivityResult, out: str | Path, force: bool = False,
                 protect: tuple[Path, ...] = ()) -> Path:
    """Write sensitivity.csv, samples.csv and sensitivity.json to ``out``, atomically.

    The folder gets the result marker like a run's, so ``--force`` may replace it later and
    ``cvm report`` recognises it.

    Raises:
        UnsafeOutput: ``out`` may not be written (see ``sim.outputs.check_replaceable``).
    """
    from sim.outputs import json_safe, write_result_dir

    def fill(tmp: Path) -> None:
        result.table.to_csv(tmp / "sensitivity.csv", index=False)
        result.samples.to_csv(tmp / "samples.csv", index=False)
        text = json.dumps(json_safe(result.summary()), indent=2, allow_nan=False)
        (tmp / "sensitivity.json").write_text(text + "\n")

    return write_result_dir(out, fill, force, protect)


def _sample(problem: dict, method: str, samples: int, seed: int) -> np.ndarray:
    if method == "morris":
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(problem, samples, num_levels=4, seed=seed % 2**32)
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed % 2**32)


def _analyse(problem, method, x, y, ranges, seed) -> pd.DataFrame:
    base = pd.DataFrame({"parameter": [p.path for p in ranges],
                         "low_bound": [p.low for p in ranges],
                         "high_bound": [p.high for p in ranges]})
    if method == "morris":
        from SALib.analyze import morris

        si = morris.analyze(problem, x, y, num_levels=4, conf_level=0.95, seed=seed % 2**32)
        base["mu_star"] = np.asarray(si["mu_star"], dtype=float)
        base["mu_star_conf"] = np.asarray(si["mu_star_conf"], dtype=float)
        base["mu"] = np.asarray(si["mu"], dtype=float)
        base["sigma"] = np.asarray(si["sigma"], dtype=float)
        key, conf = "mu_star", "mu_star_conf"
    else:
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95,
                           seed=seed % 2**32)
        for k in ("S1", "S1_conf", "ST", "ST_conf"):
            base[k] = np.asarray(si[k], dtype=float)
        key, conf = "ST", "ST_conf"
    base = base.fillna({key: 0.0, conf: 0.0})
    base["index"] = key
    base["value"] = base[key]
    base["low"] = (base[key] - base[conf]).clip(lower=0.0)
    base["high"] = base[key] + base[conf]
    base = base.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    base.insert(0, "rank", np.arange(1, len(base) + 1))
    return base


def _run(spec, replicates, seed, steps, policies=None) -> pd.DataFrame:
    """One sample point through the one headless entry point (``policies``: see runner)."""
    from sim.runner import run_scenario

    if policies:
        from agents.strategies.base import install
        from sim.plugins import resolve

        install(resolve(policies))
    return run_scenario(spec, replicates=replicates, seed=seed, steps=steps).firms


def _map(run, specs, workers: int, backend: str | None, address: str | None):
    """The sample points' tables in order: in-process, in local processes, or as Dask tasks.

    Each point is one ``run_scenario`` call wherever it runs, and every point has the same
    seed, so the numbers do not depend on where or in which order the points ran.
    """
    if backend not in (None, "local"):
        yield from _map_dask(run, specs, workers, backend, address)
        return
    if address is not None:
        raise _error("--address", "an address is only used with --backend dask")
    if workers <= 1 or len(specs) < 2:
        yield from map(run, specs)
        return
    from sim.runner import process_pool

    with process_pool(workers) as pool:
        yield from pool.map(run, specs)


def _map_dask(run, specs, workers: int, backend: str, address: str | None):
    from sim import runner

    if not hasattr(runner, "dask_client"):
        raise _error("--backend", "this version of the runner has no Dask backend")
    runner.check_backend(backend, address)
    with runner.dask_client(address, workers) as client:
        futures = [client.submit(run, spec, pure=False) for spec in specs]
        for future in futures:  # in order; Dask runs them in parallel meanwhile
            yield future.result()


def _numeric_columns(firms: pd.DataFrame) -> list[str]:
    skip = {"replicate", "step"}
    return [c for c in firms.columns
            if c not in skip and pd.api.types.is_numeric_dtype(firms[c])]


def _lookup(data: Any, path: str) -> Any:
    node = data
    for key in path.split("."):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return None
    return node


def _error(path: str, message: str) -> ScenarioError:
    return ScenarioError([Problem("sensitivity", None, None, path, message)])


def describe(result: SensitivityResult) -> str:
    """Plain-text ranking table with intervals."""
    idx = result.table["index"].iat[0] if len(result.table) else "value"
    lines = [f"sensitivity of {result.output} of {result.firm} ({result.method}, "
             f"{result.runs} runs); ranked by {idx} with 95 % interval",
             f"{'rank':>4}  {'parameter':<40}{'range':>16}{idx:>10}{'interval':>22}"]
    for _, r in result.table.iterrows():
        rng = f"{r['low_bound']:g}:{r['high_bound']:g}"
        interval = f"[{r['low']:.4g}, {r['high']:.4g}]"
        lines.append(f"{int(r['rank']):>4}  {r['parameter']:<40}{rng:>16}{r['value']:>10.4g}"
                     f"{interval:>22}")
    return "\n".join(lines)
