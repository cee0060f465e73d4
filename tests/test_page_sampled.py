"""The Shapes and Digits pages, run headless with Streamlit's AppTest."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def open_page(script, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def full_size(at: AppTest) -> AppTest:
    """Click "Run the full-size version": these runs cost more than a shared server's interactive budget."""
    (button,) = [b for b in at.button if b.key == "full_size"]
    assert button.label.startswith("Run the full-size version (about ")
    return button.click().run()


@pytest.mark.parametrize("script,title,charts", [("pages/4_Shapes.py", "Clusters shrink, merge and vanish", 5),
                                                 ("pages/5_Digits.py", "Digits fading, generation by generation", 4)])
def test_page_draws_its_pictures_and_charts(script, title, charts):
    at = open_page(script, generations="6", replicates="1")
    assert not at.exception and not at.warning
    titles = [json.loads(el.proto.spec)["layout"]["title"]["text"] for el in at.get("plotly_chart")]
    assert len(titles) == charts and title in titles
    assert all(any(ch.isdigit() for ch in c.value) for c in at.caption if c.value.startswith("After"))


def test_shapes_with_fresh_data_keep_the_rare_cluster():
    at = open_page("pages/4_Shapes.py", generations="20", replicates="2", sample_size="2000")
    assert any("URL parameter `scenario`" in w.value for w in at.warning)  # over budget from a link: defaults
    for name, value in [("generations", 20), ("replicates", 2), ("sample_size", 2000)]:
        widget = at.slider(key=name) if name == "replicates" else at.select_slider(key=name)
        at = widget.set_value(value).run()
    at = full_size(at)
    lost = next(c.value for c in at.caption if c.value.startswith("After 20 generations the median model is at"))
    at = full_size(at.slider(key="synthetic_fraction").set_value(0.0).run())
    kept = next(c.value for c in at.caption if c.value.startswith("After 20 generations the median model is at"))
    share = lambda text: float(text.split("is at ")[1].split(" %")[0])  # noqa: E731
    assert share(kept) > share(lost) and share(kept) > 3


def test_bad_values_warn_on_the_digits_page():
    at = open_page("pages/5_Digits.py", n_components="99", model="categorical", generations="5")
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "`n_components`" in text and "`model`" in text
    assert len(at.get("plotly_chart")) == 4


def test_the_player_has_a_keyboard_twin_that_shows_the_same_frames():
    """The select slider under a played chart (a view, not a knob: never in the URL) picks its frame."""
    at = open_page("pages/4_Shapes.py")
    assert not at.exception

    def player():
        return next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                    if json.loads(el.proto.spec)["layout"]["title"]["text"].startswith("Play it"))

    before = player()
    assert before["layout"]["sliders"][0]["active"] == len(before["frames"]) - 1
    at = at.select_slider(key="generation_shown_clusters_player").set_value(1).run()
    after = player()
    assert after["layout"]["sliders"][0]["active"] == 0
    assert after["data"][1]["name"] == "\u25b6 generation 1" and after["data"][1]["x"] == before["frames"][0]["data"][0]["x"]
    assert "generation_shown_clusters_player" not in at.query_params


def test_the_digits_caption_gives_generation_one_beside_the_real_digits():
    at = open_page("pages/5_Digits.py", generations="6", replicates="1")
    caption = next(c.value for c in at.caption if c.value.startswith("One run's samples"))
    assert "(generation 1: " in caption and "for real digits" in caption
    labels = [json.loads(el.proto.spec)["layout"]["title"]["text"] for el in at.get("plotly_chart")]
    assert labels[0] == "Digits fading, generation by generation"
    assert at.get("plotly_chart")[0].proto.alt.startswith("Digits fading, generation by generation. A grid of 8 by 8")
