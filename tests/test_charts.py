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
from collapse.charts.style import OKABE_ITO, percent
from collapse.charts.vocabulary import all_vocabulary_charts
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


# -- every chart on a phone, by keyboard, for a screen reader ------------------------------------
SMALL_RUNS = {
    "gaussian": Scenario(generations=20, replicates=5, sample_size=50),
    "vocabulary": Scenario(world="english", model="categorical", vocabulary_size=500, sample_size=500,
                           generations=20, replicates=3),
    "web": Scenario(data_source="web", generations=20, sample_size=50, replicates=5, retrieval_share=0.5),
    "shapes": Scenario(world="mixture_2d", model="kernel_density", sample_size=100, generations=6, replicates=1),
    "digits": Scenario(world="digits", model="gaussian_mixture", n_components=5, sample_size=100, generations=4,
                       replicates=1),
}


@pytest.fixture(scope="module")
def every_chart():
    """name -> (dict figure, caption, Figure) for every kind of run, small."""
    from collapse.charts import all_charts as charts_of
    from collapse.runner import simulate

    made = {}
    for scenario in SMALL_RUNS.values():
        for name, (figure, caption) in charts_of(simulate(scenario), scenario).items():
            made[name] = (figure.to_dict(), caption, figure)
    return made


def test_every_chart_lets_a_swipe_scroll_the_page_and_keeps_its_legend_off_the_plot(every_chart):
    from collapse.charts.style import TITLE_HEIGHT, on_screen

    assert len(every_chart) >= 18
    for name, (figure, caption, built) in every_chart.items():
        layout = figure["layout"]
        go.Figure(copy.deepcopy(figure))  # valid (plotly raises on an unknown property)
        assert layout["dragmode"] is False, name  # nothing to drag: a finger scrolls the page
        axes = [k for k in layout if k.startswith(("xaxis", "yaxis"))]
        assert axes and all(layout[a].get("fixedrange") is True for a in axes), name
        for axis in axes:  # short axis titles: a phone's plot is ~290 px wide and ~200 px high
            text = (layout[axis].get("title") or {}).get("text", "")
            assert len(text) <= 30, (name, text)
        assert built.title == layout["title"]["text"] and caption, name

        screen = on_screen(built).to_dict()
        go.Figure(copy.deepcopy(screen))
        title = screen["layout"]["title"]
        assert title["yref"] == "container" and title["pad"]["t"] >= 30, name  # under the toolbar's strip
        assert screen["layout"]["margin"]["t"] >= TITLE_HEIGHT, name
        if any(t.get("showlegend", True) and t.get("name") for t in figure["data"]):
            # under the x axis, anchored at the foot in the figure's own coordinates: Plotly reserves its room
            legend = screen["layout"]["legend"]
            assert legend["orientation"] == "h" and legend["yref"] == "container", name
            assert legend["y"] == 0 and legend["yanchor"] == "bottom", name
        assert "pad" not in layout["title"] and layout.get("legend", {}).get("yref") is None, name  # files: as built


def test_bands_are_told_apart_by_hatching_and_keep_out_of_the_legend(every_chart):
    figure, _, _ = every_chart["web_quality"]
    bands = [t for t in figure["data"] if t.get("fill") == "tonexty"]
    assert len(bands) == 2 and not any(t.get("showlegend", True) for t in bands)
    assert "fillpattern" not in bands[0] and bands[1]["fillpattern"]["shape"] == "/"
    lines = [t for t in figure["data"] if str(t.get("name", "")).endswith(": median")]
    assert [t["line"]["dash"] for t in lines] == ["solid", "dash"]
    assert lines[0]["line"]["color"] != lines[1]["line"]["color"]
    assert figure["layout"]["legend"]["title"]["text"] == "Shaded: 10-90 % of runs"


def test_the_web_lists_only_the_layers_it_draws():
    scenario = SMALL_RUNS["web"]
    from collapse.charts.web import web_composition_chart
    from collapse.runner import simulate

    web = simulate(scenario).web
    names = [t["name"] for t in web_composition_chart(web, scenario)[0].data]
    assert names == ["written by people", "written by AI"]  # no filter: nothing removed, no legend entry
    filtered = scenario.replace(detector_recall=0.5)
    names = [t["name"] for t in web_composition_chart(simulate(filtered).web, filtered)[0].data]
    assert names == ["written by people", "written by AI", "removed by the filter"]


def test_compared_scenarios_differ_in_colour_dash_and_hatching():
    from collapse.charts.compare import compare_chart

    base = Scenario(generations=20, replicates=5, sample_size=50)
    runs = {m: (base.replace(mode=m), run(base.replace(mode=m))) for m in ("replace", "accumulate",
                                                                            "accumulate_subsample")}
    figure, _ = compare_chart(runs, "std")
    lines = [t for t in figure.data if str(t.get("name", "")).endswith(": median")]
    assert len({t["line"]["color"] for t in lines}) == len({t["line"]["dash"] for t in lines}) == 3
    hatches = [t.get("fillpattern", {}).get("shape", "") for t in figure.data if t.get("fill") == "tonexty"]
    assert len(set(hatches)) == 3
    shown = [t["name"] for t in figure.data if t.get("showlegend", True) and t.get("name")]
    assert shown == ["replace: median", "accumulate: median", "accumulate_subsample: median", "real world"]


def test_a_player_has_its_own_strip_and_a_keyboard_twin(every_chart):
    for name in ("distribution", "rank_frequency", "clusters_player"):
        figure, _, built = every_chart[name]
        layout = figure["layout"]
        (slider,), (buttons,) = layout["sliders"], layout["updatemenus"]
        # between the title and the plot: the buttons on one row, the slider under them
        assert slider["y"] == buttons["y"] == 1 and slider["yanchor"] == buttons["yanchor"] == "bottom", name
        assert buttons["pad"]["b"] > slider["pad"]["b"] and layout["margin"]["t"] >= 150, name
        generations = built.generations_played
        assert generations == [int(s["label"]) for s in slider["steps"]], name
        first = built.at_generation(generations[0])  # what the page's generation slider shows
        index = built.frames[0]["traces"][0]
        assert first.to_dict()["layout"]["sliders"][0]["active"] == 0
        assert np.array_equal(first.data[index]["y"], built.frames[0]["data"][0]["y"])
        assert first.data[index]["name"] == f"\u25b6 generation {generations[0]}"
        assert built.layout["sliders"][0]["active"] == len(generations) - 1  # the cached figure is untouched
        with pytest.raises(ValueError, match="not one of the player's"):
            built.at_generation(10_000)


def test_the_digits_grid_says_what_it_shows(every_chart):
    _, caption, built = every_chart["digits"]
    assert built.description.startswith("A grid of 8 by 8 pixel handwritten digits, 12 to a row: the top row "
                                        "real digits, then one run's samples at generations 1, 2, 3 and 4.")
    assert "(generation 1: " in caption and "for real digits" in caption


@pytest.mark.parametrize("replicates", [1, 3])
def test_a_single_run_is_drawn_as_its_line_alone_and_named_so(replicates):
    """One replicate has no median and no 10-90 % band: the chart draws its line, named "one run"."""
    scenario = Scenario(world="mixture_2d", model="gaussian_mixture", generations=3, sample_size=40,
                        replicates=replicates)
    fig, caption = shapes_charts(simulate_samples(scenario), scenario)["rare_cluster"]
    names = [t.get("name") for t in fig.data]
    bands = [t for t in fig.data if t.get("fill") == "tonexty"]
    legend_title = (fig.layout.get("legend") or {}).get("title")
    if replicates == 1:
        assert "model: one run" in names and not bands and legend_title is None
        assert caption.startswith("After 3 generations the model is at")
    else:
        assert "model: median" in names and len(bands) == 1 and legend_title["text"].startswith("Shaded")
        assert caption.startswith("After 3 generations the median model is at")
