"""Property tests: random valid scenarios validate and run; random damage never crashes the loader.

"Never crashes" means: the result is a ``Scenario`` or a ``ScenarioError`` with at least one
problem — never another exception, never a traceback in front of a user.
"""

from __future__ import annotations

import copy
import math

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import Scenario, ScenarioError, load_scenario
from tests.scenarios_cli.conftest import HERE

MECHANISMS = ("expectations", "loyalty", "word_of_mouth", "complaints", "switching_costs",
              "learning", "contact_fatigue", "service_profit_chain")
NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=12)
UNIT = st.floats(0, 1, allow_nan=False)


STRATEGIES = st.one_of(
    st.just({"type": "static"}),
    st.just({"type": "undercut"}),
    st.just({"type": "adaptive"}),
    st.just({"type": "imitate"}),
    st.sampled_from(["hybrid", "differentiation", "low_price", "centre"]).map(
        lambda t: {"type": "clock", "target": t}),
)
PROGRAMMES = st.fixed_dictionaries({}, optional={
    "internal_marketing": st.floats(0, 500),
    "advertising": st.floats(0, 500),
    "relationship_level": st.sampled_from(
        ["basic", "reactive", "accountable", "proactive", "partnership"]),
})


@st.composite
def valid_scenarios(draw) -> dict:
    dims = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    n_seg = draw(st.integers(1, 3))
    raw = draw(st.lists(st.floats(0.05, 1), min_size=n_seg, max_size=n_seg))
    shares = [r / sum(raw) for r in raw]
    shares[-1] = 1.0 - sum(shares[:-1])
    seg_names = draw(st.lists(NAMES, min_size=n_seg, max_size=n_seg, unique=True))
    segments = [
        {"name": name, "share": share,
         "weights": {d: draw(st.floats(0, 2)) for d in draw(st.lists(st.sampled_from(dims),
                                                                      unique=True, min_size=1))},
         "price_sensitivity": draw(st.floats(0, 5)), "heterogeneity": draw(st.floats(0, 1))}
        for name, share in zip(seg_names, shares, strict=True)
    ]
    firm_names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    firms = [{"name": name, "price": draw(st.floats(0.5, 50)),
              "attributes": {d: draw(UNIT) for d in dims},
              "awareness": draw(st.floats(0.1, 1)),
              "strategy": draw(STRATEGIES),
              "programmes": draw(PROGRAMMES)} for name in firm_names]
    firms[0]["enter_at"] = 0
    if len(firms) > 1:
        firms[-1]["enter_at"] = draw(st.integers(0, 2))
    events = draw(st.lists(st.sampled_from(firm_names).flatmap(
        lambda f: st.one_of(
            st.builds(lambda at, p: {"at": at, "firm": f, "set": {"price": p}},
                      st.integers(1, 2), st.floats(0.5, 50)),
            st.builds(lambda at, sev: {"at": at, "type": "service_failure", "firm": f,
                                       "severity": sev}, st.integers(1, 2), st.floats(0.05, 1)),
        )), max_size=3))
    return {
        "events": events,
        "name": draw(NAMES), "steps": 2, "seed": draw(st.integers(0, 2**32)),
        "market": {"customers": draw(st.integers(20, 300)), "dimensions": dims,
                   "segments": segments, "rationality": draw(st.floats(0.5, 20))},
        "firms": firms,
        "mechanisms": {m: draw(st.booleans()) for m in MECHANISMS},
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_scenarios())
def test_random_valid_scenarios_validate_and_run(data):
    from sim.runner import run_scenario

    scenario = load_scenario(data)
    result = run_scenario(scenario, steps=2, replicates=1)
    last = result.firms[result.firms["step"] == 2]
    assert set(last["firm"]) == {f["name"] for f in data["firms"]}
    total = last["share"].sum()
    assert math.isclose(total, 1.0, abs_tol=1e-9) or total == 0


JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**15, 10**15), st.floats(),
    # fresh containers each time: a shared st.just({}) would be mutated by later steps
    st.text(max_size=8), st.builds(list), st.builds(dict), st.builds(lambda: {"name": "x"}),
    st.lists(st.integers(), max_size=3), st.just("2024-01-01"), st.just(float("nan")),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutations(draw) -> dict:
    data = yaml.safe_load((HERE / "tiny.yaml").read_text())
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add_key", "duplicate"]))
        if action == "replace":
            parent[path[-1]] = draw(JUNK)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "add_key" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=6))] = draw(JUNK)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    return data


@settings(max_examples=150, deadline=None)
@given(mutations())
def test_damaged_data_validates_or_raises_scenario_error(data):
    try:
        assert isinstance(load_scenario(data), Scenario)
    except ScenarioError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_yaml_text_validates_or_raises_scenario_error(tmp_path, data):
    text = (HERE / "tiny.yaml").read_text()
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 5))
        insert = data.draw(st.sampled_from(["", ":", "- ", "  ", "\t", "&a ", "*a", "!!", "[",
                                            "{", "'", '"', "\n", "\x00", ".nan", "#", "?", "|"]))
        text = text[:pos] + insert + text[pos + cut:]
    path = tmp_path / "damaged.yaml"
    path.write_text(text)
    try:
        assert isinstance(load_scenario(path), Scenario)
    except ScenarioError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30), st.text(max_size=20))
def test_any_override_validates_or_raises_scenario_error(path, value):
    try:
        load_scenario(HERE / "tiny.yaml", overrides=[f"{path}={value}"])
    except ScenarioError as exc:
        assert exc.problems
