"""The compare page's chart: several scenarios' medians and bands on one axis.

Drawn full width, one under the other: each scenario's line and band differ
in colour, dash and hatching, and the legend names each scenario once.
"""

from __future__ import annotations

from ..families.gaussian import make_world, tail_column
from ..runner import summarize
from .style import (
    REAL_LINE,
    SERIES,
    Figure,
    _generation_axis,
    _layout,
    _median_with_band,
    percent,
    scatter,
)

# -- compare ------------------------------------------------------------------------
COMPARED = {
    "std": ("Spread shrinking", "Spread (real world = 1)", "median spread", "{:.2f}"),
    "tail": ("Tails disappearing", "Share beyond {k:g} sd (%)", "median share beyond {k:g} sd", None),
    "distance": ("Drifting away", "Distance to real world (sd)", "median distance", "{:.2f} sd"),
}


def compare_chart(runs: dict, metric: str) -> tuple[Figure, str]:
    """Several scenarios on one chart: median and 10-90 % band of a metric each.

    ``runs`` maps a label to (scenario, results). ``metric`` is "std", "tail"
    (the first tail threshold of the first scenario) or "distance".
    """
    first_scenario = next(iter(runs.values()))[0]
    k = first_scenario.tail_thresholds[0]
    title, y_title, said, fmt = COMPARED[metric]
    column, scale = (tail_column(k), 100.0) if metric == "tail" else (metric, 1.0)
    fig = Figure()
    finals = {}
    for series, ((label, (scenario, results)), colour) in enumerate(zip(runs.items(), SERIES)):
        summary = summarize(results)
        # each scenario its own colour, line dash and band hatching: told apart in greyscale too
        _median_with_band(fig, summary, column, colour, label, scale=scale, series=series)
        finals[label] = summary.loc[scenario.generations, (column, "median")]
    world = make_world(first_scenario)
    reference = {"std": 1.0, "tail": 100 * world.tail_mass(k), "distance": 0.0}[metric]
    longest = max(s.generations for s, _ in runs.values())
    fig.add_trace(scatter(x=[0, longest], y=[reference] * 2, mode="lines", line=REAL_LINE, name="real world"))
    _layout(fig, title, y_title.format(k=k), f"compare_{metric}")
    fig.update_yaxes(rangemode="tozero")
    _generation_axis(fig, longest)
    show = (lambda v: percent(v)) if metric == "tail" else fmt.format
    listed = ", ".join(f"{show(v)} with {label}" for label, v in finals.items())
    caption = f"At the last generation the {said.format(k=k)} is {listed}."
    return fig, caption
