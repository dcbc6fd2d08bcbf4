"""The choice core's compiled passes agree with their numpy oracles (``tests/oracles``).

Perception, the Gumbel-max and inverse-CDF choice, the purchase phase, the starting suppliers
and the per-firm counts, on random arrays and on the edge cases a broken pass would get wrong:
customers who know no firm, without a supplier, with a NaN or infinite utility, a firm off the
market, nobody or everybody buying, no value dimension. Choices and counts must be equal;
floats equal within the harness tolerance (``oracles.harness``).
"""

import copy

import numba
import numpy as np
import pytest
from oracles import ChunkDraws
from oracles import choice as choice_oracle
from oracles import collect as collect_oracle
from oracles import kernels as kernels_oracle
from oracles import perception as perception_oracle
from oracles.harness import check_twins, differences, walk

from sim import collect, fast, kernels
from sim.mechanisms import choice, perception
from sim.model import MarketModel
from sim.streams import ChunkStreams as streams_for


def _agree(expected, actual, what: str) -> None:
    found = differences(expected, actual)
    assert not found, f"{what}:\n" + "\n".join(found[:20])


# -- perception ------------------------------------------------------------------------------
@pytest.mark.parametrize("n, f, d", [(1000, 6, 3), (500, 4, 1), (333, 7, 8), (50, 3, 0),
                                     (5000, 6, 3)])
def test_perceive_matches_oracle(n, f, d):
    rng = np.random.default_rng(n)
    w, levels = rng.random((n, d)), rng.random((f, d))
    shift = rng.normal(size=(n, f)) * 0.1
    prices, ref, costs = rng.random(f) * 10 + 1, rng.random(n) * 10 + 1, rng.random(f)
    aware, active = rng.random((n, f)) < 0.7, np.arange(f) != 1  # firm 1 off the market
    puv, pp, best = np.empty((n, f)), np.empty((n, f)), np.full(n, -1.0)
    chunks = fast.n_chunks(n)
    sums, counts = np.zeros((chunks, 2, f)), np.zeros((chunks, f), dtype=np.int64)
    perception._perceive(w, np.ascontiguousarray(levels.T), shift, prices, ref, costs, aware,
                         active, True, fast.CHUNK, puv, pp, best, sums, counts)
    base = kernels.perceived_use_value(w, levels)
    _agree(base + shift, puv, "PUV")
    _agree(kernels.perceived_price(prices, ref, costs), pp, "PP")
    _agree(perception_oracle.best_known(base, aware, active), best, "best known offer")
    knew = aware & active
    assert np.array_equal(counts.sum(axis=0), knew.sum(axis=0)) and counts[:, 1].sum() == 0
    _agree(np.where(knew, pp, 0).sum(axis=0), sums[:, 0].sum(axis=0), "PP sums")
    _agree(np.where(knew, puv, 0).sum(axis=0), sums[:, 1].sum(axis=0), "PUV sums")
    if d == 0:  # no value dimension: PUV is the value shift alone, nothing is better than 0
        assert np.array_equal(puv, shift) and not best.any()


def test_perceive_phase_matches_oracle(tiny):
    def make():
        model = MarketModel(copy.deepcopy(tiny), seed=3)
        model.step()
        model.population.value_shift[::7] += 0.3
        return model

    check_twins(make, perception.perceive, perception_oracle.perceive, "perceive")


def test_population_buffers_filled_in_place(tiny):
    model = MarketModel(tiny, seed=1)
    puv, pp = model.population.puv, model.population.pp
    model.step()
    assert model.population.puv is puv and model.population.pp is pp


# -- counts ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_count_by_firm_matches_bincount(dtype):
    rng = np.random.default_rng(2)
    index = rng.integers(-1, 7, 10_000).astype(dtype)  # -1 = no firm, 6 = beyond n_firms
    weights = rng.normal(size=10_000).astype(np.float32)
    counts, sums = kernels.count_by_firm(index, 6), kernels.count_by_firm(index, 6, weights)
    assert counts.dtype == np.int64 and sums.dtype == np.float64
    assert np.array_equal(counts, kernels_oracle.count_by_firm(index, 6))
    _agree(kernels_oracle.count_by_firm(index, 6, weights), sums, "weighted count")
    assert not kernels.count_by_firm(index[:0], 6).any()
    with pytest.raises(ValueError):
        kernels.count_by_firm(index, 6, weights[:-1])


def test_column_count_matches_numpy():
    mask = np.random.default_rng(5).random((3000, 7)) < 0.3
    got = kernels.column_count(mask)
    assert got.dtype == np.int64 and np.array_equal(got, kernels_oracle.column_count(mask))
    assert np.array_equal(kernels.column_count(mask[:, ::2]), mask[:, ::2].sum(axis=0))
    assert np.array_equal(kernels.column_count(mask[:0]), np.zeros(7, dtype=np.int64))


# -- the samplers on random arrays -------------------------------------------------------------
def _market(n, f, seed):
    rng = np.random.default_rng(seed)
    puv, pp = rng.random((n, f)), rng.random((n, f)) + 0.5
    sens, loyalty, cost = rng.random(n) * 2, rng.random(n), rng.random(n) * 0.5
    aware = rng.random((n, f)) < 0.7
    aware[:20] = False  # customers who know no firm choose nothing
    supplier = rng.integers(-1, f, n).astype(np.int32)
    return puv, pp, sens, loyalty, cost, aware, supplier


def _compiled(pass_, puv, pp, sens, rationality, aware, active, supplier, loyalty, cost, rows,
              draws, use_aware=True):
    out = np.empty(len(rows), dtype=np.int32)
    pass_(puv, pp, sens, rationality, aware, active, use_aware, supplier,
          np.zeros(len(puv)) if loyalty is None else loyalty, loyalty is not None,
          np.zeros(len(puv)) if cost is None else cost, cost is not None, rows, draws,
          fast.CHUNK, out)
    return out


@pytest.mark.parametrize("loyal, switching", [(True, True), (True, False), (False, True),
                                              (False, False)])
@pytest.mark.parametrize("subset", [False, True])
def test_gumbel_choice_matches_oracle(loyal, switching, subset):
    n, f = 3000, 5
    puv, pp, sens, loyalty, cost, aware, supplier = _market(n, f, 7)
    active = np.array([True, True, False, True, True])
    rows = np.sort(np.random.default_rng(3).choice(n, n // 2, replace=False)) if subset \
        else np.arange(n)
    loyalty, cost = (loyalty if loyal else None), (cost if switching else None)
    util = kernels.choice_utility(kernels.net_value(puv, pp, sens), 8.0, aware & active,
                                  supplier=supplier, loyalty=loyalty, switching_cost=cost)[rows]
    expected = choice_oracle.choose_gumbel(util, np.random.default_rng(1))
    got = _compiled(choice._gumbel_choice, puv, pp, sens, 8.0, aware, active, supplier, loyalty,
                    cost, rows, choice.to_gumbel(np.random.default_rng(1).random((len(rows), f))))
    assert np.array_equal(got, expected)
    assert (got[rows < 20] == kernels.NO_FIRM).all() and not (got == 2).any()


@pytest.mark.parametrize("n_firms", [1, 3, 7, 8, 12])
def test_inverse_cdf_choice_matches_oracle(n_firms):
    """Any number of firms (numpy sums rows of more than 7 pairwise: no matter now)."""
    n = 4000
    puv, pp, sens, loyalty, cost, aware, supplier = _market(n, n_firms, 8)
    active = np.ones(n_firms, dtype=bool)
    rows = np.sort(np.random.default_rng(4).choice(n, n // 2, replace=False))
    util = kernels.choice_utility(kernels.net_value(puv, pp, sens), 8.0, aware & active,
                                  supplier=supplier, loyalty=loyalty, switching_cost=cost)[rows]
    expected = choice_oracle.choose_inverse_cdf(util, np.random.default_rng(1))
    got = _compiled(choice._inverse_cdf_choice, puv, pp, sens, 8.0, aware, active, supplier,
                    loyalty, cost, rows, np.random.default_rng(1).random(len(rows)))
    assert np.array_equal(got, expected)
    assert (got[rows < 20] == kernels.NO_FIRM).all()


@pytest.mark.parametrize("sampler", ["gumbel", "inverse_cdf"])
def test_choice_of_odd_utilities_matches_oracle(sampler):
    """NaN, ±inf utilities and NaN where the offer is not available.

    Rows 0-3 and 6 know every firm: the Gumbel pass's short loop sees them first.
    """
    n, f = 7, 4
    puv, pp = np.ones((n, f)), np.zeros((n, f))
    puv[0, 0] = puv[1, 3] = np.nan  # first, last column
    puv[2, 1] = np.inf  # +inf
    puv[3, 2] = -np.inf  # one offer at -inf, the others still choosable
    puv[6, 0], puv[6, 3] = np.inf, -np.inf  # both: their sum is NaN, the full loop decides
    aware, active = np.ones((n, f), dtype=bool), np.ones(f, dtype=bool)
    aware[4, 0] = False
    puv[4, 0] = np.nan  # NaN where unavailable: ignored
    supplier = np.full(n, kernels.NO_FIRM, dtype=np.int32)
    sens, rows = np.ones(n), np.arange(n)
    util = kernels.choice_utility(kernels.net_value(puv, pp, sens), 2.0, aware & active)
    if sampler == "gumbel":
        expected = choice_oracle.choose_gumbel(util, np.random.default_rng(3))
        got = _compiled(choice._gumbel_choice, puv, pp, sens, 2.0, aware, active, supplier,
                        None, None, rows, choice.to_gumbel(np.random.default_rng(3).random((n, f))))
        # a NaN or a +inf utility: numpy's argmax takes it, and it is not finite
        assert list(got[:3]) == [kernels.NO_FIRM] * 3 and got[6] == kernels.NO_FIRM
    else:
        expected = choice_oracle.choose_inverse_cdf(util, np.random.default_rng(3))
        got = _compiled(choice._inverse_cdf_choice, puv, pp, sens, 2.0, aware, active,
                        supplier, None, None, rows, np.random.default_rng(3).random(n))
        assert got[0] != 0 and got[1] != 3 and got[2] != 1  # no weight where not finite
    assert np.array_equal(got, expected)
    assert got[3] not in (2, kernels.NO_FIRM) and got[4] not in (0, kernels.NO_FIRM)


@pytest.mark.parametrize("sampler", ["gumbel", "inverse_cdf"])
def test_samplers_follow_logit_law_and_respect_availability(sampler):
    n = 200_000
    puv = np.tile(np.array([0.0, 1.0, 0.5, 9.0]), (n, 1))
    aware = np.ones((n, 4), dtype=bool)
    aware[:, 3] = False
    aware[:10] = False  # ten customers with no option
    pass_ = choice._gumbel_choice if sampler == "gumbel" else choice._inverse_cdf_choice
    rng = np.random.default_rng(1)
    draws = choice.to_gumbel(rng.random((n, 4))) if sampler == "gumbel" else rng.random(n)
    got = _compiled(pass_, puv, np.zeros((n, 4)), np.zeros(n), 1.0, aware, np.ones(4, bool),
                    np.full(n, -1, dtype=np.int32), None, None, np.arange(n), draws)
    assert (got[:10] == kernels.NO_FIRM).all()
    freq = np.bincount(got[10:], minlength=4) / (n - 10)
    expected = np.exp([0.0, 1.0, 0.5]) / np.exp([0.0, 1.0, 0.5]).sum()
    assert freq[:3] == pytest.approx(expected, abs=0.004)
    assert freq[3] == 0


# -- the choice noise --------------------------------------------------------------------------
def test_gumbel_noise_is_finite_at_the_ends_of_the_uniforms():
    ends = [0.0, 2.0**-53, 0.5, 1.0 - 2.0**-53]
    noise = choice.to_gumbel(np.array(ends))
    assert np.isfinite(noise).all()
    # the last bit of numpy's vectorised log may differ from its scalar one on some CPUs
    tiny = np.finfo(np.float64).tiny
    np.testing.assert_allclose(noise[0], -np.log(-np.log(tiny)), rtol=1e-15)  # a 0: about -6.6
    assert noise[0] < noise[1] < noise[2] < noise[3]
    np.testing.assert_allclose(noise[2], -np.log(np.log(2.0)), rtol=1e-15)
    assert 36 < noise[3] < 37


def test_gumbel_noise_is_standard_gumbel_from_the_streams_uniforms():
    rows = 70_000  # 18 chunks, the last one short
    streams, same = (streams_for(np.random.SeedSequence(11), rows) for _ in range(2))
    noise = choice.gumbel_noise(streams, (rows, 6))
    u = ChunkDraws(same).random((rows, 6))
    assert streams.state == same.state  # one uniform per draw, chunk by chunk
    # each of the pass's two logarithms is within an ulp of numpy's (no draw was 0 here)
    np.testing.assert_allclose(noise, -np.log(-np.log(u)), rtol=1e-14, atol=1e-15)
    _agree(choice_oracle.gumbel_noise(ChunkDraws(streams_for(np.random.SeedSequence(11), rows)),
                                      (rows, 6)), noise, "noise")
    assert abs(noise.mean() - np.euler_gamma) < 0.01
    assert abs(noise.var() - np.pi**2 / 6) < 0.02
    assert choice.gumbel_noise(streams, (0, 6)).shape == (0, 6)


@numba.njit(error_model="numpy")
def _logs(x, out):
    for k in range(x.shape[0]):
        out[k] = choice._log(x[k])


def test_compiled_log_is_within_an_ulp_of_numpys_over_the_normal_doubles():
    tiny, big = np.finfo(np.float64).tiny, np.finfo(np.float64).max
    x = np.concatenate([
        np.geomspace(tiny, 1e308, 200_001),                 # every binade
        np.random.default_rng(2).random(200_000) + tiny,    # the noise's first log: (0, 1)
        -np.log(np.random.default_rng(3).random(200_000) + tiny),  # its second: (0, 708.4]
        np.nextafter(1.0, [0.0, 2.0]), [1.0, 2.0, 0.5, tiny, np.sqrt(2.0), np.sqrt(0.5), big],
    ])
    got = np.empty_like(x)
    _logs(x, got)
    want = np.log(x)
    ulp = np.spacing(np.abs(want))
    assert (np.abs(got - want) <= ulp).all(), np.max(np.abs(got - want) / ulp)
    assert got[-7] == 0.0 and got[-6] == np.log(2.0) and got[-5] == -np.log(2.0)  # exact


# -- the purchase phase ------------------------------------------------------------------------
def _purchase_twins(scenario, prepare):
    """``choice.purchase`` and its oracle on twin models in the ``prepare``d state."""

    def make():
        model = MarketModel(copy.deepcopy(scenario), seed=4)
        model.step()
        model._reset_step_stats()
        perception.perceive(model)
        prepare(model)
        return model

    check_twins(make, choice.purchase, choice_oracle.purchase, "purchase")
    model = make()
    model._reset_step_stats()
    choice.purchase(model)
    pop = model.population
    return {"bought": pop.bought, "choice": pop.choice, "previous_supplier": pop.previous_supplier,
            **model.step_stats}


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
def test_purchase_matches_oracle_on_edge_cases(tiny, sampler, probability):
    tiny["market"]["choice_sampler"] = sampler
    tiny["market"]["purchase_probability"] = probability
    got = _purchase_twins(tiny, _edge_cases)
    bought, chosen = got["bought"], got["choice"]
    if probability == 0:
        assert not bought.any() and (chosen == kernels.NO_FIRM).all()
        assert not got["units"].any()
    else:
        assert bought.any()
        assert not bought[50:80].any() and (chosen[50:80] == kernels.NO_FIRM).all()
        assert not (chosen == 2).any()  # the inactive firm sells nothing
        assert got["units"].sum() == bought.sum()
        assert got["new_customers"].sum() >= (bought[:50]).sum()  # first suppliers are new
    if sampler == "gumbel" and probability > 0:
        assert (chosen[80:90] == kernels.NO_FIRM).all()  # a NaN utility: no choice
    # the lost customers are the switchers' old suppliers, none from "no supplier"
    assert got["lost_customers"].sum() <= got["new_customers"].sum()


def test_purchase_matches_oracle_when_everyone_has_no_supplier(tiny):
    def nobody(model):
        model.population.supplier[:] = kernels.NO_FIRM

    got = _purchase_twins(tiny, nobody)
    assert got["new_customers"].sum() == got["bought"].sum() == got["units"].sum()
    assert got["lost_customers"].sum() == 0
    assert (got["previous_supplier"] == kernels.NO_FIRM).all()


def test_purchase_matches_oracle_with_every_mechanism_off(tiny_plain):
    got = _purchase_twins(tiny_plain, lambda model: None)
    assert got["bought"].all()


@pytest.mark.parametrize("plain", [False, True])
def test_initial_suppliers_match_oracle(tiny, plain):
    if plain:
        tiny["mechanisms"] = {k: False for k in ("expectations", "loyalty", "word_of_mouth",
                                                  "complaints", "switching_costs", "learning",
                                                  "contact_fatigue", "service_profit_chain")}
    tiny["firms"][2]["enter_at"] = 3  # not on the market at the start

    def make():
        model = MarketModel(copy.deepcopy(tiny), seed=6)
        model.population.aware[:30] = False  # (ignored when every mechanism is off)
        return model

    check_twins(make, choice.initial_suppliers, choice_oracle.initial_suppliers,
                "initial suppliers")
    model = make()
    choice.initial_suppliers(model)
    supplier = model.population.supplier
    assert not (supplier == 2).any()
    assert (supplier[:30] >= 0).all() if plain else (supplier[:30] == kernels.NO_FIRM).all()


# -- whole runs, phase by phase ----------------------------------------------------------------
@pytest.mark.parametrize("sampler", ["gumbel", "inverse_cdf"])
@pytest.mark.parametrize("mechanisms_on", [True, False])
def test_runs_agree_with_the_oracles_phase_by_phase(tiny, mechanisms_on, sampler):
    """Every phase with an oracle, and the recorder's sums after every step."""
    scenario = copy.deepcopy(tiny)
    scenario["market"]["choice_sampler"] = sampler
    scenario["market"]["purchase_probability"] = 0.7
    scenario["firms"][2]["enter_at"] = 3
    if not mechanisms_on:
        scenario["mechanisms"] = {"expectations": False, "loyalty": False, "word_of_mouth": False,
                                  "complaints": False, "switching_costs": False,
                                  "learning": False, "contact_fatigue": False,
                                  "service_profit_chain": False}
    model = MarketModel(scenario, seed=5)
    for step in range(6):
        assert walk(model, 1, f"{sampler} step {step}") > 0
        active = model.active_mask()
        _agree(collect_oracle._aggregates(model, active), collect._aggregates(model, active),
               f"recorder sums, step {step}")
