"""Charts of the polluted web: what the web holds, what the model learns, the story."""

from __future__ import annotations

import re

import pandas as pd

from ..families.gaussian import make_world, tail_column
from ..runner import summarize
from ..scenario import Scenario
from .style import (
    OKABE_ITO,
    REAL_LINE,
    Figure,
    _generation_axis,
    _layout,
    _median_with_band,
    _rgba,
    percent,
    scatter,
)

# -- the polluted web ---------------------------------------------------------------
YEAR_AXIS = "Year"


def _first_year(values: pd.Series, level: float) -> int | None:
    above = values.index[values.to_numpy() >= level]
    return int(above[0]) if len(above) else None


def web_composition_chart(web: pd.DataFrame, scenario: Scenario) -> tuple[Figure, str]:
    """What is published each year: human, AI-written, and what the filter removed (shares)."""
    years = web.index[1:]
    rows = web.loc[years]
    kept_human = rows.human_output * (1 - scenario.detector_false_positive)
    kept_ai = rows.ai_output * (1 - scenario.detector_recall)
    removed = (rows.human_output + rows.ai_output - kept_human - kept_ai).clip(lower=0)
    fig = Figure()
    layers = [(kept_human, "written by people", OKABE_ITO["blue"]),
              (kept_ai, "written by AI", OKABE_ITO["vermillion"])]
    if float(removed.max()) > 1e-9 * float((rows.human_output + rows.ai_output).max()):  # rounding is not removal
        layers.append((removed, "removed by the filter", "#767676"))
    for values, name, colour in layers:
        # colours far apart (blue, vermillion, grey), white edges between the layers; no hatching:
        # Plotly draws no fill at all for a hatched stacked area
        fig.add_trace(scatter(x=years, y=values, mode="lines", stackgroup="web", groupnorm="percent", name=name,
                                 line=dict(color="white", width=1.5), fillcolor=_rgba(colour, 0.85)))
    _layout(fig, "The web fills with AI text", "Share of new documents (%)", "web", xaxis_title=YEAR_AXIS)
    fig.update_yaxes(range=[0, 100])
    _generation_axis(fig, scenario.generations)
    share = web["ai_share_of_web"]
    half, three_quarters = _first_year(share, 0.5), _first_year(share, 0.75)
    G = scenario.generations
    if three_quarters is not None:
        lead = f"By year {three_quarters} three quarters of what is published is AI-written"
    elif half is not None:
        lead = f"By year {half} half of what is published is AI-written"
    else:
        lead = f"By year {G} {percent(share.loc[G])} of what is published is AI-written"
    caption = f"{lead}; people then publish {web.loc[G, 'human_output'] / web.loc[1, 'human_output']:.0%} of what they did in year 1."
    return fig, caption


def web_quality_chart(results: pd.DataFrame, web: pd.DataFrame, scenario: Scenario,
                      summary: pd.DataFrame | None = None) -> tuple[Figure, str]:
    """The model's and its answers' tails (1-D) or word variety (vocabulary), against the no-AI world."""
    summary = summarize(results) if summary is None else summary
    G = scenario.generations
    if scenario.is_vocabulary:
        metric, scale, y_title = "entropy_bits", 1.0, "Word variety (entropy, bits)"
        real_value = float(summary.loc[0, (metric, "median")])
        real_label = f"no-AI world: {real_value:.1f} bits"
        fmt = lambda v: f"{v:.1f} bits"  # noqa: E731
    elif scenario.family == "text":
        metric, scale, y_title = "distinct_2", 100.0, "Different word pairs (% of all pairs written)"
        real_value = float(summary.loc[0, (metric, "median")])
        real_label = f"no-AI world: {percent(real_value)}"
        fmt = percent
    else:
        k = scenario.tail_thresholds[0]
        metric, scale, y_title = tail_column(k), 100.0, f"Share beyond {k:g} sd (%)"
        real_value = make_world(scenario).tail_mass(k)
        real_label = f"no-AI world: {percent(real_value)}"
        fmt = percent
    fig = Figure()
    _median_with_band(fig, summary, metric, OKABE_ITO["blue"], "the model", scale=scale)
    _median_with_band(fig, summary, "answer_" + metric, OKABE_ITO["orange"], "its answers (with retrieval)",
                      scale=scale, series=1)
    fig.add_trace(scatter(x=[0, G], y=[real_value * scale] * 2, mode="lines", line=REAL_LINE, name=real_label))
    title = {"vocabulary": "Its words get fewer", "text": "Its phrases repeat"}.get(scenario.family,
                                                                                     "Its tails disappear")
    _layout(fig, title, y_title, "web_quality", xaxis_title=YEAR_AXIS)
    fig.update_yaxes(rangemode="tozero")
    _generation_axis(fig, G)
    model, answers = summary.loc[G, (metric, "median")], summary.loc[G, ("answer_" + metric, "median")]
    caption = (
        f"In year {G} the median model is at {fmt(model)} and its answers, retrieving "
        f"{scenario.retrieval_share:.0%} of their content from the web, at {fmt(answers)}; "
        f"a world without AI text stays at {fmt(real_value)}."
    )
    return fig, caption


def web_training_share_chart(web: pd.DataFrame, scenario: Scenario) -> tuple[Figure, str]:
    """The synthetic fraction the model actually trained on, year by year, beside the web's AI share."""
    years = web.index
    fig = Figure()
    fig.add_trace(scatter(x=years, y=100 * web["ai_share_of_training"], mode="lines",
                             line=dict(color=OKABE_ITO["vermillion"], width=4), name="AI text in the training set"))
    fig.add_trace(scatter(x=years, y=100 * web["ai_share_of_web"], mode="lines",
                             line=dict(color=OKABE_ITO["purple"], width=3, dash="dash"), name="AI text on the web"))
    fig.add_trace(scatter(x=[0, scenario.generations], y=[0, 0], mode="lines", line=REAL_LINE,
                             name="no-AI world: 0 %"))
    _layout(fig, "What the model actually learns from", "AI-written share (%)", "web_training", xaxis_title=YEAR_AXIS)
    fig.update_yaxes(range=[-2, 102])
    _generation_axis(fig, scenario.generations)
    G = scenario.generations
    caption = (
        f"In year {G}, {percent(web.loc[G, 'ai_share_of_training'])} of the training set is AI-written "
        f"(web: {percent(web.loc[G, 'ai_share_of_web'])}), with {scenario.archive_share:.0%} taken from the "
        f"pre-AI archive and a filter catching {scenario.detector_recall:.0%} of AI text."
    )
    return fig, caption


def web_story(run, summary=None) -> str:
    """One plain paragraph telling the story a web run's numbers tell (Markdown; quoted text escaped)."""
    results, web, scenario = run.results, run.web, run.scenario
    summary = summarize(results) if summary is None else summary
    G = scenario.generations
    share = web["ai_share_of_web"]
    half = _first_year(share, 0.5)
    parts = []
    if half is None:
        parts.append(f"After {G} years {percent(share.loc[G])} of the web is AI-written.")
    else:
        three = _first_year(share, 0.75)
        parts.append(f"By year {half} half of the web is AI-written" +
                     (f", by year {three} three quarters." if three is not None else "."))
    human = web.loc[G, "human_output"] / web.loc[1, "human_output"]
    if human < 0.99:
        parts.append(f"Crowded out, people publish {human:.0%} of what they did in year 1.")
    if scenario.is_vocabulary:
        alive = summary.loc[G, ("surviving_words", "median")]
        parts.append(f"Trained on this web, the model can still write {alive:,.0f} of {scenario.vocabulary_size:,} "
                     f"words after {G} years.")
    elif scenario.family == "text":
        real, model = (summary.loc[g, ("distinct_2", "median")] for g in (0, G))
        lost = summary.loc[G, ("phrases_lost", "median")]
        parts.append(f"Trained on this web, the model's text goes from {percent(real)} different word pairs to "
                     f"{percent(model)}, and it can no longer write {percent(lost)} of the real text's word pairs.")
    else:
        k = scenario.tail_thresholds[0]
        real = make_world(scenario).tail_mass(k)
        model = summary.loc[G, (tail_column(k), "median")]
        parts.append(f"Trained on this web, the model's share of rare events (beyond {k:g} sd) goes from "
                     f"{percent(real)} to {percent(model)}.")
    if scenario.retrieval_share > 0:
        parts.append(f"Retrieval only helps while the web is human: by year {G} just "
                     f"{percent(web.loc[G, 'answer_real_weight'])} of an answer comes from human text.")
    if scenario.archive_share > 0 or scenario.detector_recall > 0:
        parts.append(f"What keeps real data in the training set: a pre-AI archive ({scenario.archive_share:.0%} "
                     f"of it) and a filter catching {scenario.detector_recall:.0%} of AI text.")
    story = " ".join(parts)
    if scenario.family == "text":  # what the last year's model writes, as data: escaped, never markup
        # a quotation of its own: the model's text often opens with a quotation mark
        story += f"\n\nIn year {G} it writes:\n\n> {escape_markdown(run.detail.samples[G][0])}"
    return story


#: Characters Streamlit's Markdown reads as markup: CommonMark's punctuation, plus $ (LaTeX),
#: : (emoji and colour directives) and ~ (strikethrough).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """``text`` shown literally by Markdown: every special character backslash-escaped, lines joined."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def web_charts(run, scenario: Scenario) -> dict[str, tuple[Figure, str]]:
    """The polluted web's charts, sharing one summary: what the web holds, the model's quality, its diet."""
    summary = summarize(run.results)
    return {
        "web": web_composition_chart(run.web, scenario),
        "web_quality": web_quality_chart(run.results, run.web, scenario, summary),
        "web_training": web_training_share_chart(run.web, scenario),
    }
