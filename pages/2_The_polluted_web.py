"""The polluted web: models trained on, and answering from, a web that fills with their own text.

Each year people and models publish; the next model is scraped from that
web, and answers partly by retrieving from it. As AI text floods the web,
"fresh" data stops being fresh. The knobs are the levers a society has: how
much people keep writing, a pre-AI archive, a provenance filter.
"""

import streamlit as st

import ui
from collapse.figures import web_composition_chart, web_quality_chart, web_story, web_training_share_chart
from collapse.metrics import summarize
from collapse.scenario import Scenario
from collapse.web import web_composition

st.set_page_config(page_title="The polluted web · Model Collapse Lab", page_icon="🌀", layout="wide")

KNOBS = ui.PageKnobs(
    page="web",
    base=Scenario(data_source="web", generations=40, sample_size=50, replicates=100, ai_output=0.1,
                  ai_growth=0.25, human_decline=0.6, retrieval_share=0.5),
    headline=("ai_growth", "human_decline", "retrieval_share", "archive_share", "detector_recall"),
    more=("ai_output", "detector_false_positive", "world", "generations", "sample_size", "mode", "temperature",
          "tail_thresholds", "vocabulary_size", "human_output", "replicates", "seed"),
    choices={"world": ("gaussian", "heavy_tailed", "bimodal", "english", "zipf")},
    model_follows_world=True,
)
ui.start_page(KNOBS)

st.title("The polluted web")
st.markdown(
    "Models learn from text scraped from the web and answer by retrieving from it. Here each year people "
    "and models publish, the next model is trained on what the web holds, and its answers mix its own "
    "output with retrieved pages. As AI text floods the web, fresh data stops being fresh."
)

scenario = ui.sidebar(KNOBS)

results = ui.cached_results(scenario.to_json(), *ui.data_for(scenario))
web = web_composition(scenario)
summary = summarize(results)
st.info(web_story(results, web, scenario, summary))

left, right = st.columns(2)
charts = [web_composition_chart(web, scenario), web_quality_chart(results, web, scenario, summary),
          web_training_share_chart(web, scenario)]
for column, name, (figure, caption) in zip([left, right, left], ["web", "quality", "training"], charts):
    with column:
        ui.show_chart(figure, caption, name, scenario)
