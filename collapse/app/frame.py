"""A page's frame: its first lines, the sidebar, share and download, charts and the presentation view."""

from __future__ import annotations

import streamlit as st
from plotly.basedatatypes import BaseFigure

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


def start_page(spec: PageKnobs) -> None:
    """First lines of every page: knobs from the URL, the presentation view, your-data links."""
    st.set_page_config(layout="wide")  # as dashboard.py sets it, for a page run on its own
    load_url_once(spec)
    presentation_view()
    custom_world_check(spec)


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


def presenting() -> bool:
    """True in the presentation view (``?present=1``): charts only, large type."""
    return st.query_params.get("present", "") in {"1", "true", "yes", "on"}


def presentation_view() -> None:
    """Hide the knobs and enlarge the text when presenting (a page calls this first)."""
    if presenting():
        st.markdown(
            f"""<style>
            [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {{display: none;}}
            [data-testid="stMain"] p, [data-testid="stCaptionContainer"] {{font-size: {PRESENTATION_FONT}px;}}
            </style>""",
            unsafe_allow_html=True,
        )


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


def show_chart(figure, caption: str, name: str, scenario: Scenario) -> None:
    """A chart and its caption; the modebar saves a 2x PNG named after the chart and scenario."""
    if presenting():  # bigger type for a projector, on a copy: cached figures are shared
        figure = figure.copy()
        figure.update_layout(font_size=PRESENTATION_FONT, title_font_size=PRESENTATION_FONT + 6, height=620,
                             margin_b=40)
        if figure.layout.get("legend", {}).get("orientation") == "h":  # legends under the chart move down
            figure.update_layout(legend_y=-0.4)
    config = {"toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"{file_stem(scenario)}_{name}"},
              "displaylogo": False}
    st.plotly_chart(_Built(figure.to_dict()), key=f"chart_{name}", theme=None, config=config)
    st.caption(caption)
