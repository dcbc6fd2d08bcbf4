"""Helpers for the dashboard tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
TIMEOUT = 60

SMALL = {
    "name": "small test market",
    "description": "Three firms, two segments, a few hundred customers.",
    "steps": 8,
    "seed": 3,
    "market": {
        "customers": 600,
        "dimensions": ["quality", "service"],
        "segments": [
            {"name": "quality lovers", "share": 0.6, "weights": {"quality": 0.7, "service": 0.3},
             "price_sensitivity": 1.5, "heterogeneity": 0.2},
            {"name": "service lovers", "share": 0.4, "weights": {"quality": 0.2, "service": 0.9},
             "price_sensitivity": 1.0, "heterogeneity": 0.2},
        ],
    },
    "firms": [
        {"name": "Alpha", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.5}},
        {"name": "Beta", "price": 9.0, "attributes": {"quality": 0.5, "service": 0.6}},
        {"name": "Gamma", "price": 11.0, "attributes": {"quality": 0.8, "service": 0.4}},
    ],
}


def small_scenario(**changes) -> dict:
    """A fresh copy of the small scenario with top-level ``changes``."""
    data = copy.deepcopy(SMALL)
    data.update(changes)
    return data


def small_yaml(**changes) -> bytes:
    """The small scenario as YAML bytes (for uploads)."""
    return yaml.safe_dump(small_scenario(**changes), sort_keys=False).encode()


def make_app(page: str | None = None):
    """An AppTest of the whole app, optionally switched to ``pages/<page>``.

    Explore starts on "upload" so that the first load does not run the shipped scenario.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["explore_source"] = "Upload a YAML file"
    at.run()
    if page:
        at.switch_page(f"pages/{page}").run()
    return at


def no_exceptions(at) -> None:
    """Fail with the app's exception messages if any page raised."""
    assert not at.exception, [e.value for e in at.exception]


def charts(at) -> list:
    """The Vega-Lite chart elements on the page."""
    return list(at.get("vega_lite_chart"))


def chart_specs(at) -> list[str]:
    """The JSON specs of the page's charts."""
    return [c.proto.spec for c in charts(at)]
