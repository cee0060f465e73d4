"""Every knob of a simulation, validated once, with one name everywhere.

A :class:`Scenario` is a frozen dataclass. The same knob name is used for the
dataclass field, the CLI flag (``--synthetic-fraction``), the URL query
parameter and the widget key (``synthetic_fraction``). The table
:data:`KNOBS` is the single source of truth for types, ranges, defaults and the
plain-words help text that the CLI, the pages and the error messages share.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

WORLDS_1D = ("gaussian", "heavy_tailed", "bimodal", "custom")
WORLDS_VOCABULARY = ("english", "zipf", "custom_text")
WORLDS_SAMPLED = ("mixture_2d", "digits")
MODELS_1D = ("gaussian_mle", "gaussian_unbiased")
MODELS_VOCABULARY = ("categorical",)
MODELS_SAMPLED = ("gaussian_mixture", "kernel_density")
MODES = ("replace", "accumulate", "accumulate_subsample")
DATA_SOURCES = ("mix", "web")

#: Largest table a run may produce: one row per (generation, replicate).
MAX_ROWS = 1_000_000
#: A run may cost at most this many seconds of computing on a 2-core machine.
BUDGET_SECONDS = 2.0


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
         "handwritten digits (digits); or your own numbers (custom) or text (custom_text).", choices=WORLDS_1D + WORLDS_VOCABULARY + WORLDS_SAMPLED),
    Knob("model", str, "How each generation is fitted: a bell curve by maximum likelihood "
         "(gaussian_mle, variance divides by M) or with the unbiased variance "
         "(gaussian_unbiased, divides by M-1); for vocabularies, word counts divided by the "
         "number of words read (categorical); for clusters and digits, scikit-learn's Gaussian mixture "
         "(gaussian_mixture) or kernel density (kernel_density).",
         choices=MODELS_1D + MODELS_VOCABULARY + MODELS_SAMPLED),
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
KNOBS: dict[str, Knob] = {k.name: k for k in _KNOB_LIST}


@dataclass(frozen=True)
class Scenario:
    """Every knob of one simulation run, validated on construction.

    Parameters
    ----------
    world : {"gaussian", "heavy_tailed", "bimodal", "english", "zipf"}
        The real distribution: 1-D with mean 0 and sd 1, or a vocabulary.
    model : {"gaussian_mle", "gaussian_unbiased", "categorical"}
        The generative model refitted each generation.
    synthetic_fraction : float in [0, 1]
        Share of each training set sampled from the previous generation's model.
    generations : int
        Number of rounds of refitting.
    sample_size : int
        Training-set size per generation, M.
    replicates : int
        Independent repeats, run side by side.
    mode : {"replace", "accumulate", "accumulate_subsample"}
        Train on the newest set only, on the pool of every set so far, or on a
        random subsample of M from that pool.
    temperature : float
        Synthetic samples are drawn with the model's variance times this.
    tail_thresholds : tuple of float
        Tail thresholds in standard deviations of the real world.
    tail_index : float
        Degrees of freedom of the ``heavy_tailed`` world (Student-t).
    vocabulary_size : int
        Number of words V of a vocabulary world.
    zipf_exponent : float
        Exponent of the ``zipf`` world.
    top_k, top_p : int, float
        Decoding limits of a vocabulary model's output (0 and 1: no limit).
    data_sampling : {"resample", "smoothed"}
        How the ``custom`` world draws from your numbers.
    n_components, bandwidth : int, float
        Settings of the Gaussian mixture and kernel density models.
    data_source : {"mix", "web"}
        A fixed synthetic fraction, or a simulated web (see :mod:`collapse.web`)
        described by ``human_output``, ``human_decline``, ``ai_output``,
        ``ai_growth``, ``archive_share``, ``detector_recall``,
        ``detector_false_positive`` and ``retrieval_share``.
    seed : int
        Seed of the run's single ``numpy.random.SeedSequence``.

    Raises
    ------
    ScenarioError
        If a knob is out of range (the message names it) or the run would
        exceed the work budget (the message says which knob to lower).
    """

    world: str = "gaussian"
    model: str = "gaussian_mle"
    synthetic_fraction: float = 1.0
    generations: int = 100
    sample_size: int = 100
    replicates: int = 200
    mode: str = "replace"
    temperature: float = 1.0
    tail_thresholds: tuple[float, ...] = (2.0, 3.0)
    tail_index: float = 5.0
    vocabulary_size: int = 5_000
    zipf_exponent: float = 1.1
    top_k: int = 0
    top_p: float = 1.0
    data_sampling: str = "resample"
    n_components: int = 4
    bandwidth: float = 0.2
    data_source: str = "mix"
    human_output: float = 1.0
    human_decline: float = 0.0
    ai_output: float = 0.5
    ai_growth: float = 0.0
    archive_share: float = 0.0
    detector_recall: float = 0.0
    detector_false_positive: float = 0.0
    retrieval_share: float = 0.0
    seed: int = 7

    def __post_init__(self) -> None:
        for knob in KNOBS.values():
            object.__setattr__(self, knob.name, knob.check(getattr(self, knob.name)))
        self._check_model_fits_world()
        self._check_budget()

    @property
    def is_vocabulary(self) -> bool:
        """True for word-frequency worlds (english, zipf)."""
        return self.world in WORLDS_VOCABULARY

    @property
    def is_sampled(self) -> bool:
        """True for worlds whose models must draw every sample (mixture_2d, digits)."""
        return self.world in WORLDS_SAMPLED

    def _check_model_fits_world(self) -> None:
        models = MODELS_VOCABULARY if self.is_vocabulary else MODELS_SAMPLED if self.is_sampled else MODELS_1D
        if self.model not in models:
            raise ScenarioError(
                f"model {self.model} cannot learn the {self.world} world: use {' or '.join(models)}"
            )

    # -- work budget -------------------------------------------------------
    def synthetic_count(self) -> int:
        """Synthetic samples per round: ``floor(s * M + 1/2)`` (round half up)."""
        return synthetic_count(self.synthetic_fraction, self.sample_size)

    def real_count(self) -> int:
        """Fresh real samples per round: ``M`` minus the synthetic count."""
        return self.sample_size - self.synthetic_count()

    def estimated_seconds(self) -> float:
        """Rough compute time of a run on a 2-core machine (see benchmarks/)."""
        return estimate_seconds(self.to_dict())

    def _check_budget(self) -> None:
        if self.generations * self.replicates > MAX_ROWS:
            raise ScenarioError(
                f"generations x replicates = {self.generations * self.replicates:,} is over "
                f"the limit of {MAX_ROWS:,}: lower replicates or generations"
            )
        seconds = self.estimated_seconds()
        if seconds > BUDGET_SECONDS:
            if self.is_vocabulary:
                lower = "vocabulary_size, sample_size, replicates or generations"
            elif self.is_sampled or (self.world != "gaussian" and self.real_count() > 0):
                lower = "sample_size, replicates or generations"
            else:
                lower = "replicates or generations"
            raise ScenarioError(
                f"this scenario would need about {seconds:.0f} s of computing "
                f"(the limit is {BUDGET_SECONDS:.0f} s): lower {lower}"
            )

    # -- round trips --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Every knob as plain JSON-ready Python values."""
        d = dataclasses.asdict(self)
        d["tail_thresholds"] = list(self.tail_thresholds)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Scenario":
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ScenarioError("the scenario JSON must be an object of knob: value")
        unknown = set(data) - set(KNOBS)
        if unknown:
            raise ScenarioError(f"unknown knob(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    def to_query_params(self, names=None) -> dict[str, str]:
        """Every knob (or those ``names``) as a string, as a URL carries it."""
        return {name: format_value(getattr(self, name)) for name in (names or KNOBS)}

    @classmethod
    def from_query_params(cls, params: dict[str, Any]) -> "Scenario":
        """Build a scenario from URL strings; any bad value raises ScenarioError."""
        scenario, problems = parse_query_params(params)
        if problems:
            raise ScenarioError("; ".join(problems.values()))
        return scenario

    def replace(self, **changes: Any) -> "Scenario":
        return dataclasses.replace(self, **changes)


def synthetic_count(synthetic_fraction: float, sample_size: int) -> int:
    """Synthetic samples per round of M: ``floor(s * M + 1/2)`` (round half up)."""
    return int(math.floor(synthetic_fraction * sample_size + 0.5))


def estimate_seconds(knobs: dict[str, Any]) -> float:
    """Rough compute time of a run with these (valid) knob values, in seconds.

    The unit costs were measured by ``benchmarks/bench_engine.py`` on this
    project's 2-core machine; the budget only needs them right to a factor ~2.
    """
    generations, replicates = knobs["generations"], knobs["replicates"]
    if knobs.get("data_source") == "web":
        # the synthetic share varies year by year: price real and model data both in play
        sampled = knobs["world"] not in WORLDS_VOCABULARY and knobs["world"] != "gaussian"
        knobs = {**knobs, "data_source": "mix", "synthetic_fraction": 0.0 if sampled else 0.5, "answers": True}
    if knobs["world"] in WORLDS_SAMPLED:
        return generations * replicates * _sampled_step_seconds(knobs) + replicates * 0.01
    if knobs["world"] in WORLDS_VOCABULARY:
        # plus one replicate's word-by-word record (snapshots, deaths): O(V) a generation
        tracked = generations * knobs["vocabulary_size"] * 5e-9
        return generations * replicates * _vocabulary_step_seconds(knobs) + replicates * 60e-6 + tracked
    per_cell = 150e-9  # exact sufficient statistics + metrics
    if knobs["world"] != "gaussian":
        per_cell += 0.8e-6  # Wasserstein distance by quadrature
        # real data from a non-Gaussian world are drawn sample by sample; round
        # 1 draws all M from the world (generation 0 is the world)
        n_syn = synthetic_count(knobs["synthetic_fraction"], knobs["sample_size"])
        drawn = knobs["sample_size"] - n_syn + n_syn / generations
        per_cell += 30e-9 * drawn
    per_replicate = 40e-6  # fixed cost of each replicate's arrays
    seconds = generations * replicates * per_cell + replicates * per_replicate
    if knobs["mode"] == "accumulate_subsample":
        # samples are kept one by one: round g draws keys over a pool of g M samples
        seconds += 25e-9 * replicates * knobs["sample_size"] * generations * (generations + 1) / 2
    return seconds


def _vocabulary_step_seconds(knobs: dict[str, Any]) -> float:
    """One generation of one replicate of a vocabulary run (exact counts, decoding, metrics).

    The work grows with the words in play, at most min(M, V). Pure
    self-training on a replaced set forgets words fast and draws few tokens,
    so it costs least; fresh real text keeps the whole vocabulary in play.
    """
    V, M = knobs["vocabulary_size"], knobs["sample_size"]
    pure = knobs["synthetic_fraction"] == 1.0 and knobs["mode"] == "replace"
    if M < 4 * V:  # counting drawn tokens
        per_word = 10e-9 if pure else 40e-9
    else:  # conditional binomials, dearer for huge counts (measured up to M = 10^9)
        per_word = (80e-9 if pure else 150e-9) * (1 + np.log10(M / (4 * V)) / 2)
    per_vocabulary_word = {"replace": 0.0, "accumulate": 30e-9, "accumulate_subsample": 90e-9}[knobs["mode"]]
    fixed = 30e-6
    if knobs.get("answers"):  # the web's answers: a mixture over all V words each generation
        fixed += 20e-6
        per_vocabulary_word += 15e-9
    return fixed + per_word * min(M, V) + per_vocabulary_word * V


def _sampled_step_seconds(knobs: dict[str, Any]) -> float:
    """One generation of one replicate with a scikit-learn model: fit, sample, measure.

    Measured on 2 cores with one BLAS thread (benchmarks/bench_engine.py).
    """
    M = knobs["sample_size"]
    if knobs["mode"] == "accumulate":
        M = M * (knobs["generations"] + 1) / 2  # the pool grows: its average size
    if knobs["model"] == "kernel_density":  # digits: encoding M images costs ~1 us each
        return 25e-3 + 1.5e-6 * M if knobs["world"] == "digits" else 5e-3 + 3e-7 * M
    if knobs["world"] == "digits":
        return 40e-3 + 6e-6 * M * knobs["n_components"]
    return 20e-3 + 1e-6 * M * knobs["n_components"]


def max_replicates(knobs: dict[str, Any]) -> int:
    """The most replicates the work budget admits with these other knob values (may be 0)."""
    # the estimate is a fixed part plus a part per replicate
    fixed = estimate_seconds({**knobs, "replicates": 0})
    per_replicate = estimate_seconds({**knobs, "replicates": 1}) - fixed
    by_time = int((BUDGET_SECONDS - fixed) // per_replicate) if BUDGET_SECONDS > fixed else 0
    by_rows = MAX_ROWS // knobs["generations"]
    return max(0, min(by_time, by_rows, int(KNOBS["replicates"].high)))


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


def parse_query_params(
    params: dict[str, Any], base: Scenario | None = None
) -> tuple[Scenario, dict[str, str]]:
    """Read every known knob from ``params``; keep ``base``'s value for bad ones.

    Returns the scenario and a dict of problems: knob name (or the unknown
    key) -> a message naming it. Unknown keys are reported, never used.
    """
    base = base or Scenario()
    values = base.to_dict()
    problems: dict[str, str] = {}
    for key, text in params.items():
        if key not in KNOBS:
            continue
        try:
            values[key] = parse_value(key, text)
        except ScenarioError as err:
            problems[key] = str(err)
    try:
        return Scenario(**values), problems
    except ScenarioError as err:
        # over budget (or otherwise inconsistent as a whole): keep the base
        problems["scenario"] = str(err)
        return base, problems
