"""A page's frame: its first lines, the sidebar, share and download, charts and the presentation view."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from plotly.basedatatypes import BaseFigure
from streamlit.errors import StreamlitPageNotFoundError

from ..export import file_stem
from ..scenario import Scenario
from .cache import results_file
from .data import data_for, data_panel
from .state import (
    PageKnobs,
    current_scenario,
    custom_world_check,
    load_url_once,
    share_url,
    show_problems,
    write_url,
)
from .widgets import knob_panel

PRESENTATION_FONT = 20
#: True while this process's first script ran through Streamlit's old pages-folder navigation (see __init__).
stale_navigation = False
#: Chart heights in the presentation view (without, with a player): at 1280 x 720 a chart and
#: its caption fit on one screen.
PRESENTATION_HEIGHT, PRESENTATION_PLAYER_HEIGHT = 480, 520
#: Captions and notes: Streamlit's caption grey (60 % opacity, 3.9:1 on white) darkened to 6.6:1
#: on white and 6.2:1 on the sidebar (WCAG AA asks 4.5:1).
CAPTION_COLOUR = "#5c5c66"
#: The modebar keeps what people use: download (PNG) and Streamlit's own full-screen button.
MODEBAR_REMOVED = ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
                   "resetScale2d", "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines",
                   "toggleHover", "resetViews", "sendDataToCloud"]


def start_page(spec: PageKnobs) -> None:
    """First lines of every page: knobs from the URL, the presentation view, your-data links."""
    start_view()
    st.set_page_config(layout="wide")  # as dashboard.py sets it, for a page run on its own
    load_url_once(spec)
    custom_world_check(spec)


def start_view() -> None:
    """First lines of a page without knobs (and of every page): the page list, the presentation view."""
    global stale_navigation
    if stale_navigation:  # once per process: run dashboard.py's page list instead
        stale_navigation = False
        st.rerun()
    page_style()


def sidebar(spec: PageKnobs, data_kind: str | None = None) -> Scenario:
    """The knobs (and your-data panel), then the scenario they describe, kept in the URL.

    Refused settings and bad URL values are reported on the page; the share
    link and the downloads follow the knobs. Returns the scenario to show.
    """
    st.sidebar.header("Knobs")
    knobs = st.sidebar.container()
    if data_kind:
        data_panel(data_kind, st.sidebar)  # before the knobs are drawn: it may switch the world
    knob_panel(spec, knobs)
    scenario, refusal = current_scenario(spec)
    write_url(scenario, spec)
    show_problems(scenario, refusal)
    share_and_download(scenario, spec)
    return scenario


def share_and_download(scenario: Scenario, spec: PageKnobs) -> None:
    """Share link and downloads, in the sidebar."""
    st.sidebar.subheader("Share and download")
    data_key, data = data_for(scenario)
    if data is None:
        st.sidebar.caption("This link reproduces exactly this view:")
    else:
        st.sidebar.caption("This link holds every knob but cannot carry your uploaded data (it never leaves "
                           "this session): download the results and the scenario below to share them.")
    st.sidebar.code(share_url(scenario, spec), language=None, wrap_lines=True)
    stem = file_stem(scenario)
    st.sidebar.download_button("Results (CSV)", lambda: results_file(scenario, data_key, data),
                               file_name=f"{stem}.csv", mime="text/csv", key="download_csv")
    st.sidebar.download_button("Scenario (JSON)", scenario.to_json(), file_name=f"{stem}.json",
                               mime="application/json", key="download_json")


def page_link(page: str, url: str, label: str, query_params: dict) -> None:
    """A link to another page of the lab with these knobs (a plain link when the page runs on its own)."""
    try:
        st.page_link(page, label=label, icon=":material/open_in_new:", query_params=query_params)
    except StreamlitPageNotFoundError:  # run on its own (not from dashboard.py): no page list to switch in
        st.markdown(f"[{label}]({url}?{urlencode(query_params, safe=',')})")


def presenting() -> bool:
    """True in the presentation view (``?present=1``): charts only, large type."""
    return st.query_params.get("present", "") in {"1", "true", "yes", "on"}


def page_style() -> None:
    """The lab's style rules: captions at WCAG AA contrast; when presenting, no knobs and large type.

    Style only, so Streamlit draws no element for it. :func:`start_view`
    calls it, once a run: every page starts with it.
    """
    rules = f"""[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{
            color: {CAPTION_COLOUR}; opacity: 1;
        }}
        [data-testid="stMarkdownContainer"] blockquote {{opacity: 1;}}  /* a quoted model text: full contrast */
        @media (max-width: 640px) {{  /* a phone: wide tables wrap instead of scrolling the page sideways */
            [data-testid="stMarkdownContainer"] table {{table-layout: fixed; width: 100%; overflow-wrap: anywhere;
                                                      font-size: 14px;}}
        }}"""
    if presenting():
        rules += f"""
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {{display: none;}}
        [data-testid="stMain"] p, [data-testid="stCaptionContainer"] {{font-size: {PRESENTATION_FONT}px;}}"""
    st.html(f"<style>{rules}</style>")


class _Built(BaseFigure):
    """A figure dict that ``st.plotly_chart`` takes as already validated.

    Streamlit passes a plain dict through ``plotly.graph_objects.Figure(**dict)``,
    whose validation costs more than building the chart; for a figure object it
    only calls ``to_dict()``. The lab's charts are built valid
    (tests/test_charts.py validates every one), so they skip that step.
    """

    def __init__(self, figure: dict):  # no BaseFigure.__init__: there is no object tree to build
        self._figure = figure

    def to_dict(self) -> dict:
        return self._figure


def chart_alt(figure, caption: str) -> str:
    """What assistive technology reads for a chart: its title, what it shows (if said) and its caption.

    Streamlit gives a chart one accessible name (``alt``, as ``aria-label`` on
    its ``role="figure"``), no separate description: the name is the title
    and the description follows it.
    """
    title = figure.title + ("" if figure.title.endswith((".", "?", "!")) else ".") if figure.title else ""
    parts = [title, figure.description, caption]
    return " ".join(p for p in parts if p) or "Chart"


def generation_shown(figure, name: str) -> int | None:
    """The keyboard's way to a chart's player: a slider of the same generations, under the chart.

    Its key, ``generation_shown_<chart>``, names no knob: it is a view of
    the chart, neither in the scenario nor in the share link. Returns the
    generation picked, or None for a chart without a player.
    """
    generations = figure.generations_played
    if not generations:
        return None
    key = f"generation_shown_{name}"
    if st.session_state.get(key, generations[-1]) not in generations:  # the generations knob moved
        del st.session_state[key]
    return st.select_slider(
        f"Generation shown in \u201c{figure.title}\u201d", generations, value=generations[-1], key=key,
        help="The chart's Play button animates these generations; here the arrow keys step through them.")


def show_chart(figure, caption: str, name: str, scenario: Scenario) -> None:
    """A chart, its caption and, for a chart with a player, a generation slider.

    The chart's accessible name is its title, description and caption; a
    swipe over it scrolls the page (the figure has nothing to drag); the
    modebar holds download (a 2x PNG named after the chart and scenario)
    and full screen.
    """
    figure = figure.screen_copy  # title under the toolbar, legend at the foot
    if presenting():  # bigger type for a projector
        figure = figure.copy()
        figure.update_layout(font_size=PRESENTATION_FONT, title_font_size=PRESENTATION_FONT + 4,
                             legend_font_size=PRESENTATION_FONT - 2,
                             height=PRESENTATION_PLAYER_HEIGHT if figure.frames else PRESENTATION_HEIGHT)
        figure.update_xaxes(title_font_size=PRESENTATION_FONT - 2)
        figure.update_yaxes(title_font_size=PRESENTATION_FONT - 2)  # a vertical title fits the plot's height
        for slider in figure.layout.get("sliders", []):
            slider["currentvalue"]["font"]["size"] = PRESENTATION_FONT
    config = {"toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"{file_stem(scenario)}_{name}"},
              "displaylogo": False, "scrollZoom": False, "doubleClick": False,
              "modeBarButtonsToRemove": MODEBAR_REMOVED}
    chart = st.empty()
    st.caption(caption)
    if not presenting():  # charts only when presenting: the player's own buttons still play
        shown = generation_shown(figure, name)
        if shown is not None and shown != figure.generations_played[-1]:
            figure = figure.at_generation(shown)
    chart.plotly_chart(_Built(figure.to_dict()), key=f"chart_{name}", theme=None, config=config,
                       alt=chart_alt(figure, caption))
