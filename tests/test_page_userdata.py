"""Your own data on the dashboard and the vocabulary page (AppTest: paste and example buttons)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def open_page(script="dashboard.py", **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_pasted_numbers_become_the_real_world():
    at = open_page()
    at.text_area(key="paste_numbers").set_value("\n".join(str(v) for v in range(1, 41))).run()
    assert not at.exception and not at.error
    assert at.session_state["world"] == "custom"
    assert any("pasted numbers (40 numbers)" in s.value for s in at.success)
    assert len(at.get("plotly_chart")) == 4
    # the link cannot carry the data, and says so
    assert any("cannot carry your uploaded data" in c.value for c in at.caption)
    assert at.query_params["world"] == "custom"


@pytest.mark.parametrize("pasted,problem", [("1\n2\nabc\n4", "row 3 holds 'abc'"), ("7\n7\n7", "two different values"),
                                            ("   ", None)])
def test_bad_pastes_are_named_and_change_nothing(pasted, problem):
    at = open_page()
    before = [c.value for c in at.caption]
    at.text_area(key="paste_numbers").set_value(pasted).run()
    assert not at.exception
    assert at.session_state["world"] == "gaussian"
    if problem:
        assert problem in at.error[0].value and "Nothing was changed" in at.error[0].value
    assert [c.value for c in at.caption] == before


def test_the_example_button_and_forgetting():
    at = open_page()
    at.button(key="example_numbers").click().run()
    assert at.session_state["world"] == "custom" and not at.exception
    assert any("iris_petal_length.csv (150 numbers)" in s.value for s in at.success)
    # a bad paste afterwards keeps the example in use
    at.text_area(key="paste_numbers").set_value("x\ny").run()
    assert at.error and at.session_state["world"] == "custom"
    at.button(key="forget_numbers").click().run()
    assert at.session_state["world"] == "gaussian" and not at.exception


def test_a_custom_world_link_without_data_warns():
    at = open_page(world="custom")
    assert not at.exception
    assert any("`world`" in w.value and "cannot carry" in w.value for w in at.warning)
    assert at.session_state["world"] == "gaussian" and len(at.get("plotly_chart")) == 4


def test_pasted_text_becomes_the_vocabulary():
    at = open_page("pages/1_Vocabulary.py")
    at.text_area(key="paste_text").set_value("the cat sat on the mat and the dog sat on the log " * 20).run()
    assert not at.exception and at.session_state["world"] == "custom_text"
    words = set(at.info[1].value.split())  # what the model writes: only the text's own words
    assert words <= {"the", "cat", "sat", "on", "mat", "and", "dog", "log"}
    at.button(key="example_text").click().run()
    assert any("gettysburg_and_declaration.txt" in s.value for s in at.success) and not at.exception
