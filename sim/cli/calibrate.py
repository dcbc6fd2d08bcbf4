"""``cvm calibrate``: fit scenario parameters to observed shares; write the calibrated scenario."""

from __future__ import annotations

from pathlib import Path

from sim.cli import UserError
from sim.cli.common import Progress, add_scenario_args, load


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("calibrate", help="fit parameters so simulated shares match observed ones")
    add_scenario_args(p)
    p.add_argument("--observed", required=True, metavar="SHARES.csv",
                   help="observed shares: step,firm,share (or step and one column per firm)")
    p.add_argument("--param", dest="params", action="append", default=[], metavar="PATH=LOW:HIGH",
                   help="a parameter to fit and its range, e.g. market.segments.0."
                   "price_sensitivity=0.5:3 (repeat)")
    p.add_argument("--replicates", type=int, default=1, help="replicates per evaluation")
    p.add_argument("--seed", type=int, default=None, help="seed of every evaluation")
    p.add_argument("--evaluations", type=int, default=60, help="budget of model runs")
    p.add_argument("--out", default=None, metavar="FILE.yaml",
                   help="write the calibrated scenario here (default: print it)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=run)


def run(args) -> int:
    """Calibrate, report the fit, write the scenario."""
    from sim.calibrate import calibrate, to_yaml

    _require("scipy")
    for flag in ("replicates", "evaluations"):
        if getattr(args, flag) < 1:
            raise UserError(f"--{flag} must be at least 1, got {getattr(args, flag)}")
    if args.evaluations < 2:
        raise UserError("--evaluations must be at least 2")
    if args.seed is not None and args.seed < 0:
        raise UserError(f"--seed must be >= 0, got {args.seed}")
    from sim.scenario.schema import check_flag_bounds
    check_flag_bounds(args, "replicates", "seed")
    if not Path(args.observed).is_file():
        raise UserError(f"--observed {args.observed}: no such file")
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not args.force:
        raise UserError(f"{out} exists; choose another --out or add --force")
    scenario = load(args)
    bar = Progress(f"calibrating {scenario.name}")
    result = calibrate(scenario, args.observed, args.params, replicates=args.replicates,
                       seed=args.seed, max_evaluations=args.evaluations,
                       progress=lambda done, best: bar(done, args.evaluations))
    lines = [f"calibrated {scenario.name} to {args.observed} ({result.evaluations} runs)",
             f"fit: RMSE before {result.initial_rmse:.4f}, after {result.rmse:.4f}; "
             f"MAPE after {result.mape:.1f} %"]
    if result.start_note:
        lines.append(f"note: {result.start_note}")
    lines += [f"  {path} = {value:.4g}" for path, value in result.values.items()]
    note = "\n".join(lines)
    text = to_yaml(result.scenario, note)
    if out is None:
        print(text, end="")
    else:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(f".{out.name}.tmp")
            tmp.write_text(text)
            tmp.replace(out)
        except OSError as exc:
            raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
        print(note)
        print(f"calibrated scenario written to {out}")
    return 0


def _require(module: str) -> None:
    """Refuse politely when the optional ``sensitivity`` extra is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UserError(f"this command needs {module}: pip install 'value-matrix[sensitivity]'")
