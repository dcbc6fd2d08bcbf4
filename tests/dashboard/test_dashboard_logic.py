"""Dashboard logic without Streamlit: scenario text, schema-driven widgets, play and undo."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from dash_helpers import small_scenario, small_yaml

from dashboard import compare, scenarios
from dashboard.play import PlaySession


def test_valid_text_parses():
    scenario, problems = scenarios.parse_text(small_yaml().decode(), "mine.yaml")
    assert problems == [] and scenario.name == "small test market"


def test_problems_carry_file_line_and_field():
    text = small_yaml().decode().replace("price: 9.0", "price: -9.0")
    scenario, problems = scenarios.parse_text(text, "mine.yaml")
    assert scenario is None
    (p,) = problems
    assert p.file == "mine.yaml" and p.path == "firms.1.price"
    assert text.splitlines()[p.line - 1].strip().startswith("price: -9.0")
    shown = scenarios.problem_text(p)
    assert shown.startswith(f"line {p.line}") and "firms.1.price" in shown


@pytest.mark.parametrize("text", ["", "a: [1, 2", "- just\n- a list\n", "name: x\nfirms: 3\n",
                                  "!!python/object:os.system {}"])
def test_bad_text_gives_messages_never_exceptions(text):
    scenario, problems = scenarios.parse_text(text, "bad.yaml")
    assert scenario is None and problems
    assert all(p.file == "bad.yaml" for p in problems)


def test_widget_labels_help_and_bounds_come_from_the_schema():
    from sim.scenario.schema import Scenario

    spec = scenarios.field_spec("market.customers")
    field = Scenario.model_fields["market"].annotation.model_fields["customers"]
    assert spec.label == field.title and spec.help == field.description and spec.kind == "int"
    assert spec.minimum == 1
    price = scenarios.field_spec("firms.2.price")
    assert price.kind == "float" and price.exclusive_min and price.minimum == 0
    assert scenarios.field_spec("mechanisms.word_of_mouth").kind == "bool"
    assert "mechanisms.loyalty" in scenarios.mechanism_fields()
    with pytest.raises(KeyError):
        scenarios.field_spec("market.nonsense")


def test_get_and_set_dotted_paths():
    data = small_scenario()
    scenarios.set_path(data, "firms.1.price", 7.5)
    scenarios.set_path(data, "mechanisms.loyalty", False)
    assert scenarios.get_path(data, "firms.1.price") == 7.5
    assert scenarios.get_path(data, "mechanisms.loyalty") is False
    assert scenarios.get_path(data, "firms.9.price", "none") == "none"


def test_segment_lines_and_yaml_round_trip():
    scenario, _ = scenarios.parse_text(small_yaml().decode())
    assert scenarios.segment_lines(scenario) == [("quality lovers", 1.5), ("service lovers", 1.0)]
    again, problems = scenarios.parse_text(scenarios.to_yaml(scenario))
    assert problems == [] and again == scenario


def test_strategy_variants_report_strategies_that_cannot_run():
    scenario, _ = scenarios.parse_text(small_yaml().decode())
    variants, problems = compare.strategy_variants(scenario, "Alpha", ["static", "no_such_policy"])
    assert list(variants) == ["Alpha: static"]
    assert len(problems) == 1 and "no_such_policy" in problems[0]


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_play_is_the_same_market_as_a_plain_run():
    from sim import MarketModel

    session = PlaySession(small_scenario(steps=6), seed=11)
    session.advance(4)
    model = MarketModel(session.scenario, seed=11)
    for _ in range(4):
        model.step()
    _frames_equal(session.firms_frame(), model.firms_frame())


def test_hand_move_changes_the_offer_and_customers_respond():
    session = PlaySession(small_scenario(), seed=2)
    session.advance(2)
    before = session.firms_frame()
    session.move("Beta", price=6.0)
    session.advance(3)
    firms = session.firms_frame()
    beta = firms[firms["firm"] == "Beta"].set_index("step")
    assert beta.loc[3, "price"] == pytest.approx(6.0) and beta.loc[2, "price"] == pytest.approx(9.0)
    assert beta.loc[5, "share"] > before[before["firm"] == "Beta"]["share"].iloc[-1]


def test_undo_rebuilds_the_exact_earlier_state_from_seed_and_moves():
    session = PlaySession(small_scenario(), seed=4)
    session.advance(2)
    session.move("Alpha", price=8.0, attributes={"quality": 0.9})
    session.advance(3)
    session.move("Gamma", price=12.0)
    session.advance(2)
    full = session.firms_frame()
    session.undo_to(4)  # drops nothing made before step 4: Alpha's move stays, Gamma's goes
    assert session.step == 4 and [m.firm for m in session.moves] == ["Alpha"]
    _frames_equal(session.firms_frame(), full[full["step"] <= 4])
    session.advance(3)  # without Gamma's move the future differs from the first run
    redo = session.firms_frame()
    gamma = redo[(redo["firm"] == "Gamma") & (redo["step"] == 7)]
    assert gamma["price"].iloc[0] == pytest.approx(11.0)
    session.undo_to(0)
    assert session.step == 0 and session.moves == [] and session.firms_frame().empty


@pytest.mark.parametrize("human", [False, True])
def test_moves_by_human_strategy_and_by_direct_apply_give_the_same_market(human):
    from dashboard.play import strategy_names, with_human_firms

    if human and "human" not in strategy_names():
        pytest.skip("the human strategy is not registered in this checkout")
    scenario, _ = scenarios.parse_text(small_yaml().decode())
    played = PlaySession(with_human_firms(scenario, ["Beta"]) if human else scenario, seed=9)
    assert (played.model.firm_by_name["Beta"].spec.strategy.type == "human") is human
    played.advance(2)
    played.move("Beta", price=7.0, attributes={"service": 0.8})
    played.advance(2)
    beta = played.firms_frame().query("firm == 'Beta'").set_index("step")
    assert beta.loc[3, "price"] == pytest.approx(7.0) and beta.loc[2, "price"] == pytest.approx(9.0)
    played.undo_to(3)
    assert played.firms_frame().query("firm == 'Beta' and step == 3")["price"].iloc[0] == 7.0


def test_unknown_firm_move_is_refused():
    session = PlaySession(small_scenario(), seed=1)
    with pytest.raises(KeyError):
        session.move("Nobody", price=1.0)


def test_dashboard_yaml_is_safe_yaml():
    assert yaml.safe_load(small_yaml())["name"] == "small test market"


def test_programme_controls_come_from_the_schema_and_hand_in_only_changes():
    from dashboard.play import programme_changes, programme_controls
    from dashboard.scenarios import choice_options

    session = PlaySession(small_scenario(), seed=3)
    offer = session.offer("Alpha")
    if not offer["programmes"]:
        pytest.skip("firms have no programmes in this checkout")
    controls = programme_controls(offer["programmes"], list(offer["attributes"]))
    names = [(c.name, c.dimension) for c in controls]
    assert ("internal_marketing", None) in names and ("quality_investment", "quality") in names
    level = next(c for c in controls if c.name == "relationship_level")
    assert list(level.options) == choice_options("firms.0.programmes.relationship_level")
    assert programme_changes(controls, [c.value for c in controls]) == {}
    values = [400.0 if c.name == "internal_marketing" else
              (120.0 if c.dimension == "service" else c.value) for c in controls]
    changes = programme_changes(controls, values)
    assert changes == {"internal_marketing": 400.0,
                       "quality_investment": {"quality": 0.0, "service": 120.0}}
    session.move("Alpha", programmes=changes)
    session.advance(1)
    row = session.firms_frame().query("firm == 'Alpha'").iloc[-1]
    assert row["marketing_spend"] >= 520.0 - 1e-9


def test_run_folders_are_found_shallowly_and_bad_folders_give_messages(tmp_path):
    from dashboard.runs import find_run_dirs, read_run_dir

    for rel in ("a", "b/c", "b/.hidden", "x/y/z/deep"):
        (tmp_path / rel).mkdir(parents=True)
        (tmp_path / rel / "firms.csv").write_text("step,firm,pp,puv,share\n1,A,1,1,1\n")
    assert find_run_dirs(tmp_path) == [tmp_path / "a", tmp_path / "b" / "c"]
    run, sweep, problems = read_run_dir(tmp_path / "a")
    assert run is not None and sweep is None and problems == []
    assert list(run.firms["replicate"]) == [0]  # filled in when a table lacks it
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "firms.csv").write_text("just,nonsense\n1,2\n")
    run, _, problems = read_run_dir(tmp_path / "bad")
    assert run is None and "lacks columns" in problems[0]
    assert read_run_dir(tmp_path / "missing")[2] == [f"{tmp_path / 'missing'} is not a folder"]
