"""A ``cvm sensitivity --out`` folder of a market where own price matters and colour cannot.

Colour is a dimension no segment values, so moving Alpha's colour cannot change any share,
while Alpha's own price clearly does. The colour parameter is given first, so a chart that
kept the given order instead of ranking would put it on top.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from tests.conftest import TINY

PARAMS = ("firms.0.attributes.colour=0:1", "firms.0.price=8:12")
RANKED = ["firms.0.price", "firms.0.attributes.colour"]


def coloured_market() -> dict:
    """The tiny scenario, smaller, with an unvalued ``colour`` dimension."""
    scenario = copy.deepcopy(TINY)
    scenario["market"]["customers"] = 1000
    scenario["steps"] = 6
    scenario["market"]["dimensions"].append("colour")
    for firm in scenario["firms"]:
        firm["attributes"]["colour"] = 0.5
    return scenario


def write_sensitivity(folder: Path, method: str = "morris", samples: int = 4) -> Path:
    """Run ``cvm sensitivity`` on the coloured market; returns its ``--out`` folder."""
    from sim.cli import main

    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "coloured.yaml"
    scenario.write_text(yaml.safe_dump(coloured_market()))
    out = folder / f"sens-{method}"
    argv = ["sensitivity", str(scenario), "--method", method, "--samples", str(samples),
            "--output", "share", "--firm", "Alpha", "--out", str(out)]
    for param in PARAMS:
        argv += ["--param", param]
    assert main(argv) == 0
    return out
