"""Writing run results: firms.csv, firms.parquet, segments.csv, summary.json — atomically.

Everything is written into a temporary folder beside the target and renamed into place at the
end, so an interrupted or failed run never leaves half-written results.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
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


def _mean_ci(values: np.ndarray) -> dict[str, float | None]:
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return {"mean": None, "low": None, "high": None}
    mean = float(values.mean())
    if len(values) < 2:
        return {"mean": mean, "low": mean, "high": mean}
    half = 1.96 * float(values.std(ddof=1)) / math.sqrt(len(values))
    return {"mean": mean, "low": mean - half, "high": mean + half}


def write_run(result, out_dir: str | Path, force: bool = False) -> Path:
    """Write a run's tables to ``out_dir`` atomically.

    Raises:
        FileExistsError: ``out_dir`` exists and is not empty, and ``force`` is false.
    """
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not force:
        raise FileExistsError(f"{out} exists and is not empty (use --force to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        tmp.chmod(_default_dir_mode())  # mkdtemp makes 0700; results are meant to be shared
        result.firms.to_csv(tmp / "firms.csv", index=False)
        result.firms.to_parquet(tmp / "firms.parquet", index=False)
        result.segments.to_csv(tmp / "segments.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summarise(result), indent=2) + "\n")
        (tmp / "scenario.json").write_text(result.scenario.model_dump_json(indent=2) + "\n")
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _default_dir_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def _replace_dir(tmp: Path, out: Path) -> None:
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)
