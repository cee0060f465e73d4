"""The charts: what they draw and say, each validated by plotly (the app skips that step)."""

import copy

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from collapse import theory
from collapse.charts.gaussian import all_charts as gaussian_charts
from collapse.charts.gaussian import spread_theory, typical_replicate
from collapse.charts.sampled import shapes_charts
from collapse.charts.vocabulary import all_vocabulary_charts
from collapse.charts.style import OKABE_ITO, percent
from collapse.families.sampled import simulate_samples
from collapse.families.vocabulary import simulate_vocabulary
from collapse.runner import run, summarize
from collapse.scenario import MAX_FRAMES, Scenario, shown_generations

SCENARIO = Scenario(generations=150, replicates=40, sample_size=50)


def as_plotly(charts: dict) -> dict:
    """The charts as plotly figures: validated (an invalid property raises), with plotly's attribute access."""
    return {name: (go.Figure(copy.deepcopy(figure.to_dict())), caption) for name, (figure, caption) in charts.items()}


def all_charts(results, scenario):
    return as_plotly(gaussian_charts(results, scenario))


@pytest.fixture(scope="module")
def charts():
    return all_charts(run(SCENARIO), SCENARIO)


def test_every_chart_draws_the_real_world_and_labels_its_axes(charts):
    assert set(charts) == {"distribution", "tails", "spread", "distance"}
    for name, (figure, caption) in charts.items():
        layout = figure.to_plotly_json()["layout"]
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"], name
        names = [t.name or "" for t in figure.data]
        assert any("real world" in n for n in names) or any(
            "real world" in (a.text or "") for a in figure.layout.annotations), name
        # an explicit template: streamlit's default would export near-black placeholders
        assert figure.layout.template.layout.paper_bgcolor == "white", name
        assert caption.endswith(".") and any(ch.isdigit() for ch in caption), name


def test_tail_caption_quotes_the_numbers():
    results = run(SCENARIO)
    _, caption = all_charts(results, SCENARIO)["tails"]
    median = summarize(results).loc[150, ("tail_mass_2", "median")]
    assert caption.startswith(f"After 150 generations the model puts {percent(median)} of its mass beyond 2 sd")
    assert "the real world puts 4.6 % there" in caption
    assert "0.27 %" in caption


def test_distribution_animation_frames(charts):
    figure, _ = charts["distribution"]
    frames = [int(f.name) for f in figure.frames]
    assert len(frames) == MAX_FRAMES and frames[0] == 1 and frames[-1] == 150
    steps = figure.layout.sliders[0].steps
    assert [s.label for s in steps] == [str(g) for g in frames]
    assert figure.layout.updatemenus[0].buttons[0].label.endswith("Play")


def test_every_page_plays_its_distribution_chart():
    vocabulary = Scenario(world="english", model="categorical", vocabulary_size=500, sample_size=500,
                          generations=60, replicates=2)
    figure, _ = as_plotly(all_vocabulary_charts(simulate_vocabulary(vocabulary), vocabulary))["rank_frequency"]
    assert [int(f.name) for f in figure.frames][-1] == 60 and len(figure.frames) == MAX_FRAMES
    assert len(figure.frames[0].data[0].x) == len(figure.frames[0].data[0].y) <= 300
    shapes = Scenario(world="mixture_2d", model="kernel_density", sample_size=100, generations=12, replicates=1)
    figure, caption = as_plotly(shapes_charts(simulate_samples(shapes), shapes))["clusters_player"]
    assert [int(f.name) for f in figure.frames] == list(range(1, 13))
    assert figure.layout.sliders[0].steps[-1].label == "12" and caption.startswith("Press play")


def test_spread_theory_choices():
    label, curve = spread_theory(SCENARIO)
    assert "median" in label
    assert curve[150] == pytest.approx(np.exp(theory.log_variance_mean(150, 50) / 2))
    label, curve = spread_theory(SCENARIO.replace(synthetic_fraction=0.5))
    v, _ = theory.moments_with_fresh_data(150, 50, 0.5)
    assert "expected variance" in label and curve == pytest.approx(np.sqrt(v))
    assert spread_theory(SCENARIO.replace(mode="accumulate")) is None


def test_spread_caption_says_when_there_is_no_theory():
    scenario = SCENARIO.replace(mode="accumulate")
    _, caption = all_charts(run(scenario), scenario)["spread"]
    assert "no closed form" in caption


def test_typical_replicate_is_the_median_final_spread():
    frame = pd.DataFrame({"generation": [0, 0, 0, 1, 1, 1], "replicate": [0, 1, 2] * 2,
                          "std": [1, 1, 1, 0.9, 0.2, 0.5]})
    assert typical_replicate(frame) == 2


def test_helpers():
    assert shown_generations(100) == [1, 26, 50, 75, 100]
    assert shown_generations(2) == [1, 2]
    assert [percent(x) for x in (0.0455003, 0.0027, 0.0, 1e-9)] == ["4.6 %", "0.27 %", "0 %", "less than 0.001 %"]
    assert OKABE_ITO["vermillion"] == "#D55E00"
