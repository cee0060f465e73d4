"""Pure functions from results to Plotly figures and their one-sentence captions.

No streamlit here: each ``*_chart`` function takes the tidy results and the
scenario and returns ``(figure, caption)``, where the caption is computed from
the numbers. Colours are Okabe & Ito's colour-blind-safe palette; generations
run along Viridis (perceptually uniform, readable in grey and by the common
colour-vision deficiencies). The real world is always drawn, in black dashes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from . import theory
from .loop import frame_generations, shown_generations, zipf_curve
from .metrics import summarize, tail_column
from .models import MODEL_DDOF
from .scenario import Scenario
from .worlds import make_world

#: Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
SERIES = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "purple", "orange")]
REAL_LINE = dict(color=OKABE_ITO["black"], dash="dash", width=2.5)
THEORY_LINE = dict(color=OKABE_ITO["vermillion"], dash="dot", width=3)
GENERATION_AXIS = "Generation (times retrained)"
#: Streamlit swaps Plotly's default template for one whose colours export badly;
#: every figure names its own.
TEMPLATE = "plotly_white"
#: Tail masses below this (in %) sit on the floor of the log axis.
TAIL_FLOOR_PERCENT = 1e-4


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def percent(x: float) -> str:
    """A share as a readable percentage: 4.6 %, 0.27 %, less than 0.001 %."""
    p = 100 * float(x)
    if p == 0:
        return "0 %"
    if p < 0.001:
        return "less than 0.001 %"
    if p < 1:
        return f"{p:.2g} %"
    return f"{p:.1f} %"


def _layout(fig: go.Figure, title: str, y_title: str, key: str, **extra) -> go.Figure:
    settings = dict(
        template=TEMPLATE,
        title=dict(text=title, x=0, xanchor="left", font=dict(size=18)),
        xaxis_title=GENERATION_AXIS,
        yaxis_title=y_title,
        font=dict(size=14),
        legend=dict(orientation="h", yanchor="top", y=-0.28, xanchor="left", x=0),
        margin=dict(l=10, r=10, t=50, b=10),
        hovermode="x unified",
        uirevision=key,  # a rerun with new numbers keeps the user's zoom
    )
    fig.update_layout(**{**settings, **extra})
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)  # long axis titles push the plot, never overlap it
    return fig


def _generation_axis(fig: go.Figure, generations: int) -> None:
    """Generations 0..G with the last one labelled: the captions talk about it."""
    ticks = sorted({int(t) for t in np.linspace(0, generations, 5).round()})
    fig.update_xaxes(range=[-0.01 * generations, 1.03 * generations], tickvals=ticks)


def _band(fig: go.Figure, x, low, high, colour: str, name: str) -> None:
    """A 10-90 % band: an invisible upper edge, then the lower edge filled up to it."""
    fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line=dict(width=0), hoverinfo="skip",
                             showlegend=False, legendgroup=name))
    fig.add_trace(go.Scatter(x=x, y=low, mode="lines", line=dict(width=0), fill="tonexty",
                             fillcolor=_rgba(colour, 0.2), hoverinfo="skip", legendgroup=name,
                             name=f"{name}: 10-90 % of runs"))


def _median_with_band(fig, summary: pd.DataFrame, metric: str, colour: str, name: str, scale: float = 1.0):
    x = summary.index.to_numpy()
    _band(fig, x, summary[(metric, "low")] * scale, summary[(metric, "high")] * scale, colour, name)
    fig.add_trace(go.Scatter(x=x, y=summary[(metric, "median")] * scale, mode="lines",
                             line=dict(color=colour, width=3), name=f"{name}: median", legendgroup=name))


def typical_replicate(results: pd.DataFrame) -> int:
    """The replicate whose final spread is the median one: a real, typical run."""
    last = results[results.generation == results.generation.max()]
    order = last.sort_values(["std", "replicate"])
    return int(order.replicate.iloc[(len(order) - 1) // 2])


def _gaussian_density(x, mean, sd):
    sd = max(float(sd), 1e-12)
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


def distribution_chart(results: pd.DataFrame, scenario: Scenario, summary: pd.DataFrame | None = None,
                       world=None) -> tuple[go.Figure, str]:
    """The real world's density against the model's at chosen generations, with a player."""
    world = world or make_world(scenario)
    replicate = typical_replicate(results)
    run = results[results.replicate == replicate].set_index("generation")
    G = scenario.generations
    shown = shown_generations(G)
    lo = min(-4.5, *(run["mean"] - 4 * run["std"]).clip(lower=-10))
    hi = max(4.5, *(run["mean"] + 4 * run["std"]).clip(upper=10))
    x = np.linspace(lo, hi, 240)
    real_density = world.pdf(x)
    colours = sample_colorscale("Viridis", np.linspace(0.0, 0.85, len(shown)))

    fig = go.Figure()
    if hasattr(world, "values"):  # your own numbers: their histogram is the real world
        fig.add_trace(go.Histogram(x=world.values, histnorm="probability density", nbinsx=60, name="your data",
                                   marker=dict(color="#BBBBBB"), opacity=0.6, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=real_density, mode="lines", line=REAL_LINE,
                             name="your data (smoothed)" if hasattr(world, "values") else "real world"))
    for g, colour in zip(shown[:-1], colours):  # the player below draws the last one
        fig.add_trace(go.Scatter(x=x, y=_gaussian_density(x, run.at[g, "mean"], run.at[g, "std"]),
                                 mode="lines", line=dict(color=colour, width=2), name=f"generation {g}"))
    player_index = len(fig.data)
    fig.add_trace(go.Scatter(x=x, y=_gaussian_density(x, run.at[G, "mean"], run.at[G, "std"]), mode="lines",
                             line=dict(color=OKABE_ITO["orange"], width=4), fill="tozeroy",
                             fillcolor=_rgba(OKABE_ITO["orange"], 0.15), name=f"model at generation {G}"))

    # frames carry only the new y values (rounded): the page stays light
    frames = {g: dict(y=np.round(_gaussian_density(x, run.at[g, "mean"], run.at[g, "std"]), 5))
              for g in frame_generations(G)}
    peak = max(real_density.max(), *(1 / (np.sqrt(2 * np.pi) * run["std"].clip(lower=1e-12))))
    y_top = min(peak, 6 * real_density.max()) * 1.08
    _layout(fig, "The distribution narrowing", "How likely each value is (density)", "distribution",
            xaxis_title="Value (in standard deviations of the real world)", hovermode=False)
    fig.update_xaxes(range=[lo, hi])
    fig.update_yaxes(range=[0, y_top])
    add_player(fig, player_index, frames, go.Scatter)
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=0.98, xanchor="right", x=0.99,
                                  bgcolor="rgba(255,255,255,0.7)"), height=520)
    sd_last, mean_last = float(run.at[G, "std"]), float(run.at[G, "mean"])
    caption = (
        f"In a typical run, after {G} generations the model's bell curve is "
        f"{_ratio_words(sd_last)} as the real world's and its centre has moved "
        f"{abs(mean_last):.3g} sd {'right' if mean_last >= 0 else 'left'}."
    )
    return fig, caption


def add_player(fig: go.Figure, trace_index: int, frames: dict, trace_type) -> None:
    """Play/pause buttons and a generation slider that animate one trace in the browser.

    ``frames`` maps a generation to the changed properties of that trace
    (e.g. ``{"y": ...}``); no server round trip per frame.
    """
    fig.frames = [go.Frame(name=str(g), traces=[trace_index], data=[trace_type(name=f"model at generation {g}", **data)])
                  for g, data in frames.items()]
    generations = list(frames)
    step = dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0, y=-0.2,
                          xanchor="left", yanchor="top", pad=dict(t=30),
                          buttons=[dict(label="▶ Play", method="animate",
                                        args=[None, dict(frame=dict(duration=120, redraw=False),
                                                         transition=dict(duration=0), fromcurrent=True)]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], step])])],
        sliders=[dict(active=len(generations) - 1, x=0.25, y=-0.2, len=0.75, yanchor="top",
                      currentvalue=dict(prefix="Model at generation ", font=dict(size=14), xanchor="right"),
                      steps=[dict(label=str(g), method="animate", args=[[str(g)], step]) for g in generations])],
        margin=dict(l=10, r=10, t=50, b=10),
    )


def _ratio_words(sd: float) -> str:
    return "about as wide" if abs(sd - 1) < 0.005 else f"{sd:.3g} times as wide"


def tail_chart(results: pd.DataFrame, scenario: Scenario, summary: pd.DataFrame | None = None,
               world=None) -> tuple[go.Figure, str]:
    """Tail mass beyond each threshold over generations, against the real world's level."""
    world = world or make_world(scenario)
    summary = summarize(results) if summary is None else summary
    fig = go.Figure()
    for k, colour in zip(scenario.tail_thresholds, SERIES):
        column = tail_column(k)
        _median_with_band(fig, summary, column, colour, f"beyond {k:g} sd", scale=100)
        fig.add_trace(go.Scatter(x=[0, scenario.generations], y=[100 * world.tail_mass(k)] * 2, mode="lines",
                                 line=dict(color=colour, dash="dash", width=2), hoverinfo="skip",
                                 name=f"real world: {percent(world.tail_mass(k))} beyond {k:g} sd"))
    _layout(fig, "Tails disappearing", "Share in the tails (%, log)", "tails")
    # orders of magnitude are the story: a log axis, with vanished tails shown at its floor
    fig.update_yaxes(type="log", range=[np.log10(TAIL_FLOOR_PERCENT), np.log10(100)], exponentformat="none",
                     dtick=1)  # one label a decade
    for trace in fig.data:
        if trace.y is not None and trace.y[0] is not None:
            trace.y = np.maximum(np.asarray(trace.y, dtype=float), TAIL_FLOOR_PERCENT)
    _generation_axis(fig, scenario.generations)

    G = scenario.generations
    k = scenario.tail_thresholds[-1] if len(scenario.tail_thresholds) == 1 else scenario.tail_thresholds[0]
    model_mass = summary.loc[G, (tail_column(k), "median")]
    caption = (
        f"After {G} generations the model puts {percent(model_mass)} of its mass beyond {k:g} sd; "
        f"the real world puts {percent(world.tail_mass(k))} there."
    )
    if len(scenario.tail_thresholds) > 1:
        far = scenario.tail_thresholds[-1]
        caption = caption[:-1] + (
            f" (beyond {far:g} sd: {percent(summary.loc[G, (tail_column(far), 'median')])} "
            f"against {percent(world.tail_mass(far))})."
        )
    return fig, caption


def spread_theory(scenario: Scenario) -> tuple[str, np.ndarray] | None:
    """The closed-form curve for the model's sd, with its label, or None if there is none.

    Pure self-training: the median sd, from the log-variance random walk.
    With fresh data: the root of the exact expected variance. Accumulate has
    no closed form for the variance.
    """
    if scenario.mode != "replace":
        return None
    G, M = scenario.generations, scenario.sample_size
    ddof = MODEL_DDOF[scenario.model]
    n = np.arange(G + 1)
    if scenario.synthetic_fraction == 1.0:
        # after round 1 the chain is Gaussian whatever the world: exact for the bell curve, close otherwise
        log_var = theory.log_variance_mean(n, M, ddof, temperature=scenario.temperature)
        exact = scenario.world == "gaussian"
        curve = np.exp(np.minimum(log_var, np.log(1e100)) / 2)  # capped like the model (MAX_VARIANCE)
        return "theory: median (Shumailov et al.)" + ("" if exact else ", approximate here"), curve
    a_M = scenario.real_count()
    v, _ = theory.moments_with_fresh_data(G, M, 1 - a_M / M, ddof, scenario.temperature)
    return "theory: root of the expected variance", np.sqrt(v)


def _summary_chart(summary, metric, colour, title, y_title, key, real_level, real_label, scale=1.0,
                   label_position="top right") -> go.Figure:
    """A metric's median and 10-90 % band over generations, with the real world's level as a dashed line."""
    fig = go.Figure()
    _median_with_band(fig, summary, metric, colour, "model", scale=scale)
    fig.add_hline(y=real_level * scale, line=REAL_LINE, annotation_text=real_label, annotation_position=label_position)
    _layout(fig, title, y_title, key)
    fig.update_yaxes(rangemode="tozero")
    _generation_axis(fig, int(summary.index.max()))
    return fig


def spread_chart(results: pd.DataFrame, scenario: Scenario, summary: pd.DataFrame | None = None,
                 world=None) -> tuple[go.Figure, str]:
    """The model's standard deviation over generations, with the closed form where one exists."""
    summary = summarize(results) if summary is None else summary
    fig = _summary_chart(summary, "std", OKABE_ITO["blue"], "Spread shrinking", "Spread (sd; real world = 1)",
                         "spread", 1.0, "real world")
    overlay = spread_theory(scenario)
    if overlay is not None:
        label, curve = overlay
        fig.add_trace(go.Scatter(x=np.arange(curve.size), y=curve, mode="lines", line=THEORY_LINE, name=label))

    G = scenario.generations
    median = summary.loc[G, ("std", "median")]
    caption = f"Over {G} generations the model's median spread went from 1.00 to {median:.3g} of the real world's"
    if overlay is not None:
        caption += f"; theory says {overlay[1][G]:.3g}."
    else:
        caption += "; accumulating data has no closed form for the spread, so no theory line is drawn."
    return fig, caption


def distance_chart(results: pd.DataFrame, scenario: Scenario, summary: pd.DataFrame | None = None,
                   world=None) -> tuple[go.Figure, str]:
    """Wasserstein-1 distance from the model to the real world over generations."""
    summary = summarize(results) if summary is None else summary
    fig = _summary_chart(summary, "distance", OKABE_ITO["purple"], "Drifting away", "Distance to real world (sd)",
                         "distance", 0.0, "real world (distance 0)")
    G = scenario.generations
    median, high = summary.loc[G, ("distance", "median")], summary.loc[G, ("distance", "high")]
    first = summary.loc[1, ("distance", "median")]
    caption = (
        f"After {G} generations the median model is {median:.3g} sd from the real world "
        f"(after one generation: {first:.2g}); one run in ten is more than {high:.3g} sd away."
    )
    return fig, caption


CHARTS = {
    "distribution": distribution_chart,
    "tails": tail_chart,
    "spread": spread_chart,
    "distance": distance_chart,
}


def all_charts(results: pd.DataFrame, scenario: Scenario, world=None) -> dict[str, tuple[go.Figure, str]]:
    """Every chart of the dashboard, sharing one summary of the results (``world``: your own data's)."""
    summary = summarize(results)
    world = world or make_world(scenario)
    return {name: chart(results, scenario, summary, world) for name, chart in CHARTS.items()}


# -- vocabulary -------------------------------------------------------------------
def rank_frequency_chart(run, scenario: Scenario) -> tuple[go.Figure, str]:
    """Zipf plot: each distribution's word frequencies sorted from most to least used, with a player.

    Log-log axes. The model's curve stops where its vocabulary ends, so the
    lost tail is visibly cut off against the real language.
    """
    real = run.vocabulary.probabilities
    fig = go.Figure()
    fig.add_trace(go.Scatter(**dict(zip("xy", zipf_curve(real))), mode="lines", line=REAL_LINE,
                             name=run.vocabulary.label))
    shown = sorted(g for g in run.snapshots if g > 0)
    colours = sample_colorscale("Viridis", np.linspace(0.0, 0.85, len(shown)))
    for g, colour in zip(shown[:-1], colours):  # the player below draws the last one
        fig.add_trace(go.Scatter(**dict(zip("xy", run.rank_curves[g])), mode="lines",
                                 line=dict(color=colour, width=2), name=f"model, generation {g}"))
    G = scenario.generations
    player_index = len(fig.data)
    fig.add_trace(go.Scatter(**dict(zip("xy", run.rank_curves[G])), mode="lines",
                             line=dict(color=OKABE_ITO["orange"], width=4), name=f"model at generation {G}"))
    _layout(fig, "Rare words vanish first", "Share of all words", "rank_frequency", hovermode="closest")
    fig.update_xaxes(type="log", title="Word rank (1 = most used)", range=[-0.05, np.log10(real.size) + 0.05])
    fig.update_yaxes(type="log", exponentformat="power", dtick=1,
                     range=[np.log10(min(real.min(), min(c[1].min() for c in run.rank_curves.values()))) - 0.2,
                            0.05])
    add_player(fig, player_index, {g: dict(x=run.rank_curves[g][0], y=run.rank_curves[g][1])
                                   for g in frame_generations(G)}, go.Scatter)
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=0.98, xanchor="right", x=0.99,
                                  bgcolor="rgba(255,255,255,0.7)"), height=520)
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


def surviving_words_chart(run, scenario: Scenario, summary=None) -> tuple[go.Figure, str]:
    """Words the model can still write, over generations, with the survival theory where it applies."""
    summary = summarize(run.results) if summary is None else summary
    V = run.vocabulary.size
    fig = _summary_chart(summary, "surviving_words", OKABE_ITO["blue"], "Words the model can still write",
                         "Distinct words it can write", "surviving", V, f"real vocabulary: {V:,} words",
                         label_position="bottom right")
    curve = surviving_words_theory(run, scenario)
    if curve is not None:
        fig.add_trace(go.Scatter(x=np.arange(curve.size), y=curve, mode="lines", line=THEORY_LINE,
                                 name="theory: expected (branching approximation)"))
    G = scenario.generations
    median = summary.loc[G, ("surviving_words", "median")]
    caption = f"After {G} generations the median model can write {median:,.0f} of the {V:,} real words"
    caption += f" (theory: {curve[G]:,.0f})." if curve is not None else "."
    return fig, caption


def entropy_chart(run, scenario: Scenario, summary=None) -> tuple[go.Figure, str]:
    """Shannon entropy of the model's word distribution: how varied its text is."""
    summary = summarize(run.results) if summary is None else summary
    real_bits = float(run.results.loc[run.results.generation == 0, "entropy_bits"].iloc[0])
    fig = _summary_chart(summary, "entropy_bits", OKABE_ITO["green"], "Text getting repetitive",
                         "Variety of its words (entropy, bits)", "entropy", real_bits,
                         f"real text: {real_bits:.1f} bits", label_position="bottom right")
    G = scenario.generations
    median = summary.loc[G, ("entropy_bits", "median")]
    caption = (
        f"The variety of the model's words fell from {real_bits:.1f} to {median:.1f} bits: its text is as varied "
        f"as a choice among {2 ** median:,.0f} equally likely word{'' if round(2 ** median) == 1 else 's'} "
        f"instead of {2 ** real_bits:,.0f}."
    )
    return fig, caption


def extinct_mass_chart(run, scenario: Scenario, summary=None) -> tuple[go.Figure, str]:
    """Share of real text made of words the model can no longer write."""
    summary = summarize(run.results) if summary is None else summary
    fig = _summary_chart(summary, "extinct_real_mass", OKABE_ITO["vermillion"],
                         "Everyday language the model can no longer say",
                         "Share of real text it cannot write (%)", "extinct", 0.0,
                         "real world: 0 %", scale=100, label_position="bottom right")
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
    from .models import CategoricalModel

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


def all_vocabulary_charts(run, scenario: Scenario) -> dict[str, tuple[go.Figure, str]]:
    """Every chart of the vocabulary page, sharing one summary of the results."""
    summary = summarize(run.results)
    return {name: chart(run, scenario, summary) for name, chart in VOCABULARY_CHARTS.items()}


# -- the polluted web ---------------------------------------------------------------
YEAR_AXIS = "Year"


def _first_year(values: pd.Series, level: float) -> int | None:
    above = values.index[values.to_numpy() >= level]
    return int(above[0]) if len(above) else None


def web_composition_chart(web: pd.DataFrame, scenario: Scenario) -> tuple[go.Figure, str]:
    """What is published each year: human, AI-written, and what the filter removed (shares)."""
    years = web.index[1:]
    rows = web.loc[years]
    kept_human = rows.human_output * (1 - scenario.detector_false_positive)
    kept_ai = rows.ai_output * (1 - scenario.detector_recall)
    removed = rows.human_output + rows.ai_output - kept_human - kept_ai
    fig = go.Figure()
    for values, name, colour in [(kept_human, "written by people", OKABE_ITO["blue"]),
                                 (kept_ai, "written by AI", OKABE_ITO["vermillion"]),
                                 (removed, "removed by the filter", "#999999")]:
        fig.add_trace(go.Scatter(x=years, y=values, mode="lines", stackgroup="web", groupnorm="percent", name=name,
                                 line=dict(color=colour, width=0.5), fillcolor=_rgba(colour, 0.75) if colour[0] == "#"
                                 else colour))
    _layout(fig, "The web fills with AI text", "Share of the year's new documents (%)", "web", xaxis_title=YEAR_AXIS)
    fig.update_yaxes(range=[0, 100])
    _generation_axis(fig, scenario.generations)
    share = web["ai_share_of_web"]
    half, three_quarters = _first_year(share, 0.5), _first_year(share, 0.75)
    G = scenario.generations
    if three_quarters is not None:
        lead = f"By year {three_quarters} three quarters of what is published is AI-written"
    elif half is not None:
        lead = f"By year {half} half of what is published is AI-written"
    else:
        lead = f"By year {G} {percent(share.loc[G])} of what is published is AI-written"
    caption = f"{lead}; people then publish {web.loc[G, 'human_output'] / web.loc[1, 'human_output']:.0%} of what they did in year 1."
    return fig, caption


def web_quality_chart(results: pd.DataFrame, web: pd.DataFrame, scenario: Scenario,
                      summary: pd.DataFrame | None = None) -> tuple[go.Figure, str]:
    """The model's and its answers' tails (1-D) or word variety (vocabulary), against the no-AI world."""
    summary = summarize(results) if summary is None else summary
    G = scenario.generations
    if scenario.is_vocabulary:
        metric, scale, y_title = "entropy_bits", 1.0, "Variety of words (entropy, bits)"
        real_value = float(summary.loc[0, (metric, "median")])
        real_label = f"no-AI world: {real_value:.1f} bits"
        fmt = lambda v: f"{v:.1f} bits"  # noqa: E731
    else:
        k = scenario.tail_thresholds[0]
        metric, scale, y_title = tail_column(k), 100.0, f"Share beyond {k:g} sd (%)"
        real_value = make_world(scenario).tail_mass(k)
        real_label = f"no-AI world: {percent(real_value)}"
        fmt = percent
    fig = go.Figure()
    _median_with_band(fig, summary, metric, OKABE_ITO["blue"], "the model", scale=scale)
    _median_with_band(fig, summary, "answer_" + metric, OKABE_ITO["green"], "its answers (with retrieval)", scale=scale)
    fig.add_trace(go.Scatter(x=[0, G], y=[real_value * scale] * 2, mode="lines", line=REAL_LINE, name=real_label))
    title = "Its words get fewer" if scenario.is_vocabulary else "Its tails disappear"
    _layout(fig, title, y_title, "web_quality", xaxis_title=YEAR_AXIS)
    fig.update_yaxes(rangemode="tozero")
    _generation_axis(fig, G)
    model, answers = summary.loc[G, (metric, "median")], summary.loc[G, ("answer_" + metric, "median")]
    caption = (
        f"In year {G} the median model is at {fmt(model)} and its answers, retrieving "
        f"{scenario.retrieval_share:.0%} of their content from the web, at {fmt(answers)}; "
        f"a world without AI text stays at {fmt(real_value)}."
    )
    return fig, caption


def web_training_share_chart(web: pd.DataFrame, scenario: Scenario) -> tuple[go.Figure, str]:
    """The synthetic fraction the model actually trained on, year by year, beside the web's AI share."""
    years = web.index
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=years, y=100 * web["ai_share_of_training"], mode="lines",
                             line=dict(color=OKABE_ITO["vermillion"], width=3), name="AI text in the training set"))
    fig.add_trace(go.Scatter(x=years, y=100 * web["ai_share_of_web"], mode="lines",
                             line=dict(color=OKABE_ITO["vermillion"], width=2, dash="dot"), name="AI text on the web"))
    fig.add_trace(go.Scatter(x=[0, scenario.generations], y=[0, 0], mode="lines", line=REAL_LINE,
                             name="no-AI world: 0 %"))
    _layout(fig, "What the model actually learns from", "AI-written share (%)", "web_training", xaxis_title=YEAR_AXIS)
    fig.update_yaxes(range=[-2, 102])
    _generation_axis(fig, scenario.generations)
    G = scenario.generations
    caption = (
        f"In year {G}, {percent(web.loc[G, 'ai_share_of_training'])} of the training set is AI-written "
        f"(web: {percent(web.loc[G, 'ai_share_of_web'])}), with {scenario.archive_share:.0%} taken from the "
        f"pre-AI archive and a filter catching {scenario.detector_recall:.0%} of AI text."
    )
    return fig, caption


def web_story(results: pd.DataFrame, web: pd.DataFrame, scenario: Scenario, summary=None) -> str:
    """One plain paragraph telling the story the current numbers tell."""
    summary = summarize(results) if summary is None else summary
    G = scenario.generations
    share = web["ai_share_of_web"]
    half = _first_year(share, 0.5)
    parts = []
    if half is None:
        parts.append(f"After {G} years {percent(share.loc[G])} of the web is AI-written.")
    else:
        three = _first_year(share, 0.75)
        parts.append(f"By year {half} half of the web is AI-written" +
                     (f", by year {three} three quarters." if three is not None else "."))
    human = web.loc[G, "human_output"] / web.loc[1, "human_output"]
    if human < 0.99:
        parts.append(f"Crowded out, people publish {human:.0%} of what they did in year 1.")
    if scenario.is_vocabulary:
        alive = summary.loc[G, ("surviving_words", "median")]
        parts.append(f"Trained on this web, the model can still write {alive:,.0f} of {scenario.vocabulary_size:,} "
                     f"words after {G} years.")
    else:
        k = scenario.tail_thresholds[0]
        real = make_world(scenario).tail_mass(k)
        model = summary.loc[G, (tail_column(k), "median")]
        parts.append(f"Trained on this web, the model's share of rare events (beyond {k:g} sd) goes from "
                     f"{percent(real)} to {percent(model)}.")
    if scenario.retrieval_share > 0:
        parts.append(f"Retrieval only helps while the web is human: by year {G} just "
                     f"{percent(web.loc[G, 'answer_real_weight'])} of an answer comes from human text.")
    if scenario.archive_share > 0 or scenario.detector_recall > 0:
        parts.append(f"What keeps real data in the training set: a pre-AI archive ({scenario.archive_share:.0%} "
                     f"of it) and a filter catching {scenario.detector_recall:.0%} of AI text.")
    return " ".join(parts)


# -- compare ------------------------------------------------------------------------
COMPARED = {
    "std": ("Spread shrinking", "Spread (sd; real world = 1)", "median spread", "{:.2f}"),
    "tail": ("Tails disappearing", "Share beyond {k:g} sd (%)", "median share beyond {k:g} sd", None),
    "distance": ("Drifting away", "Distance to real world (sd)", "median distance", "{:.2f} sd"),
}


def compare_chart(runs: dict, metric: str) -> tuple[go.Figure, str]:
    """Several scenarios on one chart: median and 10-90 % band of a metric each.

    ``runs`` maps a label to (scenario, results). ``metric`` is "std", "tail"
    (the first tail threshold of the first scenario) or "distance".
    """
    first_scenario = next(iter(runs.values()))[0]
    k = first_scenario.tail_thresholds[0]
    title, y_title, said, fmt = COMPARED[metric]
    column, scale = (tail_column(k), 100.0) if metric == "tail" else (metric, 1.0)
    fig = go.Figure()
    finals = {}
    for (label, (scenario, results)), colour in zip(runs.items(), SERIES):
        summary = summarize(results)
        _median_with_band(fig, summary, column, colour, label, scale=scale)
        finals[label] = summary.loc[scenario.generations, (column, "median")]
    world = make_world(first_scenario)
    reference = {"std": 1.0, "tail": 100 * world.tail_mass(k), "distance": 0.0}[metric]
    longest = max(s.generations for s, _ in runs.values())
    fig.add_trace(go.Scatter(x=[0, longest], y=[reference] * 2, mode="lines", line=REAL_LINE, name="real world"))
    _layout(fig, title, y_title.format(k=k), f"compare_{metric}")
    fig.update_yaxes(rangemode="tozero")
    _generation_axis(fig, longest)
    show = (lambda v: percent(v)) if metric == "tail" else fmt.format
    listed = ", ".join(f"{show(v)} with {label}" for label, v in finals.items())
    caption = f"At the last generation the {said.format(k=k)} is {listed}."
    return fig, caption


# -- shapes and digits --------------------------------------------------------------
def shapes_scatter_chart(run, scenario: Scenario) -> tuple[go.Figure, str]:
    """The real clusters and the model's samples at chosen generations, side by side."""
    from plotly.subplots import make_subplots

    from .worlds import Mixture2D

    world = Mixture2D()
    shown = sorted(run.snapshots)
    titles = ["real world" if g == 0 else f"generation {g}" for g in shown]
    fig = make_subplots(rows=1, cols=len(shown), subplot_titles=titles, shared_yaxes=True,
                        horizontal_spacing=0.02)
    colours = [OKABE_ITO[c] for c in ("blue", "green", "purple", "vermillion")]
    for col, g in enumerate(shown, start=1):
        points = run.snapshots[g]
        cluster = world.nearest_cluster(points)
        for k, colour in enumerate(colours):
            mine = points[cluster == k]
            name = "rare cluster (5 % of the real world)" if k == world.rare else f"cluster {k + 1}"
            fig.add_trace(go.Scattergl(x=mine[:, 0], y=mine[:, 1], mode="markers",
                                       marker=dict(size=4, color=colour, opacity=0.7), name=name,
                                       legendgroup=name, showlegend=col == 1), row=1, col=col)
    fig.update_xaxes(range=[-4.5, 4.5], showticklabels=False)
    fig.update_yaxes(range=[-4.5, 4.5], showticklabels=False, scaleanchor=None)
    fig.update_layout(template=TEMPLATE, title=dict(text="Clusters shrink, merge and vanish", x=0, font=dict(size=18)),
                      font=dict(size=14), height=380, margin=dict(l=10, r=10, t=80, b=10), uirevision="shapes",
                      legend=dict(orientation="h", yanchor="top", y=-0.05, x=0))
    last = run.snapshots[shown[-1]]
    rare_share = float(np.mean(world.nearest_cluster(last) == world.rare))
    caption = (f"In one run, the rare cluster holds {percent(rare_share)} of the model's points at generation "
               f"{shown[-1]}, against {percent(world.weights[world.rare])} in the real world.")
    return fig, caption


def shapes_player_chart(run, scenario: Scenario) -> tuple[go.Figure, str]:
    """One run's points generation by generation, over the real world's, with a player."""
    from .worlds import Mixture2D

    world = Mixture2D()
    G = scenario.generations
    fig = go.Figure()
    real = run.snapshots[0]
    fig.add_trace(go.Scattergl(x=real[:, 0], y=real[:, 1], mode="markers", name="real world",
                               marker=dict(size=5, color="#BBBBBB")))
    fig.add_trace(go.Scatter(x=run.frames[G][:, 0], y=run.frames[G][:, 1], mode="markers",
                             name=f"model at generation {G}", marker=dict(size=5, color=OKABE_ITO["orange"])))
    _layout(fig, "Play it: one run, generation by generation", "", "shapes_player", hovermode=False,
            xaxis_title="", height=520)
    fig.update_xaxes(range=[-4.5, 4.5], showticklabels=False)
    fig.update_yaxes(range=[-4.5, 4.5], showticklabels=False, scaleanchor="x")
    add_player(fig, 1, {g: dict(x=run.frames[g][:, 0], y=run.frames[g][:, 1]) for g in sorted(run.frames)},
               go.Scatter)
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=0.98, xanchor="right", x=0.99,
                                  bgcolor="rgba(255,255,255,0.7)"))
    order = sorted(run.frames)
    rare = [float(np.mean(world.nearest_cluster(run.frames[g]) == world.rare)) for g in order]
    gone = next((g for g, share in zip(order, rare) if share == 0), None)
    caption = (f"Press play: the rare cluster's points are gone by generation {gone}." if gone is not None else
               f"Press play: at generation {G} the rare cluster still holds {percent(rare[-1])} of the points.")
    return fig, caption


def sampled_metric_chart(run, scenario: Scenario, metric: str, title: str, y_title: str, key: str,
                         colour: str, scale: float = 1.0, fmt=None, summary=None) -> tuple[go.Figure, str]:
    """A metric of a sampled model over generations, median and band, against generation 0."""
    summary = summarize(run.results) if summary is None else summary
    fmt = fmt or (lambda v: f"{v:.2f}")
    fig = go.Figure()
    _median_with_band(fig, summary, metric, colour, "model", scale=scale)
    real = float(summary.loc[0, (metric, "median")])
    G = scenario.generations
    fig.add_trace(go.Scatter(x=[0, G], y=[real * scale] * 2, mode="lines", line=REAL_LINE,
                             name=f"real world: {fmt(real)}"))
    _layout(fig, title, y_title, key)
    fig.update_yaxes(rangemode="tozero")
    _generation_axis(fig, G)
    final = float(summary.loc[G, (metric, "median")])
    caption = f"After {G} generations the median model is at {fmt(final)}; the real world is at {fmt(real)}."
    return fig, caption


def shapes_charts(run, scenario: Scenario) -> dict[str, tuple[go.Figure, str]]:
    summary = summarize(run.results)
    return {
        "scatter": shapes_scatter_chart(run, scenario),
        "player": shapes_player_chart(run, scenario),
        "rare": sampled_metric_chart(run, scenario, "rare_cluster_mass", "The rare cluster fades",
                                     "Share of points in the rare cluster (%)", "rare", OKABE_ITO["vermillion"],
                                     scale=100, fmt=percent, summary=summary),
        "spread": sampled_metric_chart(run, scenario, "spread", "Spread", "Spread (real world = 1)", "shape_spread",
                                       OKABE_ITO["blue"], summary=summary),
        "distance": sampled_metric_chart(run, scenario, "distance", "Drifting away",
                                         "Distance to real world", "shape_distance",
                                         OKABE_ITO["purple"], summary=summary),
    }


def digits_grid_chart(run, scenario: Scenario) -> tuple[go.Figure, str]:
    """Sample images per shown generation, the real digits on top, in grey."""
    rows = sorted(run.snapshots)
    per_row = min(len(run.snapshots[g]) for g in rows)
    pad = np.full((8, 1), np.nan)
    mosaic_rows = []
    for g in rows:
        tiles = [np.hstack([img.reshape(8, 8), pad]) for img in run.snapshots[g][:per_row]]
        mosaic_rows.append(np.vstack([np.hstack(tiles), np.full((1, 9 * per_row), np.nan)]))
    mosaic = np.vstack(mosaic_rows)
    fig = go.Figure(go.Heatmap(z=mosaic, colorscale="Greys", zmin=0, zmax=16, showscale=False, hoverinfo="skip"))
    labels = ["real digits" if g == 0 else f"generation {g}" for g in rows]
    fig.update_yaxes(autorange="reversed", tickvals=[9 * i + 3.5 for i in range(len(rows))], ticktext=labels,
                     showgrid=False, zeroline=False)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, scaleanchor="y")
    fig.update_layout(template=TEMPLATE, title=dict(text="Digits fading, generation by generation", x=0,
                                                    font=dict(size=18)),
                      font=dict(size=14), height=90 + 60 * len(rows), margin=dict(l=10, r=10, t=60, b=10),
                      plot_bgcolor="white")
    summary = summarize(run.results)
    G = scenario.generations
    caption = (f"One run's samples (rows): after {G} generations the classifier reads "
               f"{summary.loc[G, ('classes_recognised', 'median')]:.0f} of 10 digit classes in the median model's "
               f"output, with {summary.loc[G, ('realism', 'median')]:.0%} confidence against "
               f"{summary.loc[0, ('realism', 'median')]:.0%} for real digits.")
    return fig, caption


def digits_charts(run, scenario: Scenario) -> dict[str, tuple[go.Figure, str]]:
    summary = summarize(run.results)
    return {
        "grid": digits_grid_chart(run, scenario),
        "classes": sampled_metric_chart(run, scenario, "classes_recognised", "Digits it can still write",
                                        "Classes recognised in its output", "classes", OKABE_ITO["blue"],
                                        fmt=lambda v: f"{v:.0f} classes", summary=summary),
        "diversity": sampled_metric_chart(run, scenario, "pixel_diversity", "Every digit looks alike",
                                          "Pixel diversity (real digits = 1)", "diversity", OKABE_ITO["green"],
                                          summary=summary),
        "realism": sampled_metric_chart(run, scenario, "realism", "Do they still look like digits?",
                                        "Classifier's confidence", "realism", OKABE_ITO["purple"],
                                        fmt=lambda v: f"{v:.0%}", summary=summary),
    }
