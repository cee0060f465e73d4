"""Charts of the sampled family: clusters that fade, digits that blur."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..families.sampled import mixture_2d
from ..runner import summarize
from ..scenario import Scenario
from .style import (
    OKABE_ITO,
    REAL_LINE,
    TEMPLATE,
    TITLE_HEIGHT,
    Figure,
    _generation_axis,
    _layout,
    _median_with_band,
    add_player,
    legend_below,
    percent,
    played,
    scatter,
    subplots,
    title,
    trace,
)


# -- shapes and digits --------------------------------------------------------------
def shapes_scatter_chart(run, scenario: Scenario) -> tuple[Figure, str]:
    """The real clusters and the model's samples at chosen generations, side by side."""
    world = mixture_2d()
    shown = sorted(run.snapshots)
    # short panel titles: six panels share a phone's 350 px
    titles = ["real" if g == 0 else f"gen. {g}" for g in shown]
    fig = subplots(len(shown), titles, spacing=0.02)
    colours = [OKABE_ITO[c] for c in ("blue", "green", "purple", "vermillion")]
    for col, g in enumerate(shown, start=1):
        points = run.snapshots[g]
        cluster = world.nearest_cluster(points)
        for k, colour in enumerate(colours):
            mine = points[cluster == k]
            name = "rare cluster (5 % of the real world)" if k == world.rare else f"cluster {k + 1}"
            fig.add_trace(trace("scattergl", x=mine[:, 0], y=mine[:, 1], mode="markers",
                                       marker=dict(size=4, color=colour, opacity=0.7), name=name,
                                       legendgroup=name, showlegend=col == 1), row=1, col=col)
    fig.update_xaxes(range=[-4.5, 4.5], showticklabels=False)
    fig.update_yaxes(range=[-4.5, 4.5], showticklabels=False, scaleanchor=None)
    fig.update_layout(template=TEMPLATE, title=title("Clusters shrink, merge and vanish"),
                      font=dict(size=14), height=400, margin=dict(l=10, r=10, t=TITLE_HEIGHT + 24, b=10),
                      uirevision="shapes", legend=legend_below())
    last = run.snapshots[shown[-1]]
    rare_share = float(np.mean(world.nearest_cluster(last) == world.rare))
    caption = (f"In one run, the rare cluster holds {percent(rare_share)} of the model's points at generation "
               f"{shown[-1]}, against {percent(world.weights[world.rare])} in the real world.")
    return fig, caption


def shapes_player_chart(run, scenario: Scenario) -> tuple[Figure, str]:
    """One run's points generation by generation, over the real world's, with a player."""
    world = mixture_2d()
    G = scenario.generations
    fig = Figure()
    real = run.snapshots[0]
    fig.add_trace(trace("scattergl", x=real[:, 0], y=real[:, 1], mode="markers", name="real world",
                               marker=dict(size=5, color="#BBBBBB")))
    fig.add_trace(scatter(x=run.frames[G][:, 0], y=run.frames[G][:, 1], mode="markers",
                             name=played(G), marker=dict(size=5, color=OKABE_ITO["orange"])))
    _layout(fig, "Play it: one run, generation by generation", "", "shapes_player", hovermode=False,
            xaxis_title="", height=600)
    fig.update_xaxes(range=[-4.5, 4.5], showticklabels=False)
    fig.update_yaxes(range=[-4.5, 4.5], showticklabels=False, scaleanchor="x")
    add_player(fig, 1, {g: dict(x=run.frames[g][:, 0], y=run.frames[g][:, 1]) for g in sorted(run.frames)},
               "scatter")
    order = sorted(run.frames)
    rare = [float(np.mean(world.nearest_cluster(run.frames[g]) == world.rare)) for g in order]
    gone = next((g for g, share in zip(order, rare) if share == 0), None)
    caption = (f"Press play: the rare cluster's points are gone by generation {gone}." if gone is not None else
               f"Press play: at generation {G} the rare cluster still holds {percent(rare[-1])} of the points.")
    return fig, caption


def sampled_metric_chart(run, scenario: Scenario, metric: str, title: str, y_title: str, key: str,
                         colour: str, scale: float = 1.0, fmt=None, summary=None) -> tuple[Figure, str]:
    """A metric of a sampled model over generations, median and band, against generation 0."""
    summary = summarize(run.results) if summary is None else summary
    fmt = fmt or (lambda v: f"{v:.2f}")
    fig = Figure()
    _median_with_band(fig, summary, metric, colour, "model", scale=scale)
    real = float(summary.loc[0, (metric, "median")])
    G = scenario.generations
    fig.add_trace(scatter(x=[0, G], y=[real * scale] * 2, mode="lines", line=REAL_LINE,
                             name=f"real world: {fmt(real)}"))
    _layout(fig, title, y_title, key)
    fig.update_yaxes(rangemode="tozero")
    _generation_axis(fig, G)
    final = float(summary.loc[G, (metric, "median")])
    model = "the model" if scenario.replicates == 1 else "the median model"
    caption = f"After {G} generations {model} is at {fmt(final)}; the real world is at {fmt(real)}."
    return fig, caption


def shapes_charts(run, scenario: Scenario) -> dict[str, tuple[Figure, str]]:
    summary = summarize(run.results)
    return {
        "clusters": shapes_scatter_chart(run, scenario),
        "clusters_player": shapes_player_chart(run, scenario),
        "rare_cluster": sampled_metric_chart(run, scenario, "rare_cluster_mass", "The rare cluster fades",
                                     "Points in the rare cluster (%)", "rare", OKABE_ITO["vermillion"],
                                     scale=100, fmt=percent, summary=summary),
        "cluster_spread": sampled_metric_chart(run, scenario, "spread", "Spread", "Spread (real world = 1)", "shape_spread",
                                       OKABE_ITO["blue"], summary=summary),
        "cluster_distance": sampled_metric_chart(run, scenario, "distance", "Drifting away",
                                         "Distance to real world", "shape_distance",
                                         OKABE_ITO["purple"], summary=summary),
    }


def digits_grid_chart(run, scenario: Scenario, summary: pd.DataFrame | None = None) -> tuple[Figure, str]:
    """Sample images per shown generation, the real digits on top, dark grey on white."""
    rows = sorted(run.snapshots)
    per_row = min(len(run.snapshots[g]) for g in rows)
    pad = np.full((8, 1), np.nan)
    mosaic_rows = []
    for g in rows:
        tiles = [np.hstack([img.reshape(8, 8), pad]) for img in run.snapshots[g][:per_row]]
        mosaic_rows.append(np.vstack([np.hstack(tiles), np.full((1, 9 * per_row), np.nan)]))
    mosaic = np.vstack(mosaic_rows)
    # ink dark on white paper, as the digits were written (Plotly's "Greys" runs from black)
    fig = Figure(trace("heatmap", z=mosaic, colorscale="Greys", reversescale=True, zmin=0, zmax=16, showscale=False,
                       hoverinfo="skip"))
    labels = ["real digits" if g == 0 else f"generation {g}" for g in rows]
    # square pixels: the grid keeps its shape, at the top left of the chart when the screen is narrow
    fig.update_yaxes(autorange="reversed", tickvals=[9 * i + 3.5 for i in range(len(rows))], ticktext=labels,
                     showgrid=False, zeroline=False, constrain="domain", constraintoward="top")
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, scaleanchor="y", constrain="domain",
                     constraintoward="left")
    fig.update_layout(template=TEMPLATE, title=title("Digits fading, generation by generation"),
                      font=dict(size=14), height=TITLE_HEIGHT + 20 + 48 * len(rows),
                      margin=dict(l=10, r=10, t=TITLE_HEIGHT, b=10), plot_bgcolor="white")
    generations = [g for g in rows if g > 0]
    shown = ", ".join(map(str, generations[:-1])) + (" and " if len(generations) > 1 else "") + str(generations[-1])
    fig.description = (f"A grid of 8 by 8 pixel handwritten digits, {per_row} to a row: the top row real digits, "
                       f"then one run's samples at generation{'s' if len(generations) > 1 else ''} {shown}.")
    summary = summarize(run.results) if summary is None else summary
    G = scenario.generations
    first = f" (generation 1: {summary.loc[1, ('realism', 'median')]:.0%})" if G > 1 else ""
    caption = (f"One run's samples (rows): after {G} generations the classifier reads "
               f"{summary.loc[G, ('classes_recognised', 'median')]:.0f} of 10 digit classes in the "
               f"{'' if scenario.replicates == 1 else 'median '}model's "
               f"output, with {summary.loc[G, ('realism', 'median')]:.0%} confidence{first} against "
               f"{summary.loc[0, ('realism', 'median')]:.0%} for real digits.")
    return fig, caption


def digits_charts(run, scenario: Scenario) -> dict[str, tuple[Figure, str]]:
    summary = summarize(run.results)
    return {
        "digits": digits_grid_chart(run, scenario, summary),
        "digit_classes": sampled_metric_chart(run, scenario, "classes_recognised", "Digits it can still write",
                                        "Classes recognised", "classes", OKABE_ITO["blue"],
                                        fmt=lambda v: f"{v:.0f} classes", summary=summary),
        "digit_diversity": sampled_metric_chart(run, scenario, "pixel_diversity", "Every digit looks alike",
                                          "Pixel diversity (real = 1)", "diversity", OKABE_ITO["green"],
                                          summary=summary),
        "digit_realism": sampled_metric_chart(run, scenario, "realism", "Do they still look like digits?",
                                        "Classifier's confidence", "realism", OKABE_ITO["purple"],
                                        fmt=lambda v: f"{v:.0%}", summary=summary),
    }
