"""Language-model collapse: a vocabulary of real English words, retrained on its own text.

A language model is reduced to how often it uses each word. Each generation
it reads some fresh human text and some text the previous generation wrote
(decoded with temperature, top-k and top-p), and relearns its word
frequencies. Rare words go first; the text gets repetitive.
"""

import streamlit as st

from collapse import app
from collapse.charts.vocabulary import lost_words, sample_texts
from collapse.knobs import MODELS_VOCABULARY, WORLDS_VOCABULARY
from collapse.presets import page_default

KNOBS = app.PageKnobs(
    page="vocabulary",
    base=page_default("Vocabulary"),
    headline=("synthetic_fraction", "generations", "temperature", "top_p"),
    more=("world", "vocabulary_size", "zipf_exponent", "sample_size", "top_k", "mode", "replicates", "seed"),
    choices={"world": WORLDS_VOCABULARY, "model": MODELS_VOCABULARY},
    steps={"sample_size": tuple(10**k * m for k in range(1, 9) for m in (1, 2, 5)) + (10**9,)},
)
app.start_page(KNOBS)

st.title("Words that vanish")
st.markdown(
    "A language model, boiled down to how often it uses each word, is retrained generation after "
    "generation on text that earlier generations wrote. Rare words are never written, so the next "
    "model never learns them: the vocabulary shrinks and the text repeats itself."
)

scenario = app.sidebar(KNOBS, data_kind="text")

run, charts = app.run_and_charts(scenario, *app.data_for(scenario))
vocabulary_run = run.detail
top = st.columns(2)
bottom = st.columns(2)
for column, name in zip(top + bottom, ["rank_frequency", "surviving", "entropy", "extinct"]):
    with column:
        app.show_chart(*charts[name], name, scenario)

st.header("What the model writes")  # h2 under the page's h1
real_text, model_text = sample_texts(vocabulary_run, scenario)
left, right = st.columns(2)
left.markdown("**Words drawn from real text** (generation 0)")
left.info(real_text)
right.markdown(f"**Words written by the model after {scenario.generations} generations** (one run)")
right.info(model_text)
st.caption("Words are drawn one by one from each word-frequency model, so neither reads as sentences; "
           "compare how varied they are.")

st.header("Words that died")
table = lost_words(vocabulary_run)
if table.empty:
    st.write("In this run the model lost no word.")
else:
    lost = int((vocabulary_run.death_generation >= 1).sum())
    st.caption(f"In one run (replicate 1) the model lost {lost:,} of {vocabulary_run.vocabulary.size:,} words "
               f"by generation {scenario.generations}; here are {len(table)} of them, from the commonest to the rarest.")
    st.dataframe(table, hide_index=True, key="lost_words")
