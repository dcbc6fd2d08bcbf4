"""Choice-core kernels against hand-computed values."""

import numpy as np
import pytest
from oracles import choice as choice_oracle
from oracles import kernels as kernels_oracle

from sim import kernels


def test_perceived_use_value_is_weighted_sum():
    weights = np.array([[0.5, 0.5], [1.0, 0.0]])
    levels = np.array([[0.6, 0.4], [0.2, 1.0], [0.0, 0.0]])
    puv = kernels.perceived_use_value(weights, levels)
    assert puv == pytest.approx(np.array([[0.5, 0.6, 0.0], [0.6, 0.2, 0.0]]))


def test_zero_weight_dimension_adds_nothing():
    weights = np.array([[0.7, 0.0]])
    a = kernels.perceived_use_value(weights, np.array([[0.5, 0.1]]))
    b = kernels.perceived_use_value(weights, np.array([[0.5, 1.0]]))
    assert a == pytest.approx(b)


def test_perceived_price_relative_to_reference_plus_nonmonetary():
    pp = kernels.perceived_price(np.array([10.0, 12.0]), np.array([10.0, 8.0]), np.array([0.0, 0.25]))
    assert pp == pytest.approx(np.array([[1.0, 1.45], [1.25, 1.75]]))


def test_net_value():
    v = kernels.net_value(np.array([[0.8, 0.6]]), np.array([[1.0, 0.8]]), np.array([0.5]))
    assert v == pytest.approx(np.array([[0.3, 0.2]]))


def test_choice_utility_loyalty_switching_and_availability():
    value = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    available = np.array([[True, True, False], [True, True, True]])
    util = kernels.choice_utility(
        value, 2.0, available, supplier=np.array([0, -1]), loyalty=np.array([0.5, 0.5]),
        switching_cost=np.array([0.25, 0.25]),
    )
    # Customer 0: supplier 0 gets +0.5 loyalty, others pay 0.25 switching cost, firm 2 unknown.
    assert util[0, 0] == pytest.approx(2 * 1.5)
    assert util[0, 1] == pytest.approx(2 * 1.75)
    assert util[0, 2] == -np.inf
    # Customer 1 has no supplier: no loyalty, no switching cost.
    assert util[1] == pytest.approx(np.array([2.0, 4.0, 6.0]))


def test_logit_probabilities_closed_form():
    util = np.array([[0.0, np.log(3.0), -np.inf], [-np.inf, -np.inf, -np.inf]])
    p = kernels.logit_probabilities(util)
    assert p[0] == pytest.approx([0.25, 0.75, 0.0])
    assert p[1] == pytest.approx([0.0, 0.0, 0.0])


@pytest.mark.parametrize("chooser", [choice_oracle.choose_gumbel, choice_oracle.choose_inverse_cdf])
def test_oracle_choosers_follow_logit_law_and_respect_availability(chooser):
    """The numpy samplers the compiled choice is tested against (``tests/oracles/choice.py``)."""
    n = 200_000
    util = np.tile(np.array([0.0, 1.0, 0.5, -np.inf]), (n, 1))
    util[:10, :] = -np.inf  # ten customers with no option
    choice = chooser(util, np.random.default_rng(1))
    assert (choice[:10] == kernels.NO_FIRM).all()
    freq = np.bincount(choice[10:], minlength=4) / (n - 10)
    expected = np.exp([0.0, 1.0, 0.5]) / np.exp([0.0, 1.0, 0.5]).sum()
    assert freq[:3] == pytest.approx(expected, abs=0.004)
    assert freq[3] == 0


def test_count_and_mean_by_firm_ignore_no_firm():
    idx = np.array([0, 2, 2, -1, 0])
    assert kernels.count_by_firm(idx, 3).tolist() == [2, 0, 2]
    m = kernels.mean_by_firm(idx, np.array([1.0, 2.0, 4.0, 100.0, 3.0]), 3)
    assert m[0] == 2.0 and np.isnan(m[1]) and m[2] == 3.0


def test_column_count():
    mask = np.array([[True, False, True], [True, False, False]])
    assert kernels.column_count(mask).tolist() == [2, 0, 1]


def test_count_by_firm_weighted_and_out_of_range():
    idx = np.array([0, 2, 5, -1, 0], dtype=np.int16)  # 5: no such firm
    sums = kernels.count_by_firm(idx, 3, np.array([1.0, 2.0, 4.0, 100.0, 3.0]))
    assert sums.dtype == np.float64 and sums.tolist() == [4.0, 0.0, 2.0]


def test_choice_utility_without_supplier_columns_untouched():
    """Loyalty only on the supplier, switching cost exactly subtracted from the others."""
    value = np.array([[0.1, 0.2, 0.3]])
    util = kernels.choice_utility(value, 1.0, np.ones((1, 3), bool), supplier=np.array([1]),
                                  loyalty=np.array([0.0]), switching_cost=np.array([0.7]))
    assert util.tolist() == [[0.1 - 0.7, 0.2, 0.3 - 0.7]]


def test_oracle_column_mean_over_mask():
    vals = np.array([[1.0, 5.0], [3.0, 7.0]])
    mask = np.array([[True, False], [True, False]])
    out = kernels_oracle.column_mean(vals, mask)
    assert out[0] == 2.0 and np.isnan(out[1])
