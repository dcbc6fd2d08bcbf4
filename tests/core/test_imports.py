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


def _module_imports(package: str):
    for path in (ROOT / package).rglob("*.py"):
        for name in _imports(path):
            yield path.relative_to(ROOT), name


def test_agents_do_not_import_the_scenario_or_the_mechanisms():
    """Agents depend on the kernels only; the model wires them to the mechanisms."""
    offenders = [f"{p} imports {n}" for p, n in _module_imports("agents")
                 if n.startswith(("sim.scenario", "sim.mechanisms", "sim.model"))]
    assert not offenders, offenders


def test_mechanisms_do_not_import_agents():
    offenders = [f"{p} imports {n}" for p, n in _module_imports("sim/mechanisms")
                 if n.split(".")[0] == "agents"]
    assert not offenders, offenders


def test_mechanism_modules_import_no_circle():
    """The mechanisms import each other one way: no module imports one that imports it back."""
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "sim" / "mechanisms").glob("*.py"):
        me = path.stem
        graph[me] = {n.rsplit(".", 1)[-1] for n in _imports(path)
                     if n.startswith("sim.mechanisms.")}
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "sim.mechanisms":
                graph[me] |= {a.name for a in node.names}
    graph.pop("__init__", None)

    def reaches(start: str, goal: str, seen=None) -> bool:
        seen = seen or set()
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    circles = sorted(m for m in graph if reaches(m, m))
    assert not circles, f"import circle through {circles}"
