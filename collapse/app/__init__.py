"""The Streamlit app's shared code: the only part of the lab that imports streamlit.

Pages call these; the engine (everything else in :mod:`collapse`) knows no screen.
"""

from streamlit.runtime.pages_manager import PagesManager

from . import frame
from .cache import compare_charts, run_and_charts, with_progress
from .data import data_for
from .frame import (
           page_link,
           presenting,
           share_and_download,
           show_chart,
           sidebar,
           start_page,
           start_view,
)
from .state import PageKnobs, current_scenario, show_problems, write_url
from .warm import start as start_warming
from .warm import visitor
from .widgets import knob_panel

# A fresh server runs its very first script through Streamlit's old pages-folder
# navigation when a pages/ folder sits beside the entry script, instead of
# dashboard.py's st.navigation: the first visitor of a shared link would see
# other page names. The flag Streamlit sets itself once st.navigation has run,
# set as soon as any page imports the app.
frame.stale_navigation = PagesManager.uses_pages_directory is True  # start_page reruns once into st.navigation
PagesManager.uses_pages_directory = False
start_warming()

__all__ = ["PageKnobs", "compare_charts", "current_scenario", "data_for", "knob_panel", "page_link", "presenting",
           "run_and_charts", "share_and_download", "show_chart", "show_problems", "sidebar", "start_page",
           "start_view", "visitor", "with_progress", "write_url"]
