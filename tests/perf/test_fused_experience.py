"""The compiled experience phase (and the promise and participation frames around it) give the
same bits as their numpy paths, on edge cases a broken kernel would get wrong.

Two models of the same scenario and seed are brought to the same state, the state is bent into
an edge case (nobody or everybody buys, buyers without a previous supplier, an inactive firm,
NaN or infinite satisfaction, a collapsed zone of tolerance, ...), then one phase runs with the
compiled kernels on one model and without them on the other; every population array, the
step's purchases, the counters and the random generators must then agree bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.step_speed import scenario
from sim import fast
from sim.mechanisms import satisfaction
from sim.model import MarketModel

pytestmark = pytest.mark.skipif(not fast.AVAILABLE, reason="numba not installed")


def _model(customers=300, mechanisms=None, steps_before=2, entrant=False, seed=5):
    data = scenario(customers, steps=10).model_dump(mode="json", exclude_none=True)
    data["market"]["purchase_probability"] = 0.7
    data["mechanisms"].update(mechanisms or {})
    if entrant:
        data["firms"][-1]["enter_at"] = 6  # inactive column throughout these tests
    model = MarketModel(data, seed=seed)
    for _ in range(steps_before):
        model.step()
    return model


def _state(model) -> dict:
    out = {f"pop.{k}": v for k, v in vars(model.population).items()
           if isinstance(v, np.ndarray)}
    exp = model.experience
    if exp is not None:
        out.update({f"exp.{k}": v for k, v in vars(exp).items() if isinstance(v, np.ndarray)})
        out["exp.best is None"] = exp.best is None
    out.update({f"stats[{k}]": v for k, v in model.step_stats.items()})
    out["rng"] = model.rng.bit_generator.state
    out["relationship_rng"] = model.relationship_rng.bit_generator.state
    out["promise_zone"] = getattr(model, "promise_zone", None)
    out["participation_zone"] = getattr(model, "participation_zone", None)
    out["quality_stats"] = getattr(model, "quality_stats", None)
    return out


def _same(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if not isinstance(a, np.ndarray):
        return a == b
    return (a.dtype == b.dtype and a.shape == b.shape
            and np.array_equal(a.view(np.uint8), b.view(np.uint8)))


def _assert_phase_agrees(bend, phases, **kwargs) -> dict:
    """Bend two twin models the same way, run ``phases`` compiled and plain; compare."""
    saved = fast.ENABLED
    states = []
    try:
        for on in (True, False):
            fast.ENABLED = True  # both twins reach the bent state the same way
            model = _model(**kwargs)
            bend(model)
            fast.ENABLED = on
            for phase in phases:
                phase(model)
            states.append(_state(model))
    finally:
        fast.ENABLED = saved
    compiled, plain = states
    assert compiled.keys() == plain.keys()
    for key in compiled:
        assert _same(compiled[key], plain[key]), f"{key} differs between the paths"
    return compiled


def _buyers(model, share, rng_seed=0):
    pop = model.population
    rng = np.random.default_rng(rng_seed)
    pop.bought[:] = rng.random(pop.n) < share
    active = np.flatnonzero(model.active_mask())
    pop.choice[:] = np.where(pop.bought, rng.choice(active, pop.n), -1)


# -- experience ----------------------------------------------------------------------------
@pytest.mark.parametrize("expectations, learning", [(True, True), (False, True),
                                                    (True, False), (False, False)])
def test_experience_mechanism_switches(expectations, learning):
    _assert_phase_agrees(lambda m: None, [satisfaction.experience],
                         mechanisms={"expectations": expectations, "learning": learning})


def test_experience_without_buyers():
    def bend(model):
        model.population.bought[:] = False
        model.population.choice[:] = -1

    state = _assert_phase_agrees(bend, [satisfaction.experience])
    assert len(state["exp.who"]) == 0 and state["exp.best is None"] is False


def test_experience_everyone_buys_some_without_previous_supplier():
    def bend(model):
        _buyers(model, 1.0)
        pop = model.population
        pop.previous_supplier[::3] = -1  # new to the market
        pop.previous_supplier[1::3] = pop.choice[1::3]  # retained

    state = _assert_phase_agrees(bend, [satisfaction.experience])
    assert len(state["exp.who"]) == 300 and state["stats[retained]"].sum() > 0


def test_experience_with_an_inactive_firm_column():
    def bend(model):
        assert not model.firms[-1].active
        _buyers(model, 0.6)
        model.population.aware[:, -1] = True  # known but not on the market: not the best offer

    _assert_phase_agrees(bend, [satisfaction.experience], entrant=True)


def test_experience_with_nan_and_infinite_satisfaction():
    def bend(model):
        _buyers(model, 0.8, rng_seed=1)
        pop = model.population
        pop.previous_supplier[:] = (pop.choice + 1) % model.n_firms  # everyone defects
        pop.satisfaction[::4] = np.nan       # never experienced: not a counted defector
        pop.satisfaction[1::4] = np.inf      # not finite either
        pop.satisfaction[2::4] = satisfaction.SATISFIED  # exactly satisfied

    state = _assert_phase_agrees(bend, [satisfaction.experience])
    assert 0 < state["stats[satisfied_defectors]"].sum() < state["stats[defectors]"].sum()


def test_experience_with_collapsed_and_extreme_zones():
    def bend(model):
        _buyers(model, 0.9, rng_seed=2)
        pop = model.population
        pop.desired[::5] = pop.adequate[::5]          # zero width: the 1e-9 floor
        pop.desired[1::5] = pop.adequate[1::5] - 1.0  # negative width
        pop.adequate[2::5] = np.float32(1e6)          # far below: exponent clipped at 500
        pop.adequate[3::5] = np.float32(-1e6)         # far above: clipped at −500
        pop.knowledge[:] = np.float32(0.3)

    _assert_phase_agrees(bend, [satisfaction.experience])


def test_experience_with_an_unknown_best_and_nan_levels():
    def bend(model):
        _buyers(model, 0.5, rng_seed=3)
        pop = model.population
        pop.aware[::2] = False  # knows nothing: best 0
        model.firms[1].levels = model.firms[1].levels.copy()
        model.firms[1].levels[0] = np.nan  # a NaN offer propagates into best, as np.maximum

    state = _assert_phase_agrees(bend, [satisfaction.experience])
    assert np.isnan(state["exp.best"]).any() and (state["exp.best"] == 0).any()
