"""The work budget: what a run costs, priced before it runs (one mechanism).

A shared server runs many visitors' requests on two cores, so the app refuses
a scenario whose estimated cost is over the ceiling; the CLI and the Python
API are not capped unless asked.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .families.text import scenario_seconds
from .knobs import KNOBS, WORLDS_SAMPLED, WORLDS_TEXT, WORLDS_VOCABULARY, ScenarioError
from .scenario import MAX_ROWS, Scenario, synthetic_count

#: What one interactive request may cost on a shared server, in seconds of
#: computing on a 2-core machine: a class of fifty moving a knob at once shares
#: those two cores, and the estimate is right to a factor ~2, so the worst
#: admitted request stays well under a second. ``COLLAPSE_BUDGET_SECONDS`` sets
#: another ceiling (a private or local run can afford more).
BUDGET_SECONDS = float(os.environ.get("COLLAPSE_BUDGET_SECONDS", 0.4))
#: The most a visitor may ask for explicitly ("Run the full-size version"),
#: ten times the interactive ceiling unless ``COLLAPSE_FULL_SIZE_SECONDS`` says.
FULL_SIZE_SECONDS = float(os.environ.get("COLLAPSE_FULL_SIZE_SECONDS", 10 * BUDGET_SECONDS))


def check(scenario: Scenario, ceiling: float | None = None) -> None:
    """Raise ScenarioError, naming the knobs to lower, if the scenario costs more than ``ceiling`` seconds."""
    ceiling = BUDGET_SECONDS if ceiling is None else ceiling
    seconds = estimate_seconds(scenario.to_dict())
    if seconds > ceiling:
        if scenario.is_vocabulary:
            lower = "vocabulary_size, sample_size, replicates or generations"
        elif scenario.family == "text":
            lower = "sample_size, replicates, generations or ngram_order"
        elif scenario.is_sampled or (scenario.world != "gaussian" and scenario.real_count() > 0):
            lower = "sample_size, replicates or generations"
        else:
            lower = "replicates or generations"
        raise ScenarioError(
            f"this scenario would need about {seconds:.2g} s of computing "
            f"(the limit is {ceiling:g} s): lower {lower}"
        )


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
    if knobs["world"] in WORLDS_TEXT:
        return scenario_seconds(knobs)
    if knobs["world"] in WORLDS_SAMPLED:
        return generations * replicates * _sampled_step_seconds(knobs) + replicates * 0.005
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
        seconds += 12e-9 * replicates * knobs["sample_size"] * generations * (generations + 1) / 2
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

    Measured on this project's 2-core machine with one BLAS thread while it was
    shared (load average ~5), so the estimates err on the dear side.
    """
    M = knobs["sample_size"]
    if knobs["mode"] == "accumulate":
        M = M * (knobs["generations"] + 1) / 2  # the pool grows: its average size
    if knobs["model"] == "kernel_density":  # digits: encoding M images costs ~1 us each
        return 2e-3 + 0.7e-6 * M if knobs["world"] == "digits" else 5e-3 + 2e-6 * M
    if knobs["world"] == "digits":
        return 3e-3 + 2.2e-6 * M * knobs["n_components"] * (1 + M / 2000)  # EM in 30 dimensions: super-linear
    return 6e-3 + 0.8e-6 * M * knobs["n_components"]


def max_replicates(knobs: dict[str, Any], ceiling: float | None = None) -> int:
    """The most replicates a ceiling (default: the work budget) admits with these other knob values (may be 0)."""
    ceiling = BUDGET_SECONDS if ceiling is None else ceiling
    # the estimate is a fixed part plus a part per replicate
    fixed = estimate_seconds({**knobs, "replicates": 0})
    per_replicate = estimate_seconds({**knobs, "replicates": 1}) - fixed
    by_time = int((ceiling - fixed) // per_replicate) if ceiling > fixed else 0
    by_rows = MAX_ROWS // knobs["generations"]
    return max(0, min(by_time, by_rows, int(KNOBS["replicates"].high)))
