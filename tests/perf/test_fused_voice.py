"""The voice phases give the same bits with and without their compiled loops.

Complaints, word of mouth, opinion shifts and opinion decay run on two identical synthetic
markets, one with ``sim.fast`` on and one with it off; every array they touch, the counters,
the purchases and the relationship generator's state must agree bit for bit. The markets hold
what a fused loop gets wrong and a whole-model run rarely reaches: nobody or everybody buying,
customers without a previous supplier, a firm column nobody buys from (a late entrant), NaN
disconfirmation and satisfaction, opinions at and beyond the cap, −0.0 and NaN opinions, cells
told several times in one step, customers without neighbours, an empty population.
(``test_fused_state.py`` checks whole models step by step.)
"""

from __future__ import annotations

import collections
import types

import numpy as np
import pytest
from fused_helpers import assert_twins_agree

from sim import fast
from sim.mechanisms import complaints, fatigue, relationships, word_of_mouth
from sim.mechanisms.satisfaction import Experience
from sim.scenario.relationships import ComplaintParams, RelationshipParams, WordOfMouthParams

pytestmark = pytest.mark.skipif(not fast.AVAILABLE, reason="numba not installed")

N_FIRMS = 4  # the last column is a firm nobody buys from (not yet entered)
BUYERS = ("none", "all", "some", "all_low", "none_low")


def _market(n: int, buyers: str, params: RelationshipParams, complaints_on: bool = True,
            degree: int = 4, seed: int = 5):
    """A synthetic model with just what the voice phases read."""
    rng = np.random.default_rng(seed)
    nf, active = N_FIRMS, N_FIRMS - 1
    previous = rng.integers(-1, active, n).astype(np.int32)
    cap = params.opinion_cap
    opinion = rng.uniform(-1.5 * cap, 1.5 * cap, (n, nf)).astype(np.float32)
    opinion = np.clip(opinion, -cap, cap)
    opinion[rng.random((n, nf)) < 0.3] = 0.0
    opinion[rng.random((n, nf)) < 0.05] = -0.0
    opinion[rng.random((n, nf)) < 0.01] = np.nan
    satisfaction = rng.random((n, nf))
    satisfaction[rng.random((n, nf)) < 0.1] = np.nan
    satisfaction[rng.random((n, nf)) < 0.05] = params.complaints.recovered_satisfaction
    pop = types.SimpleNamespace(
        n=n, previous_supplier=previous, satisfaction=satisfaction, opinion=opinion,
        value_shift=rng.normal(0, 0.1, (n, nf)), aware=rng.random((n, nf)) < 0.5,
        rung=rng.integers(0, 6, (n, nf)).astype(np.int8),
        follow_up=rng.integers(0, 4, n).astype(np.int8) * (rng.random(n) < 0.5),
    )
    bought = rng.random(n) < 0.6 if buyers == "some" else np.full(n, buyers != "none")
    who = np.nonzero(bought)[0]
    firm = np.where(rng.random(len(who)) < 0.8, previous[who], rng.integers(0, active, len(who)))
    firm = np.where(firm < 0, 0, firm).astype(np.int32)
    z = rng.normal(0.0, 1.0, len(who))
    z = {"all_low": -np.abs(z) - 0.1, "none_low": np.abs(z)}.get(buyers, z)
    z[rng.random(len(who)) < 0.05] = np.nan
    z[rng.random(len(who)) < 0.05] = 0.0
    exp = Experience(
        who=who, firm=firm, new=previous[who] != firm, performance=rng.random(len(who)),
        z=z, best=None, recovered=np.zeros(len(who), dtype=bool), cell=who * nf + firm,
    )
    # A small world, with a few customers who know nobody.
    indptr, indices = word_of_mouth.small_world(n, degree, 0.2, rng)
    lonely = rng.random(n) < 0.1
    keep = ~np.repeat(lonely, np.diff(indptr))
    indptr = np.concatenate([[0], np.cumsum(np.where(lonely, 0, np.diff(indptr)))])
    firms = [types.SimpleNamespace(complaint_accessibility=0.9, recovery_quality=1.4),
             types.SimpleNamespace(), types.SimpleNamespace(recovery_quality=0.2),
             types.SimpleNamespace(complaint_accessibility=0.0)]
    return types.SimpleNamespace(
        population=pop, experience=exp, n_firms=nf, firms=firms,
        network=(indptr.astype(np.int64), indices[keep]),
        spec=types.SimpleNamespace(
            mechanisms=types.SimpleNamespace(word_of_mouth=True, complaints=complaints_on),
            relationships=params),
        relationship_rng=np.random.default_rng(seed + 1),
        step_stats=collections.defaultdict(lambda: np.zeros(nf)),
    )


def _both(phase, make, monkeypatch, what: str):
    compiled, plain = make(), make()
    monkeypatch.setattr(fast, "ENABLED", True)
    phase(compiled)
    monkeypatch.setattr(fast, "ENABLED", False)
    phase(plain)
    assert_twins_agree(compiled, plain, what, parts=("population", "experience"),
                       step_stats=True)
    return compiled


def _params(cap=0.3, **wom) -> RelationshipParams:
    return RelationshipParams(
        opinion_cap=cap, opinion_decay=0.07,
        word_of_mouth=WordOfMouthParams(**wom),
        complaints=ComplaintParams(base_rate=0.3, accessibility_effect=0.5,
                                   failed_recovery_penalty=0.05),
    )


@pytest.mark.parametrize("buyers", BUYERS)
@pytest.mark.parametrize("complaints_on", [True, False])
def test_complain_same_bits(buyers, complaints_on, monkeypatch):
    params = _params()
    _both(complaints.complain, lambda: _market(300, buyers, params, complaints_on), monkeypatch,
          f"complain {buyers}")


def test_complaints_then_talk_twice(monkeypatch):
    """Follow-ups of the previous purchase, recovered buyers who then praise, repeated steps."""
    params = _params()

    def steps(model):
        for _ in range(2):
            complaints.complain(model)
            word_of_mouth.talk(model)
            relationships.decay_opinions(model)

    _both(steps, lambda: _market(500, "some", params), monkeypatch, "complain, talk, decay")


@pytest.mark.parametrize("buyers", BUYERS)
@pytest.mark.parametrize("wom", [
    {},                                                      # defaults: ≤ 1 message per buyer
    {"satisfied_contacts": 3.0, "dissatisfied_contacts": 7.5, "impact": 0.2},  # many repeats
    {"advocate_multiplier": 1.3, "satisfied_contacts": 1.7},  # the mean summed by numpy
    {"advocate_multiplier": 0.0},                             # advocates silent
])
def test_talk_same_bits(buyers, wom, monkeypatch):
    params = _params(**wom)
    model = _both(word_of_mouth.talk, lambda: _market(300, buyers, params, degree=6),
                  monkeypatch, f"talk {buyers} {wom}")
    if buyers != "none" and wom:
        assert model.step_stats["wom_positive"].sum() + model.step_stats["wom_negative"].sum()


@pytest.mark.parametrize("cap", [0.0, 0.05, 5.0])
@pytest.mark.parametrize("impact", [0.04, 0.0])  # 0.0: new opinions of ±0.0, signs matter
def test_talk_with_tiny_and_wide_caps(cap, impact, monkeypatch):
    params = _params(cap=cap, satisfied_contacts=4.0, dissatisfied_contacts=4.0, impact=impact)
    _both(word_of_mouth.talk, lambda: _market(200, "all", params, degree=4), monkeypatch,
          f"talk cap {cap}")


def test_complain_with_zero_cap_and_zero_deltas(monkeypatch):
    params = _params(cap=0.0)
    params.complaints = ComplaintParams(recovery_goodwill=0.0, disappointment=0.0,
                                        failed_recovery_penalty=0.0, base_rate=0.5)
    _both(complaints.complain, lambda: _market(300, "all_low", params), monkeypatch,
          "complain, cap 0")


def test_talk_without_neighbours_or_customers(monkeypatch):
    params = _params(satisfied_contacts=2.0)
    _both(word_of_mouth.talk, lambda: _market(300, "all", params, degree=0), monkeypatch,
          "talk, empty network")
    _both(word_of_mouth.talk, lambda: _market(0, "all", params), monkeypatch, "talk, nobody")
    _both(complaints.complain, lambda: _market(0, "all", params), monkeypatch, "complain, nobody")


def test_silent_advocates_only_praise_nobody_on_both_paths(monkeypatch):
    """Only advocates satisfied and a zero multiplier: no praise (was 0/0 and a crash)."""
    params = _params(advocate_multiplier=0.0)

    def make():
        model = _market(100, "none_low", params)
        model.population.rung[:] = 5
        return model

    _both(word_of_mouth.talk, make, monkeypatch, "talk, silent advocates only")
    for on in (True, False):
        monkeypatch.setattr(fast, "ENABLED", on)
        model = make()
        word_of_mouth.talk(model)
        assert model.step_stats["wom_positive"].sum() == 0


@pytest.mark.parametrize("cap", [0.0, 0.3])
@pytest.mark.parametrize("scalar", [True, False])
def test_shift_opinion_same_bits(cap, scalar, monkeypatch):
    params = _params(cap=cap)
    rng = np.random.default_rng(11)
    rows = np.concatenate([rng.integers(0, 50, 400), [55, 56, 56]])  # many repeated cells
    cols = np.concatenate([rng.integers(0, N_FIRMS, 400), [1, 2, 2]])
    delta = 0.07 if scalar else np.concatenate([rng.normal(0.0, 0.2, 400), [0.0, -0.0, 0.0]])

    def shift(model):
        relationships.shift_opinion(model, rows, cols, delta)
        relationships.shift_opinion(model, rows[:0], cols[:0], delta if scalar else delta[:0])

    _both(shift, lambda: _market(60, "all", params), monkeypatch, "shift_opinion")


@pytest.mark.parametrize("cap", [0.0, 0.3])
def test_shift_opinion_distinct_ascending_cells(cap, monkeypatch):
    """One firm's contacts: cells in ascending order, one delta each (no summing table)."""
    params = _params(cap=cap)
    rng = np.random.default_rng(12)
    rows = np.nonzero(rng.random(60) < 0.5)[0]
    delta = rng.normal(0.0, 0.2, len(rows))
    delta[::5] = 0.0

    def shift(model):
        relationships.shift_opinion(model, rows, np.full(len(rows), 2), delta)
        relationships.shift_opinion(model, rows, 1, -0.05)

    _both(shift, lambda: _market(60, "all", params), monkeypatch, "shift_opinion, ascending")


@pytest.mark.parametrize("intensity", [0.0, 0.4, 3.0])
def test_contact_same_bits(intensity, monkeypatch):
    """Proactive contacts: welcome ones warm, excess ones annoy (shift_opinion per firm)."""
    params = _params()

    def make():
        model = _market(300, "some", params)
        pop = model.population
        pop.supplier = np.where(pop.previous_supplier >= 0, pop.previous_supplier, -1)
        pop.trust = np.random.default_rng(4).random((pop.n, N_FIRMS))
        pop.contact_tolerance = np.random.default_rng(5).lognormal(0, 0.5, pop.n).astype(
            np.float32)
        pop.contact_stock = None
        model.firms[0].contact_intensity = intensity
        model.firms[2].contact_intensity = 2 * intensity
        model.spec.mechanisms.contact_fatigue = True
        model.active_mask = lambda: np.array([True, True, True, False])
        return model

    def twice(model):
        fatigue.contact(model)
        fatigue.contact(model)

    _both(twice, make, monkeypatch, f"contact {intensity}")


@pytest.mark.parametrize("rate", [0.0, 0.07, 1.0])
def test_decay_same_bits(rate, monkeypatch):
    params = _params()
    params.opinion_decay = rate

    def make():
        model = _market(300, "all", params)
        model.population.opinion[:5] = 0.0  # rows of zeros, and of −0.0 with a −0.0 shift
        model.population.opinion[5:10] = -0.0
        model.population.value_shift[5:10] = -0.0
        return model

    _both(relationships.decay_opinions, make, monkeypatch, f"decay {rate}")
