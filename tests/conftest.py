"""Shared fixtures: small scenarios as plain dicts (tests copy and change them)."""

from __future__ import annotations

import copy

import pytest

TINY = {
    "name": "tiny",
    "steps": 10,
    "seed": 3,
    "market": {
        "customers": 2000,
        "dimensions": ["quality", "service"],
        "segments": [
            {"name": "a", "share": 0.6, "weights": {"quality": 0.7, "service": 0.3},
             "price_sensitivity": 1.5, "heterogeneity": 0.2},
            {"name": "b", "share": 0.4, "weights": {"quality": 0.2, "service": 0.9},
             "price_sensitivity": 1.0, "heterogeneity": 0.2},
        ],
    },
    "firms": [
        {"name": "Alpha", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.5}},
        {"name": "Beta", "price": 9.0, "attributes": {"quality": 0.5, "service": 0.6}},
        {"name": "Gamma", "price": 11.0, "attributes": {"quality": 0.8, "service": 0.4}},
    ],
}

ALL_OFF = {
    k: False
    for k in ("expectations", "loyalty", "word_of_mouth", "complaints", "switching_costs",
              "learning", "contact_fatigue", "service_profit_chain")
}


@pytest.fixture
def tiny() -> dict:
    """A small valid scenario (3 firms, 2 segments, 2,000 customers, 10 steps)."""
    return copy.deepcopy(TINY)


@pytest.fixture
def tiny_plain(tiny) -> dict:
    """The tiny scenario with every mechanism off: a plain logit market."""
    tiny["mechanisms"] = dict(ALL_OFF)
    return tiny


@pytest.fixture
def workers_only(monkeypatch):
    """Parallel local runs leave every replicate to the spawned workers (the caller only feeds
    them), so a comparison with a serial run really compares the workers' results."""
    from sim import runner

    monkeypatch.setattr(runner, "CALLER_TAKES_PART", False)
