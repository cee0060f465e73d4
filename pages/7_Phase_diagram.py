"""Phase diagram: how much real data keeps a model alive, for every sample size.

Each cell is one scenario (synthetic fraction x sample size) of a family's
shipped grid, computed by the sweep code (``python -m collapse.phase``); the
colour is a final-generation metric, and for the bell curve the dashed lines
are where theory says the spread settles.
"""

import streamlit as st

from collapse import app
from collapse.charts.phase import phase_chart
from collapse.phase import GRIDS, load

app.start_view()
st.title("How much real data keeps a model alive?")
st.markdown(
    "Every cell is a whole experiment: a model retrained generation after generation on a mix of its own "
    "output (the synthetic fraction, up) and fresh real data, with a number of training examples per "
    "generation (across). Its colour says what is left of the real world at the end."
)

family = st.radio("Model", list(GRIDS), format_func=lambda name: GRIDS[name].title, horizontal=True, key="family")
spec = GRIDS[family]
metric = st.selectbox("Colour by", list(spec.metrics), format_func=lambda m: spec.metrics[m].label, key="metric")
frame = load(family)
figure, caption = phase_chart(frame, spec, spec.metrics[metric])
app.show_chart(figure, caption, f"phase_{family}", spec.scenario(1.0, spec.sample_sizes[0]))

st.header("Open a cell")
left, right = st.columns(2)
fraction = left.select_slider("Synthetic fraction", [f"{f:.1f}" for f in spec.grid["synthetic_fraction"]],
                              value="0.9", key="cell_fraction")
size = right.select_slider("Sample size", list(spec.sample_sizes), value=spec.sample_sizes[len(spec.sample_sizes) // 2],
                           format_func=lambda m: f"{m:,}", key="cell_sample_size")
scenario = spec.scenario(float(fraction), size)
page, url = {"gaussian": ("pages/home.py", "./"), "vocabulary": ("pages/1_Vocabulary.py", "./Vocabulary"),
             "text": ("pages/6_Chatbot.py", "./Chatbot")}[family]
knobs = ("world", "synthetic_fraction", "sample_size", "generations", "replicates") + (
    ("vocabulary_size",) if family == "vocabulary" else ())
app.page_link(page, url, "Explore this scenario, generation by generation →", scenario.to_query_params(knobs))
