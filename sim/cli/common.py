"""Helpers shared by the CLI verbs: loading a scenario with overrides, a progress bar."""

from __future__ import annotations

import sys
import time

from sim.scenario import load_scenario


def add_scenario_args(parser) -> None:
    """SCENARIO and --set, common to verbs that take a scenario."""
    parser.add_argument("scenario", help="scenario file, or the name of a shipped scenario")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value, e.g. market.customers=2000 or firms.0.price=9.5",
    )


def load(args):
    """The scenario named on the command line, with its --set overrides, validated."""
    return load_scenario(args.scenario, overrides=args.overrides)


class Progress:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, label: str, enabled: bool | None = None):
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        """Show ``done`` of ``total``."""
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {done}/{total} {now - self.start:5.1f}s")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
