"""AppTest per page: each renders without exceptions and its widgets change what it shows."""

from __future__ import annotations

import json

import pytest
from dash_helpers import chart_specs, charts, make_app, no_exceptions, small_scenario, small_yaml

from dashboard.navigation import all_pages

pytestmark = pytest.mark.timeout(240)


def test_every_listed_page_exists_and_one_is_default():
    pages = all_pages()
    assert all(p.path.is_file() for p in pages)
    assert sum(p.default for p in pages) == 1


def _matrix_spec(at) -> str:
    specs = [s for s in chart_specs(at) if "Customer matrix" in s]
    assert specs, "no customer matrix on the page"
    return specs[0]


def _upload_small(at, key: str, **changes):
    at.session_state[f"{key}_source"] = "Upload a YAML file"
    at.run()
    uploader = next(u for u in at.file_uploader if u.key == f"{key}_upload")
    uploader.upload("small.yaml", small_yaml(**changes), "application/x-yaml").run()


def test_explore_runs_a_scenario_and_widgets_change_the_result():
    at = make_app()
    no_exceptions(at)
    assert at.title[0].value == "Explore a market"
    assert at.info and not charts(at)  # waiting for an upload: nothing heavy ran
    _upload_small(at, "explore")
    no_exceptions(at)
    matrix = _matrix_spec(at)
    for firm in ("Alpha", "Beta", "Gamma"):
        assert f'"{firm}"' in matrix
    assert len(charts(at)) >= 5  # matrix, shares, relationships, money, segments
    shares_before = at.dataframe[1].value
    price = next(n for n in at.number_input if n.key.endswith(":firms.1.price"))
    assert price.label == "Beta: price" and price.value == 9.0
    price.set_value(6.0)
    at.button(key="FormSubmitter:explore_form-Run simulation").click().run()
    no_exceptions(at)
    shares_after = at.dataframe[1].value
    beta = lambda df: float(df.set_index("firm").loc["Beta", "share"])  # noqa: E731
    assert beta(shares_after) > beta(shares_before) + 0.05  # cheaper Beta wins share
    at.select_slider(key="explore_matrix_step").set_value(3).run()
    no_exceptions(at)
    assert "at step 3" in _matrix_spec(at)


def test_explore_shows_upload_problems_as_messages_not_exceptions():
    at = make_app()
    at.run()
    uploader = next(u for u in at.file_uploader if u.key == "explore_upload")
    bad = small_yaml().decode().replace("share: 0.4", "share: 0.9").encode()
    uploader.upload("bad.yaml", bad, "application/x-yaml").run()
    no_exceptions(at)
    text = " ".join(e.value for e in at.error)
    assert "bad.yaml is not a valid scenario" in text and "sum" in text
    uploader.upload("junk.yaml", b"\xff\xfe not text", "application/x-yaml").run()
    no_exceptions(at)
    assert any("not" in e.value for e in at.error)


def test_explore_with_replicates_draws_bands():
    at = make_app()
    _upload_small(at, "explore", replicates=3)
    no_exceptions(at)
    assert any("95% band" in s for s in chart_specs(at))


def test_play_steps_moves_and_undoes():
    at = make_app()
    at.session_state["play_source"] = "Upload a YAML file"
    at.switch_page("pages/play.py").run()
    no_exceptions(at)
    uploader = next(u for u in at.file_uploader if u.key == "play_upload")
    uploader.upload("small.yaml", small_yaml(), "application/x-yaml").run()
    no_exceptions(at)
    at.button(key="play_step1").click().run()
    at.button(key="play_step1").click().run()
    no_exceptions(at)
    assert "2 steps" in at.markdown[0].value
    assert all(f'"{f}"' in _matrix_spec(at) for f in ("Alpha", "Beta", "Gamma"))
    at.selectbox(key="play_firm").set_value("Beta").run()
    price = next(n for n in at.number_input if n.key.startswith("play_price_Beta"))
    price.set_value(5.0)
    marketing = [n for n in at.number_input if n.key.startswith("play_prog_Beta_internal_marketing")]
    if marketing:  # programmes are widgets too (labels from the schema)
        assert marketing[0].label == "Internal marketing"
        marketing[0].set_value(300.0)
    at.button(key="play_move").click().run()
    no_exceptions(at)
    assert any("handed in" in s.value for s in at.success)
    at.button(key="play_step5").click().run()
    no_exceptions(at)
    session = at.session_state["play_session"]
    firms = session.firms_frame()
    assert session.step == 7
    beta3 = firms.query("firm == 'Beta' and step == 3").iloc[0]
    assert beta3["price"] == pytest.approx(5.0)
    if marketing:
        assert beta3["marketing_spend"] >= 300.0
    at.number_input(key="play_undo_step").set_value(2)
    at.button(key="play_undo").click().run()
    no_exceptions(at)
    session = at.session_state["play_session"]
    assert session.step == 2 and session.moves == []


def test_play_decides_the_service_programmes():
    at = make_app()
    at.session_state["play_source"] = "Upload a YAML file"
    at.switch_page("pages/play.py").run()
    uploader = next(u for u in at.file_uploader if u.key == "play_upload")
    uploader.upload("small.yaml", small_yaml(), "application/x-yaml").run()
    at.button(key="play_step1").click().run()
    at.selectbox(key="play_firm").set_value("Beta").run()
    # the widgets are the classroom's (dashboard.decision_widgets), bounded by the schema
    at.toggle(key="play_Beta_participation_on_1").set_value(True).run()
    level = at.number_input(key="play_Beta_participation_level_1")
    assert (level.min, level.max) == (0.0, 1.0)
    level.set_value(0.8).run()
    at.toggle(key="play_Beta_promise_on_1").set_value(True).run()
    at.number_input(key="play_Beta_promise_ratio_1").set_value(1.4).run()
    at.toggle(key="play_Beta_targeting_on_1").set_value(True).run()
    at.number_input(key="play_Beta_targeting_budget_1").set_value(90.0).run()
    at.number_input(key="play_Beta_nresearch_1").set_value(1).run()
    at.selectbox(key="play_Beta_rkind_0_1").set_value("competitor_benchmark").run()
    at.number_input(key="play_Beta_rsample_0_1").set_value(50).run()
    at.button(key="play_move").click().run()
    no_exceptions(at)
    assert any("handed in" in s.value for s in at.success)
    at.button(key="play_step1").click().run()
    at.button(key="play_step1").click().run()
    session = at.session_state["play_session"]
    beta = session.firms_frame().query("firm == 'Beta'").set_index("step")
    assert beta.loc[1, "participants"] == 0 and beta.loc[2, "participants"] > 0
    assert beta.loc[1, "care_spend"] == 0 and beta.loc[2, "care_spend"] == 90.0
    # the study (600 + 5 per respondent) is paid once, in the step after it was bought
    assert list(beta["marketing_spend"]) == [0.0, 90.0 + 850.0, 90.0]
    assert beta.loc[3, "cash"] == pytest.approx(beta.loc[2, "cash"] + beta.loc[3, "profit"])
    [found] = session.findings
    assert found["kind"] == "competitor_benchmark" and set(found["firms"]) == {
        "Alpha", "Beta", "Gamma"}
    assert any("Research for Beta after step 1" in e.label for e in at.expander)
    assert beta.loc[2, "expected_quality"] > beta.loc[1, "expected_quality"]  # over-promise
    programmes = session.model.firm_by_name["Beta"].programmes
    assert programmes.promise.ratio == 1.4 and programmes.participation.level == 0.8


def test_compare_strategies_gives_a_verdict_with_intervals():
    at = make_app()
    at.session_state["compare_source"] = "Upload a YAML file"
    at.switch_page("pages/compare.py").run()
    no_exceptions(at)
    uploader = next(u for u in at.file_uploader if u.key == "compare_upload")
    uploader.upload("small.yaml", small_yaml(), "application/x-yaml").run()
    at.selectbox(key="compare_firm").set_value("Beta").run()
    at.multiselect(key="compare_strategies").set_value(["static", "undercut"]
                                                       if "undercut" in at.multiselect(
                                                           key="compare_strategies").options
                                                       else ["static"]).run()
    at.number_input(key="compare_reps").set_value(3)
    at.number_input(key="compare_customers").set_value(500)
    at.number_input(key="compare_steps").set_value(8)
    at.button(key="FormSubmitter:compare_form-Compare").click().run()
    no_exceptions(at)
    verdict = next(d.value for d in at.dataframe if "95% interval" in d.value.columns)
    assert set(verdict["metric"]) >= {"share", "profit"}
    assert verdict["95% interval"].str.contains(" to ").all()
    specs = chart_specs(at)
    assert any("mean and 95% band per variant" in s for s in specs)
    runs = at.session_state["compare_runs"]
    assert runs["replicate"].nunique() == 3 and runs["step"].max() == 8


def test_editor_shows_problems_inline_and_offers_download():
    at = make_app("editor.py")
    no_exceptions(at)
    assert at.success and not at.error  # a shipped scenario to start from, valid
    at.text_area(key="editor_text").set_value(
        small_yaml().decode().replace("price: 11.0", "price: eleven")).run()
    no_exceptions(at)
    (err,) = at.error
    assert "firms.2.price" in err.value and "line " in err.value
    assert "price: eleven" in err.value  # the offending line is quoted
    at.text_area(key="editor_text").set_value(small_yaml().decode()).run()
    assert at.success and not at.error
    assert at.get("download_button")
    # the editor's text becomes a source on Explore
    at.switch_page("pages/explore.py")
    at.session_state["explore_source"] = "From the scenario editor"
    at.run()
    no_exceptions(at)
    assert all(f'"{f}"' in _matrix_spec(at) for f in ("Alpha", "Beta", "Gamma"))
    at.run()  # still there on the next rerun, after the editor's widget state is gone
    no_exceptions(at)
    assert at.radio(key="explore_source").value == "From the scenario editor"
    at.switch_page("pages/editor.py").run()  # and back in the editor, the text is kept
    assert at.text_area(key="editor_text").value == small_yaml().decode()


def test_results_opens_a_run_folder(tmp_path):
    from sim import run_scenario
    from sim.outputs import write_run

    write_run(run_scenario(small_scenario(), replicates=2, steps=6, seed=1), tmp_path / "run")
    at = make_app("results.py")
    no_exceptions(at)
    at.text_input(key="results_path").set_value(str(tmp_path / "run")).run()
    no_exceptions(at)
    assert all(f'"{f}"' in _matrix_spec(at) for f in ("Alpha", "Beta", "Gamma"))
    # iso-value lines come from scenario.json: the segment names are in the matrix's data
    matrix = next(c for c in charts(at) if "Customer matrix" in c.proto.spec)
    assert any(b"quality lovers" in d.data.data for d in matrix.proto.datasets)
    at.text_input(key="results_path").set_value(str(tmp_path / "nothing")).run()
    no_exceptions(at)
    assert any("not a folder" in w.value for w in at.warning)


def test_results_browses_a_sweep(tmp_path):
    import pandas as pd

    rows = [{"firms.0.price": p, "replicate": r, "firm": f, "share": 0.3 + 0.01 * p + 0.001 * r,
             "profit": 100.0 * p} for p in (8, 9, 10) for r in range(2) for f in ("A", "B")]
    (tmp_path / "sw").mkdir()
    pd.DataFrame(rows).to_csv(tmp_path / "sw" / "sweep.csv", index=False)
    at = make_app("results.py")
    at.text_input(key="results_path").set_value(str(tmp_path / "sw")).run()
    no_exceptions(at)
    assert at.selectbox(key="sweep_param").value == "firms.0.price"
    spec = json.loads(chart_specs(at)[0])
    assert "share at the last step" in json.dumps(spec)
