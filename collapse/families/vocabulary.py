"""The vocabulary family: word frequencies retrained on their own text (Wright-Fisher).

A language model is reduced to how often it uses each word. Real vocabularies
are English (wordfreq's tables), Zipf's law or your text. A categorical fit
depends only on the word counts, which are drawn exactly, so a step costs
O(V) for any number of tokens.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.special import entr

from ..randomness import replicate_generators
from ..scenario import (
    Scenario,
    frame_generations,
    shown_generations,
    synthetic_schedule,
)


class Vocabulary:
    """A real vocabulary: V words and how often each is used (sums to 1, most common first).

    Attributes
    ----------
    words : ndarray of str
        The words, most frequent first.
    probabilities : ndarray of float
        Their real-world frequencies, normalised over these V words.
    """

    name = "vocabulary"
    label = "real language"

    def __init__(self, words, probabilities):
        p = np.asarray(probabilities, dtype=float)
        order = np.argsort(-p, kind="stable")
        self.words = np.asarray(words)[order]
        self.probabilities = p[order] / p.sum()

    @property
    def size(self) -> int:
        return self.probabilities.size


@lru_cache(maxsize=4)
def english_vocabulary(size: int) -> Vocabulary:
    """The ``size`` most common English words with their real frequencies (wordfreq).

    wordfreq ships its frequency tables inside the package: nothing is
    downloaded. Frequencies are renormalised over the chosen words.
    """
    from wordfreq import get_frequency_dict, top_n_list

    words = top_n_list("en", size)
    frequencies = get_frequency_dict("en")
    vocabulary = Vocabulary(words, [frequencies[w] for w in words])
    vocabulary.name, vocabulary.label = "english", "real English"
    return vocabulary


@lru_cache(maxsize=8)
def zipf_vocabulary(size: int, exponent: float) -> Vocabulary:
    """V made-up words ``w1, w2, ...`` with p_i proportional to i^(-exponent) (Zipf's law)."""
    ranks = np.arange(1, size + 1)
    vocabulary = Vocabulary([f"w{i}" for i in ranks], ranks ** (-float(exponent)))
    vocabulary.name, vocabulary.label = "zipf", f"Zipf's law (exponent {exponent:g})"
    return vocabulary


def text_vocabulary(text: str, size: int) -> Vocabulary:
    """The ``size`` most used words of a text, with their counts, as a real vocabulary.

    Words come from ``wordfreq.tokenize(text, "en")``: Unicode word
    boundaries, lower case, punctuation dropped, apostrophes kept ("it's").
    """
    from wordfreq import tokenize

    counts = Counter(tokenize(text, "en")).most_common(size)
    if len(counts) < 2:
        raise ValueError("the text needs at least two different words")
    words, frequencies = zip(*counts)
    vocabulary = Vocabulary(words, frequencies)
    vocabulary.name, vocabulary.label = "custom_text", "your text"
    return vocabulary


def make_vocabulary(scenario, text: str | None = None) -> Vocabulary:
    """The real vocabulary a scenario names (``text``: your text, for world "custom_text")."""
    if scenario.world == "custom_text":
        if text is None:
            raise ValueError("the custom_text world needs a text: upload or paste one, or pass --data FILE.txt")
        return text_vocabulary(text, scenario.vocabulary_size)
    if scenario.world == "english":
        return english_vocabulary(scenario.vocabulary_size)
    if scenario.world == "zipf":
        return zipf_vocabulary(scenario.vocabulary_size, scenario.zipf_exponent)
    raise ValueError(f"{scenario.world!r} is not a vocabulary world")


def draw_counts(n: int, q: np.ndarray, rng: np.random.Generator, cdf: np.ndarray | None = None):
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


def merge_counts(a, b, n_words: int):
    """Add two sparse count vectors given as (word indices, counts) over n_words words."""
    words = np.concatenate([a[0], b[0]])
    weights = np.concatenate([a[1], b[1]])
    if 16 * words.size > n_words:  # dense enough: one O(V) pass beats sorting
        dense = np.bincount(words, weights=weights, minlength=n_words)
        unique = np.flatnonzero(dense)
        return unique, dense[unique]
    unique, where = np.unique(words, return_inverse=True)
    return unique, np.bincount(where, weights=weights)


class CategoricalModel:
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

    def fit(self, counts) -> "CategoricalModel":
        """Fit to dense word counts of length V (the sufficient statistics of the text)."""
        counts = np.asarray(counts, dtype=float)
        support = np.flatnonzero(counts)
        return self.fit_sparse(support, counts[support], counts.size)

    def fit_sparse(self, words, counts, n_words: int) -> "CategoricalModel":
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
        positions, counts = draw_counts(n, p, np.random.default_rng(rng))
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


VOCABULARY_METRICS = ("entropy_bits", "gini_simpson", "surviving_words", "extinct_real_mass", "top10_share", "distance")


def vocabulary_metrics(words: np.ndarray, p: np.ndarray, real: np.ndarray) -> tuple[float, ...]:
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
    for r, rng in enumerate(replicate_generators(scenario.seed, scenario.replicates)):
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


def make_model(scenario: Scenario) -> CategoricalModel:
    """The (unfitted) word-frequency model a scenario names, with its decoding."""
    return CategoricalModel(scenario.temperature, scenario.top_k, scenario.top_p)


def simulate_scenario(scenario: Scenario, world: Vocabulary, synthetic_counts=None, answer_real_weight=None,
                      progress=None) -> tuple[pd.DataFrame, VocabularyRun]:
    """:func:`simulate_vocabulary`'s tidy table and the run itself (what one replicate's model looked like)."""
    vocabulary_run = simulate_vocabulary(scenario, synthetic_counts, answer_real_weight, world)
    return vocabulary_run.results, vocabulary_run
