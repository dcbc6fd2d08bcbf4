"""Strategy-clock classification on a table of hand-placed offers."""

import numpy as np
import pytest

from sim.matrix import CLOCK_LABELS, classify

# (relative price, relative value) -> label; market average at (1.0, 1.0), tolerance 5 %.
CASES = [
    ((0.80, 0.80), "low_price_low_value"),
    ((0.80, 1.00), "low_price"),
    ((0.80, 1.20), "hybrid"),
    ((1.00, 1.20), "differentiation"),
    ((1.20, 1.20), "focused_differentiation"),
    ((1.20, 1.00), "higher_price_standard_value"),
    ((1.20, 0.80), "higher_price_low_value"),
    ((1.00, 0.80), "low_value_standard_price"),
    ((1.00, 1.00), "centre"),
    # boundaries: exactly ±5 % still counts as standard
    ((0.95, 1.05), "centre"),
    ((1.05, 0.95), "centre"),
    ((0.9499, 1.0), "low_price"),
    ((1.0, 1.0501), "differentiation"),
]


@pytest.mark.parametrize(("point", "label"), CASES)
def test_hand_placed_offer(point, label):
    pp, puv = point
    assert classify(np.array([pp]), np.array([puv]), 1.0, 1.0) == [label]


def test_every_label_is_covered():
    assert {label for _, label in CASES} == set(CLOCK_LABELS)


def test_default_reference_is_mean_of_firms():
    labels = classify(np.array([0.8, 1.2]), np.array([1.2, 0.8]))
    assert labels == ["hybrid", "higher_price_low_value"]


def test_unknown_coordinates_do_not_crash():
    labels = classify(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    assert labels[0] == "centre" and labels[1] in CLOCK_LABELS
