"""What is model collapse? A guided tour in six steps, one knob each.

Each step is a live chart computed by the engine (``collapse/``) from a small
scenario, one knob to try (its widget key is the knob's name, as everywhere in
the lab) and one sentence on what to notice, computed from the numbers. Only
one step is shown at a time, so a knob never has two widgets. The address bar
holds the step and its knob (``?step=3&synthetic_fraction=0.5``), so a teacher
can link straight to a step.
"""

import inspect
import sys
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

# `streamlit run pages/0_What_is_model_collapse.py` puts only pages/ on the path
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from collapse.figures import (  # noqa: E402
    distance_chart,
    distribution_chart,
    percent,
    spread_chart,
    surviving_words_chart,
    tail_chart,
    web_composition_chart,
    web_quality_chart,
)
from collapse.loop import run, simulate_vocabulary  # noqa: E402
from collapse.metrics import summarize, tail_column  # noqa: E402
from collapse.scenario import KNOBS, Scenario, ScenarioError, format_value, parse_value  # noqa: E402
from collapse.web import web_composition  # noqa: E402
from collapse.worlds import make_world  # noqa: E402

st.set_page_config(page_title="What is model collapse? · Model Collapse Lab", page_icon="🌀", layout="wide")

PAGE = "tour"
#: A knob keeps its value while its step is hidden (Streamlit 1.6x; older versions reset it).
KEEP = {"persist_state": "page"} if "persist_state" in inspect.signature(st.slider).parameters else {}
#: Streamlit's own URL parameters, kept in the address bar.
STREAMLIT_PARAMS = {"embed", "embed_options"}


# -- the knobs: one per step, each with its widget and the values it offers --------
@dataclass(frozen=True)
class TourKnob:
    """One step's knob: its widget, the values it offers and where it starts."""

    name: str
    label: str
    default: object
    options: tuple = ()  # select_slider / radio
    low: float | None = None  # slider
    high: float | None = None
    step: float | None = None
    labels: dict | None = None  # option -> words, for the radio

    def valid(self, value) -> bool:
        """True if the widget can show this value (and the step can run it)."""
        if self.options:
            return any(value == o and type(value) is type(o) for o in self.options)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return self.low <= value <= self.high

    def widget(self) -> object:
        """The knob's widget, keyed by the knob's name; returns a value the step can run."""
        if not self.valid(st.session_state.get(self.name)):
            st.session_state[self.name] = self.default
        help_text = KNOBS[self.name].help
        if self.labels:
            value = st.radio(self.label, self.options, key=self.name, help=help_text, horizontal=True,
                             format_func=self.labels.get, **KEEP)
        elif self.options:
            value = st.select_slider(self.label, self.options, key=self.name, help=help_text,
                                     format_func=lambda v: f"{v:,}", **KEEP)
        else:
            value = st.slider(self.label, self.low, self.high, step=self.step, key=self.name, help=help_text,
                              **KEEP)
        if not self.valid(value):  # never trust a value the widget should not have sent
            value = self.default
        return round(value, 2) if isinstance(value, float) else value

    def from_url(self, text: str):
        """The value a URL asks for, or raise ScenarioError naming the knob."""
        value = parse_value(self.name, text)
        if self.options and not any(value == o for o in self.options):
            shown = ", ".join(format_value(o) for o in self.options)
            raise ScenarioError(f"{self.name} must be one of {shown} on this page; got {text!r}")
        if self.options:  # the option itself (int 100, not float 100.0)
            value = next(o for o in self.options if value == o)
        elif not self.valid(value):
            raise ScenarioError(f"{self.name} must be from {self.low:g} to {self.high:g} on this page; got {text!r}")
        return value


# -- the engine, cached on the scenario's JSON ----------------------------------------
@st.cache_data(max_entries=16, show_spinner="Simulating…")
def tour_results(scenario_json: str):
    """The tidy results of a scenario (1-D or web)."""
    return run(Scenario.from_json(scenario_json))


@st.cache_data(max_entries=16, show_spinner="Simulating…")
def tour_vocabulary(scenario_json: str):
    """A vocabulary run."""
    return simulate_vocabulary(Scenario.from_json(scenario_json))


@st.cache_data(max_entries=16, show_spinner=False)
def tour_web(scenario_json: str):
    """The simulated web, year by year."""
    return web_composition(Scenario.from_json(scenario_json))


def continue_with(caption: str) -> str:
    """A chart caption continuing a sentence: its first letter in lower case."""
    return caption[:1].lower() + caption[1:]


def plot(figure, key: str) -> None:
    st.plotly_chart(figure, key=key, theme=None)


# -- the steps --------------------------------------------------------------------------
#: Every 1-D step starts from the dashboard's defaults: a bell curve, 100 examples a generation, 200 runs.
BELL = Scenario()
WORDS = Scenario(world="english", model="categorical", vocabulary_size=2_000, sample_size=5_000, replicates=10,
                 generations=100)
WEB = Scenario(data_source="web", generations=40, sample_size=50, replicates=100, ai_output=0.1, ai_growth=0.25,
               human_decline=0.6, retrieval_share=0.5)

#: Knobs each full page reads from its address, so a link opens it on this step's scenario.
DASHBOARD_LINK = ("world", "synthetic_fraction", "generations", "sample_size", "mode", "temperature", "replicates",
                  "seed")
VOCABULARY_LINK = ("world", "synthetic_fraction", "generations", "vocabulary_size", "sample_size", "temperature",
                   "mode", "replicates", "seed")
WEB_LINK = ("world", "human_decline", "ai_output", "ai_growth", "retrieval_share", "generations", "sample_size",
            "mode", "replicates", "seed")


def step_narrowing(scenario: Scenario) -> str:
    results = tour_results(scenario.to_json())
    figure, _ = distribution_chart(results, scenario)
    plot(figure, "tour_chart_1")
    G = scenario.generations
    sd = float(summarize(results).loc[G, ("std", "median")])
    lost = (f"it has lost {100 * (1 - sd):.0f} % of the real world's spread" if sd < 1 else
            "it has kept the real world's spread")
    return (f"After {G:,} generation{'s' if G > 1 else ''} of learning only from its own output, the median "
            f"model's bell curve is {sd:.2f} times as wide as the real world's: {lost}.")


def step_tails(scenario: Scenario) -> str:
    figure, caption = tail_chart(tour_results(scenario.to_json()), scenario)
    plot(figure, "tour_chart_2")
    return f"With {scenario.sample_size:,} training examples per generation, {continue_with(caption)}"


def step_fresh_data(scenario: Scenario) -> str:
    figure, caption = spread_chart(tour_results(scenario.to_json()), scenario)
    plot(figure, "tour_chart_3")
    s = scenario.synthetic_fraction
    mix = ("only its own output" if s == 1 else "only fresh real data" if s == 0 else
           f"{100 * s:.0f} % its own output and {100 * (1 - s):.0f} % fresh real data")
    return f"Trained on {mix}, {continue_with(caption)}"


def step_accumulate(scenario: Scenario) -> str:
    figure, caption = distance_chart(tour_results(scenario.to_json()), scenario)
    plot(figure, "tour_chart_4")
    lead = ("Keeping every earlier training set" if scenario.mode == "accumulate" else
            "Training on the newest data only")
    return f"{lead}, {continue_with(caption)}"


def step_words(scenario: Scenario) -> str:
    figure, caption = surviving_words_chart(tour_vocabulary(scenario.to_json()), scenario)
    plot(figure, "tour_chart_5")
    return f"Writing at temperature {scenario.temperature:.2f}, {continue_with(caption)}"


def step_web(scenario: Scenario) -> str:
    key = scenario.to_json()
    results, web = tour_results(key), tour_web(key)
    summary = summarize(results)
    left, right = st.columns(2)
    with left:
        plot(web_composition_chart(web, scenario)[0], "tour_chart_6")
    with right:
        plot(web_quality_chart(results, web, scenario, summary)[0], "tour_chart_6_quality")
    G = scenario.generations
    k = scenario.tail_thresholds[0]
    human = web.loc[G, "human_output"] / web.loc[1, "human_output"]
    model = summary.loc[G, (tail_column(k), "median")]
    return (f"In year {G}, {percent(web.loc[G, 'ai_share_of_web'])} of what is published is AI-written and "
            f"people publish {100 * human:.0f} % of what they did in year 1; the median model trained on this web puts "
            f"{percent(model)} of its output beyond {k:g} sd, where a world without AI text puts "
            f"{percent(make_world(scenario).tail_mass(k))}.")


@dataclass(frozen=True)
class Step:
    title: str
    intro: str
    knob: TourKnob
    base: Scenario
    show: object  # scenario -> the sentence on what to notice (draws the chart)
    link_page: str
    link_label: str
    link_knobs: tuple
    link_url: str  # the same page as a plain link, when this file runs on its own


STEPS = {
    1: Step(
        "The narrowing",
        "The simplest generative model there is: a bell curve. Fit it to 100 real examples, let it write 100 "
        "new examples, fit the next bell curve to those, and repeat. Each generation learns only from the one "
        "before; the dashed black curve is the real world.",
        TourKnob("generations", "Generations: times the model is retrained on its own output", 100,
                 options=(1, 2, 5, 10, 20, 50, 100, 200, 500)),
        BELL, step_narrowing, "dashboard.py", "Explore the narrowing in the dashboard", DASHBOARD_LINK, "./"),
    2: Step(
        "The lost tails",
        "Rare events live in the tails: values more than 2 or 3 standard deviations (sd) from the middle. A "
        "model trained on a small sample seldom sees them, so it thinks they are rarer than they are, and the "
        "next model sees even fewer. The axis is logarithmic: each step down is ten times rarer.",
        TourKnob("sample_size", "Sample size: training examples per generation", 100,
                 options=(10, 20, 50, 100, 200, 500, 1_000, 10_000, 100_000)),
        BELL, step_tails, "dashboard.py", "Explore the tails in the dashboard", DASHBOARD_LINK, "./"),
    3: Step(
        "Fresh data is the cure",
        "Now each training set mixes fresh real data with the previous model's output. The blue line is the "
        "model's spread (real world = 1); the dotted line is what the mathematics predicts.",
        TourKnob("synthetic_fraction", "Synthetic fraction: share of each training set the model wrote itself",
                 0.9, low=0.0, high=1.0, step=0.05),
        BELL, step_fresh_data, "dashboard.py", "Explore the mix in the dashboard", DASHBOARD_LINK, "./"),
    4: Step(
        "Keep the old data",
        "Back to a model that learns only from its own output, but this time nothing is thrown away: each "
        "generation keeps every earlier training set, including the real examples of the first one, and adds "
        "the new one. The chart shows how far the model is from the real world.",
        TourKnob("mode", "Old data", "replace", options=("replace", "accumulate"),
                 labels={"replace": "Replace: train on the newest data only",
                         "accumulate": "Accumulate: keep all earlier data"}),
        BELL, step_accumulate, "dashboard.py", "Explore old data in the dashboard", DASHBOARD_LINK, "./"),
    5: Step(
        "Rare words die first",
        "A language model, boiled down to how often it uses each of 2,000 common English words, writes 5,000 "
        "words; the next model learns its word frequencies from that text alone. A word the model happens not "
        "to write is never learnt again. Temperature below 1 makes the model favour the words it already "
        "likes; above 1, it spreads its choices out.",
        TourKnob("temperature", "Temperature of the model's writing", 1.0, low=0.5, high=1.5, step=0.05),
        WORDS, step_words, "pages/1_Vocabulary.py", "Explore vocabularies", VOCABULARY_LINK, "./Vocabulary"),
    6: Step(
        "The polluted web",
        "Real models learn from text scraped from the web, and more and more of the web is written by AI. "
        "Each year people and AI publish, and the next model is trained on that year's web (its answers also "
        "quote pages found on the web). People may also write less as AI text spreads.",
        TourKnob("human_decline", "How much people stop writing as AI text spreads (0 = not at all, 1 = they "
                 "stop when the web is all AI)", 0.6, low=0.0, high=1.0, step=0.05),
        WEB, step_web, "pages/2_The_polluted_web.py", "Explore the polluted web", WEB_LINK, "./The_polluted_web"),
}
LAST = max(STEPS)


# -- state: URL -> session on arrival, session -> URL on every run ----------------------
def arrive() -> list[str]:
    """On arriving from elsewhere, reset the tour's knobs and read the step and knobs from the URL.

    Other pages use the same knob names (the session is shared), so their
    values are never carried into the tour. Returns warnings for bad URL values.
    """
    if st.session_state.get("_page") == PAGE:
        return []
    # other pages reload their knobs from their URL when they see another page was open
    st.session_state["_page"] = PAGE
    problems = []
    st.session_state["step"] = 1
    given = st.query_params.get("step")
    if given is not None:
        try:
            step = int(given)
            if step not in STEPS:
                raise ValueError
            st.session_state["step"] = step
        except ValueError:
            problems.append(f"URL parameter `step` must be a whole number from 1 to {LAST}; got {given!r}. "
                            "Starting at step 1.")
    for step in STEPS.values():
        knob = step.knob
        st.session_state[knob.name] = knob.default
        if knob.name in st.query_params:
            try:
                st.session_state[knob.name] = knob.from_url(st.query_params[knob.name])
            except ScenarioError as err:
                problems.append(f"URL parameter `{knob.name}`: {err}. Using {format_value(knob.default)} instead.")
    return problems


def write_url(step: int, knob: TourKnob, value) -> None:
    """The step and its knob in the address bar: copying it opens this very view."""
    wanted = {"step": str(step), knob.name: format_value(value)}
    kept = {k: v for k, v in st.query_params.to_dict().items() if k in STREAMLIT_PARAMS}
    if st.query_params.to_dict() != {**kept, **wanted}:
        st.query_params.from_dict({**kept, **wanted})


def move(by: int) -> None:
    st.session_state["step"] = min(LAST, max(1, st.session_state.get("step", 1) + by))


def link(step: Step, scenario: Scenario) -> None:
    """A link to the full page on this step's scenario (a plain link when this file runs on its own)."""
    params = scenario.to_query_params(step.link_knobs)
    try:
        st.page_link(step.link_page, label=f"{step.link_label} with these settings →", icon="🔬",
                     query_params=params)
    except StreamlitPageNotFoundError:
        # run on its own (not from dashboard.py) there is no page to switch to
        query = "&".join(f"{k}={v}" for k, v in params.items())
        st.markdown(f"🔬 [{step.link_label} with these settings →]({step.link_url}?{query})")


# -- the page -----------------------------------------------------------------------------
problems = arrive()
st.title("What is model collapse?")
st.markdown(
    "A generative AI learns what the world looks like from examples. Then what it writes is published, "
    "collected and used to train the next model, which learns from the previous model instead of from the "
    "world. **Model collapse** is what happens next: generation after generation, the model forgets the world, "
    "rare things first. Six steps, one knob each: move the knob and watch."
)
for problem in problems:
    st.warning(problem, icon="⚠️")

if st.session_state.get("step") not in STEPS:
    st.session_state["step"] = 1
number = st.radio("Step", list(STEPS), key="step", horizontal=True,
                  format_func=lambda n: f"{n}. {STEPS[n].title}")
number = number if number in STEPS else 1
step = STEPS[number]

st.header(f"Step {number} of {LAST}: {step.title}")
st.markdown(step.intro)
value = step.knob.widget()
scenario = step.base.replace(**{step.knob.name: value})
write_url(number, step.knob, value)

sentence = step.show(scenario)
st.info(f"**What to notice:** {sentence}", icon="👀")
link(step, scenario)

with st.expander("The exact settings of this step"):
    st.markdown("Every number above comes from this scenario; the command below writes its full results table.")
    st.code(scenario.to_json(), language="json")
    changed = {n: v for n, v in scenario.to_dict().items() if v != Scenario().to_dict()[n]}
    flags = " ".join(f"{KNOBS[n].flag} {format_value(getattr(scenario, n)).replace(',', ' ')}" for n in changed)
    st.code(f"python -m collapse run {flags}".strip(), language="bash")

back, _, forward = st.columns([1, 4, 1])
back.button("← Back", key="back", on_click=move, args=(-1,), disabled=number == 1, width="stretch")
forward.button("Next →", key="next", on_click=move, args=(1,), disabled=number == LAST, width="stretch")
