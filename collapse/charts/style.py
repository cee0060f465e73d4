"""The look every chart shares: palette, template, axes, bands, players.

Figures are plain dicts (:class:`Figure` builds them) on a template
registered once: plotly's object validation costs far more than the numbers.
Colours are Okabe & Ito's colour-blind-safe palette; generations run along
Viridis. The real world is always drawn, in black dashes.

Every chart reads on a phone and by keyboard: the page scrolls over it (no
drag, no zoom: ``dragmode`` off and fixed axes), legends sit below the plot,
axis titles are short, and a player (Play/Pause and a generation slider) sits
between the title and the plot, where nothing else is drawn. On screen
(:func:`on_screen`) the title keeps clear of the toolbar and a legend is
anchored at the chart's foot; a file (``collapse.export``) lays out its own.
"""

from __future__ import annotations

import copy
from functools import cached_property

import numpy as np
import pandas as pd
import plotly.io as pio

#: Layout keys whose underscore names a nested property (``title_font_size``,
#: ``margin_b``), as plotly's "magic underscores" do; other keys stay whole.
_NESTED = {"title", "font", "xaxis", "yaxis", "legend", "margin", "line", "marker", "hoverlabel"}


def _nest(settings: dict) -> dict:
    """``{"title_font_size": 20}`` -> ``{"title": {"font": {"size": 20}}}``; a bare title string gets ``text``."""
    out: dict = {}
    for key, value in settings.items():
        head, _, tail = key.partition("_")
        if tail and head in _NESTED:
            value, key = _nest({tail: value}), head
        if key == "title" and isinstance(value, str):
            value = {"text": value}
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            value = _merge(out[key], value)
        out[key] = value
    return out


def _merge(base: dict, changes: dict) -> dict:
    """``base`` updated in place by ``changes``, nested dicts merged rather than replaced."""
    for key, value in changes.items():
        if key == "title" and isinstance(value, str):
            value = {"text": value}
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _plain(value):
    """pandas objects as arrays: the JSON encoder's fast path."""
    return value.to_numpy() if isinstance(value, (pd.Series, pd.Index)) else value


def trace(kind: str, **properties) -> dict:
    """One trace as a plain dict (``kind``: "scatter", "scattergl", "histogram", "heatmap", ...)."""
    return {"type": kind, **{k: _plain(v) for k, v in _nest(properties).items()}}


def scatter(**properties) -> dict:
    return trace("scatter", **properties)


class Figure:
    """A Plotly figure as plain dicts: ``data``, ``layout`` and ``frames``.

    The few methods the charts use, named as plotly's (``add_trace``,
    ``update_layout``, ``update_xaxes``...), but no validation and no object
    tree: building a chart costs what its numbers cost. ``to_dict()`` gives
    what ``st.plotly_chart`` and ``plotly.io`` take.
    """

    def __init__(self, *traces: dict):
        self.data: list[dict] = list(traces)
        # a swipe over a chart scrolls the page: nothing to drag, no axis to zoom
        self.layout: dict = {"template": LAB_TEMPLATE, "dragmode": False,
                             "xaxis": {"fixedrange": True}, "yaxis": {"fixedrange": True}}
        self.frames: list[dict] = []
        self._columns = 1
        #: What the chart shows, in words, when its title and caption do not say it (the digits' grid).
        self.description = ""

    def add_trace(self, trace: dict, row: int | None = None, col: int | None = None) -> "Figure":
        if col and col > 1:
            trace = {**trace, "xaxis": f"x{col}", "yaxis": f"y{col}"}
        self.data.append(trace)
        return self

    def update_layout(self, **settings) -> "Figure":
        _merge(self.layout, _nest(settings))
        return self

    def _axes(self, letter: str, col: int | None) -> list[str]:
        columns = [col] if col else range(1, self._columns + 1)
        return [f"{letter}axis" + (str(c) if c > 1 else "") for c in columns]

    def update_xaxes(self, row: int | None = None, col: int | None = None, **settings) -> "Figure":
        for axis in self._axes("x", col):
            _merge(self.layout.setdefault(axis, {}), _nest(settings))
        return self

    def update_yaxes(self, row: int | None = None, col: int | None = None, **settings) -> "Figure":
        for axis in self._axes("y", col):
            _merge(self.layout.setdefault(axis, {}), _nest(settings))
        return self

    def add_hline(self, y: float, line: dict, annotation_text: str = "", annotation_position: str = "top right"):
        """A horizontal line across the plot, labelled at one end (as plotly's ``add_hline``)."""
        self.layout.setdefault("shapes", []).append(
            dict(type="line", xref="x domain", yref="y", x0=0, x1=1, y0=y, y1=y, line=line))
        if annotation_text:
            vertical, horizontal = annotation_position.split()
            self.layout.setdefault("annotations", []).append(
                dict(text=annotation_text, showarrow=False, xref="x domain", yref="y", y=y,
                     x=1 if horizontal == "right" else 0, xanchor=horizontal,
                     yanchor="bottom" if vertical == "top" else "top"))
        return self

    def to_dict(self) -> dict:
        figure = {"data": self.data, "layout": self.layout}
        if self.frames:
            figure["frames"] = self.frames
        return figure

    def copy(self) -> "Figure":
        """A copy whose layout can change (cached figures are shared; the data are not copied)."""
        twin = Figure(*self.data)
        # the template and a player's slider steps (one per generation) are the bulk of a layout
        # and never change: they stay shared, each slider copied but for its steps
        sliders = self.layout.get("sliders")
        layout = copy.deepcopy({k: v for k, v in self.layout.items() if k not in ("sliders", "template")})
        if "template" in self.layout:
            layout["template"] = self.layout["template"]
        if sliders is not None:
            layout["sliders"] = [{**copy.deepcopy({k: v for k, v in slider.items() if k != "steps"}),
                                  "steps": slider["steps"]} if "steps" in slider else copy.deepcopy(slider)
                                 for slider in sliders]
        twin.layout, twin.frames, twin._columns = layout, self.frames, self._columns
        twin.description = self.description
        return twin

    @cached_property
    def screen_copy(self) -> "Figure":
        """:func:`on_screen`'s copy, made once: a cached figure is shared by every session and never changed."""
        return on_screen(self)

    @property
    def title(self) -> str:
        return (self.layout.get("title") or {}).get("text", "")

    @property
    def generations_played(self) -> list[int]:
        """The generations the player shows, in order (empty without a player)."""
        return [int(frame["name"]) for frame in self.frames]

    def at_generation(self, generation: int) -> "Figure":
        """A copy showing ``generation`` in the player: its frame's data drawn and its slider step active.

        The keyboard's way to the player's frames (a page widget picks the
        generation); the Play button still animates from there.
        """
        shown = self.generations_played
        if generation not in shown:
            raise ValueError(f"generation {generation} is not one of the player's: {shown}")
        frame = self.frames[shown.index(generation)]
        twin = self.copy()
        index = frame["traces"][0]
        twin.data[index] = {**twin.data[index], **{k: v for k, v in frame["data"][0].items() if k != "type"}}
        twin.layout["sliders"][0]["active"] = shown.index(generation)
        return twin


def subplots(columns: int, titles: list[str], spacing: float = 0.02) -> Figure:
    """One row of ``columns`` plots sharing their y axis, each titled (as ``make_subplots``)."""
    fig = Figure()
    fig._columns = columns
    width = (1 - spacing * (columns - 1)) / columns
    annotations = []
    for c in range(1, columns + 1):
        left = (c - 1) * (width + spacing)
        suffix = str(c) if c > 1 else ""
        fig.layout[f"xaxis{suffix}"] = {"domain": [left, left + width], "anchor": f"y{suffix}", "fixedrange": True}
        fig.layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "fixedrange": True,
                                        **({"matches": "y", "showticklabels": False} if c > 1 else {})}
        annotations.append(dict(text=titles[c - 1], x=left + width / 2, y=1.0, xref="paper", yref="paper",
                                xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=16)))
    fig.layout["annotations"] = annotations
    return fig


#: The lab's template, registered once with plotly (``pio.templates["collapse"]``)
#: and carried by every figure as a plain dict: plotly_white's layout without its
#: per-trace defaults. (Streamlit swaps plotly's default template for one whose
#: colours export badly, so every figure names its own.)
LAB_TEMPLATE = {"layout": pio.templates["plotly_white"].layout.to_plotly_json()}
pio.templates["collapse"] = LAB_TEMPLATE
TEMPLATE = LAB_TEMPLATE


#: Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
SERIES = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "purple", "orange")]
REAL_LINE = dict(color=OKABE_ITO["black"], dash="dash", width=2.5)
THEORY_LINE = dict(color=OKABE_ITO["vermillion"], dash="dot", width=3)
GENERATION_AXIS = "Generation"  # short: a phone's chart is ~350 px wide


#: Tail masses below this (in %) sit on the floor of the log axis.
TAIL_FLOOR_PERCENT = 1e-4


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def percent(x: float) -> str:
    """A share as a readable percentage: 4.6 %, 0.27 %, less than 0.001 %."""
    p = 100 * float(x)
    if p == 0:
        return "0 %"
    if p < 0.001:
        return "less than 0.001 %"
    if p < 1:
        return f"{p:.2g} %"
    return f"{p:.1f} %"


#: On screen, pixels from the chart's top to its title: the toolbar (download, full screen) sits
#: in this strip at the right, so a long title on a phone runs under nothing.
TITLE_TOP = 34
#: The title's strip: its top gap and one line of 18 px type (the plot starts below it).
TITLE_HEIGHT = TITLE_TOP + 30
#: The player's strip under the title: the Play/Pause row, then the slider (its label, rail, ticks
#: and the gap to the plot, as drawn at 14 px).
BUTTONS_HEIGHT, SLIDER_HEIGHT = 36, 84
BAND_NOTE = "Shaded: 10-90 % of runs"


def title(text: str) -> dict:
    """A chart's title, top left (:func:`on_screen` moves it under the toolbar's strip)."""
    return dict(text=text, x=0, xanchor="left", font=dict(size=18))


def legend_below(**extra) -> dict:
    """A horizontal legend under the plot and its x axis (:func:`on_screen` anchors it at the chart's foot)."""
    return {**dict(orientation="h", yanchor="top", y=-0.28, xanchor="left", x=0, font=dict(size=13)), **extra}


def on_screen(fig: Figure) -> Figure:
    """A copy of ``fig`` laid out for a screen of any width, from a phone's 350 px to a projector.

    * The title sits a fixed :data:`TITLE_TOP` pixels from the top, under
      the toolbar's strip: the toolbar never covers it, however long.
    * A horizontal legend is anchored at the chart's foot in the figure's own
      coordinates (``container``): Plotly then reserves its height under the
      tick labels and the x-axis title, whatever rows of entries the width
      makes or the type size, and its width is the chart's (13 px type: two
      columns of entries on a phone). Placed as a share of the plot's height
      instead, a legend of several rows ran into the axis title.

    Files leave this out: ``collapse.export`` lays out the title and legend
    of a standalone figure itself. Any chart of the lab's :class:`Figure`
    takes it, built by these helpers or not.
    """
    twin = fig.copy()
    layout = twin.layout
    if isinstance(layout.get("title"), dict):
        layout["title"].update(xref="container", yref="container", y=1, yanchor="top",
                               pad={**layout["title"].get("pad", {}), "t": TITLE_TOP, "l": 10})
        margin = layout.setdefault("margin", {})
        margin["t"] = max(margin.get("t", 0), TITLE_HEIGHT)
    legend = layout.get("legend", {})
    if legend.get("orientation") == "h":
        legend.update(xref="container", yref="container", x=0, xanchor="left", y=0, yanchor="bottom")
        legend.setdefault("font", {}).setdefault("size", 13)
    _expected_margins(twin)
    return twin


#: Pixels the margins grow by, measured in Chromium at a desktop column's width (~600 px): a y-axis
#: title and its gaps (its tick labels add :data:`TICK_CHARACTER` a character), an x-axis title with its
#: tick labels, a legend's first row, each further row, its title.
MARGIN_PUSH = {"y_title": 33, "x_title": 45, "legend_row": 40, "next_row": 20, "legend_title": 21}
#: Width (px) of a tick label's character (14 px type): a y axis's labels push its title left.
TICK_CHARACTER = 8


def _longest_tick_label(axis: dict) -> int:
    """Characters of an axis's longest tick label where the figure fixes them (given ticks, a log range); 3 at least."""
    labels = ["100"]
    if "tickvals" in axis:
        form = axis.get("tickformat", "")
        labels += [format(v, form[:-1] + "f" if form.endswith("f") else "g") for v in axis["tickvals"]]
    elif axis.get("type") == "log" and "range" in axis and axis.get("exponentformat") == "none":
        low, high = axis["range"]
        labels += [f"{10.0 ** k:g}" for k in range(int(np.ceil(low)), int(np.floor(high)) + 1)]
    return max(map(len, labels))


#: Width (px) of a legend row at that column width, and of an entry: its symbol, then ~7 px a character.
LEGEND_ROW, LEGEND_ENTRY, LEGEND_CHARACTER = 640, 40, 7


def _expected_margins(fig: Figure) -> None:
    """Start the margins at what the axis titles and legend will push them to.

    Streamlit draws a changed chart anew (``Plotly.newPlot``) on every rerun.
    Drawn from margins of 10 px, Plotly measures the tick labels and legend,
    grows the margins and draws everything again: half the browser's work of
    a knob change. Starting at the usual sizes skips that second drawing;
    margins still grow where more is needed (longer tick labels, a phone's
    legend of more rows).
    """
    layout = fig.layout
    margin = layout.setdefault("margin", {})
    y_axis = layout.get("yaxis", {})
    if (y_axis.get("title") or {}).get("text"):
        margin["l"] = max(margin.get("l", 0), MARGIN_PUSH["y_title"] + TICK_CHARACTER * _longest_tick_label(y_axis))
    bottom = MARGIN_PUSH["x_title"] if (layout.get("xaxis", {}).get("title") or {}).get("text") else 0
    entries = [trace["name"] for trace in fig.data if trace.get("showlegend", True) and trace.get("name")]
    legend = layout.get("legend", {})
    if entries and legend.get("orientation") == "h" and layout.get("showlegend") is not False:
        width = sum(LEGEND_ENTRY + LEGEND_CHARACTER * len(name) for name in entries)
        bottom += MARGIN_PUSH["legend_row"] + (MARGIN_PUSH["next_row"] if width > LEGEND_ROW else 0)
        bottom += MARGIN_PUSH["legend_title"] if (legend.get("title") or {}).get("text") else 0
    margin["b"] = max(margin.get("b", 0), bottom)


def _layout(fig: Figure, title_text: str, y_title: str, key: str, **extra) -> Figure:
    settings = dict(
        template=TEMPLATE,
        title=title(title_text),
        xaxis_title=GENERATION_AXIS,
        yaxis_title=y_title,
        font=dict(size=14),
        legend=legend_below(),
        margin=dict(l=10, r=10, t=TITLE_HEIGHT, b=10),
        hovermode="x unified",
        height=440,
        uirevision=key,  # a rerun with new numbers keeps what the user hid in the legend
    )
    fig.update_layout(**{**settings, **extra})
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)  # axis titles push the plot, never overlap it
    return fig


def _generation_axis(fig: Figure, generations: int) -> None:
    """Generations 0..G with the last one labelled: the captions talk about it."""
    ticks = sorted({int(t) for t in np.linspace(0, generations, 5).round()})
    fig.update_xaxes(range=[-0.01 * generations, 1.03 * generations], tickvals=ticks)


#: Line dashes and band hatches that tell series apart without colour (series 1, 2, 3...).
SERIES_DASH = ("solid", "dash", "dot", "dashdot", "longdash")
SERIES_PATTERN = ("", "/", "\\", "x", ".")


def _band(fig: Figure, x, low, high, colour: str, name: str, pattern: str = "") -> None:
    """A 10-90 % band: an invisible upper edge, then the lower edge filled up to it (hatched if ``pattern``).

    Bands have no legend entry of their own (the legend's title says what
    shading means); a series' legend entry shows and hides its band too.
    """
    fig.add_trace(scatter(x=x, y=high, mode="lines", line=dict(width=0), hoverinfo="skip",
                             showlegend=False, legendgroup=name))
    fill = dict(fillcolor=_rgba(colour, 0.2))
    if pattern:
        fill = dict(fillcolor=_rgba(colour, 0.08),
                    fillpattern=dict(shape=pattern, fgcolor=colour, fgopacity=0.35, size=10, solidity=0.2))
    fig.add_trace(scatter(x=x, y=low, mode="lines", line=dict(width=0), fill="tonexty", hoverinfo="skip",
                             legendgroup=name, showlegend=False, name=f"{name}: 10-90 % of runs", **fill))
    fig.update_layout(legend=dict(title=dict(text=BAND_NOTE, side="top")))


def _median_with_band(fig, summary: pd.DataFrame, metric: str, colour: str, name: str, scale: float = 1.0,
                      series: int = 0):
    """Series number ``series`` (0, 1, ...): its own colour, line dash and band hatch (one run: its line alone)."""
    x = summary.index.to_numpy()
    one_run = summary.attrs.get("replicates") == 1
    if not one_run:
        _band(fig, x, summary[(metric, "low")] * scale, summary[(metric, "high")] * scale, colour, name,
              SERIES_PATTERN[series % len(SERIES_PATTERN)])
    fig.add_trace(scatter(x=x, y=summary[(metric, "median")] * scale, mode="lines",
                             line=dict(color=colour, width=3, dash=SERIES_DASH[series % len(SERIES_DASH)]),
                             name=f"{name}: {'one run' if one_run else 'median'}", legendgroup=name))


def played(generation: int) -> str:
    """The legend's name for the trace the player animates (short: two legend columns on a phone)."""
    return f"\u25b6 generation {generation}"


def add_player(fig: Figure, trace_index: int, frames: dict, trace_type) -> None:
    """Play/pause buttons and a generation slider that animate one trace in the browser.

    ``frames`` maps a generation to the changed properties of that trace
    (e.g. ``{"y": ...}``); no server round trip per frame. The player has a
    strip of its own between the title and the plot: the buttons on one row,
    the slider (its label at the right) on the next, so neither covers the
    other, the legend or the title at any width. The page offers the same
    frames to the keyboard (:meth:`Figure.at_generation`).
    """
    fig.frames = [dict(name=str(g), traces=[trace_index], data=[trace(trace_type, name=played(g), **data)])
                  for g, data in frames.items()]
    generations = list(frames)
    step = dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0, y=1, xanchor="left",
                          yanchor="bottom", pad=dict(b=SLIDER_HEIGHT + 2, l=0, t=0, r=0),
                          buttons=[dict(label="▶ Play", method="animate",
                                        args=[None, dict(frame=dict(duration=120, redraw=False),
                                                         transition=dict(duration=0), fromcurrent=True)]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], step])])],
        sliders=[dict(active=len(generations) - 1, x=0, len=1, y=1, yanchor="bottom", pad=dict(t=0, b=12),
                      currentvalue=dict(prefix="Generation ", font=dict(size=14), xanchor="right", offset=6),
                      steps=[dict(label=str(g), method="animate", args=[[str(g)], step]) for g in generations])],
        margin=dict(t=TITLE_HEIGHT + BUTTONS_HEIGHT + SLIDER_HEIGHT),
    )


def _summary_chart(summary, metric, colour, title, y_title, key, real_level, real_label, scale=1.0,
                   label_position="top right") -> Figure:
    """A metric's median and 10-90 % band over generations, with the real world's level as a dashed line."""
    fig = Figure()
    _median_with_band(fig, summary, metric, colour, "model", scale=scale)
    fig.add_hline(y=real_level * scale, line=REAL_LINE, annotation_text=real_label, annotation_position=label_position)
    _layout(fig, title, y_title, key)
    fig.update_yaxes(rangemode="tozero")
    _generation_axis(fig, int(summary.index.max()))
    return fig


def _ratio_words(sd: float) -> str:
    return "about as wide" if abs(sd - 1) < 0.005 else f"{sd:.3g} times as wide"
