"""Model Collapse Lab: the collapse loop, live.

A model is retrained, generation after generation, on a mix of fresh real data
and its own output. The sidebar holds the knobs; four charts show what the
model forgets. Run with ``streamlit run dashboard.py``.
"""

import streamlit as st

import ui
from collapse.presets import PRESETS
from collapse.scenario import MODELS_1D, WORLDS_1D, Scenario

st.set_page_config(page_title="Model Collapse Lab", page_icon="🌀", layout="wide")

KNOBS = ui.PageKnobs(
    page="dashboard",
    base=Scenario(),
    headline=("synthetic_fraction", "generations", "tail_thresholds"),
    more=("world", "tail_index", "model", "mode", "sample_size", "temperature", "replicates", "seed"),
    choices={"world": WORLDS_1D, "model": MODELS_1D},
)
ui.load_url_once(KNOBS)
ui.presentation_view()
ui.custom_world_check(KNOBS)

st.title("Model Collapse Lab")
st.markdown(
    "What happens when an AI learns from AI-made data? Here a simple model is retrained, "
    "generation after generation, partly on its own output: watch it forget the real world, "
    "rare events first."
)

st.sidebar.header("Knobs")
knobs = st.sidebar.container()
ui.data_panel("numbers", st.sidebar)  # before the knobs are drawn: it may switch the world
ui.knob_panel(KNOBS, knobs)
scenario, refusal = ui.current_scenario(KNOBS)
ui.write_url(scenario, KNOBS)
ui.show_problems(scenario, refusal)
ui.share_and_download(scenario, KNOBS)

charts = ui.cached_charts(scenario.to_json(), *ui.data_for(scenario))
top = st.columns(2)
bottom = st.columns(2)
for column, name in zip(top + bottom, ["distribution", "tails", "spread", "distance"]):
    with column:
        ui.show_chart(*charts[name], name, scenario)

if not ui.presenting():
    st.subheader("Presets: famous results, one click each")
    for preset in PRESETS:
        st.markdown(f"**[{preset.name}]({preset.url()})**: {preset.shows} *Source: {preset.source}.*")
