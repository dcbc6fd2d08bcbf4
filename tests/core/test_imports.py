"""Dependencies point one way: the simulation core never imports the dashboard or UI libraries."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("dashboard", "streamlit", "altair")


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("package", ["sim", "agents"])
def test_core_does_not_import_ui(package):
    offenders = []
    for path in (ROOT / package).rglob("*.py"):
        # the CLI verb that launches the dashboard only starts a subprocess
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_no_global_random_state():
    offenders = []
    for package in ("sim", "agents"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            for bad in ("np.random.seed(", "np.random.rand(", "np.random.randint(", "import random\n"):
                if bad in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {bad.strip()}")
    assert not offenders, offenders
