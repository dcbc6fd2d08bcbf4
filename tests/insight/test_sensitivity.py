"""sim.sensitivity: a parameter known to matter outranks one that cannot."""

import pytest

from sim.scenario import ScenarioError
from sim.sensitivity import parse_param, sensitivity


@pytest.fixture
def coloured(tiny):
    # colour is a dimension no segment values: moving it cannot change any share
    tiny["market"]["customers"] = 1000
    tiny["steps"] = 6
    tiny["market"]["dimensions"].append("colour")
    for firm in tiny["firms"]:
        firm["attributes"]["colour"] = 0.5
    return tiny


PARAMS = ["firms.0.attributes.colour=0:1", "firms.0.price=8:12"]


def test_morris_ranks_own_price_above_an_unvalued_dimension(coloured):
    r = sensitivity(coloured, PARAMS, method="morris", samples=4, output="share", firm="Alpha")
    t = r.table.set_index("parameter")
    assert list(r.table["parameter"]) == ["firms.0.price", "firms.0.attributes.colour"]
    assert t.loc["firms.0.attributes.colour", "mu_star"] == 0.0
    # the interval of the price effect stays clear of the (zero) colour effect
    assert t.loc["firms.0.price", "low"] > t.loc["firms.0.attributes.colour", "high"]
    assert r.runs == 4 * 3 and len(r.samples) == r.runs
    assert set(r.samples.columns) == {*(p.split("=")[0] for p in PARAMS), "share"}


def test_sobol_ranks_own_price_first(coloured):
    r = sensitivity(coloured, PARAMS, method="sobol", samples=8, output="share")
    t = r.table.set_index("parameter")
    assert r.table["parameter"].iat[0] == "firms.0.price"
    assert t.loc["firms.0.price", "ST"] > 0.5
    assert t.loc["firms.0.attributes.colour", "ST"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("text, message", [
    ("firms.0.price", "expected PATH=LOW:HIGH"),
    ("firms.0.price=a:b", "bounds must be numbers"),
    ("firms.0.price=12:8", "LOW must be below HIGH"),
])
def test_parse_param_refuses_bad_text(text, message):
    with pytest.raises(ScenarioError, match=message):
        parse_param(text)


@pytest.mark.parametrize("kwargs, message", [
    ({"params": ["firms.0.name=1:2"]}, "not a number"),
    ({"params": ["firms.0.price=-5:2"]}, "greater than 0"),
    ({"params": ["firms.9.price=1:2"]}, "no such"),
    ({"firm": "Zeta"}, "unknown firm"),
    ({"output": "happiness"}, "unknown output"),
    ({"method": "fast"}, "unknown method"),
    ({"method": "sobol", "samples": 6}, "power of 2"),
])
def test_bad_requests_raise_scenario_errors(coloured, kwargs, message):
    args = {"params": PARAMS, "samples": 2, **kwargs}
    with pytest.raises(ScenarioError, match=message):
        sensitivity(coloured, **args)


@pytest.mark.slow
def test_parallel_sample_points_give_the_same_ranking(coloured):
    one = sensitivity(coloured, PARAMS, samples=2, workers=1)
    two = sensitivity(coloured, PARAMS, samples=2, workers=2)
    assert one.samples.equals(two.samples)
    assert one.table.equals(two.table)


@pytest.mark.slow
def test_sample_points_on_dask_give_the_same_ranking(coloured):
    pytest.importorskip("distributed")
    local = sensitivity(coloured, PARAMS, samples=2)
    dask = sensitivity(coloured, PARAMS, samples=2, backend="dask", workers=2)
    assert local.samples.equals(dask.samples)


def test_an_address_needs_the_dask_backend(coloured):
    with pytest.raises(ScenarioError, match="only used with --backend dask"):
        sensitivity(coloured, PARAMS, samples=2, address="tcp://127.0.0.1:1")
