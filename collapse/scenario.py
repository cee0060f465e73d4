"""A scenario: every knob of one run, validated once; dict / JSON / URL round trips.

A :class:`Scenario` is a frozen dataclass whose fields are the knobs of
:mod:`collapse.knobs`. It checks each value's range; what a run costs is the
work budget's business (:mod:`collapse.budget`), not the scenario's.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .knobs import (
    FAMILIES,
    FAMILY_OF_WORLD,
    KNOBS,
    ScenarioError,
    default_model,
    family_of,
    format_value,
    parse_value,
)

#: Largest table a run may produce: one row per (generation, replicate).
MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class Scenario:
    """Every knob of one simulation run, validated on construction.

    Parameters
    ----------
    world : {"gaussian", "heavy_tailed", "bimodal", "english", "zipf"}
        The real distribution: 1-D with mean 0 and sd 1, or a vocabulary.
    model : str or None
        The generative model refitted each generation; None (the default):
        the first model of the world's family (``gaussian_mle``,
        ``categorical``, ``gaussian_mixture``).
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
    ngram_order, document_length : int
        The text family's language model: words of context plus one, and
        tokens per document.
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
        If a knob is out of range (the message names it), the model cannot
        learn the world, or the table would exceed ``MAX_ROWS``. What a run
        costs is checked by :func:`collapse.budget.check`, not here.
    """

    world: str = "gaussian"
    model: str | None = None
    synthetic_fraction: float = 1.0
    generations: int = 100
    sample_size: int = 100
    replicates: int = 200
    mode: str = "replace"
    temperature: float = 1.0
    tail_thresholds: tuple[float, ...] = (2.0, 3.0)
    tail_index: float = 5.0
    vocabulary_size: int = 5_000
    ngram_order: int = 2
    document_length: int = 50
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
        if self.model is None:  # the model follows the world
            object.__setattr__(self, "model", default_model(self.world) if self.world in FAMILY_OF_WORLD else "")
        for knob in KNOBS.values():
            object.__setattr__(self, knob.name, knob.check(getattr(self, knob.name)))
        self._check_model_fits_world()
        if self.family == "text" and self.sample_size < self.document_length:
            raise ScenarioError(f"sample_size must hold at least one document of document_length "
                                f"({self.document_length}) tokens; got {self.sample_size}")
        if self.generations * self.replicates > MAX_ROWS:
            raise ScenarioError(
                f"generations x replicates = {self.generations * self.replicates:,} is over "
                f"the limit of {MAX_ROWS:,}: lower replicates or generations"
            )

    @property
    def family(self) -> str:
        """The family of the world: "gaussian", "vocabulary", "sampled" or "text"."""
        return family_of(self.world)

    @property
    def is_vocabulary(self) -> bool:
        """True for word-frequency worlds (english, zipf, custom_text)."""
        return self.family == "vocabulary"

    @property
    def is_sampled(self) -> bool:
        """True for worlds whose models must draw every sample (mixture_2d, digits)."""
        return self.family == "sampled"

    def _check_model_fits_world(self) -> None:
        models = FAMILIES[self.family][1]
        if self.model not in models:
            raise ScenarioError(
                f"model {self.model} cannot learn the {self.world} world: use {' or '.join(models)}"
            )

    def synthetic_count(self) -> int:
        """Synthetic samples per round: ``floor(s * M + 1/2)`` (round half up)."""
        return synthetic_count(self.synthetic_fraction, self.sample_size)

    def real_count(self) -> int:
        """Fresh real samples per round: ``M`` minus the synthetic count."""
        return self.sample_size - self.synthetic_count()

    # -- round trips --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Every knob as plain JSON-ready Python values."""
        d = dataclasses.asdict(self)
        d["tail_thresholds"] = list(self.tail_thresholds)
        return d

    def to_json(self) -> str:
        """Every knob as JSON: the scenario's key in the shared caches."""
        return self._json

    @cached_property
    def _json(self) -> str:  # made once: a page asks several times a rerun (not a field: not a knob)
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


def synthetic_schedule(scenario: Scenario) -> np.ndarray:
    """Synthetic samples in each round, index = generation (rounds 0 and 1 read none)."""
    counts = np.full(scenario.generations + 1, scenario.synthetic_count())
    counts[:2] = 0
    return counts


def shown_generations(generations: int, count: int = 5) -> list[int]:
    """Up to ``count`` generations spread evenly from 1 to the last."""
    return sorted({int(round(g)) for g in np.linspace(1, generations, min(count, generations))})


#: Generations an animation steps through (at most), evenly from 1 to the last.
MAX_FRAMES = 40


def frame_generations(generations: int) -> list[int]:
    """The generations an animation shows: every one up to 40, else 40 evenly spread."""
    return sorted({int(g) for g in np.linspace(1, generations, min(MAX_FRAMES, generations))} | {generations})
