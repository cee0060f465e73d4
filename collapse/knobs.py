"""The knob table: every knob's name, type, range, default help and widget hint.

One name everywhere: the :class:`~collapse.scenario.Scenario` field, the CLI
flag (``--synthetic-fraction``), the URL query parameter and the widget key
(``synthetic_fraction``). The CLI, the pages, the error messages and the
widgets all read this table; nothing re-types a range.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

#: The worlds of each family, and the models that can learn them (the first is the default).
WORLDS_1D = ("gaussian", "heavy_tailed", "bimodal", "custom")
WORLDS_VOCABULARY = ("english", "zipf", "custom_text")
WORLDS_SAMPLED = ("mixture_2d", "digits")
WORLDS_TEXT = ("sherlock", "custom_prose")
MODELS_1D = ("gaussian_mle", "gaussian_unbiased")
MODELS_VOCABULARY = ("categorical",)
MODELS_SAMPLED = ("gaussian_mixture", "kernel_density")
MODELS_TEXT = ("ngram",)
MODES = ("replace", "accumulate", "accumulate_subsample")
DATA_SOURCES = ("mix", "web")

#: family -> (its worlds, its models)
FAMILIES = {
    "gaussian": (WORLDS_1D, MODELS_1D),
    "vocabulary": (WORLDS_VOCABULARY, MODELS_VOCABULARY),
    "sampled": (WORLDS_SAMPLED, MODELS_SAMPLED),
    "text": (WORLDS_TEXT, MODELS_TEXT),
}
FAMILY_OF_WORLD = {world: family for family, (worlds, _) in FAMILIES.items() for world in worlds}


def family_of(world: str) -> str:
    """The family a world belongs to ("gaussian", "vocabulary", ...)."""
    return FAMILY_OF_WORLD[world]


def default_model(world: str) -> str:
    """The model that learns a world when none is named: the first of its family's."""
    return FAMILIES[family_of(world)][1][0]


class ScenarioError(ValueError):
    """A knob has a value outside its allowed range; the message names the knob."""


@dataclass(frozen=True)
class Knob:
    """Metadata for one knob: how to parse, check and explain it."""

    name: str
    kind: type  # int, float, str or tuple (tuple of floats)
    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # True: the value must be strictly greater than `low`
    choices: tuple[str, ...] = ()
    #: How the knob looks on a page: its label, its widget ("slider",
    #: "select_slider", "selectbox", "number_input", "text_input"), the slider's
    #: step or the select slider's values, and (knob, value) that enables it
    #: (("family", f): enabled while the world is of family f).
    label: str = ""
    widget: str = ""
    step: float | None = None
    steps: tuple = ()
    enabled_when: tuple[str, str] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def allowed(self) -> str:
        """The allowed values, in words, for error messages and help."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        low = _fmt(self.low)
        high = _fmt(self.high)
        what = {int: "a whole number", float: "a number", tuple: "numbers"}[self.kind]
        if self.low_open:
            return f"{what} greater than {low} and at most {high}"
        return f"{what} from {low} to {high}"

    def check(self, value: Any) -> Any:
        """Return ``value`` converted to this knob's type, or raise ScenarioError."""
        if self.kind is tuple:
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                value = (value,)
            items = tuple(value)
            if not 1 <= len(items) <= 5:
                raise ScenarioError(f"{self.name} must hold 1 to 5 values, got {len(items)}")
            checked = tuple(sorted(set(self._check_number(v, float) for v in items)))
            return checked
        if self.kind is str:
            if not isinstance(value, str) or value not in self.choices:
                raise ScenarioError(f"{self.name} must be {self.allowed()}; got {value!r}")
            return value
        return self._check_number(value, self.kind)

    def _check_number(self, value: Any, kind: type) -> int | float:
        bad = ScenarioError(f"{self.name} must be {self.allowed()}; got {value!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            # numpy scalars are accepted through their Python equivalents
            if hasattr(value, "item") and not isinstance(value, (str, bytes)):
                value = value.item()
            else:
                raise bad
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        if kind is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise bad
                value = int(value)
        else:
            value = float(value)
        if not math.isfinite(value):
            raise bad
        too_low = value <= self.low if self.low_open else value < self.low
        if too_low or value > self.high:
            raise bad
        return value


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    if float(x).is_integer() and abs(x) >= 1:
        return f"{int(x):,}"
    return f"{x:g}"


_KNOB_LIST = [
    Knob("world", str, "The real world the data come from: a bell curve (gaussian), "
         "a Student-t with rare extreme values (heavy_tailed) or two humps (bimodal), each with "
         "mean 0 and standard deviation 1; or a vocabulary: real English word frequencies "
         "(english) or Zipf's law (zipf); or four 2-D clusters, one of them rare (mixture_2d), or "
         "handwritten digits (digits); or real prose, The Adventures of Sherlock Holmes (sherlock); or your own "
         "numbers (custom), text as word frequencies (custom_text) or as prose (custom_prose).",
         choices=WORLDS_1D + WORLDS_VOCABULARY + WORLDS_SAMPLED + WORLDS_TEXT),
    Knob("model", str, "How each generation is fitted: a bell curve by maximum likelihood "
         "(gaussian_mle, variance divides by M) or with the unbiased variance "
         "(gaussian_unbiased, divides by M-1); for vocabularies, word counts divided by the "
         "number of words read (categorical); for clusters and digits, scikit-learn's Gaussian mixture "
         "(gaussian_mixture) or kernel density (kernel_density); for prose, an n-gram language model "
         "fitted by counting (ngram).",
         choices=MODELS_1D + MODELS_VOCABULARY + MODELS_SAMPLED + MODELS_TEXT),
    Knob("synthetic_fraction", float, "Share of each generation's training data that the "
         "previous model wrote (0 = all fresh real data, 1 = only its own output).",
         low=0.0, high=1.0),
    Knob("generations", int, "How many times the model is retrained on data that "
         "includes its own output.", low=1, high=2_000),
    Knob("sample_size", int, "Training examples per generation (M).", low=2, high=10**9),
    Knob("replicates", int, "Independent repeats of the whole experiment, to show the "
         "spread of outcomes.", low=1, high=10_000),
    Knob("mode", str, "replace: each generation trains only on its new data; "
         "accumulate: it keeps all earlier data and adds the new; accumulate_subsample: it keeps all "
         "data but trains on a random subsample of M of it (a fixed training budget).", choices=MODES),
    Knob("temperature", float, "Sampling temperature of the model's output: 1 = faithful, "
         "below 1 = it favours its most likely outputs (its variance is multiplied by this).",
         low=0.05, high=5.0),
    Knob("tail_thresholds", tuple, "Where the tails start, in standard deviations of the "
         "real world (one to five values).", low=0.0, high=10.0, low_open=True),
    Knob("tail_index", float, "Degrees of freedom of the heavy-tailed world (smaller = "
         "heavier tails; above 2 so that its standard deviation exists).",
         low=2.5, high=100.0),
    Knob("vocabulary_size", int, "Number of distinct words in the real vocabulary (V).",
         low=10, high=50_000),
    Knob("zipf_exponent", float, "Exponent of the zipf world: word i is used in proportion "
         "to i^(-exponent); larger = fewer words do most of the work.", low=0.5, high=3.0),
    Knob("ngram_order", int, "How many words the language model reads before it writes the next: 1 = word "
         "frequencies only, 2 = the last word (bigrams), 3 = the last two (trigrams).", low=1, high=3),
    Knob("document_length", int, "Words and punctuation marks (tokens) in each document the language model "
         "reads and writes; every document starts at the beginning of a sentence.", low=5, high=500),
    Knob("top_k", int, "The model only writes its k most likely words (0 = no limit).",
         low=0, high=50_000),
    Knob("top_p", float, "Nucleus decoding: the model only writes its most likely words "
         "that together make up this share of its probability (1 = no limit).",
         low=0.01, high=1.0),
    Knob("data_sampling", str, "How fresh data are drawn from your own numbers: resample them "
         "(resample) or a smoothed version, a kernel density (smoothed).", choices=("resample", "smoothed")),
    Knob("n_components", int, "Bell curves in the Gaussian mixture model (clusters and digits).",
         low=1, high=20),
    Knob("bandwidth", float, "Width of the kernel density model's kernel (clusters: in the clusters' "
         "units; digits: in the encoder's units).", low=0.01, high=5.0),
    Knob("data_source", str, "Where each generation's training data come from: mix (a fixed "
         "synthetic_fraction of model output, the rest fresh real data) or web (scraped from a simulated "
         "web whose AI-written share grows year by year; the synthetic share emerges from it).",
         choices=DATA_SOURCES),
    Knob("human_output", float, "Web: documents people publish in the first year (relative unit).",
         low=0.01, high=100.0),
    Knob("human_decline", float, "Web: how much people's publishing falls as the AI share of the web "
         "rises (0 = not at all, 1 = they stop when the web is all AI).", low=0.0, high=1.0),
    Knob("ai_output", float, "Web: AI-written documents published in the first AI year, per unit of "
         "people's first-year output.", low=0.0, high=100.0),
    Knob("ai_growth", float, "Web: yearly growth of AI output (0.3 = 30 % more each year).",
         low=0.0, high=2.0),
    Knob("archive_share", float, "Web: share of each year's training set taken from a frozen pre-AI "
         "archive instead of the live web.", low=0.0, high=1.0),
    Knob("detector_recall", float, "Web: share of AI-written documents a provenance filter (e.g. a "
         "watermark detector) removes before training.", low=0.0, high=1.0),
    Knob("detector_false_positive", float, "Web: share of human documents the filter wrongly removes.",
         low=0.0, high=0.99),
    Knob("retrieval_share", float, "Web: share of the model's answers taken from documents retrieved "
         "from the live web (retrieval-augmented generation) rather than from the model itself.",
         low=0.0, high=1.0),
    Knob("seed", int, "Random seed: the same seed and knobs give the same numbers.",
         low=0, high=2**32 - 1),
]


GENERATION_STEPS = (1, 2, 3, 5, 10, 15, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300, 400, 500,
                    750, 1_000, 1_500, 2_000)
#: A log scale of sample sizes, 10 to 10^6 (pages may offer their own range).
SAMPLE_SIZE_STEPS = tuple(10**k * m for k in range(1, 6) for m in (1, 2, 5)) + (10**6,)

#: knob -> (label, widget, step or steps, enabled when): how each knob looks on a page.
_LOOKS = {
    "world": ("Real world", "selectbox", None, None),
    "model": ("Model", "selectbox", None, None),
    "synthetic_fraction": ("Synthetic fraction: share of training data the model wrote itself", "slider", 0.01, None),
    # roughly logarithmic steps: 1..100 matter as much as 100..2000
    "generations": ("Generations: times the model is retrained", "select_slider", GENERATION_STEPS, None),
    "sample_size": ("Sample size: training examples per generation", "select_slider", SAMPLE_SIZE_STEPS, None),
    "replicates": ("Replicates: independent runs", "slider", 1, None),
    "mode": ("Old data", "selectbox", None, None),
    "temperature": ("Temperature of the model's output", "slider", 0.05, None),
    "tail_thresholds": ("Tail thresholds (in sd, comma-separated)", "text_input", None, ("family", "gaussian")),
    "tail_index": ("Tail index of the heavy-tailed world", "slider", 0.5, ("world", "heavy_tailed")),
    "vocabulary_size": ("Vocabulary: number of distinct words", "select_slider",
                        (100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000), ("family", "vocabulary")),
    "zipf_exponent": ("Zipf exponent", "slider", 0.05, ("world", "zipf")),
    "ngram_order": ("Words of context the model reads (n-gram order - 1)", "slider", 1, ("family", "text")),
    "document_length": ("Document length (tokens)", "select_slider", (10, 20, 30, 50, 100, 200, 500),
                        ("family", "text")),
    "top_k": ("Top-k: write only the k likeliest words (0 = off)", "number_input", 1, None),
    "top_p": ("Top-p: write only the likeliest words covering this share (1 = off)", "slider", 0.01, None),
    "data_sampling": ("Fresh data from your numbers", "selectbox", None, None),
    "n_components": ("Bell curves in the mixture model", "slider", 1, ("model", "gaussian_mixture")),
    "bandwidth": ("Kernel width of the density model", "slider", 0.01, ("model", "kernel_density")),
    "data_source": ("Training data", "selectbox", None, None),
    "human_output": ("People's first-year output", "slider", 0.01, None),
    "human_decline": ("How much people stop writing as AI text spreads", "slider", 0.01, None),
    "ai_output": ("AI output in its first year (per human document)", "slider", 0.01, None),
    "ai_growth": ("Yearly growth of AI output", "slider", 0.01, None),
    "archive_share": ("Share of training data from a pre-AI archive", "slider", 0.01, None),
    "detector_recall": ("Filter: share of AI text caught", "slider", 0.01, None),
    "detector_false_positive": ("Filter: share of human text wrongly removed", "slider", 0.01, None),
    "retrieval_share": ("Share of answers retrieved from the web", "slider", 0.01, None),
    "seed": ("Random seed", "number_input", 1, None),
}


def _with_look(knob: Knob) -> Knob:
    label, widget, step, enabled_when = _LOOKS[knob.name]
    steps = step if isinstance(step, tuple) else ()
    return dataclasses.replace(knob, label=label, widget=widget, step=None if steps else step, steps=steps,
                               enabled_when=enabled_when)


KNOBS: dict[str, Knob] = {k.name: _with_look(k) for k in _KNOB_LIST}


def format_value(value: Any) -> str:
    """A knob value as the string used in URLs and CSV-friendly text."""
    if isinstance(value, tuple):
        return ",".join(format_value(v) for v in value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def parse_value(name: str, text: Any) -> Any:
    """Parse one knob from a string (URL or CLI), then check its range."""
    knob = KNOBS[name]
    if isinstance(text, list):  # a URL key given several times
        if knob.kind is tuple:
            text = ",".join(str(t) for t in text)
        else:
            text = text[-1] if text else ""
    if not isinstance(text, str):
        return knob.check(text)
    text = text.strip()
    try:
        if knob.kind is str:
            value: Any = text
        elif knob.kind is tuple:
            parts = [p for p in text.replace(" ", ",").split(",") if p]
            value = tuple(float(p) for p in parts)
        elif knob.kind is int:
            value = float(text)
            if not value.is_integer():
                raise ValueError
            value = int(value)
        else:
            value = float(text)
    except (ValueError, OverflowError):
        raise ScenarioError(f"{name} must be {knob.allowed()}; got {text!r}") from None
    return knob.check(value)
