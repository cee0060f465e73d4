"""A page's knobs and their state: URL <-> session state <-> Scenario.

Every widget's key is its knob's name, so the URL query parameter, the
session-state entry and the ``Scenario`` field agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import streamlit as st

from .. import budget
from ..knobs import KNOBS, ScenarioError, default_model, family_of, format_value, parse_value
from ..presets import PRESETS
from ..scenario import Scenario, parse_query_params
from .cache import RUNS
from .data import CUSTOM_WORLDS, data_for, user_data

#: The presets' scenarios: famous results a class opens together, always admitted.
PRESET_SCENARIOS = frozenset(preset.scenario() for preset in PRESETS)
#: URL parameters about the view, not the scenario: Streamlit's embedding, and
#: ``present=1``, the presentation view (no knobs, large type) for projectors and iframes.
STREAMLIT_PARAMS = {"embed", "embed_options", "present"}


@dataclass(frozen=True)
class PageKnobs:
    """The knobs one page shows: in view, under "More settings", and the choices offered.

    ``steps`` gives a select slider's values on this page (e.g. the sample
    sizes it offers) where they differ from the knob table's.
    """

    page: str
    base: Scenario
    headline: tuple[str, ...]
    more: tuple[str, ...]
    choices: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)
    #: The page has no model widget: each world gets its family's default model.
    model_follows_world: bool = False
    #: The page's own URL parameters (not scenario knobs) with their defaults; the page checks them.
    extra: dict = field(default_factory=dict)
    #: world -> the page's scenario for a world of that family (sizes that suit it), for a page
    #: whose worlds span families: a world of another family brings its own sample size and replicates.
    world_base: Callable[[str], Scenario] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return self.headline + self.more


def _to_widget(name: str, value):
    return format_value(value).replace(",", ", ") if KNOBS[name].kind is tuple else value


def _query_dict() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def load_url_once(spec: PageKnobs) -> None:
    """When a page opens, put the URL's knobs (or the page's defaults) into the widgets' state.

    Bad or out-of-range values fall back to the default of that knob only, and
    a warning naming each is kept for :func:`show_problems`; a scenario over
    the work budget falls back to the page's defaults.
    """
    # widget values vanish when their page is left: reload unless they are all still here
    if st.session_state.get("_page") == spec.page and all(n in st.session_state for n in spec.names):
        return
    params = _query_dict()
    ours = {k: v for k, v in params.items() if k in spec.names}
    offered = {}
    for name, options in spec.choices.items():
        given = ours.get(name, [""])[-1].strip()
        if name in ours and given not in options:
            offered[name] = f"{name} must be one of {', '.join(options)} on this page; got {given!r}"
            del ours[name]
    linked_world = ours.get("world", [""])[-1].strip()
    custom = {world: kind for kind, world in CUSTOM_WORLDS.items()}
    if linked_world in custom and user_data(custom[linked_world]) is None:
        offered["world"] = _CUSTOM_WORLD_MESSAGE.format(world=linked_world)
        del ours["world"]
    base = spec.base
    if spec.model_follows_world and "world" in ours and ours["world"][-1] in KNOBS["world"].choices:
        ours["model"] = default_model(ours["world"][-1])
        if spec.world_base is not None:
            base = spec.world_base(ours["world"][-1])
    scenario, problems = parse_query_params(ours, base)
    try:
        if scenario != spec.base and scenario not in PRESET_SCENARIOS:
            budget.check(scenario)
    except ScenarioError as err:
        problems["scenario"] = str(err)
        scenario = spec.base
    problems.update(offered)
    for key in params:
        if key not in spec.names and key not in spec.extra and key not in STREAMLIT_PARAMS:
            problems[key] = f"unknown parameter {key!r} was ignored"
    for key, default in spec.extra.items():
        st.session_state[key] = params.get(key, [default])[-1]
    for name in spec.names:
        st.session_state[name] = _to_widget(name, getattr(scenario, name))
    # bound to the scenario this first run ends on (after clamps): see show_problems
    st.session_state["_problems_pending"] = problems
    st.session_state.pop("_problems", None)
    st.session_state["_last_good"] = scenario
    st.session_state["_page"] = spec.page


def world_changed(spec: PageKnobs) -> None:
    """The world widget's callback: a world of another family brings that family's sizes on this page."""
    old, new = st.session_state.get("_last_good", spec.base).world, st.session_state["world"]
    if new not in KNOBS["world"].choices or family_of(new) == family_of(old):
        return
    old_base, new_base = spec.world_base(old), spec.world_base(new)
    for name in spec.names:
        if name != "world" and getattr(old_base, name) != getattr(new_base, name):
            st.session_state[name] = _to_widget(name, getattr(new_base, name))


def current_scenario(spec: PageKnobs) -> tuple[Scenario, str | None]:
    """The scenario the widgets describe, or the last good one and the reason it was refused."""
    last_good: Scenario = st.session_state.get("_last_good", spec.base)
    try:
        values = {name: parse_value(name, st.session_state[name]) for name in spec.names}
        if spec.model_follows_world:
            values["model"] = default_model(values["world"])
        scenario = last_good.replace(**values)
        admit(scenario, spec)
    except ScenarioError as err:
        return last_good, str(err)
    st.session_state["_last_good"] = scenario
    return scenario, None


def admit(scenario: Scenario, spec: PageKnobs) -> None:
    """Raise ScenarioError unless the scenario may run now on this shared server.

    It may when it is the page's own default or a preset (both computed once
    for everyone, at server start), already computed (a cache hit costs
    nothing), within the work budget, or asked for in full size (up to
    ``budget.FULL_SIZE_SECONDS``, offered with a button by :func:`show_problems`).
    """
    if free(scenario, spec):
        return
    try:
        budget.check(scenario)
    except ScenarioError:
        budget.check(scenario, budget.FULL_SIZE_SECONDS)  # beyond this even a click cannot run it
        if st.session_state.get("_full_size") != scenario.to_json():
            st.session_state["_full_size_offer"] = scenario.to_json()
            raise


def free(scenario: Scenario, spec: PageKnobs) -> bool:
    """True if the scenario costs this server nothing more: the page's default, a preset, or already computed."""
    return (scenario == spec.base or scenario in PRESET_SCENARIOS
            or (scenario.to_json(), data_for(scenario)[0]) in RUNS)


def _run_full_size(scenario_json: str) -> None:
    st.session_state["_full_size"] = scenario_json


def write_url(scenario: Scenario, spec: PageKnobs) -> None:
    """Keep every knob of the page in the address bar, so copying it reproduces this view."""
    wanted = scenario.to_query_params(spec.names)
    wanted.update({k: str(st.session_state.get(k, d)) for k, d in spec.extra.items() if st.session_state.get(k, d)})
    kept = {k: v for k, v in st.query_params.to_dict().items() if k in STREAMLIT_PARAMS}
    if st.query_params.to_dict() != {**kept, **wanted}:
        st.query_params.from_dict({**kept, **wanted})


def share_url(scenario: Scenario, spec: PageKnobs) -> str:
    """The full link to this view (just the query string where the host is unknown)."""
    base = st.context.url or ""
    params = scenario.to_query_params(spec.names)
    params.update({k: str(st.session_state.get(k, d)) for k, d in spec.extra.items() if st.session_state.get(k, d)})
    return f"{base}?{urlencode(params, safe=',')}"


def show_problems(scenario: Scenario, refusal: str | None) -> None:
    """Warnings for bad URL values (until the user changes a knob) and for refused settings."""
    if "_problems_pending" in st.session_state:
        st.session_state["_problems"] = (scenario, st.session_state.pop("_problems_pending"))
    for_scenario, problems = st.session_state.get("_problems", (None, {}))
    if problems and for_scenario == scenario:
        for key, message in problems.items():
            st.warning(f"URL parameter `{key}`: {message}. Using the default instead.", icon="⚠️")
    if refusal:
        st.error(f"These settings were not run: {refusal}. The charts still show the previous settings.", icon="⛔")
        offer = st.session_state.pop("_full_size_offer", None)
        if offer is not None:
            seconds = budget.estimate_seconds(Scenario.from_json(offer).to_dict())
            st.button(f"Run the full-size version (about {seconds:.2g} s of computing)", key="full_size",
                      on_click=_run_full_size, args=(offer,), help="This server is shared: a run this size makes everyone wait "
                      "a little, so it starts only when you ask.")


_CUSTOM_WORLD_MESSAGE = ('{world} means your own data, which a share link cannot carry; upload it under '
                         '"Your own data"')


def custom_world_check(spec: PageKnobs) -> None:
    """World "custom" from a link without uploaded data: say why, and use the default world."""
    for kind, world in CUSTOM_WORLDS.items():
        if st.session_state.get("world") == world and user_data(kind) is None:
            pending = st.session_state.setdefault("_problems_pending", {})
            pending["world"] = _CUSTOM_WORLD_MESSAGE.format(world=world)
            st.session_state["world"] = spec.base.world
