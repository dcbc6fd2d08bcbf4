"""``run_scenario``: the one headless entry point the CLI, dashboard, classroom and tests call.

Replicate *r* of a run with seed *s* uses ``SeedSequence(s).spawn(R)[r]``: independent streams
from one seed, so results are bit-identical whatever the number of workers.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario import Scenario, scenario_hash


@dataclasses.dataclass
class RunResult:
    """Tidy tables of a run plus where they came from.

    Attributes:
        firms: one row per replicate × step × firm (the contract's columns first).
        segments: one row per replicate × step × segment × firm.
        scenario: the validated scenario that was run.
        provenance: seed, replicate seeds, scenario hash, package version, time.
    """

    firms: pd.DataFrame
    segments: pd.DataFrame
    scenario: Scenario
    provenance: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """Final-step mean and 95% interval over replicates of share, profit and loyalty."""
        from sim.outputs import summarise

        return summarise(self)


def replicate_seeds(seed: int, replicates: int) -> list[np.random.SeedSequence]:
    """Independent seed sequences for each replicate, spawned from one seed."""
    return np.random.SeedSequence(seed).spawn(replicates)


def run_replicate(scenario: Scenario, seed_seq: np.random.SeedSequence, replicate: int,
                  steps: int, progress: Callable[[], None] | None = None):
    """Run one replicate; returns its (firms, segments) tables."""
    from sim.model import MarketModel

    model = MarketModel(scenario, seed=seed_seq, replicate=replicate)
    model.run(steps, progress=progress)
    return model.firms_frame(), model.segments_frame()


def _run_one(args):
    scenario, seed_seq, replicate, steps = args
    return run_replicate(scenario, seed_seq, replicate, steps)


def run_scenario(
    scenario: Scenario | str | dict,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run a scenario for its replicates and return tidy tables.

    Args:
        scenario: a ``Scenario``, a path or shipped name, or a mapping.
        replicates: number of replicates (default the scenario's).
        seed: master seed (default the scenario's).
        workers: processes to use; results are identical for any value.
        steps: periods per replicate (default the scenario's).
        progress: called as ``progress(done, total)`` in units of replicate-steps.
    """
    from sim.model import _coerce

    spec = _coerce(scenario)
    replicates = spec.replicates if replicates is None else int(replicates)
    seed = spec.seed if seed is None else int(seed)
    steps = spec.steps if steps is None else int(steps)
    if replicates < 1 or steps < 1 or workers < 1:
        raise ValueError("replicates, steps and workers must be at least 1")
    seqs = replicate_seeds(seed, replicates)
    total = replicates * steps
    parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    if workers == 1 or replicates == 1:
        done = 0
        for r, seq in enumerate(seqs):
            def tick(r=r):
                nonlocal done
                done += 1
                if progress:
                    progress(done, total)
            parts.append(run_replicate(spec, seq, r, steps, tick))
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, replicates), mp_context=ctx) as pool:
            jobs = [(spec, seq, r, steps) for r, seq in enumerate(seqs)]
            for i, part in enumerate(pool.map(_run_one, jobs)):
                parts.append(part)
                if progress:
                    progress((i + 1) * steps, total)
    firms = pd.concat([p[0] for p in parts], ignore_index=True)
    segments = pd.concat([p[1] for p in parts], ignore_index=True)
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
    return RunResult(firms, segments, spec, provenance)


def package_version() -> str:
    """Installed version of value-matrix (or 'unknown' when run from a bare checkout)."""
    try:
        return metadata.version("value-matrix")
    except metadata.PackageNotFoundError:
        return "unknown"
