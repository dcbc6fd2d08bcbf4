"""The ``cvm`` command line: one small module per verb, each with ``add_parser`` and ``run``.

``main(argv) -> int`` never lets a user mistake escape as a traceback: scenario problems, bad
flags and unwritable outputs exit 2 with a readable message (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sim.scenario import ScenarioError

# verb -> module under sim.cli; each module defines add_parser(subparsers) and run(args) -> int
VERBS = ("run", "validate", "list", "schema")


class UserError(Exception):
    """A mistake in the user's input: reported as a message, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every verb."""
    parser = argparse.ArgumentParser(
        prog="cvm", description="Value Matrix: simulate competition on the customer matrix."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)
    for verb in VERBS:
        importlib.import_module(f"sim.cli.{verb.replace('-', '_')}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the message
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except ScenarioError as exc:
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


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
