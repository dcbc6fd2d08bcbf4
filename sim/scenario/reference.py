"""The scenario key reference in Markdown, generated from the schema (the single source of truth).

``python -m sim.scenario.reference --write docs/scenarios.md`` replaces the part of the page
between ``<!-- reference:start -->`` and ``<!-- reference:end -->``; without ``--write`` the
reference is printed. Titles, descriptions, defaults and bounds all come from the pydantic
fields, and strategy parameters from each registered policy's ``Params`` model.
"""

from __future__ import annotations

import argparse
import enum
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.scenario.schema import Scenario

START, END = "<!-- reference:start -->", "<!-- reference:end -->"


def field_rows(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str, str, str]]:
    """(path, type, default, bounds, meaning) for every key of ``model``, nested sections included."""
    rows = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        meaning = " ".join(x for x in (f"**{field.title}**." if field.title else "",
                                       field.description or "") if x)
        rows.append((path, type_name(field.annotation), _default(field), _bounds(field), meaning))
        inner = section_model(field.annotation)
        if inner is not None:
            sep = "[]." if _is_list(field.annotation) else "."
            rows += field_rows(inner, f"{path}{sep}")
    return rows


def section_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``Model``, ``list[Model]``, ``Model | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = section_model(arg)
        if found is not None:
            return found
    return None


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) is list or any(
        typing.get_origin(a) is list for a in typing.get_args(annotation))


def type_name(annotation: Any) -> str:
    """A reader's name for a type: number, whole number, text, yes/no, list of …, one of …."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    simple = {int: "whole number", float: "number", str: "text", bool: "yes/no",
              type(None): "null", Any: "any"}
    if annotation in simple:
        return simple[annotation]
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"mapping of {type_name(args[0])} → {type_name(args[1])}" if args else "mapping"
    if args and origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(type_name(a) for a in args)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "section"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in annotation)
    return getattr(annotation, "__name__", str(annotation))


def _default(field) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, BaseModel):
        return "(section)"
    if value in ({}, []):
        return "empty"
    return f"`{value}`" if value is not None else "unset"


def _bounds(field) -> str:
    symbols = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "min_length": "length ≥",
               "max_length": "length ≤"}
    parts = []
    for meta in field.metadata:
        for attr, symbol in symbols.items():
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{symbol} {value:,}" if isinstance(value, int | float) else
                             f"{symbol} {value}")
    return ", ".join(parts)


def _table(rows: list[tuple[str, ...]]) -> str:
    out = ["| key | type | default | bounds | meaning |", "|---|---|---|---|---|"]
    for row in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in row) + " |")
    return "\n".join(out)


def strategy_sections() -> list[str]:
    """One table per registered strategy that declares typed parameters."""
    try:
        from agents.strategies import base
    except ImportError:  # pragma: no cover
        return []
    out = []
    for name in base.names():
        params = getattr(base._REGISTRY[name], "Params", None)
        if isinstance(params, type) and issubclass(params, BaseModel) and params.model_fields:
            doc = (base._REGISTRY[name].__doc__ or "").strip().splitlines()[0]
            out.append(f"#### `strategy: {{type: {name}}}`\n\n{doc}\n\n"
                       + _table(field_rows(params, "strategy.")))
        else:
            out.append(f"#### `strategy: {{type: {name}}}`\n\nNo parameters.")
    return out


def markdown_reference() -> str:
    """The whole generated reference."""
    parts = [
        "Generated from the schema by `python -m sim.scenario.reference --write "
        "docs/scenarios.md`; `cvm schema` prints the same information as JSON Schema.",
        "### Every key", _table(field_rows(Scenario)),
        "### Strategy parameters",
        "Keys of a firm's `strategy:` block besides `type`, per strategy.",
        *strategy_sections(),
    ]
    return "\n\n".join(parts)


def write_into(page: Path) -> None:
    """Replace the reference block of ``page`` (between the markers) with a fresh one."""
    text = page.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    page.write_text(f"{head}{START}\n{markdown_reference()}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.scenario.reference [--write PAGE]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="PAGE", help="replace the reference block in PAGE")
    args = parser.parse_args(argv)
    if args.write:
        write_into(Path(args.write))
    else:
        print(markdown_reference())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
