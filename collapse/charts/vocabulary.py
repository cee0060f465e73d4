"""Charts of the vocabulary family: Zipf plot, surviving words, entropy, lost mass."""

from __future__ import annotations

import numpy as np
import pandas as pd
from plotly.colors import sample_colorscale

from .. import theory
from ..families.vocabulary import CategoricalModel, zipf_curve
from ..runner import summarize
from ..scenario import Scenario, frame_generations
from .style import (
    OKABE_ITO,
    REAL_LINE,
    THEORY_LINE,
    Figure,
    _layout,
    _summary_chart,
    add_player,
    percent,
    played,
    scatter,
)


# -- vocabulary -------------------------------------------------------------------
def rank_frequency_chart(run, scenario: Scenario) -> tuple[Figure, str]:
    """Zipf plot: each distribution's word frequencies sorted from most to least used, with a player.

    Log-log axes. The model's curve stops where its vocabulary ends, so the
    lost tail is visibly cut off against the real language.
    """
    real = run.vocabulary.probabilities
    fig = Figure()
    fig.add_trace(scatter(**dict(zip("xy", zipf_curve(real))), mode="lines", line=REAL_LINE,
                             name=run.vocabulary.label))
    shown = sorted(g for g in run.snapshots if g > 0)
    colours = sample_colorscale("Viridis", np.linspace(0.0, 0.85, len(shown)))
    for g, colour in zip(shown[:-1], colours):  # the player below draws the last one
        fig.add_trace(scatter(**dict(zip("xy", run.rank_curves[g])), mode="lines",
                                 line=dict(color=colour, width=2), name=f"generation {g}"))
    G = scenario.generations
    player_index = len(fig.data)
    fig.add_trace(scatter(**dict(zip("xy", run.rank_curves[G])), mode="lines",
                             line=dict(color=OKABE_ITO["orange"], width=4), name=played(G)))
    _layout(fig, "Rare words vanish first", "Share of all words", "rank_frequency", hovermode="closest", height=560)
    fig.update_xaxes(type="log", title="Word rank (1 = commonest)", range=[-0.05, np.log10(real.size) + 0.05])
    fig.update_yaxes(type="log", exponentformat="power", dtick=1,
                     range=[np.log10(min(real.min(), min(c[1].min() for c in run.rank_curves.values()))) - 0.2,
                            0.05])
    add_player(fig, player_index, {g: dict(x=run.rank_curves[g][0], y=run.rank_curves[g][1])
                                   for g in frame_generations(G)}, "scatter")
    alive = int(np.count_nonzero(run.snapshots[G]))
    caption = (
        f"In one run, after {G} generations the model uses {alive:,} distinct words where real text uses "
        f"{real.size:,}: its curve stops where its vocabulary ends."
    )
    return fig, caption


def surviving_words_theory(run, scenario: Scenario) -> np.ndarray | None:
    """Expected number of words alive, from the branching approximation (SCIENCE.md section 4).

    Only for pure self-training, replace mode, and no decoding.
    """
    undecoded = scenario.temperature == 1.0 and scenario.top_k == 0 and scenario.top_p == 1.0
    if not (scenario.synthetic_fraction == 1.0 and scenario.mode == "replace" and undecoded):
        return None
    n = np.arange(scenario.generations + 1)
    expected = scenario.sample_size * run.vocabulary.probabilities
    return np.array([theory.word_survival(expected, k).sum() if k else run.vocabulary.size for k in n])


def surviving_words_chart(run, scenario: Scenario, summary=None) -> tuple[Figure, str]:
    """Words the model can still write, over generations, with the survival theory where it applies."""
    summary = summarize(run.results) if summary is None else summary
    V = run.vocabulary.size
    fig = _summary_chart(summary, "surviving_words", OKABE_ITO["blue"], "Words the model can still write",
                         "Distinct words it can write", "surviving", V, f"real vocabulary: {V:,} words",
                         label_position="bottom right")
    curve = surviving_words_theory(run, scenario)
    if curve is not None:
        fig.add_trace(scatter(x=np.arange(curve.size), y=curve, mode="lines", line=THEORY_LINE,
                                 name="theory: expected (branching approximation)"))
    G = scenario.generations
    median = summary.loc[G, ("surviving_words", "median")]
    caption = f"After {G} generations the median model can write {median:,.0f} of the {V:,} real words"
    caption += f" (theory: {curve[G]:,.0f})." if curve is not None else "."
    return fig, caption


def entropy_chart(run, scenario: Scenario, summary=None) -> tuple[Figure, str]:
    """Shannon entropy of the model's word distribution: how varied its text is."""
    summary = summarize(run.results) if summary is None else summary
    real_bits = float(run.results.loc[run.results.generation == 0, "entropy_bits"].iloc[0])
    fig = _summary_chart(summary, "entropy_bits", OKABE_ITO["green"], "Text getting repetitive",
                         "Word variety (entropy, bits)", "entropy", real_bits,
                         f"real text: {real_bits:.1f} bits", label_position="bottom right")
    G = scenario.generations
    median = summary.loc[G, ("entropy_bits", "median")]
    caption = (
        f"The variety of the model's words fell from {real_bits:.1f} to {median:.1f} bits: its text is as varied "
        f"as a choice among {2 ** median:,.0f} equally likely word{'' if round(2 ** median) == 1 else 's'} "
        f"instead of {2 ** real_bits:,.0f}."
    )
    return fig, caption


def extinct_mass_chart(run, scenario: Scenario, summary=None) -> tuple[Figure, str]:
    """Share of real text made of words the model can no longer write."""
    summary = summarize(run.results) if summary is None else summary
    fig = _summary_chart(summary, "extinct_real_mass", OKABE_ITO["vermillion"],
                         "Everyday words it can no longer say",
                         "Real text it cannot write (%)", "extinct", 0.0,
                         "real world: 0 %", scale=100, label_position="top right")
    G = scenario.generations
    median = summary.loc[G, ("extinct_real_mass", "median")]
    caption = (
        f"After {G} generations {percent(median)} of everyday English text is made of words the median model "
        f"can no longer write." if scenario.world == "english" else
        f"After {G} generations {percent(median)} of real text is made of words the median model can no longer write."
    )
    return fig, caption


def sample_texts(run, scenario: Scenario, n_words: int = 60) -> tuple[str, str]:
    """A few words written from the real vocabulary and by the last model (replicate 0, decoded).

    Seeded from the run's SeedSequence (a child after the replicates'), so the
    same scenario always shows the same text.
    """
    rng = np.random.default_rng(np.random.SeedSequence(scenario.seed).spawn(scenario.replicates + 1)[-1])
    words = run.vocabulary.words
    real = rng.choice(words.size, size=n_words, p=run.vocabulary.probabilities)
    model = CategoricalModel(scenario.temperature, scenario.top_k, scenario.top_p).fit(run.snapshots[scenario.generations])
    return " ".join(words[real]), " ".join(words[model.sample(n_words, rng)])


def lost_words(run, count: int = 20) -> pd.DataFrame:
    """Words replicate 0 lost by the end, from the commonest to the rarest, with when each died."""
    lost = np.flatnonzero(run.death_generation >= 1)
    picked = lost[np.unique(np.linspace(0, lost.size - 1, min(count, lost.size)).astype(int))] if lost.size else lost
    return pd.DataFrame({
        "word": run.vocabulary.words[picked],
        "rank in real text": picked + 1,
        "real uses per million words": np.round(run.vocabulary.probabilities[picked] * 1e6, 1),
        "died in generation": run.death_generation[picked],
    })


VOCABULARY_CHARTS = {
    "rank_frequency": lambda run, scenario, summary: rank_frequency_chart(run, scenario),
    "surviving": surviving_words_chart,
    "entropy": entropy_chart,
    "extinct": extinct_mass_chart,
}


def all_vocabulary_charts(run, scenario: Scenario) -> dict[str, tuple[Figure, str]]:
    """Every chart of the vocabulary page, sharing one summary of the results."""
    summary = summarize(run.results)
    return {name: chart(run, scenario, summary) for name, chart in VOCABULARY_CHARTS.items()}
