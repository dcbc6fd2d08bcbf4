"""Small markets for the firm tests (≤ 3,000 customers, ≤ 40 steps)."""

from __future__ import annotations

import copy

import pytest

from sim import MarketModel


def offer(name: str, price: float, level: float, **extra) -> dict:
    """A firm dict with the same level on both dimensions of the tiny market."""
    return {"name": name, "price": price, "attributes": {"quality": level, "service": level},
            **extra}


def run(scenario: dict, seed: int = 1, steps: int | None = None) -> tuple[MarketModel, object]:
    """Run a scenario dict; return the model and its firms table."""
    model = MarketModel(copy.deepcopy(scenario), seed=seed)
    model.run(steps)
    return model, model.firms_frame()


def series(frame, column: str):
    """One column as a step × firm table."""
    return frame.pivot(index="step", columns="firm", values=column)


@pytest.fixture
def duopoly(tiny) -> dict:
    """Two firms with equal offers in the tiny market, 30 steps."""
    tiny["steps"] = 30
    tiny["firms"] = [offer("A", 10.0, 0.5), offer("B", 10.0, 0.5)]
    return tiny
