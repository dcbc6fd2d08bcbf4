"""Run a phase of the step both ways — compiled and its numpy oracle — from the same state.

``check_phase`` snapshots the model, runs the oracle, snapshots the result, restores the model,
runs the production phase and compares the two results: every population array, every model
attribute a mechanism keeps, the step's counters, the firms' books and both random generators.
Discrete values (integers, booleans, the generators' states) must be equal; floats equal within
``RTOL`` (float64) or ``RTOL32`` (float32), NaN where NaN. The model is left in the production
phase's state, so a walk through the step (``walk``) checks every phase on real states.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable

import numpy as np

from oracles import oracle_of
from sim.streams import ChunkStreams

RTOL, ATOL = 1e-9, 1e-12           # float64: the two paths may differ in the last bits
RTOL32, ATOL32 = 2e-6, 1e-7        # float32: a float64 difference may round one ulp apart

# model attributes that are configuration, bookkeeping or Mesa's own, not mechanism state
NOT_STATE = {"spec", "firms", "firm_by_name", "events_at", "recorder", "panel", "population",
             "column_providers", "dimensions", "segment_names", "n_firms", "reference_price0"}
FIRM_SKIP = {"model", "policy", "spec", "_on_programmes", "pos", "unique_id"}
STATE_TYPES = (np.ndarray, np.generic, float, int, bool, str, tuple, list, dict, type(None))


def _plain(value) -> bool:
    return isinstance(value, STATE_TYPES) or dataclasses.is_dataclass(value) or hasattr(
        value, "model_dump")


def snapshot(model) -> dict:
    """A deep copy of everything a phase may change."""
    snap: dict = {"population": {k: copy.deepcopy(v) for k, v in vars(model.population).items()}}
    snap["model"] = {k: copy.deepcopy(v) for k, v in vars(model).items()
                     if not k.startswith("_") and k not in NOT_STATE and _plain(v)}
    snap["model"]["step_stats"] = {k: v.copy() for k, v in model.step_stats.items()}
    snap["rngs"] = {k: copy.deepcopy(v.bit_generator.state) for k, v in vars(model).items()
                    if isinstance(v, np.random.Generator)}
    snap["rngs"].update({k: copy.deepcopy(v.state) for k, v in vars(model).items()
                         if isinstance(v, ChunkStreams)})
    snap["firms"] = [{k: copy.deepcopy(v) for k, v in vars(f).items()
                      if k not in FIRM_SKIP and not k.startswith("_") and _plain(v)}
                     for f in model.firms]
    return snap


def restore(model, snap: dict) -> None:
    """Put the model back in a snapshot's state (the snapshot stays usable)."""
    for k, v in snap["population"].items():
        setattr(model.population, k, copy.deepcopy(v))
    for k, v in snap["model"].items():
        if k == "step_stats":
            model._reset_step_stats()
            for key, value in v.items():
                model.step_stats[key] = value.copy()
        else:
            setattr(model, k, copy.deepcopy(v))
    for k, state in snap["rngs"].items():
        streams = getattr(model, k)
        if isinstance(streams, ChunkStreams):
            streams.state = copy.deepcopy(state)
        else:
            streams.bit_generator.state = copy.deepcopy(state)
    for firm, attrs in zip(model.firms, snap["firms"], strict=True):
        for k, v in attrs.items():
            setattr(firm, k, copy.deepcopy(v))


def differences(expected, actual, where: str = "") -> list[str]:
    """Where ``actual`` (production) differs from ``expected`` (oracle); empty if they agree."""
    if dataclasses.is_dataclass(expected) and dataclasses.is_dataclass(actual):
        return differences(vars(expected), vars(actual), where)
    if hasattr(expected, "model_dump") and hasattr(actual, "model_dump"):
        return differences(expected.model_dump(), actual.model_dump(), where)
    if isinstance(expected, dict) and isinstance(actual, dict):
        if expected.keys() != actual.keys():
            return [f"{where}: keys differ: {sorted(map(str, expected.keys() ^ actual.keys()))}"]
        out = []
        for k in expected:
            out += differences(expected[k], actual[k], f"{where}.{k}" if where else str(k))
        return out
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        if len(expected) != len(actual):
            return [f"{where}: length {len(actual)}, oracle {len(expected)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out += differences(e, a, f"{where}[{i}]")
        return out
    if isinstance(expected, (np.ndarray, np.generic)) or isinstance(actual, (np.ndarray, np.generic)):
        return _array_differences(np.asarray(expected), np.asarray(actual), where)
    if isinstance(expected, float) and isinstance(actual, float):
        return _array_differences(np.asarray(expected), np.asarray(actual), where)
    return [] if expected == actual else [f"{where}: {actual!r}, oracle {expected!r}"]


def _array_differences(e: np.ndarray, a: np.ndarray, where: str) -> list[str]:
    if e.shape != a.shape:
        return [f"{where}: shape {a.shape}, oracle {e.shape}"]
    if e.dtype.kind in "fc" and a.dtype.kind in "fc":
        single = np.float32 in (e.dtype.type, a.dtype.type)
        rtol, atol = (RTOL32, ATOL32) if single else (RTOL, ATOL)
        ok = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
        ok |= (a == e)  # equal infinities
        if ok.all():
            return []
        bad = np.argwhere(~ok)
        first = tuple(bad[0])
        return [f"{where}: {len(bad)} value(s) differ, first at {first}: "
                f"{a[first]!r}, oracle {e[first]!r}"]
    if e.dtype != a.dtype and not (e.dtype.kind in "iub" and a.dtype.kind in "iub"):
        return [f"{where}: dtype {a.dtype}, oracle {e.dtype}"]
    if np.array_equal(e, a):
        return []
    bad = np.argwhere(e != a) if e.ndim else [()]
    first = tuple(bad[0])
    return [f"{where}: {len(bad)} value(s) differ, first at {first}: {a[first]!r}, "
            f"oracle {e[first]!r}"]


def check_phase(model, production: Callable, oracle: Callable, what: str = "") -> None:
    """Run ``oracle`` and ``production`` from the model's state; fail where they differ.

    The model is left in the state the production phase gives.
    """
    before = snapshot(model)
    oracle(model)
    expected = snapshot(model)
    restore(model, before)
    production(model)
    actual = snapshot(model)
    found = differences(expected, actual)
    assert not found, f"{what or production.__qualname__}: production differs from its oracle:\n" + (
        "\n".join(found[:20]))


def walk(model, steps: int, what: str = "") -> int:
    """Step the model through its ``phases``, checking every phase that has an oracle; return how many.

    Each step goes through Mesa's own ``model.step()`` (so the step counter and clock advance
    as in a run); only the body of the step is the checked walk through ``PHASES``.
    """
    checked = 0

    def checked_step() -> None:
        nonlocal checked
        model._reset_step_stats()
        for name, phase in model.phases:
            oracle = oracle_of(phase)
            if oracle is None:
                phase(model)
            else:
                check_phase(model, phase, oracle, f"{what} step {model.steps}, {name}")
                checked += 1

    plain = model._user_step
    model._user_step = checked_step
    try:
        for _ in range(steps):
            model.step()
    finally:
        model._user_step = plain
    return checked


def check_twins(make: Callable, production: Callable, oracle: Callable, what: str = "") -> None:
    """Build two identical models with ``make()``, run ``production`` on one and ``oracle`` on
    the other (each a function of the model), and fail where their states differ.

    For edge cases: ``make`` bends a model into the state to test (nobody buys, NaN
    satisfaction, an empty network, ...); both twins must be built the same way.
    """
    mine, reference = make(), make()
    mine._reset_step_stats()
    reference._reset_step_stats()
    production(mine)
    oracle(reference)
    found = differences(snapshot(reference), snapshot(mine))
    assert not found, f"{what}: production differs from its oracle:\n" + "\n".join(found[:20])
