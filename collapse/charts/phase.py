"""The phase diagram: a final-generation metric over synthetic fraction x sample size, with theory's lines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import theory
from .style import Figure, trace

#: Levels of the stationary spread sqrt(v*) (SCIENCE.md section 2) drawn as lines on the bell curve's diagram.
SPREAD_LEVELS = (0.5, 0.8, 0.95)


def _number(value: float, percent: bool) -> str:
    if percent:
        return f"{100 * value:.3g} %"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def phase_chart(frame: pd.DataFrame, spec, metric) -> tuple[Figure, str]:
    """A heatmap of ``metric`` over the grid (log-spaced sample sizes), theory's lines where there are some."""
    table = frame.pivot(index="synthetic_fraction", columns="sample_size", values=metric.column).sort_index()
    sizes, fractions = table.columns.to_numpy(), table.index.to_numpy()
    scale = 100.0 if metric.percent else 1.0
    fig = Figure(trace("heatmap", x=np.log10(sizes), y=fractions, z=table.to_numpy() * scale, colorscale="Viridis",
                       colorbar=dict(title=dict(text="%" if metric.percent else ""), thickness=14),
                       hovertemplate="synthetic fraction %{y:.1f}, sample size %{customdata:,}<br>"
                                     "%{z:.3g}<extra></extra>",
                       customdata=np.broadcast_to(sizes, table.shape), name=metric.label))
    if spec.family == "gaussian" and metric.column == "std_median":
        M = np.geomspace(sizes.min(), sizes.max(), 80)
        s = np.linspace(0.0, 0.995, 80)
        spread = np.sqrt([[theory.stationary_variance(m, f) for m in M] for f in s])
        fig.add_trace(trace("contour", x=np.log10(M), y=s, z=spread, showscale=False, hoverinfo="skip",
                            contours=dict(coloring="lines", showlabels=True, start=SPREAD_LEVELS[0],
                                          end=SPREAD_LEVELS[-1], size=0.15, labelfont=dict(color="white", size=13)),
                            colorscale=[[0, "white"], [1, "white"]], line=dict(width=2.5, dash="dash"),
                            name="theory: where the spread settles (v*)", showlegend=True))
    ticks = sizes if len(sizes) <= 7 else sizes[::3]
    fig.update_layout(title=dict(text=metric.label, x=0, xanchor="left", font=dict(size=18)), font=dict(size=14),
                      margin=dict(l=10, r=10, t=60, b=10), height=460, uirevision=f"phase_{spec.family}",
                      legend=dict(orientation="h", yanchor="top", y=-0.22, x=0), dragmode=False)
    fig.update_xaxes(title=dict(text="Sample size (log)"), tickvals=np.log10(ticks), ticktext=[f"{m:,}" for m in ticks],
                     fixedrange=True)
    fig.update_yaxes(title=dict(text="Synthetic fraction"), tickformat=".1f", fixedrange=True)
    low, high = sizes.min(), sizes.max()
    at = 0.9 if 0.9 in table.index else fractions[-2]
    best = np.unravel_index(np.nanargmax(table.to_numpy()), table.shape)
    worst = np.unravel_index(np.nanargmin(table.to_numpy()), table.shape)
    caption = (f"At a synthetic fraction of {at:.1f} the value is {_number(table.loc[at, low], metric.percent)} with "
               f"{low:,} examples per generation and {_number(table.loc[at, high], metric.percent)} with {high:,}; "
               f"across the grid it runs from {_number(table.iloc[worst], metric.percent)} (fraction "
               f"{fractions[worst[0]]:.1f}, {sizes[worst[1]]:,} examples) to "
               f"{_number(table.iloc[best], metric.percent)} (fraction {fractions[best[0]]:.1f}, "
               f"{sizes[best[1]]:,} examples).")
    return fig, caption
