"""The guided tour "What is model collapse?", run headless with Streamlit's AppTest."""

import inspect
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from collapse.charts.style import percent
from collapse.knobs import KNOBS, format_value
from collapse.runner import run, simulate, summarize
from collapse.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "0_What_is_model_collapse.py"
DASHBOARD = ROOT / "dashboard.py"
NOTICE = "**What to notice:** "

#: step -> (its knob, the widget kind, the value it starts at, another value to try)
STEP_KNOBS = {
    1: ("generations", "select_slider", 100, 20),
    2: ("sample_size", "select_slider", 100, 1_000),
    3: ("synthetic_fraction", "slider", 0.9, 0.5),
    4: ("mode", "radio", "replace", "accumulate"),
    5: ("temperature", "slider", 1.0, 0.8),
    6: ("human_decline", "slider", 0.6, 0.0),
}
#: The ends of every knob's range: each must run.
EXTREMES = [(1, 1), (1, 500), (2, 10), (2, 100_000), (3, 0.0), (3, 1.0), (5, 0.5), (5, 1.5), (6, 0.0), (6, 1.0)]


def open_page(**params) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def go_to(at: AppTest, step: int) -> AppTest:
    at.radio(key="step").set_value(step).run()
    return at


def knob(at: AppTest, step: int):
    name, kind, _, _ = STEP_KNOBS[step]
    return getattr(at, kind)(key=name)


def sentence(at: AppTest) -> str:
    (notice,) = [i.value for i in at.info if i.value.startswith(NOTICE)]
    return notice.removeprefix(NOTICE)


def shown_scenario(at: AppTest) -> Scenario:
    (settings,) = [c.value for c in at.code if c.language == "json"]
    return Scenario.from_json(settings)


def assert_fine(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error


@pytest.mark.parametrize("step", list(STEP_KNOBS))
def test_every_step_shows_a_chart_and_a_sentence_with_numbers(step):
    at = go_to(open_page(), step)
    assert_fine(at)
    assert at.header[0].value.startswith(f"Step {step} of 6")
    assert len(at.get("plotly_chart")) >= 1
    assert re.search(r"\d", sentence(at))
    assert not at.warning


@pytest.mark.parametrize("step", list(STEP_KNOBS))
def test_each_step_has_one_knob_keyed_by_its_name(step):
    at = go_to(open_page(), step)
    name, _kind, start, _ = STEP_KNOBS[step]
    assert name in KNOBS
    widgets = [w for k in ("slider", "select_slider", "radio", "selectbox", "number_input") for w in at.get(k)
               if w.key != "step" and not w.key.startswith("generation_shown_")]  # the chart's player, by keys
    assert [w.key for w in widgets] == [name]
    assert knob(at, step).value == start
    assert getattr(shown_scenario(at), name) == start


@pytest.mark.parametrize("step", list(STEP_KNOBS))
def test_moving_the_knob_changes_the_sentence(step):
    at = go_to(open_page(), step)
    before = sentence(at)
    name, _, _, other = STEP_KNOBS[step]
    knob(at, step).set_value(other).run()
    assert_fine(at)
    assert sentence(at) != before
    assert getattr(shown_scenario(at), name) == other
    assert at.query_params[name] in (format_value(other), [format_value(other)])


@pytest.mark.parametrize("step,value", EXTREMES)
def test_the_ends_of_every_knob_run(step, value):
    at = go_to(open_page(), step)
    knob(at, step).set_value(value).run()
    assert_fine(at)
    assert re.search(r"\d", sentence(at))


@pytest.mark.parametrize("generations", [1, 20, 100, 500])
def test_step_1_states_the_engines_median_spread(generations):
    at = open_page()
    knob(at, 1).set_value(generations).run()
    scenario = shown_scenario(at)
    assert scenario.generations == generations and scenario.synthetic_fraction == 1
    median = summarize(run(scenario)).loc[generations, ("std", "median")]
    assert f"the median model's bell curve is {median:.2f} times as wide" in sentence(at)


def test_step_2_states_the_engines_tail_mass():
    at = go_to(open_page(), 2)
    knob(at, 2).set_value(1_000).run()
    scenario = shown_scenario(at)
    assert scenario.sample_size == 1_000
    tail = summarize(run(scenario)).loc[scenario.generations, ("tail_mass_2", "median")]
    assert sentence(at).startswith("With 1,000 training examples per generation")
    assert f"puts {percent(tail)} of its mass beyond 2 sd" in sentence(at)


def test_step_3_states_the_engines_spread_with_fresh_data():
    at = go_to(open_page(), 3)
    knob(at, 3).set_value(0.5).run()
    scenario = shown_scenario(at)
    median = summarize(run(scenario)).loc[100, ("std", "median")]
    assert "50 % its own output and 50 % fresh real data" in sentence(at)
    assert f"went from 1.00 to {median:.3g}" in sentence(at)


def test_step_5_quotes_the_chatbot_and_states_its_repetition():
    at = go_to(open_page(), 5)
    knob(at, 5).set_value(0.8).run()
    scenario = shown_scenario(at)
    assert scenario.world == "sherlock" and scenario.generations == 10 and scenario.temperature == 0.8
    run = simulate(scenario)
    repeated = summarize(run.results).loc[10, ("repetition", "median")]
    assert f"A share of {percent(repeated)} of the 4-word phrases" in sentence(at)
    quoted = " ".join(run.detail.samples[10][0].split()[:30])
    assert f"the model writes after 10 generations: “{quoted}" in sentence(at)


def test_step_6_states_the_webs_numbers():
    at = go_to(open_page(), 6)
    knob(at, 6).set_value(0.0).run()
    scenario = shown_scenario(at)
    assert scenario.data_source == "web" and scenario.human_decline == 0.0
    tail = summarize(run(scenario)).loc[scenario.generations, ("tail_mass_2", "median")]
    assert "people publish 100 % of what they did in year 1" in sentence(at)
    assert f"puts {percent(tail)} of its output beyond 2 sd" in sentence(at)
    assert len(at.get("plotly_chart")) == 2


def test_the_address_opens_a_step_with_its_knob():
    at = open_page(step="3", synthetic_fraction="0.5")
    assert_fine(at)
    assert at.radio(key="step").value == 3 and at.slider(key="synthetic_fraction").value == 0.5
    assert "50 % its own output" in sentence(at)
    assert not at.warning
    knob(at, 3).set_value(0.25).run()
    assert at.query_params["step"] in ("3", ["3"]) and at.query_params["synthetic_fraction"] in ("0.25", ["0.25"])


@pytest.mark.parametrize("params", [
    {"step": "9"}, {"step": "x"}, {"step": "1", "generations": "7"}, {"step": "2", "sample_size": "-1"},
    {"step": "3", "synthetic_fraction": "1.5"}, {"step": "4", "mode": "keep"}, {"step": "5", "temperature": "4"},
    {"step": "6", "human_decline": "nan"},
])
def test_bad_addresses_warn_and_fall_back(params):
    at = open_page(**params)
    assert_fine(at)
    assert len(at.warning) == 1 and re.search(r"\d", sentence(at))


def test_unknown_parameters_from_other_pages_are_ignored():
    at = open_page(step="2", world="english", replicates="5")
    assert_fine(at)
    assert not at.warning and at.radio(key="step").value == 2


def test_back_and_next_walk_the_steps():
    at = open_page()
    assert at.button(key="back").disabled
    at.button(key="next").click().run()
    assert at.radio(key="step").value == 2
    at.button(key="next").click().run()
    at.button(key="back").click().run()
    assert at.radio(key="step").value == 2
    for _ in range(4):
        at.button(key="next").click().run()
    assert at.radio(key="step").value == 6 and at.button(key="next").disabled
    assert_fine(at)


@pytest.mark.skipif("persist_state" not in inspect.signature(st.slider).parameters,
                    reason="this Streamlit forgets a hidden widget's value (persist_state came in 1.6x)")
def test_a_knob_keeps_its_value_while_you_visit_other_steps():
    at = open_page()
    knob(at, 1).set_value(20).run()
    go_to(at, 2)
    go_to(at, 1)
    assert knob(at, 1).value == 20


def test_run_alone_each_step_links_to_its_page_by_address():
    at = go_to(open_page(), 5)
    links = [m.value for m in at.markdown if "](" in m.value]
    assert len(links) == 1 and "(./Chatbot?" in links[0] and "temperature=1" in links[0]
    go_to(at, 6)
    assert any("(./The_polluted_web?" in m.value for m in at.markdown)


def test_in_the_app_each_step_links_to_its_page_with_its_settings():
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()
    at.switch_page("pages/0_What_is_model_collapse.py").run()
    expected = {1: "", 2: "", 3: "", 4: "", 5: "Chatbot", 6: "The_polluted_web"}
    for step, page in expected.items():
        go_to(at, step)
        assert_fine(at)
        (link,) = at.get("page_link")
        assert link.proto.page == page
        name, _, start, _ = STEP_KNOBS[step]
        assert f"{name}={format_value(start)}" in link.proto.query_string.split("&")


def test_knobs_shared_with_the_dashboard_never_leak_between_them():
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()
    at.select_slider(key="generations").set_value(2_000).run()
    at.query_params.clear()  # a browser drops the address's parameters on a page switch
    at.switch_page("pages/0_What_is_model_collapse.py").run()
    assert_fine(at)
    assert at.select_slider(key="generations").value == 100  # the tour's own start, not the dashboard's
    at.select_slider(key="generations").set_value(20).run()
    at.query_params.clear()
    at.switch_page("dashboard.py").run()
    assert_fine(at)
    assert at.select_slider(key="generations").value == 100  # the dashboard's own start
    at.query_params.clear()
    at.switch_page("pages/0_What_is_model_collapse.py").run()
    assert_fine(at)
    assert at.select_slider(key="generations").value == 100


def test_the_tour_sends_the_lab_style_rules_once():
    """The tour draws charts without knobs in the sidebar: it still starts with the style (captions at AA contrast)."""
    at = open_page()
    assert len([e for e in at.get("html") if "stCaptionContainer" in e.proto.body]) == 1
