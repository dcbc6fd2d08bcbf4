"""``cvm validate-model``: run the validation suite, print the table, optionally regenerate docs."""

from __future__ import annotations

import sys
from pathlib import Path

from sim.cli import UserError


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("validate-model",
                       help="check the model against published claims (validation suite)")
    p.add_argument("--case", dest="cases", action="append", default=None, metavar="KEY",
                   help="run only this case (repeat); default every case")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("--replicates", type=int, default=None, help="replicates per scenario")
    p.add_argument("--customers", type=int, default=None, help="customers per market")
    p.add_argument("--seed", type=int, default=None, help="master seed")
    p.add_argument("--write-docs", nargs="?", const="docs/validation.md", default=None,
                   metavar="FILE", help="regenerate docs/validation.md (or FILE) from the table")
    p.add_argument("--csv", default=None, metavar="FILE", help="also write the table as CSV")
    p.set_defaults(func=run)


def run(args) -> int:
    """Exit 0 when no case fails or errors (pending cases are reported, not failures)."""
    from sim.validation import CASES, Settings, markdown, run_suite, text_table

    if args.list:
        for key, c in CASES.items():
            print(f"{key:<24}{c.title}")
        return 0
    from sim.scenario.schema import Market, check_flag_bounds

    check_flag_bounds(args, "replicates", "seed")  # the scenario schema's limits
    customers_max = next(m.le for m in Market.model_fields["customers"].metadata
                         if getattr(m, "le", None) is not None)
    if args.customers is not None and args.customers > customers_max:
        raise UserError(f"--customers must be at most {customers_max:,}, got {args.customers:,}")
    settings = Settings()
    for flag in ("replicates", "customers"):
        value = getattr(args, flag)
        if value is not None:
            if value < (2 if flag == "replicates" else 100):
                raise UserError(f"--{flag} is too small: {value}")
            setattr(settings, flag, value)
    if args.seed is not None:
        if args.seed < 0:
            raise UserError(f"--seed must be >= 0, got {args.seed}")
        settings.seed = args.seed
    unknown = [k for k in args.cases or [] if k not in CASES]
    if unknown:
        raise UserError(f"unknown case(s) {', '.join(unknown)}; see cvm validate-model --list")

    def show(key, row):
        if sys.stderr.isatty():
            sys.stderr.write(f"{key}: {row['status']} ({row['seconds']:.1f}s)\n")

    table = run_suite(args.cases, settings, progress=show)
    print(text_table(table))
    try:
        if args.csv:
            table.drop(columns=[c for c in ("numbers", "traceback") if c in table]).to_csv(
                args.csv, index=False)
        if args.write_docs:
            from sim.runner import package_version

            path = Path(args.write_docs)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(markdown(table, settings, f"Model version {package_version()}."))
            print(f"wrote {path}")
    except OSError as exc:
        raise UserError(f"cannot write: {exc.strerror or exc}") from None
    return 1 if table["status"].isin(["fail", "error"]).any() else 0
