"""``run_scenario``: the one headless entry point the CLI, dashboard, classroom and tests call.

Replicate *r* of a run with seed *s* uses ``SeedSequence(s).spawn(R)[r]``: independent streams
from one seed, so results are bit-identical whatever the backend and the number of workers.

Backends: ``local`` runs replicates one after another (``workers=1``) or on ``workers``
processes: this one and a pool of spawned ones; ``dask`` sends each replicate as a task to a Dask distributed cluster (an existing
scheduler at ``address``, or a temporary ``LocalCluster`` of ``workers`` processes) and retries
a task whose worker died.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import logging
import multiprocessing
import os
import socket
import sys
import types
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from sim import fast
from sim.scenario import Scenario, scenario_hash


@dataclasses.dataclass
class RunResult:
    """Tidy tables of a run plus where they came from.

    Attributes:
        firms: one row per replicate × step × firm (the contract's columns first).
        segments: one row per replicate × step × segment × firm.
        scenario: the validated scenario that was run.
        provenance: seed, replicate seeds, scenario hash, package version, time.
        panel: the consumer panel, one row per purchase of the sampled customers
            (``sim.panel.PANEL_COLUMNS``), or None when no panel was asked for.
    """

    firms: pd.DataFrame
    segments: pd.DataFrame
    scenario: Scenario
    provenance: dict[str, Any]
    panel: pd.DataFrame | None = None

    def summary(self) -> dict[str, Any]:
        """Final-step mean and 95% interval over replicates of share, profit and loyalty."""
        from sim.outputs import summarise

        return summarise(self)


def replicate_seeds(seed: int, replicates: int) -> list[np.random.SeedSequence]:
    """Independent seed sequences for each replicate, spawned from one seed."""
    return np.random.SeedSequence(seed).spawn(replicates)


def run_replicate(scenario: Scenario, seed_seq: np.random.SeedSequence, replicate: int,
                  steps: int, progress: Callable[[], None] | None = None,
                  policies: dict | None = None, panel: int = 0):
    """Run one replicate; returns its (firms, segments) tables, and its panel if ``panel``.

    ``panel`` > 0 records a consumer panel of that many customers (``sim.panel``) and adds its
    table as a third element.

    ``policies`` (name → class, from :func:`portable_policies`) are registered first: a
    worker process knows only the shipped strategies.
    """
    from sim.model import MarketModel

    if os.environ.get(fast.THREADS_ENV):  # a worker process (or a user's setting): this thread
        fast.set_threads()
    if policies:
        from agents.strategies.base import install
        from sim.plugins import resolve

        install(resolve(policies))

    model = MarketModel(scenario, seed=seed_seq, replicate=replicate, panel=panel)
    model.run(steps, progress=progress)
    if model.panel is not None:
        return model.firms_frame(), model.segments_frame(), model.panel.frame()
    return model.firms_frame(), model.segments_frame()


def _warm_up() -> None:
    """Ready a worker process: import the model and load its compiled kernels (tiny run)."""
    from sim.model import MarketModel

    MarketModel(_WARM_UP_SCENARIO, seed=0).step()


_WARM_UP_SCENARIO = {
    "name": "warm-up", "steps": 1,
    "market": {"customers": 50, "dimensions": ["quality"],
               "segments": [{"name": "all", "share": 1.0, "weights": {"quality": 1.0}}]},
    "firms": [{"name": "A", "price": 10.0, "attributes": {"quality": 0.5}},
              {"name": "B", "price": 9.0, "attributes": {"quality": 0.4}}],
}


def _run_one(args):
    scenario, seed_seq, replicate, steps, policies, panel = args
    return run_replicate(scenario, seed_seq, replicate, steps, policies=policies, panel=panel)


def portable_policies(spec: Scenario, backend: str, workers: int) -> tuple[dict, int]:
    """The Python-registered strategies a run must send to its workers, and the workers to use.

    A strategy class defined in an importable module travels to worker processes and Dask
    workers by reference (they import its module); one from a plugin (``--plugin``,
    ``plugins:``) travels as the plugin to import (``sim.plugins``). One defined in ``__main__`` (a script or a
    notebook) cannot be imported there: a local run then uses this process only (with a
    warning), and the Dask backend refuses with a ``BackendError`` that says what to do.
    """
    from agents.strategies.base import user_policies
    from sim.plugins import portable

    policies = portable(user_policies(f.strategy.type for f in spec.firms))
    stuck = sorted(n for n, cls in policies.items() if getattr(cls, "__module__", "") == "__main__")
    if not stuck:
        return policies, workers
    where = (f"strategy {', '.join(map(repr, stuck))} is defined in __main__ (a script or a "
             "notebook), which worker processes cannot import")
    if backend == "dask":
        raise BackendError(f"{where}; define it in a module installed on the Dask workers")
    if workers > 1:
        import warnings

        warnings.warn(f"{where}: running in this process only (define it in a module to use "
                      "workers)", RuntimeWarning, stacklevel=3)
    return policies, 1


def run_scenario(
    scenario: Scenario | str | dict,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    backend: str = "local",
    address: str | None = None,
    panel: int | None = None,
) -> RunResult:
    """Run a scenario for its replicates and return tidy tables.

    Args:
        scenario: a ``Scenario``, a path or shipped name, or a mapping.
        replicates: number of replicates (default the scenario's).
        seed: master seed (default the scenario's).
        workers: processes to use (``local``), or workers of the temporary cluster (``dask``
            without ``address``); results are identical for any value.
        steps: periods per replicate (default the scenario's).
        progress: called as ``progress(done, total)`` in units of replicate-steps.
        backend: ``"local"`` or ``"dask"``.
        address: the Dask scheduler, e.g. ``tcp://10.0.0.5:8786`` (``dask`` only).
        panel: consumer-panel size (default the scenario's ``outputs.panel``; 0 = none): the
            result's ``panel`` table. No other table changes with it.

    Raises:
        BackendError: unknown backend, dask not installed, or the scheduler cannot be reached.
        ScenarioError: the run would need more memory than this machine allows (local
            backend; see ``sim.scenario.budget``), before anything is allocated.
    """
    from sim.model import _coerce

    spec = _coerce(scenario)
    replicates = spec.replicates if replicates is None else int(replicates)
    seed = spec.seed if seed is None else int(seed)
    steps = spec.steps if steps is None else int(steps)
    panel = spec.outputs.panel if panel is None else int(panel)
    if replicates < 1 or steps < 1 or workers < 1:
        raise ValueError("replicates, steps and workers must be at least 1")
    if panel < 0:
        raise ValueError(f"panel must be >= 0, got {panel}")
    check_backend(backend, address)
    if backend == "local":  # refuse before allocating (a Dask worker's memory is its own)
        from sim.scenario.budget import check_run_memory

        check_run_memory(spec, replicates, workers, steps, label=spec.name)
    policies, workers = portable_policies(spec, backend, workers)
    seqs = replicate_seeds(seed, replicates)
    total = replicates * steps
    parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    if backend == "dask":
        parts = _run_dask([(spec, seq, r, steps, policies, panel) for r, seq in enumerate(seqs)],
                          address, workers, progress, steps, total)
    elif workers == 1 or replicates == 1:
        done = 0
        for r, seq in enumerate(seqs):
            def tick(r=r):
                nonlocal done
                done += 1
                if progress:
                    progress(done, total)
            parts.append(run_replicate(spec, seq, r, steps, tick, panel=panel))
    else:
        jobs = [(spec, seq, r, steps, policies, panel) for r, seq in enumerate(seqs)]
        parts = _run_local_parallel(jobs, min(workers, replicates), progress, total)
    firms = pd.concat([p[0] for p in parts], ignore_index=True)
    segments = pd.concat([p[1] for p in parts], ignore_index=True)
    panel_table = pd.concat([p[2] for p in parts], ignore_index=True) if panel > 0 else None
    provenance = {
        "scenario": spec.name,
        "scenario_hash": scenario_hash(spec),
        "seed": seed,
        "replicate_seeds": [list(map(int, s.spawn_key)) for s in seqs],
        "replicates": replicates,
        "steps": steps,
        "package_version": package_version(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    return RunResult(firms, segments, spec, provenance, panel_table)


#: Whether the calling process runs replicates itself in a parallel local run. Tests switch it
#: off so that the results compared with a serial run are the spawned workers' own.
CALLER_TAKES_PART = True


def _run_local_parallel(jobs: list, workers: int, progress, total: int) -> list:
    """Run ``jobs`` on ``workers`` processes: this one and ``workers − 1`` spawned ones.

    A spawned worker spends 1.5–2 s importing Mesa, pandas and numba and loading the compiled
    kernels before it runs anything; this process has done all that already. So this process
    runs replicates itself, from the front of the list, while the workers start (each first
    runs :func:`_warm_up`); a feeder thread hands a replicate from the back of the list to a
    worker only once one is warm, and keeps each holding exactly one until none is left. So no
    replicate waits in a worker's queue while this process is idle, and a run too small to
    repay the start-up is simply run here. Results are stored by replicate number: the same
    tables, in the same order, as a serial run. ``progress`` is only ever called from this
    (the calling) thread.
    """
    import threading
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, wait

    results: list = [None] * len(jobs)
    pending = deque(range(len(jobs)))
    lock = threading.Lock()
    state = {"worker_steps": 0, "own_steps": 0, "error": None}

    def report() -> None:
        if progress:
            progress(state["own_steps"] + state["worker_steps"], total)

    helpers = workers - 1 if CALLER_TAKES_PART else workers
    with _sharing_cores(helpers), process_pool(helpers) as pool:
        running: dict = {}

        warming = {pool.submit(_warm_up) for _ in range(helpers)}
        warm = 0  # workers ready for a replicate

        def feed() -> None:
            nonlocal warm
            while True:
                with lock:
                    while pending and len(running) < warm and state["error"] is None:
                        r = pending.pop()
                        running[pool.submit(_run_one, jobs[r])] = r
                    if not running and (not pending or not warming):
                        return
                    futures = list(running) + list(warming)
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                with lock:
                    for future in finished:
                        if future in warming:
                            warming.discard(future)
                            warm += future.exception() is None
                            continue
                        r = running.pop(future)
                        try:
                            results[r] = future.result()
                            state["worker_steps"] += jobs[r][3]
                        except BaseException as exc:  # re-raised in the calling thread
                            state["error"] = state["error"] or exc
                            pending.clear()

        feeder = threading.Thread(target=feed, name="value-matrix-feeder", daemon=True)
        feeder.start()
        try:
            while CALLER_TAKES_PART:
                with lock:
                    if not pending or state["error"] is not None:
                        break
                    r = pending.popleft()
                scenario, seq, replicate, steps, _, panel = jobs[r]

                def tick() -> None:
                    state["own_steps"] += 1
                    report()

                results[r] = run_replicate(scenario, seq, replicate, steps, tick, panel=panel)
        except BaseException:
            with lock:  # nothing new for the workers
                pending.clear()
            feeder.join()
            raise
        reported = state["worker_steps"]
        while feeder.is_alive():  # the workers' last replicates; progress from this thread
            feeder.join(0.2)
            if state["worker_steps"] != reported:
                reported = state["worker_steps"]
                report()
    if state["error"] is not None:
        raise state["error"]
    if any(part is None for part in results):
        raise RuntimeError("no worker process could start (see the log); run with workers=1")
    report()
    return results


@contextlib.contextmanager
def _sharing_cores(helpers: int):
    """Leave a core to each of ``helpers`` workers: fewer threads for this process's passes.

    A worker runs on one thread (:func:`_one_thread_per_worker`); this process, which runs
    replicates too, would otherwise keep every core for its own passes, and the threads would
    wait for each other (2 workers on 2 cores ran at 0.5–0.7× the speed of 1). Results do not
    depend on the thread count.
    """
    own = fast.threads()
    fast.set_threads(max(1, own - helpers))
    try:
        yield
    finally:
        fast.set_threads(own)


@contextlib.contextmanager
def process_pool(workers: int):
    """A spawn-context process pool for simulation work, safe to open from any caller.

    Spawned workers re-run the parent's ``__main__`` *script* before they start. Our worker
    functions live in importable modules, so that re-run is never needed — and it is harmful
    when the main script is a Streamlit page (AppTest and ``streamlit run`` make the page
    ``__main__``): every worker would execute the page. While the pool lives, a script
    ``__main__`` is replaced by an empty module; a ``-m`` main (with ``__spec__``) is left alone.
    """
    ctx = multiprocessing.get_context("spawn")
    with _main_script_hidden(), ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                                    initializer=_one_thread_per_worker) as pool:
        yield pool


def _one_thread_per_worker() -> None:
    """Worker processes run their compiled passes on one thread each (workers ≤ cores).

    Results do not depend on the thread count (``sim.fast.pjit``), only the speed does.
    """
    os.environ[fast.THREADS_ENV] = "1"
    fast.set_threads(1)


@contextlib.contextmanager
def _main_script_hidden():
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None or not getattr(main, "__file__", None):
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


BACKENDS = ("local", "dask")


class BackendError(ValueError):
    """The execution backend cannot be used (unknown, not installed, or unreachable)."""


def check_backend(backend: str, address: str | None) -> None:
    """Refuse an unknown backend, or an address given to the local backend."""
    if backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if address and backend != "dask":
        raise BackendError("an address is only used with the dask backend (--backend dask)")


@contextlib.contextmanager
def dask_client(address: str | None = None, workers: int = 1, timeout: float = 10.0):
    """A ``distributed.Client`` on the scheduler at ``address``, or on a temporary local cluster.

    The temporary cluster has ``workers`` single-threaded worker processes (the model is
    single-threaded; processes sidestep the GIL), and is shut down on exit.

    Raises:
        BackendError: dask[distributed] is not installed, or the scheduler does not answer
            within ``timeout`` seconds.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise BackendError(
            "the dask backend needs dask[distributed]: pip install 'value-matrix[dask]'"
        ) from None
    if address:
        _check_reachable(address, timeout)
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise BackendError(
                f"cannot reach the Dask scheduler at {address!r} within {timeout:g} s "
                f"({type(exc).__name__}: {exc}); is the scheduler running and the address "
                "right (e.g. tcp://HOST:8786)?"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR,
                      env={fast.THREADS_ENV: "1"}) as cluster:  # one compiled thread each
        with Client(cluster, set_as_default=False) as client:
            yield client


def _check_reachable(address: str, timeout: float) -> None:
    """Fail fast, with a plain message, on a malformed address or a closed TCP port."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return  # other transports: let the client try
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise BackendError(
            f"{address!r} is not a Dask scheduler address ({exc}); expected tcp://HOST:PORT"
        ) from None
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise BackendError(
            f"cannot reach the Dask scheduler at {address!r}: {exc.strerror or exc}; is the "
            "scheduler running (dask scheduler) and the host and port right?"
        ) from None


def _run_dask(jobs, address, workers, progress, steps, total):
    """Replicates as Dask tasks; returns their tables in replicate order."""
    from distributed import as_completed

    token = uuid.uuid4().hex[:12]
    parts: list = [None] * len(jobs)
    with dask_client(address, workers) as client:
        futures = {
            client.submit(_run_one, job, key=f"value-matrix-run-{token}-r{job[2]}", pure=False,
                          retries=TASK_RETRIES): job[2]
            for job in jobs
        }
        done = as_completed(futures, loop=client.loop, with_results=True)
        for i, (future, part) in enumerate(done):
            parts[futures[future]] = part
            future.release()
            if progress:
                progress((i + 1) * steps, total)
    return parts


#: How often a task that raised is resubmitted (a worker that died is handled by the
#: scheduler, which reruns the task elsewhere, up to ``distributed.scheduler.allowed-failures``).
TASK_RETRIES = 2


def package_version() -> str:
    """Installed version of value-matrix (or 'unknown' when run from a bare checkout)."""
    try:
        return metadata.version("value-matrix")
    except metadata.PackageNotFoundError:
        return "unknown"
