"""Helpers shared by the CLI verbs: loading a scenario with overrides, output folders, progress."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

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
    parser.add_argument(
        "--preset", default=None, metavar="NAME",
        help="apply one of the file's named presets (its `presets:` block) before --set",
    )
    parser.add_argument(
        "--plugin", dest="plugins", action="append", default=[], metavar="MODULE",
        help="import a module (name, or .py file) that registers strategies of your own; "
        "repeat for more",
    )


def load_plugins(args) -> None:
    """Import the ``--plugin`` modules (relative to the current folder); exit 2 if one fails."""
    from sim import plugins
    from sim.cli import UserError

    try:
        plugins.load(getattr(args, "plugins", None) or [], Path.cwd())
    except plugins.PluginError as exc:
        raise UserError(f"--plugin: {exc}") from None


def load(args):
    """The scenario named on the command line, with its plugins and --set overrides, validated."""
    load_plugins(args)
    return load_scenario(args.scenario, overrides=args.overrides, preset=args.preset)


def scenario_files(args) -> tuple[Path, ...]:
    """The scenario file named on the command line, if it is a file (not a shipped name)."""
    path = Path(args.scenario)
    return (path,) if path.is_file() else ()


def check_output_dir(out: Path, force: bool, protect: tuple[Path, ...] = ()) -> None:
    """Refuse, before any work, an output folder that is unsafe, not empty or not writable.

    ``--force`` replaces only a recognised previous result (see
    :func:`sim.outputs.check_replaceable`); never the current folder, a parent of it, home, or a
    folder holding any path in ``protect``.
    """
    from sim.cli import UserError
    from sim.outputs import UnsafeOutput, check_replaceable

    try:
        check_replaceable(out, force, protect)
    except UnsafeOutput as exc:
        raise UserError(str(exc)) from None
    parent = out.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write results to {out}: {parent} is not a writable folder")


def available_cores() -> int:
    """The CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def cap_workers(workers: int | None) -> int | None:
    """``--workers`` capped at the cores available, saying so on stderr when capped."""
    cores = available_cores()
    if workers is not None and workers > cores:
        print(f"note: --workers {workers} capped at {cores}, the cores available on this machine",
              file=sys.stderr)
        return cores
    return workers


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
