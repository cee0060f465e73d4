"""Results as the files people take away: tidy CSV and JSON, identical from CLI and app."""

from __future__ import annotations

import copy
import html
import json
import logging
import math
import os
import textwrap
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from .charts import all_charts, check_chart
from .knobs import KNOBS, format_value
from .runner import simulate
from .scenario import Scenario


def results_csv(results: pd.DataFrame) -> str:
    """The tidy table as CSV text: 10 significant digits, ``\\n`` line ends, no index."""
    return results.to_csv(index=False, float_format="%.10g", lineterminator="\n")


def results_json(results: pd.DataFrame, scenario: Scenario) -> str:
    """``{"scenario": {...every knob...}, "rows": [...]}``."""
    return json.dumps({"scenario": scenario.to_dict(), "rows": results.to_dict(orient="records")})


def file_stem(scenario: Scenario) -> str:
    """A file name that says what is inside: model-collapse_gaussian_s1_G100_M100_seed7."""
    return (
        f"model-collapse_{scenario.world}_s{scenario.synthetic_fraction:g}_G{scenario.generations}"
        f"_M{scenario.sample_size}_{scenario.mode}_seed{scenario.seed}"
    )


# -- charts as files that stand alone (PNG, SVG, HTML) ---------------------------------
#: File types :func:`export_figure` writes, by suffix.
EXPORT_SUFFIXES = (".png", ".svg", ".html")
#: Chromium used by kaleido when BROWSER_PATH is not set (Debian's package).
CHROMIUM = "/usr/bin/chromium"

# Layout of an exported chart, in layout pixels (PNG and SVG are drawn at twice this size).
EXPORT_WIDTH = 800  # when the figure sets no width
EXPORT_CHART_HEIGHT = 480  # title + plot + x axis, when the figure sets no height
EXPORT_SCALE = 2
EXPORT_FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"
EXPORT_TEXT_COLOUR = "#1a1a1a"
FONT_SIZE, TITLE_SIZE, LEGEND_SIZE, CAPTION_SIZE, FOOTNOTE_SIZE = 16, 24, 15, 17, 13
_AXIS_SPACE = 64  # below the plot: tick labels and the x-axis title
_GAP = 14
_CHAR_WIDTH = 0.53  # average character width of Arial, in font sizes (generous: ~0.45 measured)
_LEGEND_ROW = 22  # one legend entry's height at LEGEND_SIZE (line height 1.3 plus padding)


def chart(name: str, scenario: Scenario):
    """The chart ``name`` for ``scenario``: ``(figure, caption)``, as the app draws it.

    Raises ValueError with a one-line message if the chart does not fit the
    scenario (see :data:`collapse.charts.REGISTRY`).
    """
    check_chart(name, scenario)
    return all_charts(simulate(scenario), scenario)[name]


def scenario_footnote(scenario: Scenario) -> str:
    """Where the numbers come from: the main knobs and every knob not at its default.

    ``Model Collapse Lab · world=gaussian, synthetic_fraction=1, generations=100,
    sample_size=100, replicates=200, seed=7``
    """
    default = Scenario()
    main = {"world", "generations", "sample_size", "replicates", "seed"}
    main |= {"data_source"} if scenario.data_source == "web" else {"synthetic_fraction"}
    names = [n for n in KNOBS if n in main or getattr(scenario, n) != getattr(default, n)]
    if scenario.data_source == "web" and "synthetic_fraction" in names:
        names.remove("synthetic_fraction")  # the web decides the share, not this knob
    names.sort(key=lambda n: n == "seed")  # the seed last
    knobs = ", ".join(f"{n}={format_value(getattr(scenario, n)).replace(',', ' ')}" for n in names)
    return f"Model Collapse Lab · {knobs}"


def _wrap(text: str, width_px: float, size: int) -> list[str]:
    """``text`` in balanced lines that fit ``width_px`` at font ``size`` (HTML-escaped for Plotly).

    As few lines as fit, then as even as possible: no lonely last word.
    """
    chars = max(20, int(width_px / (0.48 * size)))  # Arial's average width, with a margin
    lines = textwrap.wrap(text, chars) or [""]
    for narrower in range(math.ceil(len(text) / len(lines)), chars):
        even = textwrap.wrap(text, narrower)
        if len(even) == len(lines):
            lines = even
            break
    return [html.escape(line, quote=False) for line in lines]


def _legend_height(fig, width_px: float) -> int:
    """Height of a horizontal legend, laid out as Plotly does: each legend group is a block of
    entries stacked one above the other; blocks run left to right and wrap at the width."""
    blocks: dict = {}
    for index, trace in enumerate(fig.data):
        if trace.showlegend is False or not trace.name:
            continue
        entry_width = 50 + _CHAR_WIDTH * LEGEND_SIZE * len(trace.name)
        key = trace.legendgroup or f"_trace{index}"
        count, width = blocks.get(key, (0, 0.0))
        blocks[key] = (count + 1, max(width, entry_width))
    rows: list[int] = []  # entries in the tallest block of each row
    used = width_px
    for count, width in blocks.values():
        if used + width > width_px:
            rows.append(0)
            used = 0.0
        rows[-1] = max(rows[-1], count)
        used += width + 10
    if not rows:
        return 0
    return sum(rows) * _LEGEND_ROW + (len(rows) - 1) * 12 + 4


def standalone_figure(figure, caption: str, scenario: Scenario):
    """A copy of ``figure`` laid out to stand alone in an article.

    Static (no animation frames, sliders or play buttons), a fixed size
    (the figure's width and height if it sets them), larger dark text, the
    caption below the chart and a footnote naming the scenario below that.
    The input figure is not changed.
    """
    fig = go.Figure(copy.deepcopy(figure.to_dict()))  # validated (files are made once); plotly edits its input
    fig.frames = []
    fig.layout.sliders = []
    fig.layout.updatemenus = []
    width = int(fig.layout.width or EXPORT_WIDTH)
    chart_height = int(fig.layout.height or EXPORT_CHART_HEIGHT)
    text_width = width - 110  # the plot area, less the y axis's labels (room to spare)
    caption_lines = _wrap(caption, text_width, CAPTION_SIZE)
    footnote_lines = _wrap(scenario_footnote(scenario), text_width, FOOTNOTE_SIZE)

    legend_below = fig.layout.legend.orientation == "h"
    legend_height = _legend_height(fig, text_width) + _GAP if legend_below else 0
    if legend_below and fig.layout.legend.title.text:  # "Shaded: 10-90 % of runs" takes a row of its own
        legend_height += _LEGEND_ROW
    caption_height = round(len(caption_lines) * CAPTION_SIZE * 1.35)
    footnote_height = round(len(footnote_lines) * FOOTNOTE_SIZE * 1.35)
    top = 64
    below = _AXIS_SPACE + legend_height + _GAP + caption_height + _GAP + footnote_height + _GAP
    plot_height = max(200, chart_height - top - _AXIS_SPACE)
    height = top + plot_height + below

    fig.update_layout(
        width=width,
        height=height,
        margin=dict(l=20, r=24, t=top, b=below),
        font=dict(family=EXPORT_FONT, size=FONT_SIZE, color=EXPORT_TEXT_COLOUR),
        title=dict(xref="paper", x=0, xanchor="left", y=1 - 16 / height, yanchor="top",
                   font=dict(size=TITLE_SIZE, color=EXPORT_TEXT_COLOUR)),
        legend=dict(font=dict(size=LEGEND_SIZE)),
        hovermode="closest",
    )
    if legend_below:
        fig.update_layout(legend=dict(orientation="h", xanchor="left", x=0, yanchor="top",
                                      y=-(_AXIS_SPACE - 6) / plot_height))
    fig.update_xaxes(tickfont=dict(size=FONT_SIZE - 1), title_font=dict(size=FONT_SIZE))
    fig.update_yaxes(tickfont=dict(size=FONT_SIZE - 1), title_font=dict(size=FONT_SIZE))
    offset = _AXIS_SPACE + legend_height + _GAP
    for lines, size, colour, shift in [(caption_lines, CAPTION_SIZE, EXPORT_TEXT_COLOUR, offset),
                                       (footnote_lines, FOOTNOTE_SIZE, "#555555", offset + caption_height + _GAP)]:
        fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0, xanchor="left",
                           yanchor="top", yshift=-shift, align="left", showarrow=False,
                           font=dict(size=size, color=colour, family=EXPORT_FONT))
    return fig


def _image(fig, kind: str) -> bytes:
    """PNG or SVG bytes from kaleido (headless Chromium), at twice the layout size."""
    if not os.environ.get("BROWSER_PATH") and os.path.exists(CHROMIUM):
        os.environ["BROWSER_PATH"] = CHROMIUM  # before kaleido looks for a browser
    try:
        import kaleido
    except ImportError:
        raise RuntimeError(f"{kind.upper()} export needs the kaleido package (pip install 'kaleido>=1')") from None
    # choreographer (kaleido's link to Chromium) now and then logs a traceback for a
    # half-read message it then ignores; real failures raise, so keep stderr clean
    browser_log = logging.getLogger("choreographer")
    level = browser_log.level
    browser_log.setLevel(logging.CRITICAL)
    try:
        return kaleido.calc_fig_sync(
            fig.to_dict(),
            opts=dict(format=kind, width=fig.layout.width, height=fig.layout.height, scale=EXPORT_SCALE),
            kopts=dict(mathjax=False),  # no maths in these charts: nothing fetched from the internet
        )
    except Exception as err:  # kaleido and choreographer raise many kinds; say what to do
        reason = " ".join(str(err).split())[:300] or type(err).__name__
        raise RuntimeError(f"could not draw the {kind.upper()} with Chromium (set BROWSER_PATH to a Chrome or "
                           f"Chromium executable): {reason}") from err
    finally:
        browser_log.setLevel(level)


def export_figure(figure, caption: str, scenario: Scenario, path):
    """Write ``figure`` with its caption and a footnote naming ``scenario``, by the path's suffix.

    ``.png`` and ``.svg`` are drawn by kaleido (headless Chromium) at twice the
    layout size; ``.html`` is one file holding plotly.js, which works offline.
    Returns the path. Raises ValueError for another suffix, RuntimeError if
    Chromium cannot draw the image, OSError if the file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise ValueError(f"cannot export {path.name}: the file name must end in .png, .svg or .html")
    fig = standalone_figure(figure, caption, scenario)
    if suffix == ".html":
        page = fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False})
        title = html.escape(str(fig.layout.title.text or "Model Collapse Lab"))
        path.write_text(page.replace("<head>", f"<head><title>{title}</title>", 1), encoding="utf-8")
    else:
        path.write_bytes(_image(fig, suffix[1:]))
    return path
