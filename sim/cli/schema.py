"""``cvm schema``: the JSON Schema of the scenario format on stdout."""

from __future__ import annotations

import json

from sim.scenario import Scenario


def add_parser(sub) -> None:
    """Register the verb."""
    p = sub.add_parser("schema", help="print the scenario JSON Schema")
    p.set_defaults(func=run)


def run(args) -> int:
    """Print the schema."""
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0
