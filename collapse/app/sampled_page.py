"""The page of a sampled world (clusters, digits): one function, two pages."""

from __future__ import annotations

import streamlit as st

from .cache import with_progress
from .frame import show_chart, sidebar, start_page
from .state import PageKnobs

#: The knobs both pages show: in view, and under "More settings".
HEADLINE = ("synthetic_fraction", "generations", "sample_size")
MORE = ("model", "n_components", "bandwidth", "mode", "temperature", "replicates", "seed")


def sampled_page(spec: PageKnobs, title: str, intro: str, wide: tuple[str, ...], row: tuple[str, ...]) -> None:
    """Knobs, a title and intro, the ``wide`` charts one under the other, then the ``row`` charts side by side."""
    start_page(spec)
    st.title(title)
    st.markdown(intro)
    scenario = sidebar(spec)
    _, charts = with_progress(scenario)
    for name in wide:
        show_chart(*charts[name], name, scenario)
    for column, name in zip(st.columns(len(row)), row):
        with column:
            show_chart(*charts[name], name, scenario)
