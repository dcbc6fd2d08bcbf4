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


def test_the_host_password_comes_from_a_file_and_bad_files_exit_2(tmp_path, capsys):
    from sim.cli.dashboard import read_host_password

    good = tmp_path / "host.txt"
    good.write_text("correct horse battery\nignored second line\n")
    assert read_host_password(str(good)) == "correct horse battery"
    assert main(["dashboard", "--host-password-file", str(good), "--print-command"]) == 0
    assert "correct horse" not in capsys.readouterr().out  # never on a command line
    short = tmp_path / "short.txt"
    short.write_text("abc\n")
    for path, needle in ((tmp_path / "missing.txt", "cannot read"), (short, "8 to 4096")):
        capsys.readouterr()
        assert main(["dashboard", "--host-password-file", str(path), "--print-command"]) == 2
        err = capsys.readouterr().err
        assert "--host-password-file" in err and needle in err and "Traceback" not in err
