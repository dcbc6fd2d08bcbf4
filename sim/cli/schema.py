"""``cvm schema``: the JSON Schema of the scenario format on stdout (or into a file).

Point an editor's YAML language server at it for completion, hover help and live validation
(see docs/scenarios.md).
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.cli import UserError
from sim.scenario import Scenario


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("schema", help="print the scenario JSON Schema")
    p.add_argument("--out", default=None, help="write it to this file instead of stdout")
    p.set_defaults(func=run)


def scenario_json_schema() -> dict:
    """The scenario JSON Schema, marked with its draft and a title for editors."""
    schema = Scenario.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            **schema, "title": "Value Matrix scenario"}


def run(args) -> int:
    """Print (or write) the schema."""
    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if args.out is None:
        print(text, end="")
        return 0
    try:
        Path(args.out).write_text(text)
    except OSError as exc:
        raise UserError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    return 0
