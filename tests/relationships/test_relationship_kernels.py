"""Relationship kernels against hand-computed values."""

import numpy as np
import pytest
from oracles import ChunkDraws, bonds, ladder, learning, loyalty
from oracles import complaints as complaints_oracle
from oracles import expectations as expectation_oracle
from oracles import fatigue as fatigue_oracle
from oracles import word_of_mouth as wom_oracle

from sim.mechanisms import (
    complaints,
    customer_value,
    expectations,
    satisfaction,
    word_of_mouth,
)
from sim.mechanisms.learning import customer_sacrifice
from sim.scenario.relationships import BondParams, LoyaltyParams
from sim.streams import ChunkStreams


def test_disconfirmation_zero_at_adequate_one_at_desired():
    z = satisfaction.disconfirmation(np.array([0.8, 1.1, 0.5, 1.4]), 0.8, 1.1)
    np.testing.assert_allclose(z, [0.0, 1.0, -1.0, 2.0])


def test_satisfaction_score_is_half_at_adequate_and_monotone():
    s = satisfaction.satisfaction_score(np.array([-1.0, 0.0, 1.0]), 3.0)
    np.testing.assert_allclose(s, [1 / (1 + np.e**3), 0.5, 1 / (1 + np.e**-3)])


def test_experienced_performance_without_noise_is_base_times_quality_plus_gain():
    rng = np.random.default_rng(0)
    perf = satisfaction.experienced_performance(
        np.array([1.0, 0.5]), np.array([0.8, 1.0]), np.zeros(2), np.array([0.0, 0.1]), rng
    )
    np.testing.assert_allclose(perf, [0.8, 0.6])


def test_blend_takes_new_value_where_never_experienced():
    from oracles.satisfaction import blend  # the compiled experience pass blends in its loop
    out = blend(np.array([np.nan, 0.2]), np.array([0.9, 0.6]), 0.5)
    np.testing.assert_allclose(out, [0.9, 0.4])


def test_trust_falls_faster_than_it_rises():
    t = np.array([0.5, 0.5, 0.5])
    out = loyalty.update_trust(t, np.array([True, False, False]), np.array([False] * 3),
                               np.array([False, True, False]), 0.08, 0.25, 1.5)
    np.testing.assert_allclose(out, [0.54, 0.375, 0.5])
    assert 0.5 - out[1] > out[0] - 0.5


def test_loyalty_bonus_is_linear_in_trust_and_rung_and_convex_in_satisfaction():
    p = LoyaltyParams(trust_bonus=0.15, rung_bonus=0.1, satisfaction_bonus=0.2,
                      satisfaction_convexity=3)
    bonus = loyalty.loyalty_bonus(np.array([1.0, 0.5, 0, 0, 0]), np.array([5, 1, 0, 0, 0]),
                                  np.array([0.4, np.nan, 1.0, 0.75, 0.9]), p)
    np.testing.assert_allclose(bonus, [0.25, 0.095, 0.2, 0.2 * 0.125, 0.2 * 0.512])


def test_ladder_climbs_falls_and_restarts():
    th = np.array([0, 0, 0.55, 0.65, 0.8, 0.92])
    rung = np.array([1, 1, 3, 3, 2, 5])
    new = np.array([False, False, False, False, True, False])
    sat = np.array([True, True, False, True, True, True])
    dis = ~sat
    trust = np.array([0.6, 0.5, 0.9, 0.9, 0.9, 0.99])
    u = np.array([0.1, 0.1, 0.1, 0.9, 0.1, 0.1])
    out = ladder.climb(rung, new, sat, dis, trust, th, 0.3, 1, u)
    # climbs | trust too low | fails down one | unlucky draw | new: customer | top stays
    np.testing.assert_array_equal(out, [2, 1, 2, 3, 1, 5])


def test_switching_cost_structural_bond_is_strongest_and_builds_with_tenure():
    p = BondParams()
    one = np.eye(3)
    cost = bonds.switching_cost(one, np.full(3, 5), np.full(3, 100), np.zeros(3), p)
    np.testing.assert_allclose(cost, [p.financial_weight, p.social_weight, p.structural_weight])
    assert cost[2] > cost[1] > cost[0]
    young = bonds.switching_cost(one[2:], np.array([5]), np.array([3]), np.zeros(1), p)
    assert young[0] == pytest.approx(p.structural_weight * 3 / p.structural_tenure)
    taught = bonds.switching_cost(np.zeros((1, 3)), np.zeros(1), np.zeros(1), np.ones(1), p)
    assert taught[0] == pytest.approx(p.teaching_cost)


def test_learning_approaches_full_knowledge():
    k = learning.learn(np.array([0.0, 0.5, 1.0]), np.array([0.1, 0.5, 0.3]))
    np.testing.assert_allclose(k, [0.1, 0.75, 1.0])
    np.testing.assert_allclose(customer_sacrifice(np.array([[0.5, 0.5]]), 0.1), [0.1])


def test_lifetime_value_is_a_discounted_geometric_sum():
    v = customer_value.lifetime_value(2.0, 1.0, 0.9, 0.0)
    assert v == pytest.approx(20.0)
    v = customer_value.lifetime_value(2.0, 0.5, 0.9, 0.1)
    assert v == pytest.approx(2.0 * 0.5 * sum((0.9 / 1.1) ** t for t in range(2000)))
    assert np.isfinite(customer_value.lifetime_value(1.0, 1.0, 1.0, 0.0))


def test_complaint_probability_rises_with_accessibility():
    p = complaints.complaint_probability(np.array([0.0, 0.5, 1.0]), 0.05, 0.5)
    np.testing.assert_allclose(p, [0.05, 0.3, 0.55])
    complained, recovered = complaints_oracle.voice(np.ones(1000), np.zeros(1000),
                                                    np.random.default_rng(1).random((1000, 2)))
    assert complained.all() and not recovered.any()


def test_contact_stock_and_excess():
    stock, excess = fatigue_oracle.contact_effects(np.array([2.0, 0.0]), np.array([1, 3]),
                                            np.array([1.5, 4.0]), 0.5)
    np.testing.assert_allclose(stock, [2.0, 3.0])
    np.testing.assert_allclose(excess, [0.5, 0.0])


def test_expectations_adapt_and_are_pulled_up_only():
    level = expectation_oracle.adapt_levels(
        np.array([1.0, 1.0, 1.0]), np.array([0.8, 0.8, 0.8]), np.array([1.0, 1.0, 0.0]),
        np.array([1.0, 2.0, 0.5]), 0.1, 0.5, 0.0, np.array([True, True, False]),
    )
    # own: 1 + 0.1(0.8 − 1) = 0.98; best pulls up only where 0.8·best > level
    np.testing.assert_allclose(level, [0.98, 0.98 + 0.5 * (1.6 - 0.98), 1.0])
    low, high = expectations.zone_ratios(0.8, 1.1, np.array([1.0, 2.0]))
    np.testing.assert_allclose(low, [0.8, 0.6])
    np.testing.assert_allclose(high, [1.1, 1.2])


def test_small_world_is_symmetric_with_the_right_degree():
    indptr, indices = word_of_mouth.small_world(1000, 10, 0.1, np.random.default_rng(2))
    deg = np.diff(indptr)
    assert deg.sum() == 1000 * 10
    assert deg.mean() == 10
    src = np.repeat(np.arange(1000), deg)
    assert not (src == indices).any()  # no self-loops
    edges = set(zip(src.tolist(), indices.tolist(), strict=True))
    assert all((b, a) in edges for a, b in edges)


def test_ring_lattice_without_rewiring_links_neighbours():
    indptr, indices = word_of_mouth.small_world(50, 4, 0.0, np.random.default_rng(3))
    assert (np.diff(indptr) == 4).all()


def test_tell_draws_about_rate_messages_per_talker():
    indptr, indices = word_of_mouth.small_world(20_000, 10, 0.1, np.random.default_rng(4))
    talkers = np.arange(20_000)
    speaker, hearer = wom_oracle.tell(talkers, np.full(20_000, 0.5), indptr, indices,
                                      ChunkDraws(ChunkStreams(np.random.SeedSequence(5), 20_000)))
    assert len(speaker) / 20_000 == pytest.approx(0.5, rel=0.05)
    # every hearer is a neighbour of their speaker
    for s, h in zip(speaker[:200], hearer[:200], strict=True):
        assert h in indices[indptr[s]:indptr[s + 1]]


def test_talk_rates_favour_advocates_without_sharing_out_the_praise():
    neg = np.array([True, False, False, False, False])
    adv = np.array([True, True, False, False, False])
    r = wom_oracle.talk_rates(neg, adv, 0.25, 0.5, 2.0)
    assert r.tolist() == [0.5, 0.5, 0.25, 0.25, 0.25]  # a dissatisfied advocate complains
    # more advocates, more praise: the dissatisfied/satisfied ratio is an outcome
    r = wom_oracle.talk_rates(neg, np.ones(5, bool), 0.25, 0.5, 2.0)
    assert r[~neg].mean() == 0.5


def test_talk_rates_silent_advocates_only_tell_nothing():
    neg = np.array([True, False, False])
    adv = np.array([False, True, True])
    r = wom_oracle.talk_rates(neg, adv, 0.25, 0.5, 0.0)
    assert r.tolist() == [0.5, 0.0, 0.0]
