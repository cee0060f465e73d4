"""The polluted-web page, run headless with Streamlit's AppTest."""

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from collapse.charts.style import percent
from collapse.charts.web import escape_markdown
from collapse.presets import page_default
from collapse.runner import simulate, summarize

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "2_The_polluted_web.py")


def open_page(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def titles(at):
    return [json.loads(el.proto.spec)["layout"]["title"]["text"] for el in at.get("plotly_chart")]


def test_default_page_tells_the_story():
    at = open_page()
    assert not at.exception and not at.warning
    assert set(titles(at)) == {"The web fills with AI text", "Its tails disappear", "What the model actually learns from"}
    story = at.info[0].value
    assert story.startswith("By year 11 half of the web is AI-written, by year 15 three quarters.")
    assert "people publish 40% of what they did in year 1" in story


def test_a_full_archive_keeps_ai_text_out_of_training():
    at = open_page()
    at.slider(key="archive_share").set_value(1.0).run()
    assert not at.exception
    training = next(c.value for c in at.caption if c.value.startswith("In year 40"))
    assert training.startswith("In year 40, 0 % of the training set is AI-written")
    assert at.query_params["archive_share"] == "1"


def test_the_vocabulary_web_switches_the_model_itself():
    at = open_page(world="english", vocabulary_size="1000", sample_size="1000", replicates="5")
    assert not at.exception and not at.warning
    assert "Its words get fewer" in titles(at)
    assert "the model can still write" in at.info[0].value


def test_the_text_web_brings_its_sizes_and_quotes_what_the_last_model_writes():
    at = open_page()
    assert at.text_input(key="tail_thresholds").disabled is False and at.slider(key="ngram_order").disabled
    at.selectbox(key="world").set_value("sherlock").run()
    assert not at.exception and not at.warning
    scenario = page_default("The_polluted_web", "sherlock")
    assert (at.session_state["sample_size"], at.session_state["replicates"]) == (5_000, 3)
    assert (scenario.sample_size, scenario.replicates, scenario.model) == (5_000, 3, "ngram")
    assert at.query_params["world"] == "sherlock" and at.query_params["sample_size"] == "5000"
    assert not at.slider(key="ngram_order").disabled and at.text_input(key="tail_thresholds").disabled
    assert "Its phrases repeat" in titles(at)
    run = simulate(scenario)
    summary = summarize(run.results)
    story = at.info[0].value
    real, last = (summary.loc[g, ("distinct_2", "median")] for g in (0, 40))
    assert f"goes from {percent(real)} different word pairs to {percent(last)}" in story
    assert real > 0.5 and last < 0.5 * real  # the phrases of a web full of AI text repeat
    quoted = run.detail.samples[40][0]
    assert story.endswith(f"In year 40 it writes:\n\n> {escape_markdown(quoted)}")
    at.selectbox(key="world").set_value("bimodal").run()  # back to a 1-D world: the page's own sizes
    assert (at.session_state["sample_size"], at.session_state["replicates"]) == (50, 100)
    assert "Its tails disappear" in titles(at)


def test_a_link_to_the_text_web_opens_with_its_sizes():
    at = open_page(world="sherlock", ngram_order="1")
    assert not at.exception and not at.warning
    assert (at.session_state["sample_size"], at.session_state["replicates"], at.session_state["ngram_order"]) == \
        (5_000, 3, 1)


def test_quoted_model_text_is_escaped_markdown():
    text = "a *b* _c_ [d](e) `f` $x$ :red[g] # h <i> 1. ~j~ \\ k"
    escaped = escape_markdown(text)
    assert re.sub(r"\\(.)", r"\1", escaped) == text  # unescaping gives the text back
    assert not re.search(r"(?<!\\)[*_\[\]`$:#<>~]", escaped)  # every markup character escaped


@pytest.mark.parametrize("params,named", [({"retrieval_share": "2"}, ["retrieval_share"]),
                                          ({"world": "venus", "ai_growth": "-1"}, ["world", "ai_growth"]),
                                          ({"synthetic_fraction": "0.5"}, ["synthetic_fraction"])])
def test_bad_query_values_warn(params, named):
    at = open_page(**params)
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert all(f"`{name}`" in text for name in named) and len(at.warning) == len(named)
    assert len(at.get("plotly_chart")) == 3
