"""The polluted web: models trained on, and answering from, a web that fills with their own text.

Each year people and models publish; the next model is scraped from that
web, and answers partly by retrieving from it. As AI text floods the web,
"fresh" data stops being fresh. The knobs are the levers a society has: how
much people keep writing, a pre-AI archive, a provenance filter.
"""

import streamlit as st

from collapse import app
from collapse.charts.web import web_story
from collapse.presets import page_default

KNOBS = app.PageKnobs(
    page="web",
    base=page_default("The_polluted_web"),
    headline=("ai_growth", "human_decline", "retrieval_share", "archive_share", "detector_recall"),
    more=("ai_output", "detector_false_positive", "world", "generations", "sample_size", "mode", "temperature",
          "tail_thresholds", "vocabulary_size", "ngram_order", "document_length", "human_output", "replicates",
          "seed"),
    choices={"world": ("gaussian", "heavy_tailed", "bimodal", "english", "zipf", "sherlock")},
    model_follows_world=True,
    world_base=lambda world: page_default("The_polluted_web", world),
)
app.start_page(KNOBS)

st.title("The polluted web")
st.markdown(
    "Models learn from text scraped from the web and answer by retrieving from it. Here each year people "
    "and models publish, the next model is trained on what the web holds, and its answers mix its own "
    "output with retrieved pages. As AI text floods the web, fresh data stops being fresh."
)

scenario = app.sidebar(KNOBS)

run, charts = app.run_and_charts(scenario, *app.data_for(scenario))
st.info(web_story(run))

# what the web holds and what the model trains on, side by side; then what it loses, full width
for column, name in zip(st.columns(2), ["web", "web_training"]):
    with column:
        app.show_chart(*charts[name], name, scenario)
app.show_chart(*charts["web_quality"], "web_quality", scenario)
