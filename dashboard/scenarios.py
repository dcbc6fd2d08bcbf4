"""Scenario helpers for the dashboard, without Streamlit.

Shipped files, YAML text with located problems, and widget descriptions generated from the
scenario schema.

The schema (``sim.scenario.schema``) is the single source of truth: labels, help texts and
bounds of the dashboard's widgets are read from its pydantic fields, never written twice.
"""

from __future__ import annotations

import copy
import dataclasses
import tempfile
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from sim.scenario import Problem, Scenario, ScenarioError, load_scenario, shipped_scenarios_dir

GENERAL_FIELDS = ("steps", "seed", "replicates", "market.customers", "market.rationality",
                  "market.purchase_probability")


def shipped() -> dict[str, Path]:
    """Shipped scenarios by file stem, sorted (``baseline`` first when present)."""
    files = sorted(shipped_scenarios_dir().glob("*.yaml"))
    files.sort(key=lambda p: (p.stem != "baseline", p.stem))
    return {p.stem: p for p in files}


def shipped_title(path: Path) -> str:
    """``stem: name`` of a shipped scenario for a select box (the stem alone if unreadable)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return f"{path.stem}: {data.get('name', '')}".rstrip(": ")
    except (OSError, yaml.YAMLError, AttributeError):
        return path.stem


def parse_text(text: str, label: str = "scenario.yaml") -> tuple[Scenario | None, list[Problem]]:
    """Validate YAML text as a scenario file.

    Returns:
        ``(scenario, [])`` when valid, else ``(None, problems)`` with each problem located by
        line, column and field as ``cvm validate`` reports it, under the name ``label``.
        Never raises for bad input.
    """
    if not text.strip():
        return None, [Problem(label, 1, 1, "", "the scenario is empty")]
    with tempfile.TemporaryDirectory(prefix="vm-dash-") as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            return load_scenario(path), []
        except ScenarioError as exc:
            return None, [_relabel(p, str(path), label) for p in exc.problems]
        except Exception as exc:  # noqa: BLE001 - a user's file must never crash the page
            return None, [Problem(label, None, None, "", f"cannot read this scenario: {exc}")]


def validate_data(data: dict, label: str = "<dashboard>") -> tuple[Scenario | None, list[Problem]]:
    """Validate an edited mapping; returns ``(scenario, problems)`` like ``parse_text``."""
    try:
        return load_scenario(data), []
    except ScenarioError as exc:
        return None, [dataclasses.replace(p, file=label) for p in exc.problems]
    except Exception as exc:  # noqa: BLE001
        return None, [Problem(label, None, None, "", str(exc))]


def copy_data(data: dict) -> dict:
    """A deep copy of plain scenario data."""
    return copy.deepcopy(data)


def _relabel(problem: Problem, tmp_path: str, label: str) -> Problem:
    file = label if problem.file in (tmp_path, "") else problem.file.replace(tmp_path, label)
    return dataclasses.replace(problem, file=file)


def problem_text(problem: Problem) -> str:
    """One problem in words: ``line 12, column 3 — firms.0.price: message``."""
    where = []
    if problem.line is not None:
        where.append(f"line {problem.line}")
        if problem.column is not None:
            where.append(f"column {problem.column}")
    head = ", ".join(where)
    field = f"`{problem.path}`: " if problem.path else ""
    return f"{head} — {field}{problem.message}" if head else f"{field}{problem.message}"


def to_yaml(scenario: Scenario | dict) -> str:
    """A scenario as YAML text (defaults included), keys in schema order."""
    data = scenario.model_dump(mode="json") if isinstance(scenario, BaseModel) else scenario
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# -- widgets from the schema -----------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """What a widget needs to know about one scenario field, read from the schema."""

    path: str
    label: str
    help: str
    kind: str  # "int", "float", "bool", "str", "other"
    minimum: float | None = None
    maximum: float | None = None
    exclusive_min: bool = False


def field_spec(path: str, model: type[BaseModel] = Scenario) -> FieldSpec:
    """The schema's title, description, type and bounds of a dotted ``path`` (``firms.0.price``).

    Raises:
        KeyError: no such field in the schema.
    """
    parts = path.split(".")
    info = None
    current: Any = model
    for part in parts:
        if part.isdigit():
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            raise KeyError(path)
        if part not in current.model_fields:
            raise KeyError(path)
        info = current.model_fields[part]
        current = _inner_model(info.annotation)
    assert info is not None
    lo = hi = None
    exclusive = False
    for meta in info.metadata:
        for attr, is_excl in (("ge", False), ("gt", True)):
            if getattr(meta, attr, None) is not None:
                lo, exclusive = float(getattr(meta, attr)), is_excl
        if getattr(meta, "le", None) is not None:
            hi = float(meta.le)
        if getattr(meta, "lt", None) is not None:
            hi = float(meta.lt)
    return FieldSpec(
        path=path, label=info.title or parts[-1].replace("_", " "),
        help=info.description or "", kind=_kind(info.annotation), minimum=lo, maximum=hi,
        exclusive_min=exclusive,
    )


def choice_options(path: str, model: type[BaseModel] = Scenario) -> list[Any]:
    """The allowed values of a choice field (a ``Literal``, plus None when optional); [] if free."""
    parts = [p for p in path.split(".") if not p.isdigit()]
    current: Any = model
    info = None
    for part in parts:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _inner_model(info.annotation)
    options: list[Any] = []
    for arg in typing.get_args(info.annotation) or (info.annotation,):
        if typing.get_origin(arg) is typing.Literal:
            options.extend(typing.get_args(arg))
        elif arg is type(None):
            options.insert(0, None)
    return options if any(o is not None for o in options) else []


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside ``list[M]``, ``M | None`` or ``M``; else the annotation."""
    for arg in typing.get_args(annotation) or (annotation,):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


def _kind(annotation: Any) -> str:
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    for name, typ in (("bool", bool), ("int", int), ("float", float), ("str", str)):
        if any(a is typ for a in args):
            return name
    return "other"


def get_path(data: dict, path: str, default: Any = None) -> Any:
    """Value at a dotted path in plain scenario data (``default`` when absent)."""
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return default
    return node


def set_path(data: dict, path: str, value: Any) -> None:
    """Set a dotted path in plain scenario data in place (creating missing mappings)."""
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        else:
            node = node.setdefault(part, {})
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value


def mechanism_fields() -> list[str]:
    """Dotted paths of every mechanism switch in the schema."""
    mech = _inner_model(Scenario.model_fields["mechanisms"].annotation)
    return [f"mechanisms.{name}" for name, f in mech.model_fields.items() if _kind(f.annotation) == "bool"]


def segment_lines(scenario: Scenario | dict | None) -> list[tuple[str, float]]:
    """``(segment name, price sensitivity)`` per segment, for the matrix's iso-value lines."""
    if scenario is None:
        return []
    data = scenario.model_dump(mode="json") if isinstance(scenario, BaseModel) else scenario
    out = []
    for seg in get_path(data, "market.segments", []) or []:
        try:
            out.append((str(seg["name"]), float(seg.get("price_sensitivity", 1.5))))
        except (KeyError, TypeError, ValueError):
            continue
    return out
