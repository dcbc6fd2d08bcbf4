"""Strategies of one's own from the command line: ``--plugin MODULE`` and ``plugins: [...]``.

The plugin registers a strategy that posts a price no shipped strategy would (6.25); the tests
check that the strategy really acted, that results are identical in-process, with two worker
processes and on a Dask LocalCluster, and that a missing or broken plugin is exit 2 with a
message naming it, never a traceback.
"""

from __future__ import annotations

import itertools
import sys

import pandas as pd
import pytest

from sim import plugins
from tests.scenarios_cli.conftest import HERE

BASE = (HERE / "tiny.yaml").read_text()
PRICE = 6.25
_COUNTER = itertools.count()

PLUGIN = '''
from agents.strategies import Action, register


@register("{name}")
class FixedPrice:
    """Always posts the same price."""

    def __init__(self, price: float = {price}):
        self.price = price

    def decide(self, view, firm):
        return Action(price=self.price)
'''


@pytest.fixture
def plugin(tmp_path):
    """A plugin module (unique name per test) in tmp_path/plugins, and a scenario using it."""
    n = next(_COUNTER)
    module, strategy = f"vm_test_plugin_{n}", f"fixed_{n}"
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / f"{module}.py").write_text(PLUGIN.format(name=strategy, price=PRICE))
    yield module, strategy, folder
    plugins.LOADED.pop(module, None)
    sys.modules.pop(module, None)
    if str(folder) in sys.path:
        sys.path.remove(str(folder))


def _scenario(tmp_path, strategy, plugins_key: str | None = None):
    text = BASE.replace("{name: Alpha, price: 10.0,",
                        f"{{name: Alpha, price: 10.0, strategy: {{type: {strategy}}},"
                        ).replace("customers: 1500", "customers: 400").replace("steps: 8", "steps: 4")
    if plugins_key:
        text = f"plugins: [{plugins_key}]\n" + text
    path = tmp_path / "scenarios" / "s.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def _alpha_prices(out):
    firms = pd.read_csv(out / "firms.csv")
    return set(firms.loc[firms["firm"] == "Alpha", "price"])


def test_without_the_plugin_the_strategy_is_unknown_with_a_hint(cvm, tmp_path, plugin):
    _, strategy, _ = plugin
    result = cvm("validate", _scenario(tmp_path, strategy))
    assert result.code == 2 and "Traceback" not in result.err
    assert f"unknown strategy '{strategy}'" in result.err and "--plugin MODULE" in result.err


def test_plugin_flag_by_path_and_scenario_key_give_the_same_run(cvm, tmp_path, plugin, monkeypatch):
    module, strategy, folder = plugin
    bare = _scenario(tmp_path, strategy)
    by_flag = tmp_path / "by_flag"
    assert cvm("run", bare, "--plugin", folder / f"{module}.py", "--out", by_flag,
               "--quiet").code == 0
    assert _alpha_prices(by_flag) == {PRICE}  # the plugin's strategy acted
    keyed = _scenario(tmp_path, strategy, plugins_key=f"../plugins/{module}.py")  # from its folder
    by_key = tmp_path / "by_key"
    result = cvm("run", keyed, "--out", by_key, "--quiet", "--workers", "2")
    assert result.code == 0, result.err
    assert (by_key / "firms.csv").read_bytes() == (by_flag / "firms.csv").read_bytes()


def test_plugin_flag_by_module_name_from_the_current_folder(cvm, tmp_path, plugin, monkeypatch):
    module, strategy, folder = plugin
    monkeypatch.chdir(folder)
    one, two = tmp_path / "one", tmp_path / "two"
    scenario = _scenario(tmp_path, strategy)
    assert cvm("validate", scenario, "--plugin", module).code == 0
    assert cvm("run", scenario, "--plugin", module, "--out", one, "--quiet").code == 0
    result = cvm("run", scenario, "--plugin", module, "--out", two, "--quiet", "--workers", "2")
    assert result.code == 0, result.err
    assert (one / "firms.csv").read_bytes() == (two / "firms.csv").read_bytes()
    assert _alpha_prices(one) == {PRICE}


def test_sweep_with_a_plugin_is_the_same_locally_and_on_dask(cvm, tmp_path, plugin):
    pytest.importorskip("distributed")
    module, strategy, _ = plugin
    keyed = _scenario(tmp_path, strategy, plugins_key=f"../plugins/{module}.py")
    outs = {}
    for name, extra in (("serial", ()), ("workers", ("--workers", "2")),
                        ("dask", ("--workers", "2", "--backend", "dask"))):
        outs[name] = tmp_path / f"sweep_{name}"
        result = cvm("sweep", keyed, "--param", "firms.1.price=8,9", "--out", outs[name],
                     "--quiet", *extra)
        assert result.code == 0, (name, result.err)
    tables = {k: (v / "sweep.csv").read_bytes() for k, v in outs.items()}
    assert tables["serial"] == tables["workers"] == tables["dask"]
    sweep = pd.read_csv(outs["dask"] / "sweep.csv")
    assert set(sweep.loc[sweep["firm"] == "Alpha", "price"]) == {PRICE}


@pytest.mark.parametrize("source, needle", [
    ("missing_module_xyz", "plugin 'missing_module_xyz' not found"),
    ("nothere.py", "no such file"),
    ("not-a-name", "is neither a module name"),
    ("broken.py", "failed to import: RuntimeError: boom"),
    ("syntax.py", "failed to import: SyntaxError"),
])
def test_a_missing_or_broken_plugin_is_exit_2_naming_it(cvm, tmp_path, plugin, monkeypatch,
                                                        source, needle):
    _, strategy, _ = plugin
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n")
    (tmp_path / "syntax.py").write_text("def (:\n")
    scenario = _scenario(tmp_path, strategy)
    result = cvm("validate", scenario, "--plugin", source)
    assert result.code == 2 and "Traceback" not in result.err
    assert "--plugin: " in result.err and needle in result.err, result.err
    keyed = _scenario(tmp_path, strategy, plugins_key=f"../{source}" if source.endswith(".py")
                      else source)
    result = cvm("run", keyed, "--out", tmp_path / "out", "--quiet")
    assert result.code == 2 and "Traceback" not in result.err
    assert "s.yaml:1:11: plugins.0: " in result.err and needle in result.err, result.err
    assert not (tmp_path / "out").exists()
    sys.modules.pop("broken", None)
    sys.modules.pop("syntax", None)
