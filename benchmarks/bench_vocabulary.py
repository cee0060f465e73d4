"""Vocabulary engine speed, measured in one run: the engine against the baseline it replaced.

    python benchmarks/bench_vocabulary.py [--repeats 3] [--skip-huge] [--one-blas-thread]

1. The baseline (the engine before replicates ran side by side, kept below,
   unchanged) against today's engine, on the same scenario in the same
   process, alternately; best of ``--repeats`` in CPU seconds of this process
   (what a shared server pays) and in wall seconds, and their ratio:
   - the vocabulary page's defaults (English, V = 5,000, M = 10^4, G = 100,
     R = 20, synthetic fraction 1, replace; target: the engine well under
     0.1 s);
   - V = 50,000 English words, R = 32, G = 200, synthetic fraction 1, at
     M = 10^6 (target: under 2 s) and M = 10^9 (``--skip-huge`` leaves this
     out: the baseline needs about a minute).
   ``--one-blas-thread`` also times the baseline with one BLAS thread: its
   metrics called ``p @ p``, which stalls OpenBLAS threads on a busy machine.
2. Exact counts (the engine) against a naive loop that writes every token
   (M = 10^6 words per generation) on the same scenario.
3. The engine for V = 50,000, R = 32, G = 200 over M and the synthetic
   fraction, with the work budget's estimate.

The machine's load average is printed: other processes slow every time
measured here, which is why the ratios are measured side by side.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.special import entr  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from collapse.budget import estimate_seconds  # noqa: E402
from collapse.families.vocabulary import (  # noqa: E402
    VOCABULARY_METRICS,
    CategoricalModel,
    VocabularyRun,
    make_vocabulary,
    simulate_vocabulary,
    vocabulary_metrics,
    zipf_curve,
)
from collapse.randomness import replicate_generators  # noqa: E402
from collapse.scenario import (  # noqa: E402
    Scenario,
    frame_generations,
    shown_generations,
    synthetic_schedule,
)

# == BASELINE: the vocabulary engine as it was, one replicate at a time ===============
# (collapse/families/vocabulary.py before replicates ran side by side; copied
# unchanged but for the "baseline_" prefix, to be timed against today's engine)


def baseline_draw_counts(n: int, q: np.ndarray, rng: np.random.Generator, cdf: np.ndarray | None = None):
    """Exact Multinomial(n, q) counts over the entries of ``q``, as (positions, counts).

    Three exact methods; the cheapest for n and K = len(q) is used:

    - n much smaller than K: draw n tokens by inverse CDF and count them,
      O(n log K);
    - n up to a few times K: draw the n uniforms already sorted (normalised
      cumulative sums of exponentials are the order statistics of n
      uniforms) and count how many fall below each point of the CDF,
      O(n + K log n);
    - larger n: split n by conditional binomials (``Generator.multinomial``),
      O(K) whatever n.

    Only positions with a positive count are returned; ``cdf`` may pass a
    precomputed ``cumsum(q)``.
    """
    if n == 0:
        return np.empty(0, dtype=np.intp), np.empty(0)
    if 16 * n < q.size:
        cdf = np.cumsum(q) if cdf is None else cdf
        tokens = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
        positions, counts = np.unique(np.minimum(tokens, q.size - 1), return_counts=True)
        return positions, counts.astype(float)
    if n < 4 * q.size:
        cdf = np.cumsum(q) if cdf is None else cdf
        spacings = rng.standard_exponential(n + 1)
        sums = np.cumsum(spacings)
        uniforms = sums[:-1] / sums[-1]
        below = np.searchsorted(uniforms, cdf / cdf[-1], side="left")
        below[-1] = n
        counts = np.diff(below, prepend=0).astype(float)
    else:
        counts = rng.multinomial(n, q / q.sum()).astype(float)
    positions = np.flatnonzero(counts)
    return positions, counts[positions]


def baseline_merge_counts(a, b, n_words: int):
    """Add two sparse count vectors given as (word indices, counts) over n_words words."""
    words = np.concatenate([a[0], b[0]])
    weights = np.concatenate([a[1], b[1]])
    if 16 * words.size > n_words:  # dense enough: one O(V) pass beats sorting
        dense = np.bincount(words, weights=weights, minlength=n_words)
        unique = np.flatnonzero(dense)
        return unique, dense[unique]
    unique, where = np.unique(words, return_inverse=True)
    return unique, np.bincount(where, weights=weights)


class baseline_CategoricalModel:
    """A language model reduced to word frequencies: counts / number of words read.

    It stores only the words it has seen (its support), so a model that has
    forgotten most words is cheap to fit, decode and sample.

    Parameters
    ----------
    temperature : float, default 1
        Output is drawn from p^(1/T), renormalised: below 1 the common words
        get commoner and the rare ones rarer.
    top_k : int, default 0
        Output uses only the k most likely words (0: all).
    top_p : float, default 1
        Nucleus decoding: output uses only the most likely words whose
        probabilities add up to at least ``top_p`` (1: all).

    Attributes
    ----------
    support_ : ndarray of int
        Indices of the words the model can produce (count > 0), ascending.
    support_probabilities_ : ndarray of float
        Their fitted frequencies.
    n_words_ : int
        Size V of the vocabulary.
    """

    def __init__(self, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0):
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p

    def fit(self, counts) -> "baseline_CategoricalModel":
        """Fit to dense word counts of length V (the sufficient statistics of the text)."""
        counts = np.asarray(counts, dtype=float)
        support = np.flatnonzero(counts)
        return self.fit_sparse(support, counts[support], counts.size)

    def fit_sparse(self, words, counts, n_words: int) -> "baseline_CategoricalModel":
        """Fit to counts of the given word indices only (all other counts are 0)."""
        self.support_ = np.asarray(words)
        self.support_probabilities_ = np.asarray(counts, dtype=float) / np.sum(counts)
        self.n_words_ = int(n_words)
        return self

    @property
    def probabilities_(self) -> np.ndarray:
        """Fitted frequencies of all V words (zeros for forgotten words)."""
        p = np.zeros(self.n_words_)
        p[self.support_] = self.support_probabilities_
        return p

    def decoded(self) -> tuple[np.ndarray, np.ndarray]:
        """(word indices, probabilities) the model writes from, after T, top-k and top-p."""
        words, p = self.support_, self.support_probabilities_
        if self.temperature != 1.0:
            logits = np.log(p) / self.temperature
            p = np.exp(logits - logits.max())
            p /= p.sum()
        if self.top_k or self.top_p < 1.0:
            order = np.argsort(-p, kind="stable")
            keep = p.size if not self.top_k else min(p.size, self.top_k)
            if self.top_p < 1.0:
                # the smallest set of most likely words with mass >= top_p
                cumulative = np.cumsum(p[order])
                keep = min(keep, int(np.searchsorted(cumulative, self.top_p * cumulative[-1])) + 1)
            kept = np.sort(order[:keep])
            words, p = words[kept], p[kept] / p[kept].sum()
        return words, p

    def decoded_probabilities(self) -> np.ndarray:
        """The distribution the model writes from, over all V words."""
        words, p = self.decoded()
        dense = np.zeros(self.n_words_)
        dense[words] = p
        return dense

    def sample_sparse(self, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
        """Exact counts of ``n`` words written by the model, as (word indices, counts)."""
        words, p = self.decoded()
        positions, counts = baseline_draw_counts(n, p, np.random.default_rng(rng))
        return words[positions], counts

    def sample_counts(self, n: int, rng) -> np.ndarray:
        """Exact counts of ``n`` words written by the model, over all V words."""
        words, counts = self.sample_sparse(n, rng)
        dense = np.zeros(self.n_words_)
        dense[words] = counts
        return dense

    def sample(self, n: int, rng) -> np.ndarray:
        """``n`` words written by the model, as word indices in writing order."""
        words, p = self.decoded()
        return words[np.random.default_rng(rng).choice(p.size, size=n, p=p)]


def baseline_vocabulary_metrics(words: np.ndarray, p: np.ndarray, real: np.ndarray) -> tuple[float, ...]:
    """Diversity and loss of a word distribution against the real one.

    ``p`` gives the probabilities of the word indices ``words`` (all others
    are 0), so the cost is O(support) plus nothing for forgotten words.
    Returns, in the order of :data:`VOCABULARY_METRICS`: Shannon entropy in
    bits, Gini-Simpson diversity ``1 - sum p^2``, the number of words it can
    still produce, the real world's probability on words it can no longer
    produce, the share of its 10 most likely words, and the total-variation
    distance to the real distribution.
    """
    real_here = real[words]
    extinct = 1.0 - float(real_here.sum())
    extinct = extinct if extinct > 1e-12 else 0.0  # rounding, not a lost word
    return (
        float(entr(p).sum() / np.log(2)),
        float(1.0 - p @ p),
        float(p.size),
        extinct,
        float(np.partition(p, -10)[-10:].sum()) if p.size > 10 else float(p.sum()),
        float(0.5 * (np.abs(p - real_here).sum() + extinct)),
    )


def baseline_simulate_vocabulary(scenario: Scenario, synthetic_counts=None, answer_real_weight=None,
                        vocabulary=None) -> VocabularyRun:
    """Retrain a word-frequency model on its own text, with exact word counts.

    Round n reads ``M - round(s M)`` fresh real words plus ``round(s M)`` words
    written by the generation n-1 model (after temperature, top-k and top-p
    decoding; real text is never decoded). Round 1 reads M real words. A
    categorical fit depends only on the counts, which are drawn exactly
    (:func:`~collapse.models.baseline_draw_counts`), so a step costs O(V) for any M.
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
    values[0] = baseline_vocabulary_metrics(np.arange(V), real, real)
    answers = None if answer_real_weight is None else np.empty((G + 1, R, 2))
    if answers is not None:
        answers[0] = values[0, 0, 0], 0.0
    snapshots = {0: real}
    animated = set(frame_generations(G)) | shown
    rank_curves = {}
    death = np.full(V, -1)
    final_sum, final_sumsq = np.zeros(V), np.zeros(V)
    for r, rng in enumerate(replicate_generators(scenario.seed, scenario.replicates)):
        model = baseline_CategoricalModel(scenario.temperature, scenario.top_k, scenario.top_p)
        pool = baseline_draw_counts(M, real, rng, real_cdf)
        for g in range(1, G + 1):
            if g > 1:
                fresh = baseline_draw_counts(M - syn[g], real, rng, real_cdf)
                new = baseline_merge_counts(fresh, model.sample_sparse(syn[g], rng), V)
                pool = new if scenario.mode == "replace" else baseline_merge_counts(pool, new, V)
            if scenario.mode == "accumulate_subsample" and g > 1:
                # M tokens without replacement from the pool: multivariate hypergeometric
                picked = rng.multivariate_hypergeometric(pool[1].astype(np.int64), M)
                model.fit_sparse(pool[0][picked > 0], picked[picked > 0], V)
            else:
                model.fit_sparse(*pool, V)
            values[g, r] = baseline_vocabulary_metrics(model.support_, model.support_probabilities_, real)
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


# == end of the baseline ==============================================================


def naive(scenario: Scenario) -> None:
    """Write every token, count, refit, measure: O(M) a generation."""
    real = make_vocabulary(scenario).probabilities
    V, M = real.size, scenario.sample_size
    n_real, n_syn = scenario.real_count(), scenario.synthetic_count()
    for rng in replicate_generators(scenario.seed, scenario.replicates):
        model = CategoricalModel(scenario.temperature, scenario.top_k, scenario.top_p)
        counts = np.bincount(rng.choice(V, size=M, p=real), minlength=V)
        model.fit(counts)
        for _ in range(2, scenario.generations + 1):
            tokens = np.concatenate([rng.choice(V, size=n_real, p=real), model.sample(n_syn, rng)])
            model.fit(np.bincount(tokens, minlength=V))
            vocabulary_metrics(model.support_, model.support_probabilities_, real)


def timed(func, *args) -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    func(*args)
    return time.process_time() - cpu, time.perf_counter() - wall


def one_blas_thread(func):
    def run(*args):
        with threadpool_limits(limits=1):
            return func(*args)
    return run


def side_by_side(label: str, scenario: Scenario, repeats: int, blas: bool) -> None:
    """Baseline and engine alternately, best of ``repeats``; prints CPU and wall seconds and the ratios."""
    contenders = {"baseline": baseline_simulate_vocabulary, "engine": simulate_vocabulary}
    if blas:
        contenders["baseline, 1 BLAS thread"] = one_blas_thread(baseline_simulate_vocabulary)
    simulate_vocabulary(scenario.replace(replicates=1, generations=2))  # load the vocabulary once
    best = {name: (np.inf, np.inf) for name in contenders}
    for _ in range(repeats):
        for name, func in contenders.items():
            cpu, wall = timed(func, scenario)
            best[name] = (min(best[name][0], cpu), min(best[name][1], wall))
    engine = best["engine"]
    print(f"{label}:")
    for name, (cpu, wall) in best.items():
        ratio = "" if name == "engine" else f"   ratio {cpu / engine[0]:5.1f}x CPU, {wall / engine[1]:5.1f}x wall"
        print(f"  {name:26s} {cpu:8.3f} s CPU {wall:8.3f} s wall{ratio}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs of each (default 3; "
                        "the M = 10^9 case runs once)")
    parser.add_argument("--skip-huge", action="store_true", help="leave out V=50,000 at M=10^9")
    parser.add_argument("--one-blas-thread", action="store_true", help="also time the baseline with one BLAS thread")
    args = parser.parse_args(argv)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores", flush=True)

    page = Scenario(world="english", model="categorical", vocabulary_size=5_000, sample_size=10_000,
                    generations=100, replicates=20, synthetic_fraction=1.0, mode="replace")
    side_by_side("vocabulary page defaults (V=5,000 M=10^4 G=100 R=20)", page, args.repeats, args.one_blas_thread)
    large = {"world": "english", "model": "categorical", "vocabulary_size": 50_000, "generations": 200,
             "replicates": 32, "synthetic_fraction": 1.0}
    side_by_side("V=50,000 M=10^6 G=200 R=32 (target < 2 s)", Scenario(sample_size=10**6, **large),
                 max(1, args.repeats - 1), args.one_blas_thread)
    if not args.skip_huge:
        side_by_side("V=50,000 M=10^9 G=200 R=32", Scenario(sample_size=10**9, **large), 1, args.one_blas_thread)

    knobs = {"world": "english", "model": "categorical", "vocabulary_size": 5_000, "generations": 20, "replicates": 4}
    for fraction in (1.0, 0.5):
        scenario = Scenario(sample_size=10**6, synthetic_fraction=fraction, **knobs)
        slow, fast = timed(naive, scenario)[0], timed(simulate_vocabulary, scenario)[0]
        print(f"V=5,000 M=10^6 G=20 R=4 s={fraction:g}: naive {slow:.2f} s, engine {fast:.3f} s CPU, "
              f"ratio {slow / fast:,.0f}x", flush=True)
    print("engine, V=50,000 R=32 G=200 (CPU seconds; the budget's estimate):")
    for M, fraction in [(10**4, 1.0), (10**5, 1.0), (10**6, 1.0), (10**9, 1.0), (10**4, 0.9), (10**6, 0.9)]:
        scenario = Scenario(world="english", model="categorical", vocabulary_size=50_000, sample_size=M,
                            synthetic_fraction=fraction, generations=200, replicates=32)
        print(f"  M=10^{int(np.log10(M))} s={fraction:g}: {timed(simulate_vocabulary, scenario)[0]:.2f} s "
              f"(estimate {estimate_seconds(scenario.to_dict()):.2f} s)", flush=True)


if __name__ == "__main__":
    main()
