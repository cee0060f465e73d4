"""Home: the collapse loop, live.

A model is retrained, generation after generation, on a mix of fresh real data
and its own output. The sidebar holds the knobs; four charts show what the
model forgets.
"""

import streamlit as st

from collapse import app
from collapse.knobs import MODELS_1D, WORLDS_1D
from collapse.presets import PRESETS, page_default

KNOBS = app.PageKnobs(
    page="dashboard",
    base=page_default(""),
    headline=("synthetic_fraction", "generations", "tail_thresholds"),
    more=("world", "tail_index", "model", "mode", "sample_size", "temperature", "replicates", "seed"),
    choices={"world": WORLDS_1D, "model": MODELS_1D},
)
app.start_page(KNOBS)

st.title("Model Collapse Lab")
st.markdown(
    "What happens when an AI learns from AI-made data? Here a simple model is retrained, "
    "generation after generation, partly on its own output: watch it forget the real world, "
    "rare events first."
)

scenario = app.sidebar(KNOBS, data_kind="numbers")

_, charts = app.run_and_charts(scenario, *app.data_for(scenario))
top = st.columns(2)
bottom = st.columns(2)
for column, name in zip(top + bottom, ["distribution", "tails", "spread", "distance"]):
    with column:
        app.show_chart(*charts[name], name, scenario)

if not app.presenting():
    st.header("Presets: famous results, one click each")  # h2 under the page's h1
    for preset in PRESETS:
        st.markdown(f"**[{preset.name}]({preset.url()})**: {preset.shows} *Source: {preset.source}.*")
