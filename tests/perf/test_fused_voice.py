"""The voice phases agree with their numpy oracles on edge cases.

Complaints, word of mouth, contacts, opinion shifts and opinion decay run on two identical
synthetic markets, one through the production (compiled) phase and one through its numpy oracle
(``tests/oracles``); every array they touch, the counters, the purchases and the relationship
generator's state must agree (``oracles.harness.check_twins``: discrete values exactly, floats
within its tolerance). The markets hold what a compiled loop gets wrong and a whole-model run
rarely reaches: nobody or everybody buying, customers without a previous supplier, a firm column
nobody buys from (a late entrant), NaN disconfirmation and satisfaction, opinions at and beyond
the cap, −0.0 and NaN opinions, cells told several times in one step, customers without
neighbours, an empty population. (``tests/oracles/test_phases.py`` checks whole models step by
step.)
"""

from __future__ import annotations

import collections
import types

import numpy as np
import pytest
from oracles import complaints as complaints_oracle
from oracles import fatigue as fatigue_oracle
from oracles import opinion as opinion_oracle
from oracles import word_of_mouth as word_of_mouth_oracle
from oracles.harness import check_twins

from sim.mechanisms import complaints, fatigue, opinion, word_of_mouth
from sim.mechanisms.satisfaction import Experience
from sim.scenario.relationships import ComplaintParams, RelationshipParams, WordOfMouthParams
from sim.streams import ChunkStreams

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
        relationship_streams=ChunkStreams(np.random.SeedSequence(seed + 2), n),
        step_stats=collections.defaultdict(lambda: np.zeros(nf)),
        _reset_step_stats=lambda: None,  # the counters start empty (check_twins resets them)
    )


def _params(cap=0.3, **wom) -> RelationshipParams:
    return RelationshipParams(
        opinion_cap=cap, opinion_decay=0.07,
        word_of_mouth=WordOfMouthParams(**wom),
        complaints=ComplaintParams(base_rate=0.3, accessibility_effect=0.5,
                                   failed_recovery_penalty=0.05),
    )


@pytest.mark.parametrize("buyers", BUYERS)
@pytest.mark.parametrize("complaints_on", [True, False])
def test_complain_agrees_with_its_oracle(buyers, complaints_on):
    params = _params()
    check_twins(lambda: _market(300, buyers, params, complaints_on), complaints.complain,
                complaints_oracle.complain, f"complain {buyers}")


def test_complaints_then_talk_twice():
    """Follow-ups of the previous purchase, recovered buyers who then praise, repeated steps."""
    params = _params()

    def steps(complain, talk, decay):
        def run(model):
            for _ in range(2):
                complain(model)
                talk(model)
                decay(model)
        return run

    check_twins(lambda: _market(500, "some", params),
                steps(complaints.complain, word_of_mouth.talk, opinion.decay_opinions),
                steps(complaints_oracle.complain, word_of_mouth_oracle.talk,
                      opinion_oracle.decay_opinions), "complain, talk, decay")


@pytest.mark.parametrize("buyers", BUYERS)
@pytest.mark.parametrize("wom", [
    {},                                                      # defaults: ≤ 1 message per buyer
    {"satisfied_contacts": 3.0, "dissatisfied_contacts": 7.5, "impact": 0.2},  # many repeats
    {"advocate_multiplier": 1.3, "satisfied_contacts": 1.7},  # a mean that is not exact
    {"advocate_multiplier": 0.0},                             # advocates silent
])
def test_talk_agrees_with_its_oracle(buyers, wom):
    params = _params(**wom)
    model = _market(300, buyers, params, degree=6)
    check_twins(lambda: _market(300, buyers, params, degree=6), word_of_mouth.talk,
                word_of_mouth_oracle.talk, f"talk {buyers} {wom}")
    word_of_mouth.talk(model)
    if buyers != "none" and wom:
        assert model.step_stats["wom_positive"].sum() + model.step_stats["wom_negative"].sum()


@pytest.mark.parametrize("cap", [0.0, 0.05, 5.0])
@pytest.mark.parametrize("impact", [0.04, 0.0])  # 0.0: new opinions of ±0.0
def test_talk_with_tiny_and_wide_caps(cap, impact):
    params = _params(cap=cap, satisfied_contacts=4.0, dissatisfied_contacts=4.0, impact=impact)
    check_twins(lambda: _market(200, "all", params, degree=4), word_of_mouth.talk,
                word_of_mouth_oracle.talk, f"talk cap {cap}")


def test_complain_with_zero_cap_and_zero_deltas():
    params = _params(cap=0.0)
    params.complaints = ComplaintParams(recovery_goodwill=0.0, disappointment=0.0,
                                        failed_recovery_penalty=0.0, base_rate=0.5)
    check_twins(lambda: _market(300, "all_low", params), complaints.complain,
                complaints_oracle.complain, "complain, cap 0")


def test_talk_without_neighbours_or_customers():
    params = _params(satisfied_contacts=2.0)
    check_twins(lambda: _market(300, "all", params, degree=0), word_of_mouth.talk,
                word_of_mouth_oracle.talk, "talk, empty network")
    check_twins(lambda: _market(0, "all", params), word_of_mouth.talk,
                word_of_mouth_oracle.talk, "talk, nobody")
    check_twins(lambda: _market(0, "all", params), complaints.complain,
                complaints_oracle.complain, "complain, nobody")


def test_silent_advocates_only_praise_nobody():
    """Only advocates satisfied and a zero multiplier: no praise (was 0/0 and a crash)."""
    params = _params(advocate_multiplier=0.0)

    def make():
        model = _market(100, "none_low", params)
        model.population.rung[:] = 5
        return model

    check_twins(make, word_of_mouth.talk, word_of_mouth_oracle.talk,
                "talk, silent advocates only")
    for talk in (word_of_mouth.talk, word_of_mouth_oracle.talk):
        model = make()
        talk(model)
        assert model.step_stats["wom_positive"].sum() == 0


@pytest.mark.parametrize("cap", [0.0, 0.3])
@pytest.mark.parametrize("scalar", [True, False])
def test_shift_opinion_agrees_with_its_oracle(cap, scalar):
    params = _params(cap=cap)
    rng = np.random.default_rng(11)
    rows = np.concatenate([rng.integers(0, 50, 400), [55, 56, 56]])  # many repeated cells
    cols = np.concatenate([rng.integers(0, N_FIRMS, 400), [1, 2, 2]])
    delta = 0.07 if scalar else np.concatenate([rng.normal(0.0, 0.2, 400), [0.0, -0.0, 0.0]])

    def shift(shift_opinion):
        def run(model):
            shift_opinion(model, rows, cols, delta)
            shift_opinion(model, rows[:0], cols[:0], delta if scalar else delta[:0])
        return run

    check_twins(lambda: _market(60, "all", params), shift(opinion.shift_opinion),
                shift(opinion_oracle.shift_opinion), "shift_opinion")


@pytest.mark.parametrize("cap", [0.0, 0.3])
def test_shift_opinion_distinct_ascending_cells(cap):
    """One firm's contacts: cells in ascending order, one delta each (no summing table)."""
    params = _params(cap=cap)
    rng = np.random.default_rng(12)
    rows = np.nonzero(rng.random(60) < 0.5)[0]
    delta = rng.normal(0.0, 0.2, len(rows))
    delta[::5] = 0.0

    def shift(shift_opinion):
        def run(model):
            shift_opinion(model, rows, np.full(len(rows), 2), delta)
            shift_opinion(model, rows, 1, -0.05)
        return run

    check_twins(lambda: _market(60, "all", params), shift(opinion.shift_opinion),
                shift(opinion_oracle.shift_opinion), "shift_opinion, ascending")


@pytest.mark.parametrize("intensity", [0.0, 0.4, 3.0])
def test_contact_agrees_with_its_oracle(intensity):
    """Proactive contacts: welcome ones warm, excess ones annoy; a stock that only fades."""
    params = _params()

    def make():
        model = _market(300, "some", params)
        pop = model.population
        pop.supplier = np.where(pop.previous_supplier >= 0, pop.previous_supplier, -1)
        pop.trust = np.random.default_rng(4).random((pop.n, N_FIRMS))
        pop.trust[::7] = 1.0  # at the ceiling already
        pop.contact_tolerance = np.random.default_rng(5).lognormal(0, 0.5, pop.n).astype(
            np.float32)
        pop.contact_stock = None
        model.firms[0].contact_intensity = intensity
        model.firms[2].contact_intensity = 2 * intensity
        model.spec.mechanisms.contact_fatigue = True
        model.active_mask = lambda: np.array([True, True, True, False])
        return model

    def twice(contact):
        def run(model):
            contact(model)
            contact(model)
            model.firms[0].contact_intensity = 0.0  # then firm 0's stock only fades
            contact(model)
        return run

    check_twins(make, twice(fatigue.contact), twice(fatigue_oracle.contact),
                f"contact {intensity}")


@pytest.mark.parametrize("rate", [0.0, 0.07, 1.0])
def test_decay_agrees_with_its_oracle(rate):
    params = _params()
    params.opinion_decay = rate

    def make():
        model = _market(300, "all", params)
        model.population.opinion[:5] = 0.0  # rows of zeros, and of −0.0 with a −0.0 shift
        model.population.opinion[5:10] = -0.0
        model.population.value_shift[5:10] = -0.0
        return model

    check_twins(make, opinion.decay_opinions, opinion_oracle.decay_opinions, f"decay {rate}")

