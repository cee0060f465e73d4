"""Every chart of the lab, by name: one registry for pages, export and CLI.

A chart is built from a :class:`~collapse.runner.Run` and its scenario and
comes back as ``(figure, caption)``: a plain-dict Plotly figure
(:class:`~collapse.charts.style.Figure`) and one sentence computed from the
numbers. Charts never run a simulation.
"""

from __future__ import annotations

from ..knobs import WORLDS_1D, WORLDS_VOCABULARY
from . import gaussian, sampled, text, vocabulary, web

#: kind of run -> (its charts' names in page order, the function building them all at once)
REGISTRY = {
    "gaussian": (("distribution", "tails", "spread", "distance"), lambda run, s: gaussian.all_charts(
        run.results, s, run.world)),
    "vocabulary": (("rank_frequency", "surviving", "entropy", "extinct"), lambda run, s: vocabulary.all_vocabulary_charts(
        run.detail, s)),
    "web": (("web", "web_quality", "web_training"), web.web_charts),
    "shapes": (("clusters", "clusters_player", "rare_cluster", "cluster_spread", "cluster_distance"),
               lambda run, s: sampled.shapes_charts(run.detail, s)),
    "digits": (("digits", "digit_classes", "digit_diversity", "digit_realism"),
               lambda run, s: sampled.digits_charts(run.detail, s)),
    "text": (tuple(text.TEXT_CHARTS), lambda run, s: text.text_charts(run.detail, s)),
}
#: chart name -> the kind of run it is drawn from
KIND_OF_CHART = {name: kind for kind, (names, _) in REGISTRY.items() for name in names}
CHART_NAMES = tuple(KIND_OF_CHART)


def chart_kind(scenario) -> str:
    """Which charts fit a scenario: "web" for a polluted web, else its family's ("shapes"/"digits" for sampled)."""
    if scenario.data_source == "web":
        return "web"
    if scenario.family == "sampled":
        return "shapes" if scenario.world == "mixture_2d" else "digits"
    return scenario.family


def all_charts(run, scenario) -> dict:
    """Every chart that fits the run: name -> (figure, caption)."""
    return REGISTRY[chart_kind(scenario)][1](run, scenario)


def _either(names) -> str:
    """``a, b or c``."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


#: kind of run -> what a scenario needs for its charts, in words
NEEDS = {
    "gaussian": f"a 1-D world ({_either(WORLDS_1D)})",
    "vocabulary": f"a vocabulary world ({_either(WORLDS_VOCABULARY)})",
    "web": "data_source web (a simulated web)",
    "shapes": "world mixture_2d",
    "digits": "world digits",
    "text": "a prose world (sherlock or custom_prose)",
}


def check_chart(name: str, scenario) -> None:
    """Raise ValueError, in one line saying what the chart needs, if chart ``name`` does not fit the scenario."""
    if name not in KIND_OF_CHART:
        raise ValueError(f"unknown chart {name!r}: use one of {', '.join(CHART_NAMES)}")
    kind, fits = KIND_OF_CHART[name], chart_kind(scenario)
    if kind == fits:
        return
    if fits == "web":
        raise ValueError(f"chart {name} needs data_source mix; with data_source web use {_either(REGISTRY['web'][0])}")
    raise ValueError(f"chart {name} needs {NEEDS[kind]}")
