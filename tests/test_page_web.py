"""The polluted-web page, run headless with Streamlit's AppTest."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

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


@pytest.mark.parametrize("params,named", [({"retrieval_share": "2"}, ["retrieval_share"]),
                                          ({"world": "venus", "ai_growth": "-1"}, ["world", "ai_growth"]),
                                          ({"synthetic_fraction": "0.5"}, ["synthetic_fraction"])])
def test_bad_query_values_warn(params, named):
    at = open_page(**params)
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert all(f"`{name}`" in text for name in named) and len(at.warning) == len(named)
    assert len(at.get("plotly_chart")) == 3
