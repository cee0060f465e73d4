"""The vocabulary page, run headless with Streamlit's AppTest."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from collapse.presets import page_default

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "1_Vocabulary.py")
PAGE_KNOBS = ["synthetic_fraction", "generations", "temperature", "top_p", "world", "vocabulary_size",
              "zipf_exponent", "sample_size", "top_k", "mode", "replicates", "seed"]


def open_page(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def captions(at):
    return [c.value for c in at.caption]


def test_default_page_runs_and_shows_every_part():
    at = open_page()
    assert not at.exception and not at.warning
    titles = {json.loads(el.proto.spec)["layout"]["title"]["text"] for el in at.get("plotly_chart")}
    assert titles == {"Rare words vanish first", "Words the model can still write", "Text getting repetitive",
                      "Everyday words it can no longer say"}
    assert {s.value for s in at.header} >= {"What the model writes", "Words that died"}  # h2 under the h1
    assert {s.value for s in at.subheader} == {"Share and download"}
    assert len(at.info) == 2 and len(at.info[1].value.split()) == 60
    assert any("of everyday English text is made of words" in c for c in captions(at))
    keys = {w.key for kind in ("slider", "select_slider", "selectbox", "number_input") for w in at.get(kind)}
    assert set(PAGE_KNOBS) <= keys


def test_fresh_text_keeps_words_alive():
    def surviving(at):
        generations = page_default("Vocabulary").generations
        text = next(c for c in captions(at) if c.startswith(f"After {generations} generations the median model can write"))
        return int(text.split("can write ")[1].split(" of")[0].replace(",", ""))

    at = open_page()
    collapsed = surviving(at)
    at.slider(key="synthetic_fraction").set_value(0.5).run()
    assert surviving(at) > 5 * collapsed


def test_top_p_shrinks_the_vocabulary_and_the_url_follows():
    at = open_page(generations="30")
    at.slider(key="top_p").set_value(0.5).run()
    assert not at.exception
    assert at.query_params["top_p"] == "0.5"
    text = next(c for c in captions(at) if c.startswith("In one run"))
    assert "uses 1 distinct words" in text or "uses 2 distinct words" in text


def test_url_restores_the_page_and_text_is_deterministic():
    params = dict(world="zipf", zipf_exponent="1.5", vocabulary_size="2000", sample_size="1000",
                  generations="20", replicates="5", top_k="50", seed="3")
    first, second = open_page(**params), open_page(**params)
    assert not first.warning
    assert first.session_state["zipf_exponent"] == 1.5 and first.session_state["top_k"] == 50
    assert first.info[1].value == second.info[1].value
    assert all(word.startswith("w") for word in first.info[1].value.split())


@pytest.mark.parametrize(
    "params,named",
    [({"top_p": "0"}, ["top_p"]), ({"vocabulary_size": "abc"}, ["vocabulary_size"]),
     ({"world": "gaussian"}, ["world"]), ({"top_k": "-4", "tail_index": "3"}, ["top_k", "tail_index"])],
)
def test_bad_query_values_warn(params, named):
    at = open_page(**params)
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert all(f"`{name}`" in text for name in named) and len(at.warning) == len(named)
    assert len(at.get("plotly_chart")) == 4
