"""``cvm run``: run a scenario and write firms.csv, firms.parquet, segments.csv, summary.json."""

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


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("run", help="run a scenario and write its results")
    add_scenario_args(p)
    p.add_argument("--out", default=None, help="output folder (default results/<scenario>)")
    p.add_argument("--steps", type=int, default=None, help="periods to run")
    p.add_argument("--seed", type=int, default=None, help="master random seed")
    p.add_argument("--replicates", type=int, default=None, help="independent replicates")
    p.add_argument("--workers", type=int, default=1, help="worker processes (same results)")
    p.add_argument("--panel", type=int, default=None, metavar="N",
                   help="record a consumer panel of N customers per replicate (panel.parquet; "
                   "see cvm panel-stats); default the scenario's outputs.panel")
    p.add_argument("--force", action="store_true", help="replace a non-empty --out folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run and write."""
    from sim.outputs import UnsafeOutput, json_safe, write_run
    from sim.runner import run_scenario
    from sim.scenario.budget import check_run_memory

    for flag in ("steps", "replicates", "workers"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UserError(f"--{flag} must be at least 1, got {value}")
    if args.panel is not None and not 0 <= args.panel <= 1_000_000:
        raise UserError(f"--panel must be between 0 and 1000000, got {args.panel}")
    if args.seed is not None and args.seed < 0:
        raise UserError(f"--seed must be >= 0, got {args.seed}")
    from sim.scenario.schema import check_flag_bounds
    check_flag_bounds(args, "steps", "replicates", "seed")
    scenario = load(args)
    out = Path(args.out) if args.out else Path("results") / _slug(scenario.name)
    protect = scenario_files(args)
    check_output_dir(out, args.force, protect)
    args.workers = cap_workers(args.workers)
    check_run_memory(scenario, args.replicates, args.workers, args.steps, label=args.scenario)
    progress = None if args.quiet or args.json else Progress(f"running {scenario.name}")
    result = run_scenario(
        scenario, replicates=args.replicates, seed=args.seed, workers=args.workers,
        steps=args.steps, progress=progress, panel=args.panel,
    )
    try:
        write_run(result, out, force=args.force, protect=protect)
    except UnsafeOutput as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write results to {out}: {exc.strerror or exc}") from None
    _note_overflow(result.firms)
    summary = result.summary()
    files = "firms.csv, firms.parquet, segments.csv, summary.json" + (
        ", panel.parquet" if result.panel is not None else "")
    if args.json:
        print(json.dumps(json_safe({**summary, "out": str(out)}), indent=2, default=str))
    elif not args.quiet:
        print(format_summary(summary, out, files))
    return 0


def _note_overflow(firms) -> None:
    """Say on stderr which columns overflowed to ±inf (extreme money), instead of a warning."""
    import sys

    import numpy as np

    numeric = firms.select_dtypes("number")
    bad = [c for c in numeric.columns if np.isinf(numeric[c].to_numpy(float)).any()]
    if bad:
        print(f"note: {', '.join(bad)} overflowed to ±inf (numbers beyond about 1.8e308); the "
              "CSV and Parquet files hold inf, JSON outputs write null", file=sys.stderr)


def format_summary(summary: dict, out: Path,
                   files: str = "firms.csv, firms.parquet, segments.csv, summary.json") -> str:
    """A plain-text table of final-step results per firm."""
    lines = [
        f"{summary['scenario']}: {summary['steps']} steps x {summary['replicates']} replicate(s), "
        f"seed {summary['seed']}",
        f"{'firm':<16}{'share':>8}{'profit':>14}{'loyalty':>9}  position",
    ]
    def number(value, fmt: str) -> str:  # None: no finite value (e.g. overflowed money)
        return format(float("nan") if value is None else value, fmt)

    for name, s in summary["firms"].items():
        lines.append(
            f"{name:<16}{number(s['share']['mean'], '>8.3f')}"
            f"{number(s['profit']['mean'], '>14,.0f')}"
            f"{number(s['loyalty']['mean'], '>9.3f')}  {s['clock_position']}"
        )
    lines.append(f"results written to {out}/ ({files})")
    return "\n".join(lines)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_") or "run"
