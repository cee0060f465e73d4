"""Shapes: a 2-D mixture of clusters, one of them rare, refitted on its own samples.

The picture from Shumailov et al. (Nature 2024): a Gaussian mixture retrained
generation after generation on its own samples; clusters shrink and merge,
and the rare one disappears.
"""

import streamlit as st

import ui
from collapse.scenario import Scenario

st.set_page_config(page_title="Shapes · Model Collapse Lab", page_icon="🌀", layout="wide")

KNOBS = ui.PageKnobs(
    page="shapes",
    base=Scenario(world="mixture_2d", model="gaussian_mixture", sample_size=100, generations=30, replicates=3),
    headline=("synthetic_fraction", "generations", "sample_size"),
    more=("model", "n_components", "bandwidth", "mode", "temperature", "replicates", "seed"),
    choices={"model": ("gaussian_mixture", "kernel_density")},
    sample_sizes=(20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000),
)
ui.start_page(KNOBS)

st.title("Clusters that fade")
st.markdown(
    "The real world has four clusters; one holds only 5 % of the points. A Gaussian mixture (or a kernel "
    "density) is fitted, sampled, and refitted on its own samples: the rare cluster is the first to go."
)

scenario = ui.sidebar(KNOBS)

_, charts = ui.sampled_with_progress(scenario)
ui.show_chart(*charts["scatter"], "scatter", scenario)
ui.show_chart(*charts["player"], "player", scenario)
columns = st.columns(3)
for column, name in zip(columns, ["rare", "spread", "distance"]):
    with column:
        ui.show_chart(*charts[name], name, scenario)
