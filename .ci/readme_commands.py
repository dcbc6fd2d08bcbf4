"""Run every command the README shows, from a runtime-only install (no test extras).

    python .ci/readme_commands.py VENV

Reads the README's ``cvm`` lines (the "What you can do with it" block) and its Python blocks
and runs each one as a user would after ``bash .ci/quickstart``, in a scratch folder, with
VENV's ``bin`` first on PATH. Files a line names but a user brings themselves
(``my_market.yaml``, ``shares.csv``, ``my_strategies.py`` from the README's strategy example)
are made first. Each line must exit
0, except the Dask line (the ``dask`` extra is not part of the runtime install): it must exit 2
and say how to install it. ``cvm dashboard`` must answer its health check. Exits 1 on any
failure, naming the line.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def readme_blocks(language: str) -> list[str]:
    """The README's fenced code blocks of one language, in order."""
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def cvm_lines() -> list[str]:
    """Each ``cvm ...`` command of the README's bash blocks, comments stripped."""
    lines = []
    for block in readme_blocks("bash"):
        for raw in block.splitlines():
            line = raw.split("  #", 1)[0].strip()
            if line.startswith("cvm "):
                lines.append(line)
    return lines


def prepare(work: Path, env: dict) -> None:
    """The files the README's lines expect a user to have."""
    shutil.copy(ROOT / "scenarios" / "baseline.yaml", work / "my_market.yaml")
    # the README's strategy example is the plugin its --plugin lines name
    example = next(b for b in readme_blocks("python") if "@register(" in b)
    (work / "my_strategies.py").write_text(example)
    subprocess.run(["cvm", "run", "baseline", "--out", "observed", "--quiet"], cwd=work,
                   env=env, check=True)
    import csv

    with open(work / "observed" / "firms.csv", newline="") as f, \
            open(work / "shares.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["step", "firm", "share"])
        for row in csv.DictReader(f):
            writer.writerow([row["step"], row["firm"], row["share"]])


def run_dashboard(argv: list[str], work: Path, env: dict) -> str | None:
    """Start the dashboard, wait for its health check, stop it; an error text or None."""
    port = argv[argv.index("--port") + 1] if "--port" in argv else "8501"
    proc = subprocess.Popen(argv, cwd=work, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return f"exited {proc.returncode}: {proc.stdout.read().decode()[-2000:]}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return None
            except OSError:
                time.sleep(0.5)
        return "no answer on the health check within 90 s"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_line(line: str, work: Path, env: dict) -> str | None:
    """Run one README line; an error text or None."""
    redirect = None
    if " > " in line:
        line, redirect = (part.strip() for part in line.split(" > ", 1))
    argv = shlex.split(line)
    if argv[1] == "dashboard":
        return run_dashboard(argv, work, env)
    out = open(work / redirect, "w") if redirect else subprocess.PIPE  # noqa: SIM115
    try:
        proc = subprocess.run(argv, cwd=work, env=env, stdout=out, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=900)
    finally:
        if redirect:
            out.close()
    text = (proc.stdout or b"").decode() + proc.stderr.decode()
    if "Traceback" in text:
        return f"traceback:\n{text[-3000:]}"
    if "--backend dask" in line:
        if proc.returncode == 2 and "value-matrix[dask]" in text:
            return None
        return f"expected exit 2 naming the dask extra, got {proc.returncode}:\n{text[-2000:]}"
    if proc.returncode != 0:
        return f"exit {proc.returncode}:\n{text[-3000:]}"
    return None


# numba imports and a compiled pass of the step runs (and counts right) in the installed venv
COMPILED_CHECK = ("import sys, numpy as np; from sim import kernels; "
                  "sys.exit(0 if kernels.column_count(np.ones((3, 2), bool)).tolist() == [3, 3] "
                  "else 1)")


def main(venv: str) -> int:
    """Run everything; 0 when every line behaves."""
    bin_dir = Path(venv).resolve() / "bin"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONUNBUFFERED": "1"}
    env.pop("VIRTUAL_ENV", None)
    failures = []
    check = subprocess.run([str(bin_dir / "python"), "-c", COMPILED_CHECK],
                           env=env, capture_output=True, text=True)
    print(f"{'ok  ' if check.returncode == 0 else 'FAIL'}          the compiled (numba) step runs")
    if check.returncode != 0:
        failures.append(("compiled step", check.stderr[-2000:] or "a compiled count was wrong"))
    with tempfile.TemporaryDirectory(prefix="vm-readme-") as tmp:
        work = Path(tmp)
        prepare(work, env)
        for line in cvm_lines():
            start = time.monotonic()
            error = run_line(line, work, env)
            took = time.monotonic() - start
            print(f"{'ok  ' if error is None else 'FAIL'} {took:6.1f}s  {line}", flush=True)
            if error is not None:
                failures.append((line, error))
        for number, block in enumerate(readme_blocks("python"), 1):
            start = time.monotonic()
            proc = subprocess.run([str(bin_dir / "python"), "-c", block], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=900)
            took = time.monotonic() - start
            ok = proc.returncode == 0
            print(f"{'ok  ' if ok else 'FAIL'} {took:6.1f}s  README python block {number}",
                  flush=True)
            if not ok:
                failures.append((f"python block {number}", proc.stderr[-3000:]))
    for line, error in failures:
        print(f"\n== {line}\n{error}", file=sys.stderr)
    print(f"readme commands: {len(failures)} failed", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".venv-runtime"))
