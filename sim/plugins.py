"""Plugins: the user's own strategy modules, imported by name or path — here and in workers.

A plugin is a Python module that registers strategies with ``agents.strategies.register``.
It is named on the command line (``--plugin my_strategies`` or ``--plugin path/to/file.py``,
relative to the current folder) or in a scenario (``plugins: [my_strategies]``, relative to the
scenario file's folder). ``cvm`` imports exactly the modules named, nothing else: a plugin is
code you run, like any Python script.

Worker processes and Dask workers do not share this process's imports. A strategy class from a
plugin therefore travels as a :class:`PluginPolicy` — "import this plugin, it registers this
name" — and :func:`resolve` imports the plugin on the worker before the run (a class pickled by
reference would need the module importable there before the task could even be unpickled).
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: A dotted module name (``pkg.module``).
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class PluginError(ValueError):
    """A plugin could not be found or failed to import (a user error: exit 2)."""


@dataclasses.dataclass(frozen=True)
class PluginSpec:
    """Where a plugin comes from: a module name and the folder to import it from."""

    module: str
    folder: str
    file: str | None = None  # a .py file, imported from its path under the name ``module``

    def describe(self) -> str:
        """The plugin as messages name it."""
        return f"{self.module!r} (from {self.folder})"


@dataclasses.dataclass(frozen=True)
class PluginPolicy:
    """A strategy registered by a plugin, as it travels to a worker process."""

    name: str
    plugin: PluginSpec


#: Plugins imported in this process: module name → where it came from.
LOADED: dict[str, PluginSpec] = {}


def spec_for(entry: str, base: str | Path) -> PluginSpec:
    """The plugin ``entry`` names: a ``.py`` file (or a path) or a module name, from ``base``."""
    if not isinstance(entry, str) or not entry.strip():
        raise PluginError(f"a plugin is a module name or a .py file, got {entry!r}")
    entry = entry.strip()
    base = Path(base)
    if entry.endswith(".py") or "/" in entry or "\\" in entry:
        file = Path(entry) if Path(entry).is_absolute() else base / entry
        if file.suffix != ".py":
            raise PluginError(f"plugin {entry!r}: a plugin file must end in .py")
        if not file.is_file():
            raise PluginError(f"plugin {entry!r}: no such file {file.resolve()}")
        if not _MODULE_NAME.match(file.stem):
            raise PluginError(f"plugin {entry!r}: {file.name} is not a valid module name "
                              "(letters, digits and _ only)")
        return PluginSpec(file.stem, str(file.resolve().parent), str(file.resolve()))
    if not _MODULE_NAME.match(entry):
        raise PluginError(f"plugin {entry!r} is neither a module name (e.g. my_strategies) nor "
                          "a .py file")
    return PluginSpec(entry, str(base.resolve()))


def import_plugin(spec: PluginSpec):
    """Import the plugin; its strategies register themselves.

    A ``.py`` file is imported from its path (an installed module of the same name cannot
    take its place); a module name is looked up on the Python path, with the folder it was
    named from added at the end (so a file there never shadows an installed module).

    Raises:
        PluginError: the module is missing, clashes with another plugin of that name, or
            raised while importing (with the exception's type and message).
    """
    loaded = LOADED.get(spec.module)
    if loaded is not None:
        if loaded != spec:
            raise PluginError(f"plugin {spec.describe()}: another plugin of that name is already "
                              f"loaded from {loaded.folder}")
        return sys.modules[spec.module]
    try:
        if spec.file is not None:
            module = _import_file(spec)
        else:
            if spec.folder not in sys.path:
                sys.path.append(spec.folder)
            module = importlib.import_module(spec.module)
    except ModuleNotFoundError as exc:
        if exc.name and (spec.module == exc.name or spec.module.startswith(exc.name + ".")):
            raise PluginError(f"plugin {spec.module!r} not found in {spec.folder} or on the Python "
                              "path") from None
        raise PluginError(f"plugin {spec.describe()} failed to import: {exc}") from None
    except PluginError:
        raise
    except Exception as exc:  # the user's code raised: say what, not where in our code
        raise PluginError(f"plugin {spec.describe()} failed to import: "
                          f"{type(exc).__name__}: {exc}") from None
    LOADED[spec.module] = spec
    return module


def _import_file(spec: PluginSpec):
    """Import a .py file under ``spec.module`` (registered in ``sys.modules``: classes pickle)."""
    import importlib.util

    known = sys.modules.get(spec.module)
    if known is not None:
        raise PluginError(f"plugin {spec.describe()}: a module named {spec.module!r} is already "
                          "imported; rename the file")
    loader_spec = importlib.util.spec_from_file_location(spec.module, spec.file)
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[spec.module] = module
    try:
        loader_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(spec.module, None)
        raise
    return module


def load(entries: Iterable[str], base: str | Path) -> list[PluginSpec]:
    """Import every plugin in ``entries`` (names or paths relative to ``base``), in order."""
    specs = [spec_for(entry, base) for entry in entries]
    for spec in specs:
        import_plugin(spec)
    return specs


def portable(policies: dict[str, Any]) -> dict[str, Any]:
    """``policies`` (name → class) with plugin classes replaced by :class:`PluginPolicy`."""
    out = {}
    for name, cls in policies.items():
        module = getattr(cls, "__module__", "")
        plugin = LOADED.get(module)
        out[name] = PluginPolicy(name, plugin) if plugin is not None else cls
    return out


def resolve(policies: dict[str, Any]) -> dict[str, Any]:
    """On a worker: import the plugins behind any :class:`PluginPolicy`; the classes back."""
    from agents.strategies.base import _REGISTRY

    out = {}
    for name, value in policies.items():
        if isinstance(value, PluginPolicy):
            import_plugin(value.plugin)
            if name not in _REGISTRY:
                raise PluginError(f"plugin {value.plugin.describe()} did not register strategy "
                                  f"{name!r} on this worker")
            out[name] = _REGISTRY[name]
        else:
            out[name] = value
    return out
