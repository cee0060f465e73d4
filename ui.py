"""Streamlit glue shared by dashboard.py and pages/: knobs <-> URL, widgets, cached runs.

The engine (``collapse/``) never imports streamlit; this module is the only
place that knows both. Every widget's key is its knob's name, so the URL query
parameter, the session state entry and the ``Scenario`` field agree.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from collapse.export import file_stem, results_csv
from collapse.figures import all_charts, all_vocabulary_charts, digits_charts, shapes_charts
from collapse.loop import real_world, run, simulate_samples, simulate_vocabulary
from collapse.scenario import (
    BUDGET_SECONDS,
    KNOBS,
    WORLDS_VOCABULARY,
    Scenario,
    ScenarioError,
    format_value,
    max_replicates,
    parse_query_params,
    parse_value,
)
from collapse.worlds import MAX_NUMBERS, MAX_UPLOAD_BYTES, numbers_from_bytes, text_from_bytes

#: URL parameters about the view, not the scenario: Streamlit's embedding, and
#: ``present=1``, the presentation view (no knobs, large type) for projectors and iframes.
STREAMLIT_PARAMS = {"embed", "embed_options", "present"}
PRESENTATION_FONT = 20

GENERATION_STEPS = (1, 2, 3, 5, 10, 15, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300, 400, 500,
                    750, 1_000, 1_500, 2_000)

LABELS = {
    "world": "Real world",
    "model": "Model",
    "synthetic_fraction": "Synthetic fraction: share of training data the model wrote itself",
    "generations": "Generations: times the model is retrained",
    "sample_size": "Sample size: training examples per generation",
    "replicates": "Replicates: independent runs",
    "mode": "Old data",
    "temperature": "Temperature of the model's output",
    "tail_thresholds": "Tail thresholds (in sd, comma-separated)",
    "tail_index": "Tail index of the heavy-tailed world",
    "vocabulary_size": "Vocabulary: number of distinct words",
    "zipf_exponent": "Zipf exponent",
    "top_k": "Top-k: write only the k likeliest words (0 = off)",
    "top_p": "Top-p: write only the likeliest words covering this share (1 = off)",
    "n_components": "Bell curves in the mixture model",
    "bandwidth": "Kernel width of the density model",
    "data_source": "Training data",
    "human_output": "People's first-year output",
    "human_decline": "How much people stop writing as AI text spreads",
    "ai_output": "AI output in its first year (per human document)",
    "ai_growth": "Yearly growth of AI output",
    "archive_share": "Share of training data from a pre-AI archive",
    "detector_recall": "Filter: share of AI text caught",
    "detector_false_positive": "Filter: share of human text wrongly removed",
    "retrieval_share": "Share of answers retrieved from the web",
    "seed": "Random seed",
}
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
    "digits": "Handwritten digits",
    "gaussian_mixture": "Gaussian mixture (scikit-learn)",
    "kernel_density": "Kernel density (scikit-learn)",
}


@dataclass(frozen=True)
class PageKnobs:
    """The knobs one page shows: in view, under "More settings", and the choices offered."""

    page: str
    base: Scenario
    headline: tuple[str, ...]
    more: tuple[str, ...]
    choices: dict = field(default_factory=dict)
    sample_sizes: tuple[int, ...] = tuple(10**k * m for k in range(1, 6) for m in (1, 2, 5)) + (10**6,)
    #: The page has no model widget: vocabularies get the categorical model, 1-D worlds a Gaussian.
    model_follows_world: bool = False
    #: The page's own URL parameters (not scenario knobs) with their defaults; the page checks them.
    extra: dict = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return self.headline + self.more


# -- state: URL <-> session <-> Scenario ---------------------------------------
def _to_widget(name: str, value):
    return format_value(value).replace(",", ", ") if KNOBS[name].kind is tuple else value


def _query_dict() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def load_url_once(spec: PageKnobs) -> None:
    """When a page opens, put the URL's knobs (or the page's defaults) into the widgets' state.

    Bad or out-of-range values fall back to the default of that knob only, and
    a warning naming each is kept for :func:`show_problems`.
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
    if spec.model_follows_world and "world" in ours:
        ours["model"] = "categorical" if ours["world"][-1] in WORLDS_VOCABULARY else "gaussian_mle"
    scenario, problems = parse_query_params(ours, spec.base)
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


def current_scenario(spec: PageKnobs) -> tuple[Scenario, str | None]:
    """The scenario the widgets describe, or the last good one and the reason it was refused."""
    last_good: Scenario = st.session_state.get("_last_good", spec.base)
    try:
        values = {name: parse_value(name, st.session_state[name]) for name in spec.names}
        if spec.model_follows_world:
            values["model"] = "categorical" if values["world"] in WORLDS_VOCABULARY else "gaussian_mle"
        scenario = last_good.replace(**values)
    except ScenarioError as err:
        return last_good, str(err)
    st.session_state["_last_good"] = scenario
    return scenario, None


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


# -- a page's frame -------------------------------------------------------------------
def start_page(spec: PageKnobs) -> None:
    """First lines of every page: knobs from the URL, the presentation view, your-data links."""
    load_url_once(spec)
    presentation_view()
    custom_world_check(spec)


def sidebar(spec: PageKnobs, data_kind: str | None = None) -> Scenario:
    """The knobs (and your-data panel), then the scenario they describe, kept in the URL.

    Refused settings and bad URL values are reported on the page; the share
    link and the downloads follow the knobs. Returns the scenario to show.
    """
    st.sidebar.header("Knobs")
    knobs = st.sidebar.container()
    if data_kind:
        data_panel(data_kind, st.sidebar)  # before the knobs are drawn: it may switch the world
    knob_panel(spec, knobs)
    scenario, refusal = current_scenario(spec)
    write_url(scenario, spec)
    show_problems(scenario, refusal)
    share_and_download(scenario, spec)
    return scenario


# -- widgets --------------------------------------------------------------------
def knob_widget(name: str, spec: PageKnobs, container=st) -> None:
    """The widget for one knob, keyed by the knob's name; its value lives in session state."""
    knob = KNOBS[name]
    label, help_text = LABELS[name], f"{knob.help} Allowed: {knob.allowed()}."
    if knob.choices:
        options = spec.choices.get(name, knob.choices)
        # your-data worlds are offered once there are data to use
        options = [o for o in options if o not in CUSTOM_WORLDS.values()
                   or user_data({v: k for k, v in CUSTOM_WORLDS.items()}[o])]
        container.selectbox(label, options, key=name, help=help_text, format_func=lambda c: CHOICE_LABELS.get(c, c))
    elif name == "synthetic_fraction":
        container.slider(label, 0.0, 1.0, step=0.01, key=name, help=help_text)
    elif name == "generations":
        # roughly logarithmic steps: 1..100 matter as much as 100..2000
        options = sorted(set(GENERATION_STEPS) | {int(st.session_state[name])})
        container.select_slider(label, options, key=name, help=help_text)
    elif name == "sample_size":
        # a log scale; a value from the URL joins the options
        options = sorted(set(spec.sample_sizes) | {int(st.session_state[name])})
        container.select_slider(label, options, key=name, help=help_text, format_func=lambda m: f"{m:,}")
    elif name == "replicates":
        _replicates_widget(label, help_text, spec, container)
    elif name == "temperature":
        container.slider(label, 0.05, 5.0, step=0.05, key=name, help=help_text)
    elif name == "tail_index":
        disabled = st.session_state.get("world") != "heavy_tailed"
        container.slider(label, 2.5, 100.0, step=0.5, key=name, help=help_text, disabled=disabled)
    elif name == "seed":
        container.number_input(label, 0, int(knob.high), step=1, key=name, help=help_text)
    elif name == "vocabulary_size":
        options = sorted({100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000} | {int(st.session_state[name])})
        container.select_slider(label, options, key=name, help=help_text, format_func=lambda v: f"{v:,}")
    elif name == "zipf_exponent":
        disabled = st.session_state.get("world") != "zipf"
        container.slider(label, 0.5, 3.0, step=0.05, key=name, help=help_text, disabled=disabled)
    elif name == "n_components":
        disabled = st.session_state.get("model") != "gaussian_mixture"
        container.slider(label, 1, int(knob.high), step=1, key=name, help=help_text, disabled=disabled)
    elif name == "bandwidth":
        disabled = st.session_state.get("model") != "kernel_density"
        container.slider(label, float(knob.low), float(knob.high), step=0.01, key=name, help=help_text,
                         disabled=disabled)
    elif name == "top_k":
        container.number_input(label, 0, int(knob.high), step=1, key=name, help=help_text)
    elif name == "top_p":
        container.slider(label, 0.01, 1.0, step=0.01, key=name, help=help_text)
    elif knob.kind is float:  # the web's shares and rates
        container.slider(label, float(knob.low), float(knob.high), step=0.01, key=name, help=help_text)
    else:
        container.text_input(label, key=name, help=help_text)


def _replicates_widget(label: str, help_text: str, spec: PageKnobs, container) -> None:
    """Replicates up to the work budget for the other knobs (clamped, with a note)."""
    knobs = st.session_state.get("_last_good", spec.base).to_dict()
    try:
        knobs.update({n: parse_value(n, st.session_state[n]) for n in spec.names})
        ceiling = max(1, max_replicates(knobs))
    except ScenarioError:
        ceiling = int(KNOBS["replicates"].high)
    if st.session_state["replicates"] > ceiling:
        st.session_state["replicates"] = ceiling
        container.info(f"Replicates lowered to {ceiling:,} to keep each run under about {BUDGET_SECONDS:.0f} s.")
    container.slider(label, 1, max(ceiling, 2), step=1, key="replicates", help=help_text)


def knob_panel(spec: PageKnobs, container=None) -> None:
    """Headline knobs (in the sidebar, or ``container``), the rest under "More settings"."""
    container = container or st.sidebar
    for name in spec.headline:
        knob_widget(name, spec, container)
    with container.expander("More settings"):
        for name in spec.more:
            knob_widget(name, spec, st)


# -- your own data ---------------------------------------------------------------------
CUSTOM_WORLDS = {"numbers": "custom", "text": "custom_text"}
EXAMPLES = {"numbers": Path(__file__).parent / "examples" / "iris_petal_length.csv",
            "text": Path(__file__).parent / "examples" / "gettysburg_and_declaration.txt"}


def user_data(kind: str):
    """This session's uploaded data of a kind ("numbers" or "text"): (data, label, key) or None."""
    return st.session_state.get(f"_user_{kind}")


def data_for(scenario: Scenario) -> tuple[str, object]:
    """(cache key, data) for a scenario: your data for the custom worlds, else nothing."""
    for kind, world in CUSTOM_WORLDS.items():
        if scenario.world == world and user_data(kind):
            data, _, key = user_data(kind)
            return key, data
    return "", None


def data_panel(kind: str, container) -> None:
    """Upload, paste or load the example; on success the world becomes your data.

    Bad input gets a message naming the problem and changes nothing else.
    Data stay in this session's memory: never written to disk, never in a link.
    """
    text_kind = kind == "text"
    with container.expander("Your own data", expanded=user_data(kind) is not None):
        st.caption(
            (".txt file or pasted text" if text_kind else "CSV file or a pasted column of numbers")
            + f", up to {MAX_UPLOAD_BYTES // 2**20} MB"
            + ("" if text_kind else f" and {MAX_NUMBERS:,} numbers")
            + ". Your data stay in this browser session: never stored, never in a share link."
        )
        upload = st.file_uploader("Upload a file", type=["txt"] if text_kind else ["csv", "txt", "tsv"],
                                  key=f"upload_{kind}")
        pasted = st.text_area("…or paste " + ("text" if text_kind else "numbers"), key=f"paste_{kind}", height=100)
        example = st.button("Use the example", key=f"example_{kind}",
                            help=f"{EXAMPLES[kind].name}: see examples/README.md for its source")
        forget = st.button("Forget my data", key=f"forget_{kind}", disabled=user_data(kind) is None)
        source = None
        if example:
            source = (EXAMPLES[kind].read_bytes(), EXAMPLES[kind].name)
        elif upload is not None and st.session_state.get(f"_seen_upload_{kind}") != upload.file_id:
            st.session_state[f"_seen_upload_{kind}"] = upload.file_id
            source = (upload.getvalue(), upload.name)
        elif pasted.strip() and st.session_state.get(f"_seen_paste_{kind}") != pasted:
            st.session_state[f"_seen_paste_{kind}"] = pasted
            source = (pasted.encode("utf-8"), "pasted " + ("text" if text_kind else "numbers"))
        if forget:
            st.session_state.pop(f"_user_{kind}", None)
            if st.session_state.get("world") == CUSTOM_WORLDS[kind]:
                st.session_state["world"] = "english" if text_kind else "gaussian"
        if source is not None:
            raw, name = source
            try:
                data = text_from_bytes(raw) if text_kind else numbers_from_bytes(raw)
            except ValueError as err:
                st.error(f"{name}: {err}. Nothing was changed.", icon="⛔")
            else:
                size = f"{len(data.split()):,} words" if text_kind else f"{data.size:,} numbers"
                key = hashlib.sha256(data.encode() if text_kind else data.tobytes()).hexdigest()[:16]
                st.session_state[f"_user_{kind}"] = (data, f"{name} ({size})", key)
                st.session_state["world"] = CUSTOM_WORLDS[kind]
        if user_data(kind):
            st.success(f"In use: {user_data(kind)[1]}", icon="✅")


def custom_world_check(spec: PageKnobs) -> None:
    """World "custom" from a link without uploaded data: say why, and use the default world."""
    for kind, world in CUSTOM_WORLDS.items():
        if st.session_state.get("world") == world and user_data(kind) is None:
            pending = st.session_state.setdefault("_problems_pending", {})
            pending["world"] = (f"{world} means your own data, which a share link cannot carry; upload it "
                                "under \"Your own data\"")
            st.session_state["world"] = spec.base.world


# -- cached engine calls ------------------------------------------------------------
# Your data enter the caches only through ``data_key`` (a hash) and ``_data``
# (not hashed): entries stay in this server's memory, bounded, never on disk.
@st.cache_data(max_entries=32, show_spinner="Simulating…")
def cached_results(scenario_json: str, data_key: str = "", _data=None) -> pd.DataFrame:
    """The tidy results of a scenario; a repeated setting costs nothing."""
    scenario = Scenario.from_json(scenario_json)
    if scenario.is_vocabulary and scenario.data_source == "mix":
        return cached_vocabulary(scenario_json, data_key, _data)[0].results  # the vocabulary page's run
    if scenario.is_sampled and scenario.data_source == "mix":
        return cached_sampled(scenario_json)[0].results
    return run(scenario, _data)


@st.cache_resource(max_entries=16, show_spinner="Simulating…")
def cached_vocabulary(scenario_json: str, data_key: str = "", _data=None):
    """A vocabulary run and every chart of the vocabulary page."""
    scenario = Scenario.from_json(scenario_json)
    vocabulary_run = simulate_vocabulary(scenario, vocabulary=real_world(scenario, _data))
    return vocabulary_run, all_vocabulary_charts(vocabulary_run, scenario)


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_charts(scenario_json: str, data_key: str = "", _data=None):
    """Every dashboard chart and caption for a scenario.

    A resource cache: the figures are shared read-only, not copied on every
    rerun (copying ~1 MB of figures was a third of a rerun's time).
    """
    scenario = Scenario.from_json(scenario_json)
    return all_charts(cached_results(scenario_json, data_key, _data), scenario, real_world(scenario, _data))


_SAMPLED_CACHE: OrderedDict = OrderedDict()  # scenario JSON -> (run, charts); the 8 latest
_SAMPLED_LOCK = threading.Lock()


def cached_sampled(scenario_json: str, progress=None):
    """A run of a sampling model (clusters, digits) and its page's charts, from a bounded cache.

    A plain LRU of 8 entries rather than ``st.cache_resource``: Streamlit's
    caches replay the Streamlit calls a cached function made, and the progress
    bar lives outside it. Runs are read-only once made, so sessions share them.
    """
    with _SAMPLED_LOCK:
        if scenario_json in _SAMPLED_CACHE:
            _SAMPLED_CACHE.move_to_end(scenario_json)
            return _SAMPLED_CACHE[scenario_json]
    scenario = Scenario.from_json(scenario_json)
    sampled = simulate_samples(scenario, progress=progress)
    charts = shapes_charts(sampled, scenario) if scenario.world == "mixture_2d" else digits_charts(sampled, scenario)
    with _SAMPLED_LOCK:
        _SAMPLED_CACHE[scenario_json] = (sampled, charts)
        while len(_SAMPLED_CACHE) > 8:
            _SAMPLED_CACHE.popitem(last=False)
    return sampled, charts


def sampled_with_progress(scenario: Scenario):
    """:func:`cached_sampled` with a progress bar while it computes (these runs take up to ~2 s)."""
    bar = st.progress(0.0, text="Simulating…")
    try:
        return cached_sampled(scenario.to_json(), lambda done: bar.progress(min(done, 1.0), text="Simulating…"))
    finally:
        bar.empty()


@st.cache_data(max_entries=8, show_spinner=False)
def cached_csv(scenario_json: str, data_key: str = "", _data=None) -> str:
    return results_csv(cached_results(scenario_json, data_key, _data))


def share_and_download(scenario: Scenario, spec: PageKnobs) -> None:
    """Share link and downloads, in the sidebar."""
    st.sidebar.subheader("Share and download")
    data_key, data = data_for(scenario)
    if data is None:
        st.sidebar.caption("This link reproduces exactly this view:")
    else:
        st.sidebar.caption("This link holds every knob but cannot carry your uploaded data (it never leaves "
                           "this session): download the results and the scenario below to share them.")
    st.sidebar.code(share_url(scenario, spec), language=None, wrap_lines=True)
    key = scenario.to_json()
    stem = file_stem(scenario)
    st.sidebar.download_button("Results (CSV)", lambda: cached_csv(key, data_key, data), file_name=f"{stem}.csv",
                               mime="text/csv", key="download_csv")
    st.sidebar.download_button("Scenario (JSON)", key, file_name=f"{stem}.json",
                               mime="application/json", key="download_json")


# -- showing charts -------------------------------------------------------------------
def presenting() -> bool:
    """True in the presentation view (``?present=1``): charts only, large type."""
    return st.query_params.get("present", "") in {"1", "true", "yes", "on"}


def presentation_view() -> None:
    """Hide the knobs and enlarge the text when presenting (a page calls this first)."""
    if presenting():
        st.markdown(
            f"""<style>
            [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {{display: none;}}
            [data-testid="stMain"] p, [data-testid="stCaptionContainer"] {{font-size: {PRESENTATION_FONT}px;}}
            </style>""",
            unsafe_allow_html=True,
        )


def show_chart(figure, caption: str, name: str, scenario: Scenario) -> None:
    """A chart and its caption; the modebar saves a 2x PNG named after the chart and scenario."""
    if presenting():  # bigger type for a projector, on a copy: cached figures are shared
        figure = go.Figure(figure)
        figure.update_layout(font_size=PRESENTATION_FONT, title_font_size=PRESENTATION_FONT + 6, height=620,
                             margin_b=40)
        if figure.layout.legend.orientation == "h":  # legends under the chart move down with the type
            figure.update_layout(legend_y=-0.4)
    config = {"toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"{file_stem(scenario)}_{name}"},
              "displaylogo": False}
    st.plotly_chart(figure, key=f"chart_{name}", theme=None, config=config)
    st.caption(caption)
