"""Charts of the text family: a language model's prose going bland and repetitive.

Each chart draws the model's median and 10-90 % band over generations and the
real text's level (generation 0: real passages of the same size) as the
reference; the caption says what changed, in numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..families.text import SMOOTHING  # noqa: F401 (the page states it beside the charts)
from ..runner import summarize
from ..scenario import Scenario
from .style import (
    OKABE_ITO,
    REAL_LINE,
    Figure,
    _generation_axis,
    _layout,
    _median_with_band,
    percent,
    scatter,
)


def _metric_chart(summary: pd.DataFrame, metric: str, colour: str, title: str, y_title: str, key: str,
                  real_label: str, scale: float = 1.0, log: bool = False) -> Figure:
    fig = Figure()
    _median_with_band(fig, summary, metric, colour, "model", scale=scale)
    G = int(summary.index.max())
    real = float(summary.loc[0, (metric, "median")])
    fig.add_trace(scatter(x=[0, G], y=[real * scale] * 2, mode="lines", line=REAL_LINE, name=real_label))
    _layout(fig, title, y_title, key)
    if log:  # labels at 1, 2 and 5 of every decade the values reach
        values = summary[[(metric, "low"), (metric, "high")]].to_numpy() * scale
        low, high = np.floor(np.log10(values.min())), np.ceil(np.log10(values.max()))
        ticks = [m * 10**e for e in range(int(low), int(high) + 1) for m in (1, 2, 5)]
        fig.update_yaxes(type="log", tickvals=ticks, tickformat=",.0f")
    else:
        fig.update_yaxes(rangemode="tozero")
    _generation_axis(fig, G)
    return fig


def first_generation_over(summary: pd.DataFrame, metric: str, level: float) -> int | None:
    """The first generation whose median ``metric`` exceeds ``level`` (None if none does)."""
    above = summary.index[summary[(metric, "median")].to_numpy() > level]
    above = above[above > 0]
    return int(above[0]) if len(above) else None


def distinct_chart(run, scenario: Scenario, summary: pd.DataFrame) -> tuple[Figure, str]:
    real = float(summary.loc[0, ("distinct_2", "median")])
    fig = _metric_chart(summary, "distinct_2", OKABE_ITO["blue"], "Fewer and fewer different phrases",
                        "Different word pairs (%)", "text_distinct", f"real text: {percent(real)}", scale=100)
    G = scenario.generations
    final = float(summary.loc[G, ("distinct_2", "median")])
    caption = (f"Of every 100 word pairs the model writes, {100 * final:.0f} are different after {G} generations, "
               f"against {100 * real:.0f} in real text of the same length.")
    return fig, caption


def repetition_chart(run, scenario: Scenario, summary: pd.DataFrame) -> tuple[Figure, str]:
    real = float(summary.loc[0, ("repetition", "median")])
    fig = _metric_chart(summary, "repetition", OKABE_ITO["vermillion"], "The text repeats itself",
                        "Repeated 4-word phrases (%)", "text_repetition", f"real text: {percent(real)}", scale=100)
    G = scenario.generations
    final = float(summary.loc[G, ("repetition", "median")])
    first = first_generation_over(summary, "repetition", max(0.05, 2 * real))
    when = (f"the median model first repeats itself (over 5 % of its 4-word phrases) at generation {first}"
            if first else "the median model never repeats more than 5 % of its 4-word phrases")
    caption = (f"A share of {percent(final)} of the 4-word phrases in a document already appeared earlier in it "
               f"after {G} generations ({percent(real)} in real text): {when}.")
    return fig, caption


def perplexity_chart(run, scenario: Scenario, summary: pd.DataFrame) -> tuple[Figure, str]:
    real = float(summary.loc[0, ("perplexity", "median")])
    fig = _metric_chart(summary, "perplexity", OKABE_ITO["purple"], "Real text surprises it more and more",
                        "Perplexity of real text (log)", "text_perplexity", f"first model: {real:,.0f}", log=True)
    G = scenario.generations
    final = float(summary.loc[G, ("perplexity", "median")])
    caption = (f"Reading held-out real text, the model trained on real text is as unsure as a choice among "
               f"{real:,.0f} words; after {G} generations, among {final:,.0f} ({final / real:.3g} times as many).")
    return fig, caption


def phrases_lost_chart(run, scenario: Scenario, summary: pd.DataFrame) -> tuple[Figure, str]:
    real = float(summary.loc[0, ("phrases_lost", "median")])
    fig = _metric_chart(summary, "phrases_lost", OKABE_ITO["green"], "Phrases it can no longer write",
                        "Real word pairs it cannot write (%)", "text_phrases_lost",
                        f"first model: {percent(real)}", scale=100)
    G = scenario.generations
    final = float(summary.loc[G, ("phrases_lost", "median")])
    caption = (f"After {G} generations the model can no longer write the word pairs of {percent(final)} of the "
               f"real text, against {percent(real)} for the model trained on real text.")
    return fig, caption


def text_charts(run, scenario: Scenario) -> dict[str, tuple[Figure, str]]:
    """The chatbot page's charts, sharing one summary."""
    summary = summarize(run.results)
    return {name: build(run, scenario, summary) for name, build in TEXT_CHARTS.items()}


TEXT_CHARTS = {
    "text_distinct": distinct_chart,
    "text_repetition": repetition_chart,
    "text_perplexity": perplexity_chart,
    "text_phrases_lost": phrases_lost_chart,
}


def phrases_that_died(run, count: int = 12) -> pd.DataFrame:
    """The commonest real three-word phrases the last model of one run can no longer write."""
    lost = run.lost_phrases.head(count)
    return pd.DataFrame({"phrase": lost["phrase"], "times in the real text": lost["real_count"],
                         "last written in generation": np.maximum(lost["lost_in"] - 1, 0)})
