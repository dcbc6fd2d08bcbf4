"""Running scenarios from the dashboard, and reading run folders.

One cache is shared by every page and session, a progress bar shows while running, and the
run folders that ``cvm run`` and ``cvm sweep`` write can be read back.

Runs go through ``sim.run_scenario`` (the one headless entry point) and are cached by the
scenario's hash plus seed, replicates and steps, so going back to a result costs nothing.
"""

from __future__ import annotations

import collections
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from sim import run_scenario
from sim.scenario import Scenario, scenario_hash

CACHE_ENTRIES = 24
#: A folder holding one of these is a result the Results page can open.
RUN_FILES = ("firms.parquet", "firms.csv", "sweep.csv", "sensitivity.csv")


@dataclass
class RunView:
    """What the result pages draw: the tidy tables plus what is known about the scenario."""

    firms: pd.DataFrame
    segments: pd.DataFrame
    scenario: Scenario | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    label: str = ""


@st.cache_resource(show_spinner=False)
def _store() -> tuple[collections.OrderedDict, threading.Lock]:
    return collections.OrderedDict(), threading.Lock()


def run_key(scenario: Scenario, seed: int, replicates: int, steps: int) -> str:
    """The cache key of a run: scenario hash, seed, replicates, steps."""
    return f"{scenario_hash(scenario)}:{seed}:{replicates}:{steps}"


def cached_run(scenario: Scenario, seed: int | None = None, replicates: int | None = None,
               steps: int | None = None, progress_label: str = "Running") -> RunView:
    """Run (or fetch from the cache) a scenario, showing a progress bar while it runs."""
    seed = scenario.seed if seed is None else int(seed)
    replicates = scenario.replicates if replicates is None else int(replicates)
    steps = scenario.steps if steps is None else int(steps)
    key = run_key(scenario, seed, replicates, steps)
    store, lock = _store()
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    bar = st.progress(0.0, text=f"{progress_label}: {scenario.name}")

    def tick(done: int, total: int) -> None:
        if done == total or done % max(total // 50, 1) == 0:
            bar.progress(done / max(total, 1), text=f"{progress_label}: {scenario.name} "
                         f"({done}/{total} replicate-steps)")

    result = run_scenario(scenario, replicates=replicates, seed=seed, steps=steps, progress=tick)
    bar.empty()
    view = RunView(result.firms, result.segments, result.scenario, result.provenance,
                   label=f"{scenario.name} · seed {seed} · {replicates} replicate(s)")
    with lock:
        store[key] = view
        while len(store) > CACHE_ENTRIES:
            store.popitem(last=False)
    return view


# -- run folders -----------------------------------------------------------------------------
def find_run_dirs(root: str | Path, depth: int = 2, limit: int = 200) -> list[Path]:
    """Folders at most ``depth`` levels under ``root`` (itself included) holding a run.

    A run folder holds firms.parquet, firms.csv, sweep.csv or sensitivity.csv; hidden folders
    are skipped and the search stays shallow so that a broad root (``~``, ``/``) answers at once.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        return []
    found: list[Path] = []
    level = [root]
    for _ in range(depth + 1):
        nxt: list[Path] = []
        for folder in level:
            if any((folder / m).is_file() for m in RUN_FILES):
                found.append(folder)
                if len(found) >= limit:
                    return sorted(found)
            try:
                nxt.extend(sorted(p for p in folder.iterdir()
                                  if p.is_dir() and not p.name.startswith((".", "__"))))
            except OSError:
                continue
        level = nxt[: limit * 10]
    return sorted(found)


def read_run_dir(path: str | Path) -> tuple[RunView | None, pd.DataFrame | None, list[str]]:
    """Read a run folder.

    Returns:
        ``(run, sweep, problems)``: the run's tables (None if there are none), the sweep table
        (None if there is none) and readable problems met on the way (never raises for a bad
        folder).
    """
    from sim.scenario import load_scenario

    path = Path(path).expanduser()
    problems: list[str] = []
    if not path.is_dir():
        return None, None, [f"{path} is not a folder"]
    run = sweep = None
    try:
        if (path / "firms.parquet").is_file():
            firms = pd.read_parquet(path / "firms.parquet")
        elif (path / "firms.csv").is_file():
            firms = pd.read_csv(path / "firms.csv")
        else:
            firms = None
        if firms is not None:
            missing = {"step", "firm", "pp", "puv", "share"} - set(firms.columns)
            if missing:
                problems.append(f"firms table lacks columns: {', '.join(sorted(missing))}")
                firms = None
        if firms is not None and "replicate" not in firms.columns:
            firms["replicate"] = 0
        segments = (pd.read_csv(path / "segments.csv") if (path / "segments.csv").is_file()
                    else pd.DataFrame(columns=["replicate", "step", "segment", "firm", "buyers"]))
        scenario = None
        if (path / "scenario.json").is_file():
            try:
                scenario = load_scenario(json.loads((path / "scenario.json").read_text()))
            except Exception as exc:  # noqa: BLE001 - an old or edited file: draw without it
                problems.append(f"scenario.json could not be read ({str(exc).splitlines()[0]}); "
                                "iso-value lines are not drawn")
        summary = {}
        if (path / "summary.json").is_file():
            summary = json.loads((path / "summary.json").read_text())
        if firms is not None:
            run = RunView(firms, segments, scenario, summary, label=str(path))
        if (path / "sweep.csv").is_file():
            sweep = pd.read_csv(path / "sweep.csv")
            meta = {}
            if (path / "sweep.json").is_file():
                meta = json.loads((path / "sweep.json").read_text())
            sweep.attrs["params"] = sweep_params(sweep, meta)
            sweep.attrs["meta"] = meta
    except (OSError, ValueError) as exc:
        problems.append(f"cannot read {path}: {exc}")
    if run is None and sweep is None and not problems:
        problems.append(f"{path} holds no firms.csv, firms.parquet or sweep.csv")
    return run, sweep, problems


def sweep_params(sweep: pd.DataFrame, meta: dict | None = None) -> list[str]:
    """The swept parameters' columns.

    From sweep.json's ``params`` (``PATH=V1,V2``) when it lists them, else the dotted-path
    columns (``firms.0.price``).
    """
    listed = [str(t).split("=", 1)[0] for t in (meta or {}).get("params", [])]
    cols = [c for c in listed if c in sweep.columns]
    return cols or [c for c in sweep.columns if "." in str(c)]


def is_sensitivity_only(path: str | Path) -> bool:
    """Whether ``path`` holds a ``cvm sensitivity`` result and no run or sweep tables."""
    path = Path(path).expanduser()
    return (path / "sensitivity.csv").is_file() and not any(
        (path / m).is_file() for m in RUN_FILES if m != "sensitivity.csv")


def read_sensitivity_dir(path: str | Path) -> tuple[pd.DataFrame | None, dict, list[str]]:
    """Read a ``cvm sensitivity --out`` folder.

    Returns:
        ``(table, meta, problems)``: the ranking (None if unreadable), what was analysed
        (sensitivity.json, with ``method``), and readable problems (never raises).
    """
    from sim.sensitivity_chart import SensitivityFolderError, read_sensitivity

    try:
        table, meta = read_sensitivity(Path(path).expanduser())
    except SensitivityFolderError as exc:
        return None, {}, [str(exc)]
    return table, meta, []
