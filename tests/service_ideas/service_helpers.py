"""Twin markets for the service ideas: identical offers, so any difference is the mechanism's."""

from __future__ import annotations

import copy
import functools
import os

from sim import MarketModel, load_scenario, run_scenario

SEEDS = (1, 2, 3)


def twin_market(segments: list[dict] | None = None, steps: int = 30) -> dict:
    """Two firms with the same offer in a 2,000-customer market (one segment by default)."""
    return {
        "name": "twins", "steps": steps, "seed": 1,
        "market": {
            "customers": 2000, "dimensions": ["quality", "service"],
            "segments": segments or [
                {"name": "all", "share": 1.0, "weights": {"quality": 0.7, "service": 0.6},
                 "price_sensitivity": 1.5, "heterogeneity": 0.2},
            ],
        },
        "firms": [
            {"name": "Focal", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.6}},
            {"name": "Twin", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.6}},
        ],
    }


def with_programme(d: dict, name: str, settings: dict | None, switch: bool = True) -> dict:
    """A copy of ``d`` where the focal firm runs programme ``name`` (None: it does not)."""
    d = copy.deepcopy(d)
    if settings is not None:
        d["firms"][0].setdefault("programmes", {})[name] = settings
    d.setdefault("mechanisms", {})[{"promise": "promises"}.get(name, name)] = switch
    return d


def run(d: dict, seed: int):
    """Run a scenario mapping; return (model, firms table, segments table)."""
    model = MarketModel(copy.deepcopy(d), seed=seed)
    model.run()
    return model, model.firms_frame(), model.segments_frame()


def firm(df, name: str = "Focal"):
    """One firm's rows, indexed by step."""
    return df[df.firm == name].set_index("step")


@functools.cache
def run_shipped(name: str, *overrides: str):
    """(firms, segments) of a shipped scenario's ``tiny`` preset, cached for the session.

    The cache lives here so that the lesson tests share it however they are imported.
    ``LESSON_SEED=N`` reruns them with another seed, as for the rest of the library.
    """
    reseed = [f"seed={os.environ['LESSON_SEED']}"] if os.environ.get("LESSON_SEED") else []
    result = run_scenario(load_scenario(name, preset="tiny", overrides=[*overrides, *reseed]))
    return result.firms, result.segments
