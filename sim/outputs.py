"""Writing run results: firms.csv, firms.parquet, segments.csv, summary.json — atomically.

With a consumer panel, panel.parquet too (``sim.panel``). Everything is written into a temporary folder beside the target and renamed into place at the
end, so an interrupted or failed run never leaves half-written results.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def summarise(result) -> dict[str, Any]:
    """The summary.json content: provenance and final-step statistics per firm."""
    firms = result.firms
    out: dict[str, Any] = dict(result.provenance)
    per_firm: dict[str, Any] = {}
    if not firms.empty:
        last = firms[firms["step"] == firms["step"].max()]
        for name, group in last.groupby("firm", sort=False):
            per_firm[name] = {m: _mean_ci(group[m].to_numpy(float)) for m in ("share", "profit", "loyalty")}
            per_firm[name]["clock_position"] = group["clock_position"].mode().iat[0]
    out["firms"] = per_firm
    from sim.mechanisms.relationships import summarise_relationships

    summarise_relationships(firms, out, _mean_ci)
    return out


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float (±inf, NaN) replaced by ``None`` (JSON ``null``).

    Money can overflow in a scenario with extreme (but allowed) numbers, e.g. a fixed cost
    multiplied by many cost shocks; JSON has no infinity, so every JSON output of a run
    (summary.json, ``--json``, the report's data) writes such a value as ``null``. CSV and
    Parquet keep the IEEE value (``inf``, ``-inf``, an empty cell for NaN in CSV).
    """
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    return value


def _mean_ci(values: np.ndarray) -> dict[str, float | None]:
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return {"mean": None, "low": None, "high": None}
    mean = float(values.mean())
    if len(values) < 2:
        return {"mean": mean, "low": mean, "high": mean}
    half = 1.96 * float(values.std(ddof=1)) / math.sqrt(len(values))
    return {"mean": mean, "low": mean - half, "high": mean + half}


#: The marker written into every result folder: ``--force`` replaces only folders that hold it.
MARKER = ".value-matrix-result"

#: Files a result folder may hold (`cvm run`, `cvm sensitivity`, `cvm report`, `cvm classroom export`). A folder holding anything
#: else, or any sub-folder, is not replaced: it may be the user's.
RESULT_FILES = frozenset({
    MARKER, "firms.csv", "firms.parquet", "segments.csv", "summary.json", "scenario.json",
    "decisions.csv", "scores.csv", "research.csv", "panel.parquet",
    "report.html",  # `cvm report` writes it beside the tables
    "sensitivity.csv", "samples.csv", "sensitivity.json",  # `cvm sensitivity --out`
})


class UnsafeOutput(FileExistsError):
    """``--out`` names a folder that must not be written into or replaced."""


def is_result_dir(path: str | Path) -> bool:
    """Whether ``path`` is recognisably a previous Value Matrix result folder.

    Recognised: the marker (or, for results written before the marker existed, both
    firms.csv and summary.json, or both sensitivity.csv and sensitivity.json) and nothing but
    known result files; no sub-folders.
    """
    path = Path(path)
    if not path.is_dir() or path.is_symlink():
        return False
    entries = list(path.iterdir())
    names = {e.name for e in entries}
    legacy = {"firms.csv", "summary.json"} <= names or {"sensitivity.csv", "sensitivity.json"} <= names
    if not (MARKER in names or legacy):
        return False
    return all(e.name in RESULT_FILES and e.is_file() and not e.is_symlink() for e in entries)


def check_replaceable(out: str | Path, force: bool, protect: tuple[Path, ...] = ()) -> None:
    """Refuse an ``out`` that writing a result there could damage; nothing is touched.

    Never allowed: the current folder or one of its parents, the home folder, the root, a
    folder holding any path in ``protect`` (e.g. the scenario file). A non-empty folder needs
    ``force``, and even then only a recognised previous result (:func:`is_result_dir`) is
    replaced.

    Raises:
        UnsafeOutput: with a message naming the folder.
    """
    out = Path(out)
    target = out.resolve()
    cwd = Path.cwd().resolve()
    if target == cwd or cwd.is_relative_to(target):
        raise UnsafeOutput(f"refusing --out {out}: it is the current folder or one of its parents; "
                           "choose a new folder for the results")
    if target == Path.home().resolve() or target.parent == target:
        raise UnsafeOutput(f"refusing --out {out}: it is the home or root folder; choose a new "
                           "folder for the results")
    for item in protect:
        if Path(item).resolve().is_relative_to(target):
            raise UnsafeOutput(f"refusing --out {out}: it holds {item}; choose a new folder for "
                               "the results")
    if out.exists() and not out.is_dir():
        raise UnsafeOutput(f"{out} exists and is a file, not a folder; choose another --out")
    if out.is_symlink():
        raise UnsafeOutput(f"refusing --out {out}: it is a symbolic link; choose another --out")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise UnsafeOutput(f"{out} exists and is not empty; choose another --out or add "
                               "--force to replace it")
        if not is_result_dir(out):
            raise UnsafeOutput(f"refusing to replace {out}: it is not empty and is not a Value "
                               "Matrix result folder (--force replaces only those); nothing was "
                               "changed, choose another --out")


def write_run(result, out_dir: str | Path, force: bool = False,
              protect: tuple[Path, ...] = ()) -> Path:
    """Write a run's tables to ``out_dir`` atomically, with the result marker.

    Raises:
        UnsafeOutput: ``out_dir`` may not be written (see :func:`check_replaceable`).
    """

    def fill(tmp: Path) -> None:
        result.firms.to_csv(tmp / "firms.csv", index=False)
        result.firms.to_parquet(tmp / "firms.parquet", index=False)
        result.segments.to_csv(tmp / "segments.csv", index=False)
        if getattr(result, "panel", None) is not None:
            result.panel.to_parquet(tmp / "panel.parquet", index=False)
        summary = json.dumps(json_safe(summarise(result)), indent=2, allow_nan=False)
        (tmp / "summary.json").write_text(summary + "\n")
        (tmp / "scenario.json").write_text(result.scenario.model_dump_json(indent=2) + "\n")

    return write_result_dir(out_dir, fill, force, protect)


def write_result_dir(out_dir: str | Path, fill: Callable[[Path], None], force: bool = False,
                     protect: tuple[Path, ...] = ()) -> Path:
    """Write a result folder atomically: ``fill(tmp)`` writes the files, then the marker.

    Everything is written to a temporary sibling folder which then takes the place of
    ``out_dir`` (the old folder, if any, is renamed aside, the new one renamed in, the old one
    deleted), so a failure leaves the old result whole. ``fill`` may write only names listed
    in :data:`RESULT_FILES`, so that ``--force`` recognises the folder later.

    Raises:
        UnsafeOutput: ``out_dir`` may not be written (see :func:`check_replaceable`).
    """
    out = Path(out_dir)
    check_replaceable(out, force, protect)
    target = out.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        tmp.chmod(_default_dir_mode())  # mkdtemp makes 0700; results are meant to be shared
        fill(tmp)
        written = sorted(p.name for p in tmp.iterdir())
        (tmp / MARKER).write_text(json.dumps(
            {"value_matrix_result": 1, "files": written}, indent=2) + "\n")
        _replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _default_dir_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def _replace_dir(tmp: Path, out: Path) -> None:
    if out.exists() and not any(out.iterdir()):
        out.rmdir()  # an empty folder: nothing to keep aside
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(old, out)  # put the old result back whole
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)
