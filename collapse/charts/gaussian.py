"""Charts of the Gaussian family: the distribution, its tails, spread and drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
from plotly.colors import sample_colorscale

from .. import theory
from ..families.gaussian import MODEL_DDOF, make_world, tail_column
from ..runner import summarize
from ..scenario import Scenario, frame_generations, shown_generations
from .style import (
    OKABE_ITO,
    REAL_LINE,
    SERIES,
    TAIL_FLOOR_PERCENT,
    THEORY_LINE,
    Figure,
    _generation_axis,
    _layout,
    _median_with_band,
    _ratio_words,
    _rgba,
    _summary_chart,
    add_player,
    percent,
    played,
    scatter,
    trace,
)


def typical_replicate(results: pd.DataFrame) -> int:
    """The replicate whose final spread is the median one: a real, typical run."""
    last = results[results.generation == results.generation.max()]
    order = last.sort_values(["std", "replicate"])
    return int(order.replicate.iloc[(len(order) - 1) // 2])


def _gaussian_density(x, mean, sd):
    sd = max(float(sd), 1e-12)
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


def distribution_chart(results: pd.DataFrame, scenario: Scenario, summary: pd.DataFrame | None = None,
                       world=None) -> tuple[Figure, str]:
    """The real world's density against the model's at chosen generations, with a player."""
    world = world or make_world(scenario)
    replicate = typical_replicate(results)
    run = results[results.replicate == replicate].set_index("generation")
    G = scenario.generations
    shown = shown_generations(G)
    lo = min(-4.5, *(run["mean"] - 4 * run["std"]).clip(lower=-10))
    hi = max(4.5, *(run["mean"] + 4 * run["std"]).clip(upper=10))
    x = np.linspace(lo, hi, 240)
    real_density = world.pdf(x)
    colours = sample_colorscale("Viridis", np.linspace(0.0, 0.85, len(shown)))

    fig = Figure()
    if hasattr(world, "values"):  # your own numbers: their histogram is the real world
        fig.add_trace(trace("histogram", x=world.values, histnorm="probability density", nbinsx=60, name="your data",
                                   marker=dict(color="#BBBBBB"), opacity=0.6, hoverinfo="skip"))
    fig.add_trace(scatter(x=x, y=real_density, mode="lines", line=REAL_LINE,
                             name="your data (smoothed)" if hasattr(world, "values") else "real world"))
    for g, colour in zip(shown[:-1], colours):  # the player below draws the last one
        fig.add_trace(scatter(x=x, y=_gaussian_density(x, run.at[g, "mean"], run.at[g, "std"]),
                                 mode="lines", line=dict(color=colour, width=2), name=f"generation {g}"))
    player_index = len(fig.data)
    fig.add_trace(scatter(x=x, y=_gaussian_density(x, run.at[G, "mean"], run.at[G, "std"]), mode="lines",
                             line=dict(color=OKABE_ITO["orange"], width=4), fill="tozeroy",
                             fillcolor=_rgba(OKABE_ITO["orange"], 0.15), name=played(G)))

    # frames carry only the new y values (rounded): the page stays light
    frames = {g: dict(y=np.round(_gaussian_density(x, run.at[g, "mean"], run.at[g, "std"]), 5))
              for g in frame_generations(G)}
    peak = max(real_density.max(), *(1 / (np.sqrt(2 * np.pi) * run["std"].clip(lower=1e-12))))
    y_top = min(peak, 6 * real_density.max()) * 1.08
    _layout(fig, "The distribution narrowing", "Density", "distribution",
            xaxis_title="Value (sd of the real world)", hovermode=False, height=560)
    fig.update_xaxes(range=[lo, hi])
    fig.update_yaxes(range=[0, y_top])
    add_player(fig, player_index, frames, "scatter")
    sd_last, mean_last = float(run.at[G, "std"]), float(run.at[G, "mean"])
    caption = (
        f"In a typical run, after {G} generations the model's bell curve is "
        f"{_ratio_words(sd_last)} as the real world's and its centre has moved "
        f"{abs(mean_last):.3g} sd {'right' if mean_last >= 0 else 'left'}."
    )
    return fig, caption


def tail_chart(results: pd.DataFrame, scenario: Scenario, summary: pd.DataFrame | None = None,
               world=None) -> tuple[Figure, str]:
    """Tail mass beyond each threshold over generations, against the real world's level."""
    world = world or make_world(scenario)
    summary = summarize(results) if summary is None else summary
    fig = Figure()
    for series, (k, colour) in enumerate(zip(scenario.tail_thresholds, SERIES)):
        column = tail_column(k)
        _median_with_band(fig, summary, column, colour, f"beyond {k:g} sd", scale=100, series=series)
        # the real world's level in black dashes, labelled on the line (a short legend)
        real = 100 * world.tail_mass(k)
        fig.add_trace(scatter(x=[0, scenario.generations], y=[real] * 2, mode="lines", line=REAL_LINE,
                                 hoverinfo="skip", showlegend=False,
                                 name=f"real world: {percent(world.tail_mass(k))} beyond {k:g} sd"))
        fig.layout.setdefault("annotations", []).append(dict(
            text=f"real world: {percent(world.tail_mass(k))} beyond {k:g} sd", showarrow=False, xref="x domain",
            x=1, xanchor="right", yref="y", y=float(np.log10(max(real, TAIL_FLOOR_PERCENT))), yanchor="bottom",
            font=dict(size=12)))
    _layout(fig, "Tails disappearing", "Share in the tails (%, log)", "tails")
    # orders of magnitude are the story: a log axis, with vanished tails shown at its floor
    fig.update_yaxes(type="log", range=[np.log10(TAIL_FLOOR_PERCENT), np.log10(100)], exponentformat="none",
                     dtick=1)  # one label a decade
    for line in fig.data:
        if line.get("y") is not None and line["y"][0] is not None:
            line["y"] = np.maximum(np.asarray(line["y"], dtype=float), TAIL_FLOOR_PERCENT)
    _generation_axis(fig, scenario.generations)

    G = scenario.generations
    k = scenario.tail_thresholds[-1] if len(scenario.tail_thresholds) == 1 else scenario.tail_thresholds[0]
    model_mass = summary.loc[G, (tail_column(k), "median")]
    caption = (
        f"After {G} generations the model puts {percent(model_mass)} of its mass beyond {k:g} sd; "
        f"the real world puts {percent(world.tail_mass(k))} there."
    )
    if len(scenario.tail_thresholds) > 1:
        far = scenario.tail_thresholds[-1]
        caption = caption[:-1] + (
            f" (beyond {far:g} sd: {percent(summary.loc[G, (tail_column(far), 'median')])} "
            f"against {percent(world.tail_mass(far))})."
        )
    return fig, caption


def spread_theory(scenario: Scenario) -> tuple[str, np.ndarray] | None:
    """The closed-form curve for the model's sd, with its label, or None if there is none.

    Pure self-training: the median sd, from the log-variance random walk.
    With fresh data: the root of the exact expected variance. Accumulate has
    no closed form for the variance.
    """
    if scenario.mode != "replace":
        return None
    G, M = scenario.generations, scenario.sample_size
    ddof = MODEL_DDOF[scenario.model]
    n = np.arange(G + 1)
    if scenario.synthetic_fraction == 1.0:
        # after round 1 the chain is Gaussian whatever the world: exact for the bell curve, close otherwise
        log_var = theory.log_variance_mean(n, M, ddof, temperature=scenario.temperature)
        exact = scenario.world == "gaussian"
        curve = np.exp(np.minimum(log_var, np.log(1e100)) / 2)  # capped like the model (MAX_VARIANCE)
        return "theory: median (Shumailov et al.)" + ("" if exact else ", approximate here"), curve
    a_M = scenario.real_count()
    v, _ = theory.moments_with_fresh_data(G, M, 1 - a_M / M, ddof, scenario.temperature)
    return "theory: root of the expected variance", np.sqrt(v)


def spread_chart(results: pd.DataFrame, scenario: Scenario, summary: pd.DataFrame | None = None,
                 world=None) -> tuple[Figure, str]:
    """The model's standard deviation over generations, with the closed form where one exists."""
    summary = summarize(results) if summary is None else summary
    fig = _summary_chart(summary, "std", OKABE_ITO["blue"], "Spread shrinking", "Spread (real world = 1)",
                         "spread", 1.0, "real world")
    overlay = spread_theory(scenario)
    if overlay is not None:
        label, curve = overlay
        fig.add_trace(scatter(x=np.arange(curve.size), y=curve, mode="lines", line=THEORY_LINE, name=label))

    G = scenario.generations
    median = summary.loc[G, ("std", "median")]
    caption = f"Over {G} generations the model's median spread went from 1.00 to {median:.3g} of the real world's"
    if overlay is not None:
        caption += f"; theory says {overlay[1][G]:.3g}."
    else:
        caption += "; accumulating data has no closed form for the spread, so no theory line is drawn."
    return fig, caption


def distance_chart(results: pd.DataFrame, scenario: Scenario, summary: pd.DataFrame | None = None,
                   world=None) -> tuple[Figure, str]:
    """Wasserstein-1 distance from the model to the real world over generations."""
    summary = summarize(results) if summary is None else summary
    fig = _summary_chart(summary, "distance", OKABE_ITO["purple"], "Drifting away", "Distance to real world (sd)",
                         "distance", 0.0, "real world (distance 0)")
    G = scenario.generations
    median, high = summary.loc[G, ("distance", "median")], summary.loc[G, ("distance", "high")]
    first = summary.loc[1, ("distance", "median")]
    caption = (
        f"After {G} generations the median model is {median:.3g} sd from the real world "
        f"(after one generation: {first:.2g}); one run in ten is more than {high:.3g} sd away."
    )
    return fig, caption


CHARTS = {
    "distribution": distribution_chart,
    "tails": tail_chart,
    "spread": spread_chart,
    "distance": distance_chart,
}


def all_charts(results: pd.DataFrame, scenario: Scenario, world=None) -> dict[str, tuple[Figure, str]]:
    """Every chart of the dashboard, sharing one summary of the results (``world``: your own data's)."""
    summary = summarize(results)
    world = world or make_world(scenario)
    return {name: chart(results, scenario, summary, world) for name, chart in CHARTS.items()}
