"""Digits: handwritten digits generated, and regenerated from the generated ones.

A generative model of scikit-learn's bundled 8x8 digits (a fixed PCA encoder
and a Gaussian mixture over all digits) is retrained on its own samples: the
digits blur, then converge to a few shapes.
"""

import streamlit as st

import ui
from collapse.scenario import Scenario

st.set_page_config(page_title="Digits · Model Collapse Lab", page_icon="🌀", layout="wide")

KNOBS = ui.PageKnobs(
    page="digits",
    base=Scenario(world="digits", model="gaussian_mixture", n_components=10, bandwidth=1.0, sample_size=300,
                  generations=15, replicates=2),
    headline=("synthetic_fraction", "generations", "sample_size"),
    more=("model", "n_components", "bandwidth", "mode", "temperature", "replicates", "seed"),
    choices={"model": ("gaussian_mixture", "kernel_density")},
    sample_sizes=(50, 100, 200, 300, 500, 1_000, 2_000),
)
ui.start_page(KNOBS)

st.title("Digits that fade")
st.markdown(
    "A model learns to write digits from 8x8 handwritten examples, then the next model learns from its "
    "output, and so on. A classifier trained once on real digits reads what each generation writes."
)

scenario = ui.sidebar(KNOBS)

_, charts = ui.sampled_with_progress(scenario)
ui.show_chart(*charts["grid"], "grid", scenario)
columns = st.columns(3)
for column, name in zip(columns, ["classes", "diversity", "realism"]):
    with column:
        ui.show_chart(*charts[name], name, scenario)
