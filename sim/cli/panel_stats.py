"""``cvm panel-stats DIR``: Ehrenberg's brand-performance and duplication tables of a panel."""

from __future__ import annotations

import json
import math

from sim.cli import UserError


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("panel-stats", help="brand-performance and duplication tables of a "
                       "run's consumer panel (cvm run --panel N)")
    p.add_argument("dir", help="a run folder holding panel.parquet")
    p.add_argument("--from-step", type=int, default=None, help="first step of the period")
    p.add_argument("--to-step", type=int, default=None, help="last step of the period")
    p.add_argument("--replicate", type=int, default=None, help="one replicate (default all)")
    p.add_argument("--by", choices=("purchases", "units"), default="purchases",
                   help="market share and purchase rate of purchases or of units")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print both tables as JSON")
    fmt.add_argument("--csv", action="store_true", help="print the brand table as CSV")
    p.set_defaults(func=run)


def run(args) -> int:
    """Read, window, tabulate, print."""
    from pathlib import Path

    from sim.panel import PanelError, brand_performance, duplication, read_panel, window

    if not Path(args.dir).is_dir():
        raise UserError(f"{args.dir} is not a folder (expected a run folder from cvm run)")
    try:
        panel = read_panel(args.dir)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {Path(args.dir) / 'panel.parquet'}: {exc}") from None
    if (args.from_step is not None and args.to_step is not None
            and args.from_step > args.to_step):
        raise UserError(f"--from-step {args.from_step} is after --to-step {args.to_step}")
    try:
        part = window(panel, args.from_step, args.to_step, args.replicate)
    except PanelError as exc:
        raise UserError(f"{Path(args.dir) / 'panel.parquet'}: {exc}") from None
    if part.empty:
        raise UserError("no panel purchases in the chosen steps/replicate (the panel has "
                        f"steps {_span(panel)} and replicates "
                        f"{sorted(panel['replicate'].unique().tolist())})")
    brands = brand_performance(part, by=args.by)
    dup = duplication(part)
    if args.json:
        print(json.dumps({"brand_performance": _records(brands),
                          "duplication": {a: {b: _num(v) for b, v in row.items() if a != b}
                                          for a, row in dup.to_dict(orient="index").items()},
                          "steps": _span(part), "customers": _customers(part)}, indent=2))
    elif args.csv:
        print(brands.to_csv(index=False), end="")
    else:
        print(format_tables(brands, dup, part))
    return 0


def _span(panel) -> list[int]:
    return [int(panel["step"].min()), int(panel["step"].max())] if len(panel) else []


def _customers(panel) -> int:
    return int(panel[["replicate", "customer"]].drop_duplicates().shape[0])


def _num(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _records(df) -> list[dict]:
    return [{k: (v if isinstance(v, str) else (int(v) if k == "buyers" else _num(v)))
             for k, v in row.items()} for row in df.to_dict(orient="records")]


def format_tables(brands, dup, panel) -> str:
    """The two tables as plain text."""
    from sim.panel import halves

    first, second = halves(panel)
    lines = [
        f"consumer panel: {_customers(panel)} buying customers, {len(panel)} purchases, steps "
        f"{panel['step'].min()}–{panel['step'].max()} (repeat rate: period 1 = steps "
        f"{first['step'].min()}–{first['step'].max()}, period 2 = the rest)",
        "",
        f"{'firm':<16}{'share':>7}{'penetr.':>9}{'purch/buyer':>12}{'SCR':>7}"
        f"{'% sole':>8}{'repeat':>8}",
    ]
    for row in brands.itertuples(index=False):
        repeat = "   n/a" if math.isnan(row.repeat_rate) else f"{row.repeat_rate:>6.2f}"
        lines.append(f"{row.firm:<16}{row.share:>7.3f}{row.penetration:>9.3f}"
                     f"{row.purchases_per_buyer:>12.2f}{row.scr:>7.3f}{row.sole_buyers:>8.1f}"
                     f"  {repeat}")
    lines += ["", "duplication of purchase: % of the row firm's buyers who also bought the column "
              "firm", f"{'':<16}" + "".join(f"{str(c)[:9]:>10}" for c in dup.columns)]
    for name, row in dup.iterrows():
        cells = "".join(f"{'—':>10}" if math.isnan(v) else f"{v:>10.1f}" for v in row)
        lines.append(f"{str(name):<16}{cells}")
    return "\n".join(lines)
