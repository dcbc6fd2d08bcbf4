"""``cvm dashboard``: the command it runs, and refusing bad ports."""

from __future__ import annotations

import sys

from sim.cli import main
from sim.cli.dashboard import app_path, streamlit_command


def test_command_serves_the_app_headless_on_the_port(capsys):
    assert app_path().is_file()
    cmd = streamlit_command(8765, "127.0.0.1")
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert "--server.headless=true" in cmd and "--server.port=8765" in cmd
    assert main(["dashboard", "--port", "8765", "--print-command"]) == 0
    assert "--server.port=8765" in capsys.readouterr().out


def test_bad_port_exits_2_with_a_message(capsys):
    assert main(["dashboard", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
