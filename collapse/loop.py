"""The generational loop: retrain a model, again and again, partly on its own output.

Generation 0 is the real world itself. Round n (n = 1 .. G) builds a training
set of M samples: ``M - round(s M)`` fresh real samples plus ``round(s M)``
samples from the generation n-1 model, where ``round(x) = floor(x + 1/2)``.
Because generation 0 *is* the real world, round 1 trains on M real samples.
``replace`` fits generation n on round n's set alone; ``accumulate`` fits it on
the pool of every set from rounds 1..n (the pool grows by M each round).

Randomness: one ``SeedSequence(seed)`` per run, spawned into one stream per
kind of draw (:data:`STREAMS`). Each stream is filled replicate-major (row i
of every array is replicate i), so a replicate's numbers do not depend on how
many replicates run beside it. Work is vectorised across replicates: all
noise is drawn up front in a few array calls, then the recursion over
generations runs on arrays holding every replicate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import entr

from .metrics import (
    DIGIT_METRICS,
    SHAPE_METRICS,
    VOCABULARY_METRICS,
    digit_metrics,
    metrics_frame,
    shape_metrics,
    vocabulary_metrics,
)
from .models import SufficientStatistics, draw_counts, make_model, merge_counts
from .scenario import Scenario
from .worlds import World1D, make_sample_world, make_vocabulary, make_world

#: Largest number of real samples drawn in one array (memory stays ~8 MB).
_CHUNK = 1_000_000


@dataclass(frozen=True)
class Trajectory:
    """Fitted parameters over generations: arrays of shape (G + 1, R).

    Row 0 holds the real world's mean and variance.
    """

    mean: np.ndarray
    var: np.ndarray


#: One stream per kind of draw: (source, statistic) for the first round (the
#: real world, M samples), later rounds' fresh real data, and model output.
STREAMS = ("first_mean", "first_spread", "real_mean", "real_spread", "synthetic_mean", "synthetic_spread")


def run_streams(scenario: Scenario) -> dict[str, np.random.Generator]:
    """The run's Generators, one per kind of draw, spawned from one SeedSequence."""
    children = np.random.SeedSequence(scenario.seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children)}


def replicate_generators(scenario: Scenario) -> list[np.random.Generator]:
    """One Generator per replicate (for the one-replicate-at-a-time naive loop)."""
    children = np.random.SeedSequence(scenario.seed).spawn(scenario.replicates)
    return [np.random.default_rng(child) for child in children]


def gaussian_noise(n, shape, mean_rng, spread_rng) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal and chi-square(n-1) draws standing in for sets of n samples.

    ``n`` is one count, or one per column of ``shape`` (a set of 0 or 1 has no spread).
    """
    z = mean_rng.standard_normal(shape)
    if np.ndim(n) == 0:
        return z, 2.0 * spread_rng.standard_gamma(max(n - 1, 0) / 2, size=shape)
    shapes = np.broadcast_to(np.maximum(np.asarray(n) - 1, 0) / 2, shape)
    return z, 2.0 * spread_rng.standard_gamma(shapes)


def real_statistics(world: World1D, n, rows: int, rounds: int, mean_rng, spread_rng) -> SufficientStatistics:
    """Statistics of sets of real samples: arrays of shape (rows, rounds).

    ``n`` is a set size, or an array of set sizes (one per round). Exact draws
    for the Gaussian world; sample by sample for the others, each replicate's
    samples in one row (replicate-major, so a replicate's draws do not depend
    on how many run beside it).
    """
    sizes = np.broadcast_to(n, (rounds,))
    shape = (rows, rounds)
    if world.is_gaussian:
        z, chi2 = gaussian_noise(n if np.ndim(n) == 0 else sizes, shape, mean_rng, spread_rng)
        count = np.maximum(sizes, 1)  # empty sets: finite placeholders, never used
        return SufficientStatistics(sizes, world.mean + np.sqrt(world.std**2 / count) * z, world.std**2 * chi2)
    total = int(sizes.sum())
    mean, m2 = np.zeros(shape), np.zeros(shape)
    used = sizes > 0
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])[used]
    per_chunk = max(1, _CHUNK // max(total, 1))
    for start in range(0, rows, per_chunk):
        x = world.sample((min(per_chunk, rows - start), total), mean_rng)
        part_mean = np.add.reduceat(x, starts, axis=1) / sizes[used]
        deviations = x - np.repeat(part_mean, sizes[used], axis=1)
        mean[start : start + x.shape[0], used] = part_mean
        m2[start : start + x.shape[0], used] = np.add.reduceat(deviations**2, starts, axis=1)
    return SufficientStatistics(sizes, mean, m2)


def synthetic_schedule(scenario: Scenario) -> np.ndarray:
    """Synthetic samples in each round, index = generation (rounds 0 and 1 read none)."""
    counts = np.full(scenario.generations + 1, scenario.synthetic_count())
    counts[:2] = 0
    return counts


def simulate(scenario: Scenario, synthetic_counts: np.ndarray | None = None, world: World1D | None = None) -> Trajectory:
    """Run the loop with exact sufficient statistics, vectorised over replicates.

    A Gaussian model's fit depends only on (count, mean, sum of squares), so
    its synthetic samples are replaced by two exact draws (normal and
    chi-square) per set: a round costs the same for M = 10 and M = 10^9.
    Fresh real data are drawn the same way for the Gaussian world and sample by
    sample for the others.

    ``synthetic_counts`` (index = generation) overrides the constant share of
    the ``synthetic_fraction`` knob, e.g. with the share a simulated web
    dictates year by year; each round still reads M samples. ``world`` passes
    a ready-made real world (your own data, for world "custom").
    """
    world = world or make_world(scenario)
    if scenario.mode == "accumulate_subsample":
        return simulate_subsample(scenario, synthetic_counts, world)
    model = make_model(scenario)
    G, M, R = scenario.generations, scenario.sample_size, scenario.replicates
    syn = synthetic_schedule(scenario) if synthetic_counts is None else np.asarray(synthetic_counts)
    real = M - syn
    rng = run_streams(scenario)

    def per_round(counts):  # one count when constant: the cheaper, scalar draw
        counts = counts[2:]
        return int(counts[0]) if np.all(counts == counts[0]) else counts

    # noise arrays are (R, rounds) replicate-major; transposed to (rounds, R)
    first = real_statistics(world, M, R, 1, rng["first_mean"], rng["first_spread"])
    if G > 1 and real[2:].any():
        fresh = real_statistics(world, per_round(real), R, G - 1, rng["real_mean"], rng["real_spread"])
        real_mean, real_m2 = np.ascontiguousarray(fresh.mean.T), np.ascontiguousarray(fresh.m2.T)
    if G > 1 and syn[2:].any():
        noise = gaussian_noise(per_round(syn), (R, G - 1), rng["synthetic_mean"], rng["synthetic_spread"])
        syn_z, syn_chi2 = (np.ascontiguousarray(a.T) for a in noise)

    means = np.empty((G + 1, R))
    variances = np.empty((G + 1, R))
    means[0], variances[0] = world.mean, world.std**2
    pool = SufficientStatistics(M, first.mean[:, 0], first.m2[:, 0])
    model.fit_statistics(pool)
    means[1], variances[1] = model.mean_, model.var_
    for g in range(2, G + 1):
        i = g - 2  # row of this round's pre-drawn noise
        parts = []
        if real[g]:
            parts.append(SufficientStatistics(real[g], real_mean[i], real_m2[i]))
        if syn[g]:
            parts.append(model.statistics_from_noise(syn[g], syn_z[i], syn_chi2[i]))
        new = parts[0] if len(parts) == 1 else parts[0].merge(parts[1])
        pool = new if scenario.mode == "replace" else pool.merge(new)
        model.fit_statistics(pool)
        means[g], variances[g] = model.mean_, model.var_
    return Trajectory(means, variances)


def simulate_subsample(scenario: Scenario, synthetic_counts=None, world: World1D | None = None) -> Trajectory:
    """Accumulate every round's samples but train on a random subsample of M (Kazdan et al. 2024).

    A subsample of a pool is not a function of the pool's sufficient
    statistics, so here every sample is kept: O(R M G^2) work, which the work
    budget prices. Draws are vectorised across replicates round by round (a
    replicate's numbers depend on R here, unlike the other modes).
    """
    world = world or make_world(scenario)
    model = make_model(scenario)
    G, M, R = scenario.generations, scenario.sample_size, scenario.replicates
    syn = synthetic_schedule(scenario) if synthetic_counts is None else np.asarray(synthetic_counts)
    rng = run_streams(scenario)
    pool = np.empty((R, G * M))
    rows = np.arange(R)[:, None]
    means, variances = np.empty((G + 1, R)), np.empty((G + 1, R))
    means[0], variances[0] = world.mean, world.std**2
    for g in range(1, G + 1):
        n_syn = int(syn[g])
        fresh = world.sample((R, M - n_syn), rng["real_mean"])
        written = model.sample(n_syn, rng["synthetic_mean"]) if n_syn else np.empty((R, 0))
        pool[:, (g - 1) * M : g * M] = np.concatenate([fresh, written], axis=1)
        size = g * M
        if g == 1:
            chosen = pool[:, :M]
        else:  # M distinct samples per replicate, uniformly from the pool
            keys = rng["first_mean"].random((R, size))
            chosen = pool[rows, np.argpartition(keys, M, axis=1)[:, :M]]
        model.fit(chosen)
        means[g], variances[g] = model.mean_, model.var_
    return Trajectory(means, variances)


def simulate_naive(scenario: Scenario, world: World1D | None = None) -> Trajectory:
    """Reference loop: draw every sample, refit, repeat; one replicate at a time.

    Uses the same rounding, pooling and replicate streams as :func:`simulate`
    but no shortcut, so it costs O(G R M). Tests use it to check that the exact
    statistics agree in distribution; benchmarks time it.
    """
    world = world or make_world(scenario)
    G, M = scenario.generations, scenario.sample_size
    n_real, n_syn = scenario.real_count(), scenario.synthetic_count()
    R = scenario.replicates
    means = np.empty((G + 1, R))
    variances = np.empty((G + 1, R))
    means[0], variances[0] = world.mean, world.std**2
    for r, rng in enumerate(replicate_generators(scenario)):
        model = make_model(scenario)
        data = world.sample(M, rng)
        model.fit(data)
        means[1, r], variances[1, r] = model.mean_, model.var_
        for g in range(2, G + 1):
            parts = [world.sample(n_real, rng), model.sample(n_syn, rng)]
            new = np.concatenate(parts)
            data = new if scenario.mode == "replace" else np.concatenate([data, new])
            model.fit(data)
            means[g, r], variances[g, r] = model.mean_, model.var_
    return Trajectory(means, variances)


def shown_generations(generations: int, count: int = 5) -> list[int]:
    """Up to ``count`` generations spread evenly from 1 to the last."""
    return sorted({int(round(g)) for g in np.linspace(1, generations, min(count, generations))})


#: Generations an animation steps through (at most), evenly from 1 to the last.
MAX_FRAMES = 40


def frame_generations(generations: int) -> list[int]:
    """The generations an animation shows: every one up to 40, else 40 evenly spread."""
    return sorted({int(g) for g in np.linspace(1, generations, min(MAX_FRAMES, generations))} | {generations})


def zipf_curve(p: np.ndarray, points: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A word distribution's rank-frequency curve at up to ``points`` log-spaced ranks."""
    ordered = np.sort(p[p > 0])[::-1]
    ranks = np.unique(np.geomspace(1, ordered.size, points).round().astype(int))
    return ranks, ordered[ranks - 1].astype(np.float32)


@dataclass(frozen=True)
class VocabularyRun:
    """A vocabulary run: the tidy metrics plus what one replicate's model looked like.

    Attributes
    ----------
    results : DataFrame
        One row per (generation, replicate), columns ``VOCABULARY_METRICS``.
    vocabulary : Vocabulary
        The real words and their frequencies (generation 0).
    snapshots : dict
        Generation -> word probabilities of replicate 0 at the shown generations.
    death_generation : ndarray of int
        For replicate 0, the generation each word was last lost in (-1: alive at the end).
    final_mean, final_var : ndarray
        Mean and variance over replicates of each word's final frequency.
    rank_curves : dict
        Generation -> replicate 0's rank-frequency curve (ranks, frequencies)
        at the animation's generations and the shown ones.
    """

    results: pd.DataFrame
    vocabulary: object
    snapshots: dict
    death_generation: np.ndarray
    final_mean: np.ndarray
    final_var: np.ndarray
    rank_curves: dict


def simulate_vocabulary(scenario: Scenario, synthetic_counts=None, answer_real_weight=None,
                        vocabulary=None) -> VocabularyRun:
    """Retrain a word-frequency model on its own text, with exact word counts.

    Round n reads ``M - round(s M)`` fresh real words plus ``round(s M)`` words
    written by the generation n-1 model (after temperature, top-k and top-p
    decoding; real text is never decoded). Round 1 reads M real words. A
    categorical fit depends only on the counts, which are drawn exactly
    (:func:`~collapse.models.draw_counts`), so a step costs O(V) for any M.
    Replicate i draws from ``SeedSequence(seed).spawn(R)[i]``.

    ``synthetic_counts`` (index = generation) overrides the constant share, as
    in :func:`simulate`. With ``answer_real_weight`` (index = generation) the
    results also measure the model's answers, a mixture of real text (that
    weight) and the model: ``answer_entropy_bits`` and ``answer_distance``.
    ``vocabulary`` passes a ready-made real vocabulary (your own text).
    """
    vocabulary = vocabulary or make_vocabulary(scenario)
    real = vocabulary.probabilities
    real_cdf = np.cumsum(real)
    G, M, R, V = scenario.generations, scenario.sample_size, scenario.replicates, vocabulary.size
    syn = synthetic_schedule(scenario) if synthetic_counts is None else np.asarray(synthetic_counts)
    shown = set(shown_generations(G))
    values = np.empty((G + 1, R, len(VOCABULARY_METRICS)))
    values[0] = vocabulary_metrics(np.arange(V), real, real)
    answers = None if answer_real_weight is None else np.empty((G + 1, R, 2))
    if answers is not None:
        answers[0] = values[0, 0, 0], 0.0
    snapshots = {0: real}
    animated = set(frame_generations(G)) | shown
    rank_curves = {}
    death = np.full(V, -1)
    final_sum, final_sumsq = np.zeros(V), np.zeros(V)
    for r, rng in enumerate(replicate_generators(scenario)):
        model = make_model(scenario)
        pool = draw_counts(M, real, rng, real_cdf)
        for g in range(1, G + 1):
            if g > 1:
                fresh = draw_counts(M - syn[g], real, rng, real_cdf)
                new = merge_counts(fresh, model.sample_sparse(syn[g], rng), V)
                pool = new if scenario.mode == "replace" else merge_counts(pool, new, V)
            if scenario.mode == "accumulate_subsample" and g > 1:
                # M tokens without replacement from the pool: multivariate hypergeometric
                picked = rng.multivariate_hypergeometric(pool[1].astype(np.int64), M)
                model.fit_sparse(pool[0][picked > 0], picked[picked > 0], V)
            else:
                model.fit_sparse(*pool, V)
            values[g, r] = vocabulary_metrics(model.support_, model.support_probabilities_, real)
            if answers is not None:
                w = answer_real_weight[g]
                answer = w * real + (1 - w) * model.probabilities_
                answers[g, r] = entr(answer).sum() / np.log(2), (1 - w) * values[g, r, -1]
            if r == 0:
                alive = np.zeros(V, dtype=bool)
                alive[model.support_] = True
                if g in shown:
                    snapshots[g] = model.probabilities_
                if g in animated:
                    rank_curves[g] = zipf_curve(model.support_probabilities_)
                death[(death < 0) & ~alive] = g  # newly lost
                death[alive] = -1  # (re)learnt from fresh text
        final_sum[model.support_] += model.support_probabilities_
        final_sumsq[model.support_] += model.support_probabilities_**2
    frame = pd.DataFrame(values.reshape(-1, len(VOCABULARY_METRICS)), columns=VOCABULARY_METRICS)
    frame.insert(0, "replicate", np.tile(np.arange(R), G + 1))
    frame.insert(0, "generation", np.repeat(np.arange(G + 1), R))
    frame["surviving_words"] = frame["surviving_words"].astype(np.int64)
    if answers is not None:
        frame["answer_entropy_bits"] = answers[..., 0].ravel()
        frame["answer_distance"] = answers[..., 1].ravel()
    final_mean = final_sum / R
    final_var = np.maximum(final_sumsq / R - final_mean**2, 0.0) * R / max(R - 1, 1)
    return VocabularyRun(frame, vocabulary, snapshots, death, final_mean, final_var, rank_curves)


#: Samples drawn from each generation's model to measure it (digits: the classifier is the cost).
EVALUATION_SIZE = {"mixture_2d": 1_000, "digits": 500}
#: Points (2-D) or images (digits) of replicate 0 kept at the shown generations.
SNAPSHOT_SIZE = {"mixture_2d": 600, "digits": 12}


@dataclass(frozen=True)
class SampleRun:
    """A run of a model that must sample (2-D clusters, digits).

    Attributes
    ----------
    results : DataFrame
        One row per (generation, replicate) with the world's metrics.
    snapshots : dict
        Generation -> samples of replicate 0 at the shown generations (0: real).
    frames : dict
        Generation -> 300 of replicate 0's points at the animation's generations (2-D only).
    """

    results: pd.DataFrame
    snapshots: dict
    frames: dict


def simulate_samples(scenario: Scenario, synthetic_counts=None, progress=None) -> SampleRun:
    """The loop for scikit-learn models, which can only learn from samples.

    Every sample is drawn (the cost grows with M; the work budget prices it).
    Each generation is measured on ``EVALUATION_SIZE[world]`` samples from its model;
    generation 0 on as many real samples, so its row shows the sampling floor
    of each metric. Replicate i draws from ``SeedSequence(seed).spawn(R)[i]``;
    scikit-learn's seeds are integers drawn from that stream. ``progress``,
    if given, is called with the share of the work done.
    """
    world = make_sample_world(scenario)
    G, M, R = scenario.generations, scenario.sample_size, scenario.replicates
    syn = synthetic_schedule(scenario) if synthetic_counts is None else np.asarray(synthetic_counts)
    measure, names = ((lambda x: shape_metrics(x, world)), SHAPE_METRICS) if scenario.world == "mixture_2d" else \
        ((lambda x: digit_metrics(x, world)), DIGIT_METRICS)
    shown = set(shown_generations(G))
    keep = SNAPSHOT_SIZE[scenario.world]
    evaluation = EVALUATION_SIZE[scenario.world]
    values = np.empty((G + 1, R, len(names)))
    snapshots, frames = {}, {}
    animated = set(frame_generations(G)) if scenario.world == "mixture_2d" else set()
    for r, rng in enumerate(replicate_generators(scenario)):
        model = make_model(scenario)
        real = world.sample(evaluation, rng)
        values[0, r] = measure(real)
        if r == 0:
            snapshots[0] = real[:keep]
        pool = world.sample(M, rng)
        for g in range(1, G + 1):
            if g > 1:
                new = np.concatenate([world.sample(M - syn[g], rng), model.sample(syn[g], rng)])
                if scenario.mode == "replace":
                    pool = new
                else:
                    pool = np.concatenate([pool, new])
            training = pool
            if scenario.mode == "accumulate_subsample" and len(pool) > M:
                training = pool[rng.choice(len(pool), size=M, replace=False)]
            model.fit(training, rng)
            written = model.sample(evaluation, rng)
            values[g, r] = measure(written)
            if r == 0 and g in shown:
                snapshots[g] = written[:keep]
            if r == 0 and g in animated:
                frames[g] = written[:300]
            if progress is not None:
                progress((r * G + g) / (R * G))
    frame = pd.DataFrame(values.reshape(-1, len(names)), columns=names)
    frame.insert(0, "replicate", np.tile(np.arange(R), G + 1))
    frame.insert(0, "generation", np.repeat(np.arange(G + 1), R))
    return SampleRun(frame, snapshots, frames)


def real_world(scenario: Scenario, data=None):
    """The real world of a scenario: a 1-D world or a vocabulary (``data``: your numbers or text)."""
    if scenario.is_vocabulary:
        return make_vocabulary(scenario, data)
    return make_world(scenario, data)


def run(scenario: Scenario, data=None) -> pd.DataFrame:
    """Simulate a scenario and measure it: the tidy results table.

    ``data`` is your own numbers (world "custom") or text (world "custom_text").

    Returns
    -------
    pandas.DataFrame
        One row per (generation, replicate). For 1-D worlds: ``generation``,
        ``replicate``, ``mean``, ``std``, ``tail_mass_<k>`` for each threshold
        and ``distance``; for vocabularies, the columns of
        :data:`~collapse.metrics.VOCABULARY_METRICS`. Generation 0 rows hold
        the real world's own values.
    """
    if scenario.data_source == "web":
        from .web import run_web  # the web builds on this module

        return run_web(scenario, data)
    if scenario.is_sampled:
        return simulate_samples(scenario).results
    world = real_world(scenario, data)
    if scenario.is_vocabulary:
        return simulate_vocabulary(scenario, vocabulary=world).results
    trajectory = simulate(scenario, world=world)
    return metrics_frame(trajectory.mean, trajectory.var, world, scenario.tail_thresholds)
