"""``cvm sensitivity``: rank which parameters drive a firm's outcome (Morris or Sobol, SALib)."""

from __future__ import annotations

import json
from pathlib import Path

from sim.cli import UserError
from sim.cli.common import (
    Progress,
    add_scenario_args,
    cap_workers,
    check_output_dir,
    load,
    scenario_files,
)
from sim.outputs import json_safe


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("sensitivity", help="rank the parameters that drive a firm's outcome")
    add_scenario_args(p)
    p.add_argument("--param", dest="params", action="append", default=[], metavar="PATH=LOW:HIGH",
                   help="a parameter and its range, e.g. firms.0.price=8:12 (repeat)")
    p.add_argument("--method", choices=("morris", "sobol"), default="morris",
                   help="morris (screening, cheap) or sobol (variance shares)")
    p.add_argument("--samples", type=int, default=8,
                   help="Morris trajectories or Sobol base samples (power of 2)")
    p.add_argument("--output", default="share",
                   help="firms-table column analysed: share, profit, loyalty, ...")
    p.add_argument("--firm", default=None, help="firm analysed (default the first)")
    p.add_argument("--replicates", type=int, default=1, help="replicates per sample point")
    p.add_argument("--seed", type=int, default=None, help="master seed shared by every run")
    p.add_argument("--steps", type=int, default=None, help="periods per run")
    p.add_argument("--workers", type=int, default=1,
                   help="processes running sample points in parallel (same results)")
    p.add_argument("--backend", choices=("local", "dask"), default="local",
                   help="run sample points locally or as tasks on a Dask cluster")
    p.add_argument("--address", default=None, help="Dask scheduler address (with --backend dask)")
    p.add_argument("--out", default=None,
                   help="folder for sensitivity.csv, samples.csv and sensitivity.json")
    p.add_argument("--force", action="store_true",
                   help="replace a previous result in --out (a run or a sensitivity folder)")
    p.add_argument("--json", action="store_true", help="print the ranking as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Analyse, print the ranking, write the tables."""
    from sim.outputs import UnsafeOutput
    from sim.sensitivity import describe, sensitivity, write_result

    _require("SALib")
    for flag in ("samples", "replicates", "workers", "steps"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UserError(f"--{flag} must be at least 1, got {value}")
    if args.seed is not None and args.seed < 0:
        raise UserError(f"--seed must be >= 0, got {args.seed}")
    from sim.scenario.schema import check_flag_bounds
    check_flag_bounds(args, "steps", "replicates", "seed")
    out = Path(args.out) if args.out else None
    if out is not None:  # before any work: the same rules as `cvm run --out`
        check_output_dir(out, args.force, scenario_files(args))
    if not args.address:  # a cluster at --address has its own workers
        args.workers = cap_workers(args.workers)
    scenario = load(args)
    progress = None if args.json else Progress(f"sensitivity of {scenario.name}")
    try:
        result = sensitivity(
            scenario, args.params, method=args.method, samples=args.samples,
            output=args.output, firm=args.firm, replicates=args.replicates, seed=args.seed,
            steps=args.steps, workers=args.workers, backend=args.backend, address=args.address,
            progress=progress,
        )
    except _backend_error() as exc:
        raise UserError(str(exc)) from None
    if out is not None:
        try:
            write_result(result, out, force=args.force, protect=scenario_files(args))
        except UnsafeOutput as exc:
            raise UserError(str(exc)) from None
        except OSError as exc:
            raise UserError(f"cannot write to {out}: {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps(json_safe(result.summary()), indent=2))
    else:
        print(describe(result))
        if out is not None:
            print(f"written to {out}/ (sensitivity.csv, samples.csv, sensitivity.json)")
    return 0


def _backend_error() -> type[Exception]:
    from sim import runner

    return getattr(runner, "BackendError", UserError)


def _require(module: str) -> None:
    """Refuse politely when the optional ``sensitivity`` extra is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UserError(f"this command needs {module}: pip install 'value-matrix[sensitivity]'")
