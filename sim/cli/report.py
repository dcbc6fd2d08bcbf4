"""``cvm report DIR``: write ``DIR/report.html``, a self-contained page readable offline.

``DIR`` is the ``--out`` folder of ``cvm run`` (the run's charts) or of ``cvm sensitivity``
(the ranked effects with their intervals).
"""

from __future__ import annotations

from pathlib import Path

from sim.cli import UserError


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("report", help="write report.html for a run or sensitivity folder "
                                      "(works offline)")
    p.add_argument("dir", help="the --out folder of `cvm run` or `cvm sensitivity`")
    p.add_argument("--out", default=None, help="where to write the page (default DIR/report.html)")
    p.add_argument("--quiet", action="store_true", help="do not print where the report went")
    p.set_defaults(func=run)


def run(args) -> int:
    """Build and write the report."""
    try:
        from sim.report import ReportError, write_report
    except ImportError as exc:  # vl-convert-python bundles the chart libraries
        raise UserError(f"cvm report needs vl-convert-python ({exc}); "
                        "install it with: pip install vl-convert-python") from None
    try:
        path = write_report(Path(args.dir), args.out)
    except ReportError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write the report: {exc.strerror or exc}") from None
    if not args.quiet:
        print(f"report written to {path}")
    return 0
