"""Widgets built from the knob table: every key is its knob's name, every range the table's."""

from __future__ import annotations

import streamlit as st

from .. import budget
from ..knobs import FAMILY_OF_WORLD, KNOBS, Knob, ScenarioError, family_of, parse_value
from ..scenario import Scenario
from .data import CUSTOM_WORLDS, user_data
from .state import PageKnobs, free, world_changed

#: Plain words for the values of choice knobs.
CHOICE_LABELS = {
    "gaussian": "Bell curve (Gaussian)",
    "heavy_tailed": "Heavy tails (Student-t)",
    "bimodal": "Two humps (bimodal)",
    "gaussian_mle": "Bell curve, maximum likelihood",
    "gaussian_unbiased": "Bell curve, unbiased variance",
    "replace": "Replace: train on new data only",
    "accumulate": "Accumulate: keep all old data",
    "accumulate_subsample": "Accumulate, train on a subsample of M",
    "english": "Real English (wordfreq)",
    "zipf": "Zipf's law",
    "categorical": "Word frequencies",
    "mixture_2d": "Four clusters, one rare",
    "custom": "Your numbers",
    "custom_text": "Your text",
    "sherlock": "Real prose (Sherlock Holmes)",
    "custom_prose": "Your prose",
    "digits": "Handwritten digits",
    "gaussian_mixture": "Gaussian mixture (scikit-learn)",
    "kernel_density": "Kernel density (scikit-learn)",
}


def _number(knob: Knob, value):
    return int(value) if knob.kind is int else float(value)


def _selectbox(container, knob: Knob, spec: PageKnobs, **common):
    options = spec.choices.get(knob.name, knob.choices)
    # your-data worlds are offered once there are data to use
    custom = {world: kind for kind, world in CUSTOM_WORLDS.items()}
    options = [o for o in options if o not in custom or user_data(custom[o])]
    container.selectbox(knob.label, options, format_func=lambda c: CHOICE_LABELS.get(c, c), **common)


def _slider(container, knob: Knob, spec: PageKnobs, **common):
    container.slider(knob.label, _number(knob, knob.low), _number(knob, knob.high), step=_number(knob, knob.step),
                     **common)


def _select_slider(container, knob: Knob, spec: PageKnobs, **common):
    # the page's values (or the table's); a value from the URL joins them
    options = sorted(set(spec.steps.get(knob.name, knob.steps)) | {int(st.session_state[knob.name])})
    container.select_slider(knob.label, options, format_func=lambda v: f"{v:,}", **common)


def _number_input(container, knob: Knob, spec: PageKnobs, **common):
    container.number_input(knob.label, int(knob.low), int(knob.high), step=int(knob.step), **common)


def _text_input(container, knob: Knob, spec: PageKnobs, **common):
    container.text_input(knob.label, **common)


WIDGETS = {"selectbox": _selectbox, "slider": _slider, "select_slider": _select_slider,
           "number_input": _number_input, "text_input": _text_input}


def knob_widget(name: str, spec: PageKnobs, container=st) -> None:
    """The widget for one knob, keyed by the knob's name; its value lives in session state."""
    knob = KNOBS[name]
    common = dict(key=name, help=f"{knob.help} Allowed: {knob.allowed()}.")
    if knob.enabled_when:
        other, value = knob.enabled_when
        if other == "family":
            world = st.session_state.get("world", spec.base.world)
            common["disabled"] = world not in FAMILY_OF_WORLD or family_of(world) != value
        else:
            common["disabled"] = st.session_state.get(other) != value
    if name == "world" and spec.world_base is not None:
        common.update(on_change=world_changed, args=(spec,))
    if name == "replicates":
        _replicates_widget(knob, spec, container, **common)
    else:
        WIDGETS[knob.widget](container, knob, spec, **common)


def _replicates_widget(knob: Knob, spec: PageKnobs, container, **common) -> None:
    """Replicates up to the work budget for the other knobs (clamped, with a note)."""
    # a range fixed per page: a slider whose range moves is a new widget, and Streamlit resets its value
    top = replicates_top(spec)
    knobs = st.session_state.get("_last_good", spec.base).to_dict()
    try:
        knobs.update({n: parse_value(n, st.session_state[n]) for n in spec.names})
        # what can run at all: beyond the interactive budget a button offers it (see state.admit)
        ceiling = max(1, budget.max_replicates(knobs, budget.FULL_SIZE_SECONDS))
    except ScenarioError:
        ceiling = int(knob.high)
    else:
        try:
            if free(Scenario(**knobs), spec):  # a default or a preset keeps its replicates
                ceiling = max(ceiling, knobs["replicates"])
        except ScenarioError:  # too many rows: the ceiling above holds
            pass
    ceiling = min(ceiling, top)
    if st.session_state["replicates"] > ceiling:
        st.session_state["replicates"] = ceiling
        container.info(f"Replicates lowered to {ceiling:,} to keep each run under about "
                       f"{budget.FULL_SIZE_SECONDS:g} s.")
    container.slider(knob.label, 1, top, step=1, **common)


def replicates_top(spec: PageKnobs) -> int:
    """The replicates slider's end on a page: what its default scenario could afford in full size."""
    return max(2, budget.max_replicates(spec.base.to_dict(), budget.FULL_SIZE_SECONDS), spec.base.replicates)


def knob_panel(spec: PageKnobs, container=None) -> None:
    """Headline knobs (in the sidebar, or ``container``), the rest under "More settings"."""
    container = container or st.sidebar
    for name in spec.headline:
        knob_widget(name, spec, container)
    with container.expander("More settings"):
        for name in spec.more:
            knob_widget(name, spec, st)
