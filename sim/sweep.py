"""Full-factorial parameter sweeps, run locally or on a Dask cluster, written as they finish.

A sweep varies dotted scenario paths (``firms.0.price=8,9,10``) over every combination, runs
``replicates`` replicates of each, and writes one row per combination × replicate × firm with
the final-step metrics and the swept values to ``OUT/sweep.csv``.

How it keeps long sweeps safe:

- **Deterministic seeds.** Replicate *r* of a combination uses
  ``SeedSequence([seed, *hash(combination's values)], spawn_key=(r,))``: the same numbers
  whatever the backend, the worker count, the order tasks finish in, or the other values in the
  grid (so a grid can be extended and what was already run stays valid).
- **Incremental results.** Each finished task (combination × replicate) is written at once to
  ``OUT/parts/<key>.csv`` (write to a temporary name, then rename), so memory does not grow with
  the number of runs and a crash never leaves half a part.
- **Resumable.** Run the same sweep again with the same ``--out`` and finished parts are skipped.
  ``OUT/sweep.json`` records the base scenario, seed and steps; a different sweep in the same
  folder is refused rather than mixed in.
- **Exactly once.** Only the caller's process writes parts, keyed by task, so a task that Dask
  retried after its worker died is written once. ``sweep.csv`` is assembled from the parts in
  grid order, so its bytes do not depend on the backend.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import hashlib
import itertools
import json
import os
import re
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.runner import TASK_RETRIES, check_backend, dask_client, portable_policies, run_replicate
from sim.scenario import Scenario, load_scenario, resolve_scenario_path, scenario_hash
from sim.scenario.budget import check_run_memory
from sim.scenario.loader import ScenarioError, parse_override_value, read_yaml

_PATH = re.compile(r"^[A-Za-z_][\w-]*(\.[\w-]+)*$")


class SweepError(ValueError):
    """A sweep cannot run as asked (bad --param, or --out holds a different sweep)."""


@dataclasses.dataclass(frozen=True)
class Param:
    """One swept path and the values it takes, as written (``texts``) and as read (``values``)."""

    path: str
    texts: tuple[str, ...]
    values: tuple[Any, ...]


@dataclasses.dataclass(frozen=True)
class Task:
    """One run of a sweep: a combination of values and a replicate."""

    combination: int
    replicate: int
    values: tuple[tuple[str, Any], ...]
    key: str


@dataclasses.dataclass
class SweepResult:
    """What a sweep did: where the table is and how many tasks ran or were skipped."""

    out: Path
    csv: Path
    combinations: int
    tasks: int
    ran: int
    skipped: int


def parse_param(text: str) -> Param:
    """Parse ``PATH=V1,V2,...``; each value is read as YAML (``8.5``, ``false``, ``name``).

    Raises:
        SweepError: no ``=``, a malformed path, an empty value or a value repeated.
    """
    if "=" not in text:
        raise SweepError(f"--param {text!r}: expected PATH=V1,V2,... (e.g. firms.0.price=8,9,10)")
    path, _, rest = text.partition("=")
    path = path.strip()
    if not _PATH.match(path):
        raise SweepError(f"--param {text!r}: {path!r} is not a dotted path like market.customers")
    texts = tuple(t.strip() for t in rest.split(","))
    if not rest.strip() or any(t == "" for t in texts):
        raise SweepError(f"--param {text!r}: give one or more comma-separated values")
    values = []
    for t in texts:
        try:  # under the same limits (size, depth, aliases, tags) as a file and --set
            values.append(parse_override_value(path, t, label=f"--param {path}"))
        except ScenarioError as exc:
            reason = "; ".join(problem.message for problem in exc.problems)
            raise SweepError(f"--param {text!r}: value {t!r}: {reason}") from None
    if len(set(map(_canonical, values))) != len(values):
        raise SweepError(f"--param {text!r}: a value is listed twice")
    return Param(path, texts, tuple(values))


def grid(params: Sequence[Param]) -> list[tuple[tuple[str, Any], ...]]:
    """Every combination as ``((path, value), ...)``, the last parameter varying fastest."""
    return [tuple((p.path, p.values[i]) for p, i in zip(params, idx, strict=True))
            for idx in _grid_indices(params)]


def _grid_indices(params: Sequence[Param]) -> list[tuple[int, ...]]:
    paths = [p.path for p in params]
    if len(set(paths)) != len(paths):
        raise SweepError("each --param path may be given only once")
    return list(itertools.product(*(range(len(p.values)) for p in params)))


def combination_digest(values: tuple[tuple[str, Any], ...]) -> str:
    """A stable hex digest of a combination's values (independent of parameter order)."""
    return hashlib.sha256(_canonical(sorted(values, key=lambda kv: kv[0])).encode()).hexdigest()


def task_seed(seed: int, values: tuple[tuple[str, Any], ...], replicate: int):
    """The ``SeedSequence`` of one replicate of one combination."""
    words = np.frombuffer(bytes.fromhex(combination_digest(values))[:16], dtype="<u4")
    return np.random.SeedSequence([int(seed), *map(int, words)], spawn_key=(replicate,))


def run_task(scenario: Scenario, seed_seq, replicate: int, steps: int,
             policies: dict | None = None) -> pd.DataFrame:
    """Run one replicate and return its final-step firm rows (executed on a worker)."""
    firms, _ = run_replicate(scenario, seed_seq, replicate, steps, policies=policies)
    return firms[firms["step"] == firms["step"].max()].reset_index(drop=True)


def run_sweep(
    scenario: Scenario | str | Path | dict,
    params: Sequence[str | Param],
    out: str | Path,
    *,
    replicates: int = 1,
    seed: int | None = None,
    steps: int | None = None,
    overrides: Sequence[str] = (),
    preset: str | None = None,
    backend: str = "local",
    address: str | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run a full-factorial sweep and write ``out/sweep.csv``; resumes an interrupted one.

    Args:
        scenario: the base scenario: a path or shipped name, a mapping or a ``Scenario``.
        params: ``"PATH=V1,V2,..."`` strings (or parsed ``Param``).
        out: output folder; ``parts/`` (one file per finished task) and ``sweep.csv`` go here.
        replicates: replicates per combination.
        seed: master seed (default the scenario's).
        steps: periods per run (default each combination's ``steps``, so ``steps`` can be
            swept too).
        overrides: ``PATH=VALUE`` applied to the base scenario before the swept values.
        preset: a named preset of the scenario file, applied first.
        backend: ``"local"`` (``workers`` processes; 1 = in this process) or ``"dask"``.
        address: the Dask scheduler (``tcp://HOST:PORT``); without it a temporary local
            cluster of ``workers`` processes is used.
        workers: local processes, or the temporary Dask cluster's workers.
        progress: called as ``progress(done, total)`` in tasks, skipped ones included.

    Raises:
        SweepError: bad parameters, or ``out`` holds a different sweep.
        ScenarioError: a combination gives an invalid scenario, or would need more memory
            than this machine allows with ``workers`` runs at once (nothing is run).
        BackendError: the backend cannot be used.
    """
    if replicates < 1 or workers < 1:
        raise SweepError("replicates and workers must be at least 1")
    check_backend(backend, address)
    parsed = [p if isinstance(p, Param) else parse_param(p) for p in params]
    if not parsed:
        raise SweepError("give at least one --param PATH=V1,V2,...")
    source = _source(scenario)
    base = load_scenario(source, overrides=list(overrides), preset=preset)
    seed = base.seed if seed is None else int(seed)
    steps = None if steps is None else int(steps)  # None: each combination's own (sweepable)
    indices = _grid_indices(parsed)
    combos = grid(parsed)
    if not isinstance(source, dict):  # read the file once, not once per combination
        path = resolve_scenario_path(source)
        source, _ = read_yaml(path, str(path))
    specs = [
        load_scenario(source, preset=preset, overrides=[
            *overrides, *(f"{p.path}={p.texts[i]}" for p, i in zip(parsed, idx, strict=True))
        ])
        for idx in indices
    ]
    tasks = [
        Task(c, r, combo, f"{combination_digest(combo)[:16]}-r{r}")
        for c, combo in enumerate(combos) for r in range(replicates)
    ]
    policies: dict = {}
    for spec in specs:  # Python-registered strategies travel with the tasks (or stay here)
        used, workers = portable_policies(spec, backend, workers)
        policies.update(used)
    if backend == "local":  # refuse before the output folder is touched
        concurrent = max(1, min(workers, len(tasks)))
        for combo, spec in zip(combos, specs, strict=True):
            label = f"{base.name} [{', '.join(f'{k}={v}' for k, v in combo)}]"
            check_run_memory(spec, concurrent, workers, steps, label=label)
    store = PartStore(Path(out))
    with contextlib.ExitStack() as stack:
        # Connect before touching the output folder: an unreachable cluster writes nothing.
        client = stack.enter_context(dask_client(address, workers)) if backend == "dask" else None
        store.claim({"scenario": base.name, "scenario_hash": scenario_hash(base), "seed": seed,
                     "steps": steps})
        done = store.finished()
        todo = [t for t in tasks if t.key not in done]
        skipped = len(tasks) - len(todo)
        counter = _Counter(progress, len(tasks), skipped)
        jobs = [(t, (specs[t.combination], task_seed(seed, t.values, t.replicate), t.replicate,
                     specs[t.combination].steps if steps is None else steps, policies or None))
                for t in todo]

        def finished(task: Task, table: pd.DataFrame) -> None:
            store.write(task, _with_values(table, task, parsed))
            counter.tick()

        if client is not None:
            _execute_dask(jobs, finished, client, workers)
        else:
            _execute_local(jobs, finished, workers)
    csv = store.assemble(tasks)
    store.update_manifest(params=[f"{p.path}={','.join(p.texts)}" for p in parsed],
                          replicates=replicates, combinations=len(combos), tasks=len(tasks))
    return SweepResult(store.out, csv, len(combos), len(tasks), len(todo), skipped)


# -- executing -------------------------------------------------------------------------------
def _execute_local(jobs, finished, workers: int) -> None:
    if workers == 1 or len(jobs) <= 1:
        for task, args in jobs:
            finished(task, run_task(*args))
        return
    from sim.runner import process_pool

    window = 2 * workers  # bounded: pending arguments and results never pile up
    queue = iter(jobs)
    with process_pool(workers) as pool:
        running: dict[cf.Future, Task] = {}
        for task, args in itertools.islice(queue, window):
            running[pool.submit(run_task, *args)] = task
        while running:
            ready, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in ready:
                finished(running.pop(future), future.result())
                for task, args in itertools.islice(queue, 1):
                    running[pool.submit(run_task, *args)] = task


def _execute_dask(jobs, finished, client, workers: int) -> None:
    from distributed import as_completed

    token = uuid.uuid4().hex[:12]  # task keys unique to this call on a shared scheduler
    threads = sum(client.nthreads().values()) or workers
    window = max(8, 4 * threads)  # enough queued to keep every worker busy, no more
    queue = iter(jobs)
    tasks: dict[str, Task] = {}

    def submit(task: Task, args) -> Any:
        key = f"value-matrix-sweep-{token}-{task.key}"
        tasks[key] = task
        return client.submit(run_task, *args, key=key, pure=False, retries=TASK_RETRIES)

    pending = as_completed([submit(t, a) for t, a in itertools.islice(queue, window)],
                           loop=client.loop, with_results=True)
    for future, table in pending:
        finished(tasks.pop(future.key), table)
        future.release()
        for task, args in itertools.islice(queue, 1):
            pending.add(submit(task, args))


# -- writing ---------------------------------------------------------------------------------
class PartStore:
    """The output folder of a sweep: a manifest, one CSV part per finished task, the table."""

    def __init__(self, out: Path):
        self.out = out
        self.parts = out / "parts"
        self.manifest = out / "sweep.json"

    def claim(self, identity: dict[str, Any]) -> None:
        """Start or resume a sweep in ``out``; refuse a folder that holds something else."""
        if self.out.exists() and not self.out.is_dir():
            raise SweepError(f"{self.out} is a file, not a folder; choose another --out")
        if self.manifest.exists():
            old = json.loads(self.manifest.read_text())
            mine = {k: old.get(k) for k in identity}
            if mine != identity:
                diff = ", ".join(k for k in identity if old.get(k) != identity[k])
                raise SweepError(
                    f"{self.out} holds a different sweep ({diff} changed); choose another --out "
                    "or delete the folder to start again"
                )
        elif self.out.exists() and any(self.out.iterdir()):
            raise SweepError(f"{self.out} exists, is not empty and holds no sweep; choose "
                             "another --out")
        self.parts.mkdir(parents=True, exist_ok=True)
        if not self.manifest.exists():
            _atomic_write(self.manifest, json.dumps(identity, indent=2) + "\n")

    def update_manifest(self, **info: Any) -> None:
        """Record the latest run's grid beside the identity."""
        data = json.loads(self.manifest.read_text())
        data.update(info)
        _atomic_write(self.manifest, json.dumps(data, indent=2) + "\n")

    def finished(self) -> set[str]:
        """Keys of the tasks whose part is on disk."""
        return {p.name[:-4] for p in self.parts.glob("*.csv")}

    def write(self, task: Task, table: pd.DataFrame) -> None:
        """Write one task's rows atomically (a retried task simply replaces its own part)."""
        _atomic_write(self.parts / f"{task.key}.csv", table.to_csv(index=False))

    def assemble(self, tasks: Sequence[Task]) -> Path:
        """Concatenate the parts in grid order into ``sweep.csv``, one part in memory at a time.

        Mechanisms switched on by a swept value may add columns, so the header is the union of
        the parts' headers; parts with fewer columns are widened with empty cells.
        """
        headers = []
        for task in tasks:
            with open(self.parts / f"{task.key}.csv", encoding="utf-8") as fh:
                headers.append(fh.readline().rstrip("\n").split(","))
        columns: list[str] = []
        for header in headers:
            columns += [c for c in header if c not in columns]
        target = self.out / "sweep.csv"
        tmp = self.out / f".sweep.csv.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as dst:
            dst.write(",".join(["combination", *columns]) + "\n")
            for task, header in zip(tasks, headers, strict=True):
                part = self.parts / f"{task.key}.csv"
                if header == columns:
                    with open(part, encoding="utf-8") as src:
                        next(src)
                        for line in src:
                            dst.write(f"{task.combination},{line}")
                else:
                    table = pd.read_csv(part, float_precision="round_trip", keep_default_na=False)
                    table = table.reindex(columns=columns, fill_value="")
                    table.insert(0, "combination", task.combination)
                    table.to_csv(dst, index=False, header=False, lineterminator="\n")
        os.replace(tmp, target)
        return target


def _with_values(table: pd.DataFrame, task: Task, params: Sequence[Param]) -> pd.DataFrame:
    """The task's final-step rows with the swept values as leading columns."""
    table = table.copy()
    for i, (path, value) in enumerate(task.values):
        name = path if path not in table.columns else f"param:{path}"
        table.insert(1 + i, name, _cell(value))
    return table


def _cell(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else _canonical(value)


def _source(scenario):
    if isinstance(scenario, Scenario):
        return scenario.model_dump(mode="json")
    return scenario


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class _Counter:
    def __init__(self, progress, total: int, done: int):
        self.progress, self.total, self.done = progress, total, done
        if progress and done:
            progress(done, total)

    def tick(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)
