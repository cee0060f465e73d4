"""The guided tour's steps and their state, for ``pages/0_What_is_model_collapse.py``.

Six steps, each a small scenario with one knob to try (its widget key is the
knob's name, as everywhere in the lab), the charts to draw and one sentence
on what to notice, computed from the run's numbers. Each step's title and
words are in ``text/tour.md``. Only one step is shown at a time, so a knob
never has two widgets. The address bar holds the step and its knob
(``?step=3&synthetic_fraction=0.5``), so a teacher can link straight to a step.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from ..charts.style import percent
from ..families.gaussian import tail_column
from ..knobs import KNOBS, ScenarioError, format_value, parse_value
from ..runner import Run, summarize
from ..presets import page_default
from ..scenario import Scenario
from . import prose
from .frame import page_link

PAGE = "tour"
#: A knob keeps its value while its step is hidden (Streamlit 1.6x; older versions reset it).
KEEP = {"persist_state": "page"} if "persist_state" in inspect.signature(st.slider).parameters else {}
#: Streamlit's own URL parameters, kept in the address bar.
STREAMLIT_PARAMS = {"embed", "embed_options", "present"}


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


# -- what to notice: one sentence per step, from the run's numbers -------------------
def continue_with(caption: str) -> str:
    """A chart caption continuing a sentence: its first letter in lower case."""
    return caption[:1].lower() + caption[1:]


def notice_narrowing(run: Run, charts: dict, scenario: Scenario) -> str:
    G = scenario.generations
    sd = float(summarize(run.results).loc[G, ("std", "median")])
    lost = (f"it has lost {100 * (1 - sd):.0f} % of the real world's spread" if sd < 1 else
            "it has kept the real world's spread")
    return (f"After {G:,} generation{'s' if G > 1 else ''} of learning only from its own output, the median "
            f"model's bell curve is {sd:.2f} times as wide as the real world's: {lost}.")


def notice_tails(run: Run, charts: dict, scenario: Scenario) -> str:
    return f"With {scenario.sample_size:,} training examples per generation, {continue_with(charts['tails'][1])}"


def notice_fresh_data(run: Run, charts: dict, scenario: Scenario) -> str:
    s = scenario.synthetic_fraction
    mix = ("only its own output" if s == 1 else "only fresh real data" if s == 0 else
           f"{100 * s:.0f} % its own output and {100 * (1 - s):.0f} % fresh real data")
    return f"Trained on {mix}, {continue_with(charts['spread'][1])}"


def notice_old_data(run: Run, charts: dict, scenario: Scenario) -> str:
    lead = ("Keeping every earlier training set" if scenario.mode == "accumulate" else
            "Training on the newest data only")
    return f"{lead}, {continue_with(charts['distance'][1])}"


def notice_words(run: Run, charts: dict, scenario: Scenario) -> str:
    G = scenario.generations
    words = run.detail.samples[G][0].split()
    quote = " ".join(words[:30]) + (" …" if len(words) > 30 else "")
    return (f"Writing at temperature {scenario.temperature:.2f}, the model writes after {G} generations: "
            f"“{quote}” {charts['text_repetition'][1]}")


def notice_web(run: Run, charts: dict, scenario: Scenario) -> str:
    web, G, k = run.web, scenario.generations, scenario.tail_thresholds[0]
    human = web.loc[G, "human_output"] / web.loc[1, "human_output"]
    model = summarize(run.results).loc[G, (tail_column(k), "median")]
    return (f"In year {G}, {percent(web.loc[G, 'ai_share_of_web'])} of what is published is AI-written and "
            f"people publish {100 * human:.0f} % of what they did in year 1; the median model trained on this web puts "
            f"{percent(model)} of its output beyond {k:g} sd, where a world without AI text puts "
            f"{percent(run.world.tail_mass(k))}.")


# -- the steps --------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One step of the tour: its words (a section of ``text/tour.md``), knob, scenario, charts and link."""

    key: str  # its section in text/tour.md
    knob: TourKnob
    base: Scenario
    charts: tuple[str, ...]  # drawn side by side
    notice: Callable[[Run, dict, Scenario], str]  # (run, charts, scenario) -> the sentence on what to notice
    link_page: str
    link_label: str
    link_knobs: tuple
    link_url: str  # the same page as a plain link, when the tour runs on its own

    @property
    def title(self) -> str:
        return prose.section("tour", self.key).title

    def intro(self, scenario: Scenario) -> str:
        """The step's words, with the scenario's values filled in."""
        values = {name: f"{value:,}" if type(value) is int else format_value(value)
                  for name, value in scenario.to_dict().items()}
        return prose.fill(prose.section("tour", self.key).body, values, where=f"tour.md, section {self.key!r}")


#: Every 1-D step starts from the dashboard's defaults: a bell curve, 100 examples a generation, 200 runs.
BELL = Scenario()
#: The language step: the chatbot page's model of real prose, ten generations.
WORDS = page_default("Chatbot").replace(generations=10)
WEB = Scenario(data_source="web", generations=40, sample_size=50, replicates=100, ai_output=0.1, ai_growth=0.25,
               human_decline=0.6, retrieval_share=0.5)

#: Knobs each full page reads from its address, so a link opens it on this step's scenario.
DASHBOARD_LINK = ("world", "synthetic_fraction", "generations", "sample_size", "mode", "temperature", "replicates",
                  "seed")
CHATBOT_LINK = ("world", "synthetic_fraction", "generations", "sample_size", "temperature", "mode", "replicates",
                "seed")
WEB_LINK = ("world", "human_decline", "ai_output", "ai_growth", "retrieval_share", "generations", "sample_size",
            "mode", "replicates", "seed")

STEPS = {
    1: Step("narrowing",
            TourKnob("generations", "Generations: times the model is retrained on its own output", 100,
                     options=(1, 2, 5, 10, 20, 50, 100, 200, 500)),
            BELL, ("distribution",), notice_narrowing,
            "dashboard.py", "Explore the narrowing in the dashboard", DASHBOARD_LINK, "./"),
    2: Step("tails",
            TourKnob("sample_size", "Sample size: training examples per generation", 100,
                     options=(10, 20, 50, 100, 200, 500, 1_000, 10_000, 100_000)),
            BELL, ("tails",), notice_tails,
            "dashboard.py", "Explore the tails in the dashboard", DASHBOARD_LINK, "./"),
    3: Step("fresh_data",
            TourKnob("synthetic_fraction", "Synthetic fraction: share of each training set the model wrote itself",
                     0.9, low=0.0, high=1.0, step=0.05),
            BELL, ("spread",), notice_fresh_data,
            "dashboard.py", "Explore the mix in the dashboard", DASHBOARD_LINK, "./"),
    4: Step("old_data",
            TourKnob("mode", "Old data", "replace", options=("replace", "accumulate"),
                     labels={"replace": "Replace: train on the newest data only",
                             "accumulate": "Accumulate: keep all earlier data"}),
            BELL, ("distance",), notice_old_data,
            "dashboard.py", "Explore old data in the dashboard", DASHBOARD_LINK, "./"),
    5: Step("words",
            TourKnob("temperature", "Temperature of the model's writing", 1.0, low=0.5, high=1.5, step=0.05),
            WORDS, ("text_repetition",), notice_words,
            "pages/6_Chatbot.py", "Read what the chatbot writes", CHATBOT_LINK, "./Chatbot"),
    6: Step("web",
            TourKnob("human_decline", "How much people stop writing as AI text spreads (0 = not at all, 1 = they "
                     "stop when the web is all AI)", 0.6, low=0.0, high=1.0, step=0.05),
            WEB, ("web", "web_quality"), notice_web,
            "pages/2_The_polluted_web.py", "Explore the polluted web", WEB_LINK, "./The_polluted_web"),
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


def step_picker() -> int:
    """The row of steps (keyed ``step``); returns the number of the step to show."""
    if st.session_state.get("step") not in STEPS:
        st.session_state["step"] = 1
    number = st.radio("Step", list(STEPS), key="step", horizontal=True,
                      format_func=lambda n: f"{n}. {STEPS[n].title}")
    return number if number in STEPS else 1


def write_url(number: int, knob: TourKnob, value) -> None:
    """The step and its knob in the address bar: copying it opens this very view."""
    wanted = {"step": str(number), knob.name: format_value(value)}
    kept = {k: v for k, v in st.query_params.to_dict().items() if k in STREAMLIT_PARAMS}
    if st.query_params.to_dict() != {**kept, **wanted}:
        st.query_params.from_dict({**kept, **wanted})


def move(by: int) -> None:
    """Go ``by`` steps forward (or back), staying within the tour (a button's callback)."""
    st.session_state["step"] = min(LAST, max(1, st.session_state.get("step", 1) + by))


def link(step: Step, scenario: Scenario) -> None:
    """A link to the full page on this step's scenario (a plain link when the tour runs on its own)."""
    page_link(step.link_page, step.link_url, f"{step.link_label} with these settings →",
              scenario.to_query_params(step.link_knobs))


def settings(scenario: Scenario) -> None:
    """The scenario as JSON and the command that writes its full results table."""
    st.markdown(prose.text("tour", "settings"))
    st.code(scenario.to_json(), language="json")
    default = Scenario().to_dict()
    changed = [name for name, value in scenario.to_dict().items() if value != default[name]]
    flags = " ".join(f"{KNOBS[n].flag} {format_value(getattr(scenario, n)).replace(',', ' ')}" for n in changed)
    st.code(f"python -m collapse run {flags}".strip(), language="bash")
