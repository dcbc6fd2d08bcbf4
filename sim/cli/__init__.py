"""The ``cvm`` command line: one small module per verb, each with ``add_parser`` and ``run``.

``main(argv) -> int`` never lets a user mistake escape as a traceback: scenario problems, bad
flags and unwritable outputs exit 2 with a readable message; an unexpected failure exits 1
with a one-line message. ``--debug`` (anywhere on the line) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

from sim.scenario import ScenarioError

# verb -> module under sim.cli; each module defines add_parser(subparsers) and run(args) -> int.
# Verbs whose module is not there (an optional part not installed or not built yet) are skipped.
VERBS = ("run", "validate", "list", "schema", "sweep", "report", "dashboard", "classroom",
         "validate-model", "sensitivity", "calibrate", "panel-stats")


class UserError(Exception):
    """A mistake in the user's input: reported as a message, exit status 2."""


def available_verbs() -> list[str]:
    """The verbs whose module exists."""
    return [v for v in VERBS if importlib.util.find_spec(f"sim.cli.{v.replace('-', '_')}")]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available verb."""
    parser = argparse.ArgumentParser(
        prog="cvm", description="Value Matrix: simulate competition on the customer matrix."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)
    for verb in available_verbs():
        importlib.import_module(f"sim.cli.{verb.replace('-', '_')}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    # (not list(...): importing the verb module sim.cli.list rebinds the name in this package)
    argv = [*(sys.argv[1:] if argv is None else argv)]
    debug = _pop_flag(argv, "--debug")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the message
        return int(exc.code or 0)
    args.debug = debug or getattr(args, "debug", False)
    try:
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        if args.debug:
            raise
        print(f"error: invalid scenario\n{exc}", file=sys.stderr)
        return 2
    except (UserError, FileExistsError, PermissionError, NotADirectoryError) as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `cvm schema | head`
        return 0
    except Exception as exc:
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in Value Matrix, not in your input; run again with --debug for the "
              "traceback and report it.", file=sys.stderr)
        return 1


def _pop_flag(argv: list[str], flag: str) -> bool:
    """Remove ``flag`` from ``argv`` (before any ``--``); True when it was there."""
    end = argv.index("--") if "--" in argv else len(argv)
    found = flag in argv[:end]
    if found:
        argv[:] = [a for a in argv[:end] if a != flag] + argv[end:]
    return found


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
