"""A chatbot learns from chatbots: a language model trained on real prose, then on its own.

An n-gram model of The Adventures of Sherlock Holmes (or your text) writes
documents; the next model learns from them. Real prose at generation 0,
plausible pseudo-prose at generation 1, the same phrases over and over later.
"""

import streamlit as st

from collapse import app
from collapse.app.prose_sample import highlighted
from collapse.charts.text import SMOOTHING, phrases_that_died
from collapse.knobs import MODELS_TEXT, WORLDS_TEXT
from collapse.presets import page_default

KNOBS = app.PageKnobs(
    page="chatbot",
    base=page_default("Chatbot"),
    headline=("synthetic_fraction", "generations", "temperature", "top_p"),
    more=("world", "ngram_order", "sample_size", "document_length", "top_k", "mode", "replicates", "seed"),
    choices={"world": WORLDS_TEXT, "model": MODELS_TEXT},
    steps={"sample_size": (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)},
    extra={"shown": ""},
)
app.start_page(KNOBS)

st.title("A chatbot learns from chatbots")
st.markdown(
    "A language model learns which word follows which from real prose, *The Adventures of Sherlock Holmes*, "
    "then writes its own. The next model learns from that, and so on. Watch the text: at first it reads like "
    "prose, then the same phrases come back again and again."
)

scenario = app.sidebar(KNOBS, data_kind="prose")
run, charts = app.run_and_charts(scenario, *app.data_for(scenario))
text_run = run.detail

st.header("What it writes")
G = scenario.generations
shown = st.session_state.get("shown", "")
if not (shown.isdigit() and 1 <= int(shown) <= G):
    st.session_state["shown"] = str(G)
generation = st.select_slider("Generation to read", [str(g) for g in range(1, G + 1)], key="shown",
                              help="Move it to read what the model writes after that many generations.")
real, written = text_run.documents[0][0], text_run.documents[int(generation)][0]
left, right = st.columns(2)
left.markdown("**Real text** (generation 0)")
left.markdown(highlighted(real), unsafe_allow_html=True)
right.markdown(f"**The model at generation {generation}** (one run)")
right.markdown(highlighted(written), unsafe_allow_html=True)
st.caption("Highlighted: 4-word phrases that already appeared earlier in the same passage.")

st.header("How its text changes")
top, bottom = st.columns(2), st.columns(2)
for column, name in zip(top + bottom, charts):
    with column:
        app.show_chart(*charts[name], name, scenario)
st.caption(f"Perplexity: {SMOOTHING}")

st.header("Phrases that died")
table = phrases_that_died(text_run)
if table.empty:
    st.write("In this run the model can still write every common three-word phrase of the real text.")
else:
    st.caption(f"Common three-word phrases of the real text that one run's model can no longer write after {G} "
               "generations, commonest first.")
    st.dataframe(table, hide_index=True, key="phrases_that_died")
