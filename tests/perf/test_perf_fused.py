"""The compiled (numba) kernels and the numpy kernels give the same bits."""

import copy

import numpy as np
import pytest

from sim import fast, kernels
from sim.model import MarketModel
from sim.runner import run_scenario

pytestmark = pytest.mark.skipif(not fast.AVAILABLE, reason="numba not installed")


@pytest.fixture
def numpy_only(monkeypatch):
    """``numpy_only(False)`` switches the compiled kernels off for the rest of the test."""
    monkeypatch.setattr(fast, "ENABLED", True)

    def switch(on: bool):
        monkeypatch.setattr(fast, "ENABLED", on)

    return switch


@pytest.mark.parametrize("n, f, d", [(1000, 6, 3), (500, 4, 1), (333, 7, 8)])
def test_perceive_matches_numpy(n, f, d, numpy_only):
    rng = np.random.default_rng(n)
    w, levels = rng.random((n, d)), rng.random((f, d))
    shift = rng.normal(size=(n, f)) * 0.1
    prices, ref, costs = rng.random(f) * 10 + 1, rng.random(n) * 10 + 1, rng.random(f)
    puv, pp = np.empty((n, f)), np.empty((n, f))
    fast.perceive_fused(w, levels, shift, prices, ref, costs, puv, pp)
    fused_base = kernels.perceived_use_value(w, levels)
    numpy_only(False)
    base = kernels.perceived_use_value(w, levels)
    assert np.array_equal(fused_base, base)
    assert np.array_equal(puv, base + shift)
    assert np.array_equal(pp, kernels.perceived_price(prices, ref, costs))


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_count_by_firm_matches_bincount(dtype, numpy_only):
    rng = np.random.default_rng(2)
    index = rng.integers(-1, 7, 10_000).astype(dtype)  # -1 = no firm, 6 = beyond n_firms
    weights = rng.normal(size=10_000).astype(np.float32)
    fused = kernels.count_by_firm(index, 6), kernels.count_by_firm(index, 6, weights)
    numpy_only(False)
    plain = kernels.count_by_firm(index, 6), kernels.count_by_firm(index, 6, weights)
    assert fused[0].dtype == plain[0].dtype and fused[1].dtype == plain[1].dtype
    assert np.array_equal(fused[0], plain[0]) and np.array_equal(fused[1], plain[1])


@pytest.mark.parametrize("loyal, switching", [(True, True), (True, False), (False, True),
                                              (False, False)])
@pytest.mark.parametrize("subset", [False, True])
def test_gumbel_choice_matches_numpy(loyal, switching, subset):
    rng = np.random.default_rng(7)
    n, f = 3000, 5
    puv, pp = rng.random((n, f)), rng.random((n, f)) + 0.5
    sens = rng.random(n) * 2
    aware = rng.random((n, f)) < 0.7
    aware[:20] = False  # customers who know no firm choose nothing
    active = np.array([True, True, False, True, True])
    supplier = rng.integers(-1, f, n).astype(np.int32)
    loyalty, cost = rng.random(n), rng.random(n) * 0.5
    rows = np.sort(rng.choice(n, n // 2, replace=False)) if subset else np.arange(n)
    noise = np.random.default_rng(1).gumbel(size=(len(rows), f))

    util = kernels.choice_utility(
        kernels.net_value(puv, pp, sens), 8.0, aware & active, supplier=supplier,
        loyalty=loyalty if loyal else None, switching_cost=cost if switching else None,
    )[rows]
    noisy = util + noise
    expected = np.argmax(noisy, axis=1).astype(np.int32)
    expected[~np.isfinite(noisy[np.arange(len(rows)), expected])] = kernels.NO_FIRM

    got = fast.choose_gumbel_fused(
        puv, pp, sens, 8.0, aware, active, True, supplier, loyalty if loyal else None,
        cost if switching else None, noise, rows if subset else None,
    )
    assert np.array_equal(got, expected)
    assert (got[rows < 20] == kernels.NO_FIRM).all()


@pytest.mark.parametrize("n_firms", [1, 3, 7])
def test_inverse_cdf_choice_matches_numpy(n_firms):
    rng = np.random.default_rng(8)
    n = 4000
    puv, pp = rng.random((n, n_firms)), rng.random((n, n_firms)) + 0.5
    sens, loyalty, cost = rng.random(n) * 2, rng.random(n), rng.random(n) * 0.5
    aware = rng.random((n, n_firms)) < 0.7
    aware[:20] = False
    active = np.ones(n_firms, dtype=bool)
    supplier = rng.integers(-1, n_firms, n).astype(np.int32)
    rows = np.sort(rng.choice(n, n // 2, replace=False))
    util = kernels.choice_utility(kernels.net_value(puv, pp, sens), 8.0, aware & active,
                                  supplier=supplier, loyalty=loyalty, switching_cost=cost)[rows]
    expected = kernels.choose_inverse_cdf(util, np.random.default_rng(1))
    got = fast.choose_inverse_cdf_fused(puv, pp, sens, 8.0, aware, active, True, supplier,
                                        loyalty, cost, np.random.default_rng(1), rows)
    assert np.array_equal(got, expected)
    assert (got[rows < 20] == kernels.NO_FIRM).all()


def test_column_count_matches_numpy(numpy_only):
    mask = np.random.default_rng(5).random((3000, 7)) < 0.3
    fused = kernels.column_count(mask)
    numpy_only(False)
    plain = kernels.column_count(mask)
    assert fused.dtype == plain.dtype and np.array_equal(fused, plain)
    assert np.array_equal(kernels.column_count(mask[:, ::2]), mask[:, ::2].sum(axis=0))


@pytest.mark.parametrize("sampler", ["gumbel", "inverse_cdf"])
@pytest.mark.parametrize("mechanisms_on", [True, False])
def test_whole_runs_identical(tiny, numpy_only, mechanisms_on, sampler):
    scenario = copy.deepcopy(tiny)
    scenario["market"]["choice_sampler"] = sampler
    scenario["steps"] = 6
    scenario["market"]["purchase_probability"] = 0.7
    scenario["firms"][2]["enter_at"] = 3
    if not mechanisms_on:
        scenario["mechanisms"] = {"expectations": False, "loyalty": False, "word_of_mouth": False,
                                  "complaints": False, "switching_costs": False,
                                  "learning": False, "contact_fatigue": False,
                                  "service_profit_chain": False}
    numpy_only(True)
    fused = run_scenario(scenario, replicates=2, seed=5)
    numpy_only(False)
    plain = run_scenario(scenario, replicates=2, seed=5)
    assert fused.firms.to_csv() == plain.firms.to_csv()
    assert fused.segments.to_csv() == plain.segments.to_csv()


def test_population_buffers_filled_in_place(tiny, numpy_only):
    numpy_only(True)
    model = MarketModel(tiny, seed=1)
    puv, pp = model.population.puv, model.population.pp
    model.step()
    assert model.population.puv is puv and model.population.pp is pp


# -- the choice noise and the fused purchase phase ---------------------------------------------
class _FixedUniforms:
    """Stands in for a Generator whose ``random`` returns the given values."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)

    def random(self, shape):
        return self.values.reshape(shape).copy()


def test_gumbel_noise_is_finite_at_the_ends_of_the_uniforms():
    ends = [0.0, 2.0**-53, 0.5, 1.0 - 2.0**-53]
    noise = kernels.gumbel_noise(_FixedUniforms(ends), (2, 2)).ravel()
    assert np.isfinite(noise).all()
    # the last bit of numpy's vectorised log may differ from its scalar one on some CPUs
    tiny = np.finfo(np.float64).tiny
    np.testing.assert_allclose(noise[0], -np.log(-np.log(tiny)), rtol=1e-15)  # a 0: about -6.6
    assert noise[0] < noise[1] < noise[2] < noise[3]
    np.testing.assert_allclose(noise[2], -np.log(np.log(2.0)), rtol=1e-15)
    assert 36 < noise[3] < 37


def test_gumbel_noise_is_standard_gumbel_from_rng_random():
    rng, same = np.random.default_rng(11), np.random.default_rng(11)
    noise = kernels.gumbel_noise(rng, (400_000,))
    u = same.random(400_000)
    assert rng.bit_generator.state == same.bit_generator.state  # one uniform per draw
    np.testing.assert_allclose(noise, -np.log(-np.log(u)), rtol=1e-15)  # no draw was 0 here
    assert abs(noise.mean() - np.euler_gamma) < 0.01
    assert abs(noise.var() - np.pi**2 / 6) < 0.02
    assert kernels.gumbel_noise(rng, (0, 6)).shape == (0, 6)


def _purchase_state(model):
    pop = model.population
    state = {k: getattr(pop, k).copy() for k in ("bought", "choice", "supplier",
                                                  "previous_supplier")}
    state.update({k: v.copy() for k, v in model.step_stats.items()})
    state["rng"] = model.rng.bit_generator.state
    return state


def _purchase_both_paths(scenario, numpy_only, prepare):
    """Run ``choice.purchase`` on the same prepared model with and without the kernels."""
    from sim.mechanisms import choice, perception

    states = []
    for on in (True, False):
        numpy_only(False)
        model = MarketModel(copy.deepcopy(scenario), seed=4)
        model.step()
        model._reset_step_stats()
        perception.perceive(model)
        prepare(model)
        numpy_only(on)
        choice.purchase(model)
        states.append(_purchase_state(model))
    fused, plain = states
    assert fused.keys() == plain.keys()
    for key in fused:
        if key == "rng":
            assert fused[key] == plain[key]
        else:
            assert fused[key].dtype == plain[key].dtype, key
            assert np.array_equal(fused[key], plain[key]), key
    return plain


def _edge_cases(model):
    """Customers without a supplier, knowing nobody, with a NaN utility; a firm off the market."""
    pop = model.population
    pop.supplier[:50] = kernels.NO_FIRM
    pop.aware[50:80] = False
    pop.loyalty[80:90] = np.nan
    pop.supplier[80:90] = 1
    model.firms[2].active = False


@pytest.mark.parametrize("sampler", ["gumbel", "inverse_cdf"])
@pytest.mark.parametrize("probability", [0.0, 0.4, 1.0])
def test_purchase_paths_agree_on_edge_cases(tiny, numpy_only, sampler, probability):
    tiny["market"]["choice_sampler"] = sampler
    tiny["market"]["purchase_probability"] = probability
    plain = _purchase_both_paths(tiny, numpy_only, _edge_cases)
    bought, choice = plain["bought"], plain["choice"]
    if probability == 0:
        assert not bought.any() and (choice == kernels.NO_FIRM).all()
        assert not plain["units"].any()
    else:
        assert bought.any()
        assert not bought[50:80].any() and (choice[50:80] == kernels.NO_FIRM).all()
        assert not (choice == 2).any()  # the inactive firm sells nothing
        assert plain["units"].sum() == bought.sum()
        assert plain["new_customers"].sum() >= (bought[:50]).sum()  # first suppliers are new
    if sampler == "gumbel" and probability > 0:
        nan_rows = np.arange(80, 90)
        assert (choice[nan_rows] == kernels.NO_FIRM).all()  # numpy's argmax takes the NaN
    # the lost customers are the switchers' old suppliers, none from "no supplier"
    assert plain["lost_customers"].sum() <= plain["new_customers"].sum()


def test_purchase_paths_agree_when_everyone_has_no_supplier(tiny, numpy_only):
    def nobody(model):
        model.population.supplier[:] = kernels.NO_FIRM

    plain = _purchase_both_paths(tiny, numpy_only, nobody)
    assert plain["new_customers"].sum() == plain["bought"].sum() == plain["units"].sum()
    assert plain["lost_customers"].sum() == 0
    assert (plain["previous_supplier"] == kernels.NO_FIRM).all()


def test_purchase_paths_agree_with_every_mechanism_off(tiny_plain, numpy_only):
    plain = _purchase_both_paths(tiny_plain, numpy_only, lambda model: None)
    assert plain["bought"].all()


def test_gumbel_choice_nan_matches_numpy_argmax():
    """A NaN utility anywhere in a row gives NO_FIRM, as numpy's argmax (first NaN) does."""
    n, f = 6, 4
    puv, pp = np.ones((n, f)), np.zeros((n, f))
    puv[0, 0] = puv[1, 3] = np.nan  # first, last column
    puv[2, 1] = np.inf  # +inf: not finite, NO_FIRM
    puv[3, 2] = -np.inf  # one offer at -inf, the others still choosable
    aware, active = np.ones((n, f), dtype=bool), np.ones(f, dtype=bool)
    aware[4, 0] = False
    puv[4, 0] = np.nan  # NaN where unavailable: ignored
    supplier = np.full(n, kernels.NO_FIRM, dtype=np.int32)
    sens = np.ones(n)
    noise = np.random.default_rng(3).gumbel(size=(n, f))
    util = kernels.choice_utility(kernels.net_value(puv, pp, sens), 2.0, aware & active)
    noisy = util + noise
    expected = np.argmax(noisy, axis=1).astype(np.int32)
    expected[~np.isfinite(noisy[np.arange(n), expected])] = kernels.NO_FIRM
    got = fast.choose_gumbel_fused(puv, pp, sens, 2.0, aware, active, True, supplier, None, None,
                                   noise.copy())
    assert np.array_equal(got, expected)
    assert list(got[:3]) == [kernels.NO_FIRM] * 3 and got[3] >= 0 and got[4] >= 0


def test_perceive_without_dimensions_matches_numpy(numpy_only):
    """No value dimension: PUV is the value shift alone on both paths."""
    rng = np.random.default_rng(9)
    n, f = 50, 3
    w, levels, shift = np.zeros((n, 0)), np.zeros((f, 0)), rng.normal(size=(n, f))
    prices, ref, costs = rng.random(f) + 1, rng.random(n) + 1, rng.random(f)
    puv, pp = np.empty((n, f)), np.empty((n, f))
    fast.perceive_fused(w, levels, shift, prices, ref, costs, puv, pp)
    numpy_only(False)
    assert np.array_equal(puv, kernels.perceived_use_value(w, levels) + shift)
    assert np.array_equal(pp, kernels.perceived_price(prices, ref, costs))
