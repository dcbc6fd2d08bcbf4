"""``cvm dashboard [--port P]``: start the Streamlit dashboard, headless, on that port.

The dashboard is a separate top-level package; this verb only starts ``streamlit run`` on its
``app.py`` (found beside ``sim/``), so the simulation core never imports Streamlit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sim.cli import UserError


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("dashboard", help="start the Streamlit dashboard")
    p.add_argument("--port", type=int, default=8501, help="port to serve on (default 8501)")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    p.add_argument("--host-password-file", default=None, metavar="FILE",
                   help="file whose first line is the host password; creating classroom games "
                   "from the dashboard needs it (without one, creation there is switched off)")
    p.add_argument("--print-command", action="store_true",
                   help="print the streamlit command instead of running it")
    p.set_defaults(func=run)


def app_path() -> Path:
    """The dashboard's entry script (``dashboard/app.py`` beside the ``sim`` package)."""
    return Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The command line that serves the dashboard headless on ``address:port``."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app_path()),
        "--server.headless=true", f"--server.port={port}", f"--server.address={address}",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
        "--client.toolbarMode=minimal",
    ]


def run(args) -> int:
    """Start the dashboard (replacing this process, so stopping it stops the server)."""
    if not 1 <= args.port <= 65535:
        raise UserError(f"--port must be between 1 and 65535, got {args.port}")
    if not app_path().is_file():
        raise UserError(f"the dashboard is not installed (no {app_path()})")
    env = dict(os.environ)
    if args.host_password_file:
        env[HOST_PASSWORD_ENV] = read_host_password(args.host_password_file)
    cmd = streamlit_command(args.port, args.address)
    if args.print_command:
        print(" ".join(cmd))
        return 0
    print(f"Value Matrix dashboard on http://{args.address}:{args.port}/ (Ctrl+C stops it)",
          file=sys.stderr, flush=True)
    if not env.get(HOST_PASSWORD_ENV):
        print("note: no host password (--host-password-file): classroom games cannot be created "
              "from the dashboard, only joined and opened", file=sys.stderr, flush=True)
    if os.name == "posix":
        os.execve(cmd[0], cmd, env)  # never returns
    return subprocess.call(cmd, env=env)


#: As ``dashboard.pages.classroom_common.HOST_PASSWORD_ENV`` (the core never imports Streamlit).
HOST_PASSWORD_ENV = "CVM_CLASSROOM_HOST_PASSWORD"


def read_host_password(path: str) -> str:
    """The first line of ``path``; a missing, unreadable or empty file is a user error.

    A file rather than a flag, so the password shows in no process list or shell history.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            first = fh.readline(4097).strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise UserError(f"--host-password-file: cannot read {path}: {reason}") from None
    if len(first) < 8 or len(first) > 4096:
        raise UserError(f"--host-password-file: {path} must hold a password of 8 to 4096 "
                        "characters on its first line")
    return first
