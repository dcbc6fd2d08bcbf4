"""``cvm sweep``: a full-factorial sweep, locally or on a Dask cluster, into OUT/sweep.csv.

Finished runs are written as they arrive (``OUT/parts/``); running the same command again with
the same ``--out`` resumes and skips them.
"""

from __future__ import annotations

from pathlib import Path

from sim.cli import UserError
from sim.cli.common import Progress, add_scenario_args, cap_workers, load_plugins


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser(
        "sweep", help="run every combination of parameter values (locally or on Dask)",
        description="Full-factorial sweep: one row per combination x replicate x firm in "
        "OUT/sweep.csv (final-step metrics plus the swept values). Rerun with the same --out "
        "to resume an interrupted sweep.",
    )
    add_scenario_args(p)
    p.add_argument("--param", dest="params", action="append", default=[], required=True,
                   metavar="PATH=V1,V2,...",
                   help="a swept dotted path and its values, e.g. firms.0.price=8,9,10 "
                   "(repeat for more; every combination runs)")
    p.add_argument("--replicates", type=int, default=1, help="replicates per combination")
    p.add_argument("--seed", type=int, default=None, help="master random seed")
    p.add_argument("--steps", type=int, default=None, help="periods per run")
    p.add_argument("--backend", choices=("local", "dask"), default="local",
                   help="local processes, or a Dask distributed cluster")
    p.add_argument("--address", default=None, metavar="ADDR",
                   help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a "
                   "temporary local cluster of --workers processes)")
    p.add_argument("--workers", type=int, default=1,
                   help="local worker processes (same results whatever the number)")
    p.add_argument("--out", default=None, help="output folder (default results/<scenario>-sweep)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run the sweep and say where the table is."""
    from sim.runner import BackendError
    from sim.scenario import load_scenario
    from sim.sweep import SweepError, parse_param, run_sweep

    for flag in ("replicates", "workers", "steps"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UserError(f"--{flag} must be at least 1, got {value}")
    if args.seed is not None and args.seed < 0:
        raise UserError(f"--seed must be >= 0, got {args.seed}")
    from sim.scenario.schema import check_flag_bounds
    check_flag_bounds(args, "steps", "replicates", "seed")
    if args.address and args.backend != "dask":
        raise UserError("--address needs --backend dask")
    try:
        params = [parse_param(text) for text in args.params]
    except SweepError as exc:
        raise UserError(str(exc)) from None
    if not args.address:  # a cluster at --address has its own workers
        args.workers = cap_workers(args.workers)
    load_plugins(args)
    base = load_scenario(args.scenario, overrides=args.overrides, preset=args.preset)
    out = Path(args.out) if args.out else Path("results") / f"{_slug(base.name)}-sweep"
    progress = None if args.quiet else Progress(f"sweeping {base.name}")
    try:
        result = run_sweep(
            args.scenario, params, out, replicates=args.replicates, seed=args.seed,
            steps=args.steps, overrides=args.overrides, preset=args.preset,
            backend=args.backend, address=args.address, workers=args.workers,
            progress=progress,
        )
    except (SweepError, BackendError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write the sweep to {out}: {exc.strerror or exc}") from None
    if not args.quiet:
        print(f"{result.combinations} combination(s) x {args.replicates} replicate(s): "
              f"{result.ran} run, {result.skipped} already done; table in {result.csv}")
    return 0


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_") or "sweep"
