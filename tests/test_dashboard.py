"""The dashboard page, run headless with Streamlit's AppTest."""

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from collapse import theory
from collapse.scenario import Scenario

PAGE = "../dashboard.py"
DASHBOARD_KNOBS = ["synthetic_fraction", "generations", "tail_thresholds", "world", "tail_index", "model", "mode",
                   "sample_size", "temperature", "replicates", "seed"]


def open_page(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def figures(at: AppTest) -> dict[str, dict]:
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


def values(array) -> np.ndarray:
    """A Plotly JSON array, plain or base64-typed ({"dtype", "bdata"})."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array, dtype=float)


def last_median_sd(at: AppTest) -> float:
    spread = figures(at)["Spread shrinking"]
    (median,) = [t for t in spread["data"] if t.get("name") == "model: median"]
    return float(values(median["y"])[-1])


def test_default_page_draws_four_charts_with_captions():
    at = open_page()
    assert not at.exception
    assert set(figures(at)) == {"The distribution narrowing", "Tails disappearing", "Spread shrinking", "Drifting away"}
    captions = [c.value for c in at.caption]
    assert any(c.startswith("After 100 generations the model puts") for c in captions)
    assert not at.warning and not at.error


def test_every_knob_has_a_widget_keyed_by_its_name():
    at = open_page()
    keys = {w.key for kind in ("slider", "select_slider", "selectbox", "text_input", "number_input")
            for w in at.get(kind)}
    assert set(DASHBOARD_KNOBS) <= keys


def test_fresh_data_keeps_the_spread_and_self_training_loses_it():
    at = open_page()
    at.slider(key="synthetic_fraction").set_value(0.0).run()
    # every generation fits 100 fresh samples: median sd ~ 0.995, its standard
    # error over 200 replicates ~ 1.25 * 0.07 / sqrt(200) = 0.006
    assert last_median_sd(at) == pytest.approx(0.995, abs=4 * 0.006)

    at.slider(key="synthetic_fraction").set_value(1.0).run()
    at.select_slider(key="sample_size").set_value(20).run()
    collapsed = last_median_sd(at)
    expected = np.exp(theory.log_variance_mean(100, 20) / 2)  # median sd, Shumailov et al.
    se_log = 1.2533 * np.sqrt(theory.log_variance_var(100, 20)) / np.sqrt(200)
    assert abs(2 * np.log(collapsed) - 2 * np.log(expected)) < 4 * se_log
    assert collapsed < 0.01


def test_captions_follow_the_knobs():
    at = open_page()
    before = [c.value for c in at.caption]
    at.slider(key="synthetic_fraction").set_value(0.5).run()
    assert [c.value for c in at.caption] != before
    assert at.query_params["synthetic_fraction"] == "0.5"


def test_url_with_every_knob_restores_them():
    wanted = Scenario(world="heavy_tailed", model="gaussian_unbiased", synthetic_fraction=0.8, generations=40,
                      sample_size=500, replicates=30, mode="accumulate", temperature=0.9,
                      tail_thresholds=(1.5, 2.5), tail_index=4.0, seed=99)
    at = open_page(**wanted.to_query_params(DASHBOARD_KNOBS))
    assert not at.exception and not at.warning
    for name in DASHBOARD_KNOBS:
        value = at.session_state[name]
        expected = getattr(wanted, name)
        assert (value == "1.5, 2.5") if name == "tail_thresholds" else value == expected, name
    assert at.query_params["mode"] == "accumulate"


@pytest.mark.parametrize(
    "params,named",
    [
        ({"synthetic_fraction": "abc"}, ["synthetic_fraction"]),
        ({"generations": "-3"}, ["generations"]),
        ({"generations": "10000000"}, ["generations"]),
        ({"world": "mars"}, ["world"]),
        ({"world": "mars", "seed": "x", "planet": "9"}, ["world", "seed", "planet"]),
        ({"world": "english"}, ["world"]),
        ({"top_k": "5"}, ["top_k"]),
    ],
)
def test_bad_query_values_warn_and_fall_back(params, named):
    at = open_page(**params)
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    for name in named:
        assert f"`{name}`" in warnings
    assert len(at.warning) == len(named)
    assert len(figures(at)) == 4
    assert at.session_state["generations"] == Scenario().generations or "generations" not in named


def test_warnings_clear_once_the_user_changes_a_knob():
    at = open_page(world="mars")
    assert at.warning
    at.slider(key="synthetic_fraction").set_value(0.3).run()
    assert not at.warning


def test_over_budget_settings_are_refused_and_the_charts_stay():
    at = open_page(world="heavy_tailed", synthetic_fraction="0", generations="1000", replicates="1")
    before = [c.value for c in at.caption]
    at.select_slider(key="sample_size").set_value(1_000_000).run()
    assert not at.exception
    assert at.error and "sample_size" in at.error[0].value
    assert [c.value for c in at.caption] == before
    assert at.query_params["sample_size"] == "100"


def test_replicates_are_clamped_to_the_budget_with_a_note():
    at = open_page(replicates="2000")
    at.select_slider(key="generations").set_value(2000).run()
    assert not at.exception
    assert at.session_state["replicates"] == 500  # 10^6 rows / 2000 generations
    assert any("Replicates lowered to 500" in i.value for i in at.info)


def test_the_style_rules_are_sent_once_a_run_not_once_a_chart():
    at = open_page()
    styles = [e for e in at.get("html") if "stCaptionContainer" in e.proto.body]
    assert len(styles) == 1  # five before: each chart sent them again
    at.slider(key="synthetic_fraction").set_value(0.5).run()
    assert len([e for e in at.get("html") if "stCaptionContainer" in e.proto.body]) == 1
