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
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy.special import entr, gammaln

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


# -- exact multinomial counts -------------------------------------------------------
# Multinomial(n, q / sum q) is drawn exactly by the cheapest of these (costs in
# nanoseconds on the project's 2-core machine; they choose a method, never a
# distribution):
#
# - "tokens": n sorted uniforms (normalised sums of n + 1 exponentials are the
#   order statistics of n uniforms), located in the cumulative weights;
# - "multinomial": conditional binomials, ``Generator.multinomial``;
# - "poisson": independent Poisson counts at rate (n - 2 sqrt n) q_i / sum q,
#   redrawn in the rare case (~2 %) that they add up to more than n. Given
#   their total N they are Multinomial(N, q), so drawing the n - N still
#   missing the same way (usually as tokens) gives Multinomial(n, q) exactly;
# - Poisson tables: when the weights are integer counts c_i out of a total
#   shared by every replicate and generation (a model that writes what it
#   read), the Poisson means are c_i times one rate, so Poisson(c rate) is
#   inverted from a precomputed table of its CDF (a guide table makes it two
#   comparisons a word) and a count above 256 adds independent draws for
#   chunks of 256; then as "poisson";
# - a single positive weight takes all n.
#
# None consumes randomness for a zero weight, so a replicate's counts do not
# depend on where its zeros sit.
_TOKEN_CALL_NS, _TOKEN_NS = 2_000.0, 30.0
_MULTINOMIAL_CALL_NS, _MULTINOMIAL_NS = 1_500.0, 60.0
_POISSON_CALL_NS, _POISSON_NS = 10_000.0, 35.0
_SPARE = 2.0  # Poisson counts at rate n - 2 sqrt(n): more than n with probability ~2 %
_TABLE_TOP, _TABLE_BUCKETS = 256, 2048


def _costs(n, k):
    """Estimated nanoseconds of (tokens, multinomial, poisson) for n words over k positive weights."""
    tokens = _TOKEN_CALL_NS + _TOKEN_NS * n
    multinomial = _MULTINOMIAL_CALL_NS + _MULTINOMIAL_NS * k
    rest = _SPARE * np.sqrt(n)  # about what the Poisson counts leave to draw
    poisson = _POISSON_CALL_NS + _POISSON_NS * k + np.minimum(_TOKEN_CALL_NS + _TOKEN_NS * rest, multinomial)
    return tokens, multinomial, np.where(n < 64, np.inf, poisson)  # the rate n - 2 sqrt(n) needs a few tokens


def _cheapest(n: int, k: int) -> str:
    """The exact method that should draw n words over k positive weights fastest."""
    return _METHODS[int(np.argmin(_costs(n, k)))]


_METHODS = ("tokens", "multinomial", "poisson")


def _draw_bulk(n: int, q: np.ndarray, k: int, total, rng: np.random.Generator, method: str | None = None):
    """Part of an exact Multinomial(n, q / total) draw: (counts per entry or None, tokens still to draw).

    ``q`` (float or integer weights, the last one positive) has ``k``
    positive entries adding up to ``total``. The tokens left are to be drawn
    next with the same Generator (:func:`_sorted_uniforms`).
    """
    counts = None
    while n > 0:
        if k == 1:  # the only word gets every token
            counts = np.zeros(q.size, np.int64) if counts is None else counts
            counts[-1] += n
            return counts, 0
        how = method or _cheapest(n, k)
        if how == "poisson" and n < 64:  # the rate n - 2 sqrt(n) needs a few tokens
            how = _cheapest(n, k)
        if how == "tokens":
            return counts, n
        if how == "multinomial":
            x = rng.multinomial(n, q / total)
            return (x if counts is None else counts + x), 0
        rate = q * ((n - _SPARE * np.sqrt(n)) / total)
        x = rng.poisson(rate)
        while (drawn := int(x.sum())) > n:
            x = rng.poisson(rate)
        counts = x if counts is None else counts + x
        n -= drawn
        method = None  # the rest by the cheapest method
    return counts, 0


def _sorted_uniforms(n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniforms in [0, 1), sorted: normalised partial sums of n + 1 exponentials."""
    sums = np.cumsum(rng.standard_exponential(n + 1))
    return sums[:-1] / sums[-1]


def _sorted_uniform_rows(n: np.ndarray, rngs) -> tuple[np.ndarray, np.ndarray]:
    """n[j] sorted uniforms drawn with ``rngs[j]`` (as :func:`_sorted_uniforms`) for every j, end to end,
    and the j of each."""
    width = int(n.max())
    spacings = np.zeros((n.size, width + 1))
    for j, rng in enumerate(rngs):
        rng.standard_exponential(out=spacings[j, :n[j] + 1])
    sums = np.cumsum(spacings, axis=1)  # row by row, in order: padding adds nothing
    inside = np.arange(width) < n[:, None]
    u = (sums[:, :width] / sums[np.arange(n.size), n][:, None])[inside]
    return u, np.repeat(np.arange(n.size), n)


def _tokens(n: int, cdf: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Entries of ``n`` tokens drawn by inverse CDF (``cdf``: float cumulative weights, last step positive)."""
    u = _sorted_uniforms(n, rng)
    u *= cdf[-1]
    tokens = np.searchsorted(cdf, u, side="right")
    return np.minimum(tokens, cdf.size - 1, out=tokens)  # u * total rounded up to total


def draw_counts(n: int, q: np.ndarray, rng: np.random.Generator, cdf: np.ndarray | None = None,
                method: str | None = None):
    """Exact Multinomial(n, q) counts over the entries of ``q``, as (positions, counts).

    The cheapest exact method for n and the number K of positive entries is
    used: n sorted tokens by inverse CDF, O(n + K); conditional binomials
    (``Generator.multinomial``), O(K); independent Poisson counts at rate
    n - 2 sqrt(n) completed to exactly n, O(K + sqrt(n)); a single positive
    entry takes all n. ``method`` ("tokens", "multinomial" or "poisson")
    forces the first step (for tests).

    Only positions with a positive count are returned; ``cdf`` may pass a
    precomputed ``cumsum(q)``.
    """
    if n == 0:
        return np.empty(0, dtype=np.intp), np.empty(0)
    q = np.asarray(q)
    positive = np.flatnonzero(q)
    width = positive[-1] + 1  # trailing zeros cannot be drawn
    cdf = np.cumsum(q[:width], dtype=float) if cdf is None else np.asarray(cdf, dtype=float)[:width]
    counts, left = _draw_bulk(int(n), q[:width], positive.size, cdf[-1], rng, method)
    if counts is None:
        positions, counts = np.unique(_tokens(left, cdf, rng), return_counts=True)
        return positions, counts.astype(float)
    if left:
        counts = counts + np.bincount(_tokens(left, cdf, rng), minlength=width)
    positions = np.flatnonzero(counts)
    return positions, counts[positions].astype(float)


@lru_cache(maxsize=8)
def _poisson_tables(rate: float) -> tuple[np.ndarray, np.ndarray, float]:
    """CDF tables of Poisson(c rate), c = 0..256, their guide tables and the rate, for exact inversion.

    ``cdf[c, x] = P(X <= x)`` for x below the table's width (past 14 standard
    deviations), then a sentinel 2; ``guide[c, b]`` is the smallest x whose
    CDF exceeds b / 2048, where the search for a uniform in [b, b+1) / 2048
    starts (int16: 1 MB, so that both tables stay in cache).
    """
    lam = np.arange(_TABLE_TOP + 1) * rate
    width = int(np.ceil(lam[-1] + 14 * np.sqrt(lam[-1]) + 30))
    x = np.arange(width)
    with np.errstate(divide="ignore", invalid="ignore"):
        logpmf = x * np.log(lam)[:, None] - lam[:, None] - gammaln(x + 1)
    logpmf[0] = -np.inf
    logpmf[0, 0] = 0.0  # Poisson(0) is 0
    cdf = np.empty((_TABLE_TOP + 1, width + 1))
    np.cumsum(np.exp(logpmf), axis=1, out=cdf[:, :width])
    cdf[:, width] = 2.0
    grid = np.arange(_TABLE_BUCKETS) / _TABLE_BUCKETS
    guide = np.stack([np.searchsorted(row[:width], grid, side="right") for row in cdf]).astype(np.int16)
    cdf.flags.writeable = guide.flags.writeable = False  # shared by every run (and thread) at this rate
    return cdf, guide, rate


def _table_poisson(c: np.ndarray, u: np.ndarray, tables) -> np.ndarray:
    """Poisson(c rate) by inversion of the tables: for each uniform u, the smallest x with u < CDF(x) (c <= 256)."""
    cdf, guide, rate = tables
    width = cdf.shape[1] - 1
    flat = cdf.ravel()
    bucket = (u * _TABLE_BUCKETS).astype(np.intp)
    bucket += c * _TABLE_BUCKETS
    x = guide.ravel()[bucket].astype(np.intp)  # right for ~99 % of uniforms
    at = c * cdf.shape[1]
    at += x
    later = np.flatnonzero(flat[at] <= u)
    at, u_later = at[later], u[later]
    for _ in range(4):  # the others: a step or two (the sentinel 2 stops at the table's end)
        if not later.size:
            return x
        at += 1
        found = flat[at] > u_later
        x[later[found]] = at[found] - c[later[found]] * cdf.shape[1]
        later, at, u_later = later[~found], at[~found], u_later[~found]
    for i in later:  # far tails (~0.01 %): binary search
        x[i] = np.searchsorted(cdf[c[i], :width], u[i], side="right")
    for i in later[x[later] == width]:  # past 14 standard deviations (rounding of the CDF): continue it
        x[i] = _poisson_tail(c[i] * rate, u[i], width - 1, cdf[c[i], width - 1])
    return x


def _poisson_tail(lam: float, u: float, x: int, F: float) -> int:
    """The smallest X > x with u < P(Poisson(lam) <= X), given F = P(Poisson(lam) <= x)."""
    pmf = np.exp(x * np.log(lam) - lam - gammaln(x + 1))
    while True:
        x += 1
        pmf *= lam / x
        F += pmf
        if u < F or pmf == 0.0:  # pmf == 0: the CDF has rounded to its limit below u
            return x


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


def _decode(p: np.ndarray, temperature: float, top_k: int, top_p: float):
    """Decoding of word probabilities ``p``: (positions kept, or None for all; their output probabilities).

    Temperature T: p^(1/T), renormalised; top-k: the k most likely; top-p:
    the smallest set of most likely words with mass >= top_p (ties: the
    earlier position first).
    """
    if temperature != 1.0:
        logits = np.log(p) / temperature
        p = np.exp(logits - logits.max())
        p /= p.sum()
    if not top_k and top_p >= 1.0:
        return None, p
    order = np.argsort(-p, kind="stable")
    keep = p.size if not top_k else min(p.size, top_k)
    if top_p < 1.0:
        cumulative = np.cumsum(p[order])
        keep = min(keep, int(np.searchsorted(cumulative, top_p * cumulative[-1])) + 1)
    kept = np.sort(order[:keep])
    return kept, p[kept] / p[kept].sum()


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
        kept, p = _decode(self.support_probabilities_, self.temperature, self.top_k, self.top_p)
        return (self.support_ if kept is None else self.support_[kept]), p

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
        float(1.0 - np.sum(p * p)),  # not p @ p: BLAS threads stall on a busy server
        float(p.size),
        extinct,
        float(np.partition(p, -10)[-10:].sum()) if p.size > 10 else float(p.sum()),
        float(0.5 * (np.abs(p - real_here).sum() + extinct)),
    )


def zipf_curve(p: np.ndarray, points: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A word distribution's rank-frequency curve at up to ``points`` log-spaced ranks."""
    ordered = np.sort(p[p > 0])[::-1]
    ranks = _zipf_ranks(ordered.size, points)
    return ranks, ordered[ranks - 1].astype(np.float32)


@lru_cache(maxsize=256)
def _zipf_ranks(size: int, points: int) -> np.ndarray:
    ranks = np.unique(np.geomspace(1, size, points).round().astype(int))
    ranks.flags.writeable = False
    return ranks


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


# -- the engine: replicates side by side --------------------------------------------
# A block of replicates is held as flat arrays of (word, count) cells, replicate
# after replicate (replicate i owns cells starts[i]:starts[i+1], its words in
# increasing order). Every replicate draws its numbers from its own Generator, in
# its own order, and every per-replicate sum is taken over its own cells only, so
# its results do not depend on the replicates beside it; measuring and packing are
# one pass over the block per generation.

#: Replicate-words simulated side by side; more replicates run in blocks of this size.
BLOCK_CELLS = 1 << 20


def _segment_sums(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Each replicate's sum over its own cells (none may be empty)."""
    return np.add.reduceat(x, starts[:-1])


def _draw_shared(n: int, q: np.ndarray, cdf: np.ndarray, rngs) -> np.ndarray:
    """Exact Multinomial(n, q) counts for every Generator, rows of len(q) cells laid end to end."""
    K = q.size
    out = np.zeros(len(rngs) * K, dtype=np.int64)
    if n == 0:
        return out
    left = np.zeros(len(rngs), dtype=np.int64)
    for i, rng in enumerate(rngs):
        counts, left[i] = _draw_bulk(n, q, K, cdf[-1], rng)
        if counts is not None:
            out[i * K:(i + 1) * K] += counts
    if left.any():
        rows = np.flatnonzero(left)
        u, row = _sorted_uniform_rows(left[rows], [rngs[i] for i in rows])
        u *= cdf[-1]
        tokens = np.searchsorted(cdf, u, side="right")
        np.minimum(tokens, K - 1, out=tokens)  # u * total rounded up to total
        out += np.bincount(tokens + rows[row] * K, minlength=out.size)
    return out


def _draw_segments(n: int, weights: np.ndarray, starts: np.ndarray, rngs, tables=None, total=None):
    """Exact counts per cell: replicate i's cells ~ Multinomial(n, its weights / their sum), drawn with ``rngs[i]``.

    ``weights`` are integer counts or floats (zeros allowed, at least one
    positive per replicate); ``total``, if given, is every replicate's sum
    of weights. ``tables`` (:func:`_poisson_tables` at rate
    (n - 2 sqrt n) / ``total``) serve the replicates whose integer weights
    have that total; they draw the rest as tokens.
    """
    rows = len(rngs)
    out = np.zeros(weights.size, dtype=np.int64)
    if n == 0:
        return out
    if weights.all():
        positive, k, ends = None, np.diff(starts), starts[1:]
    else:
        positive = weights > 0
        k = np.add.reduceat(positive, starts[:-1], dtype=np.intp)
        ends = np.maximum.reduceat(np.where(positive, np.arange(weights.size), -1), starts[:-1]) + 1
    totals = _segment_sums(weights, starts) if total is None else np.full(rows, total)
    left = np.full(rows, n, dtype=np.int64)
    by_table = (n <= 2 * _TABLE_TOP * k) & (k > 1) if tables is not None and n >= 64 else np.zeros(rows, bool)
    if by_table.any():
        table_rows = np.flatnonzero(by_table)
        x, drawn, cells = _table_draw(n, weights, starts, positive, table_rows, rngs, tables)
        if isinstance(cells, slice):
            out = x
        else:
            out[cells] = x
        left[table_rows] -= drawn
    others = np.flatnonzero(~by_table)
    if others.size:  # the rows that draw something else than tokens first
        others = others[(np.argmin(np.stack(_costs(np.full(others.size, n), k[others])), axis=0) > 0)
                        | (k[others] == 1)]
    for i in others:
        s, e = starts[i], ends[i]
        counts, left[i] = _draw_bulk(n, weights[s:e], int(k[i]), totals[i], rngs[i])
        if counts is not None:
            out[s:e] += counts
    take = np.flatnonzero(left)
    if not take.size:
        return out
    if weights.dtype.kind in "iu":  # exact integer positions: every replicate's tokens in one search
        u, row = _sorted_uniform_rows(left[take], [rngs[i] for i in take])
        row = take[row]
        u *= totals[row] if total is None else total
        tokens = u.astype(np.int64)
        np.minimum(tokens, (totals[row] if total is None else total) - 1, out=tokens)  # u * total rounded up
        cum = np.cumsum(weights)
        tokens += np.concatenate(([0], cum))[starts[row]]
        tokens = np.searchsorted(cum, tokens, side="right")
    else:
        tokens = np.concatenate([_tokens(int(left[i]), np.cumsum(weights[starts[i]:ends[i]]), rngs[i]) + starts[i]
                                 for i in take])
    out += np.bincount(tokens, minlength=out.size)
    return out


def _table_draw(n: int, weights, starts, positive, rows, rngs, tables):
    """Poisson counts of the given replicates' cells, redrawn until they add up to at most n.

    Counts up to 256 are inverted from the tables; a larger count adds a draw
    for each further chunk of 256 or, in a replicate with many such chunks,
    is drawn by ``Generator.poisson``. Returns the counts, each of those
    replicates' total and the cells (indices or a slice) the counts are for.
    """
    if positive is None and rows.size == len(rngs):
        cells, c, first = slice(None), weights, starts
    else:
        chosen = np.zeros(len(rngs), dtype=bool)
        chosen[rows] = True
        keep = chosen[np.repeat(np.arange(len(rngs)), np.diff(starts))]
        cells = np.flatnonzero(keep if positive is None else keep & positive)
        c, first = weights[cells], np.searchsorted(cells, starts)
    rate = tables[2]
    main = c
    big = np.flatnonzero(c > _TABLE_TOP)
    direct = np.zeros(len(rngs), dtype=bool)
    if big.size:
        owner = np.searchsorted(first, big, side="right") - 1
        chunks = (c[big] - 1) // _TABLE_TOP  # beyond the last chunk (1..256)
        extra_ns = 23.0 * np.bincount(owner, weights=chunks, minlength=len(rngs))
        direct = extra_ns > _POISSON_CALL_NS + _POISSON_NS * np.bincount(owner, minlength=len(rngs))
        by_table = ~direct[owner]
        extra = np.repeat(big[by_table], chunks[by_table])
        main = np.empty(c.size + extra.size, dtype=c.dtype)
        np.minimum(c, _TABLE_TOP, out=main[:c.size])  # drawn again by Generator.poisson if direct
        main[big[by_table]] = c[big[by_table]] - _TABLE_TOP * chunks[by_table]  # the last chunk, 1..256
        main[c.size:] = _TABLE_TOP
        extra_first = c.size + np.searchsorted(extra, first)
        big_first = np.searchsorted(big, first)
    else:
        extra = big
        extra_first = np.full(first.size, c.size)
    u = np.empty(main.size)
    for i in rows:  # each replicate: its cells' uniforms, then its further chunks'
        rngs[i].random(out=u[first[i]:first[i + 1]])
        if extra_first[i + 1] > extra_first[i]:
            rngs[i].random(out=u[extra_first[i]:extra_first[i + 1]])
    draws = _table_poisson(main, u, tables)
    x = draws[:c.size]
    if extra.size:
        x += np.bincount(extra, weights=draws[c.size:], minlength=c.size).astype(np.int64)

    def poisson_direct(i):
        mine = big[big_first[i]:big_first[i + 1]]
        x[mine] = rngs[i].poisson(c[mine] * rate)

    for i in rows[direct[rows]]:
        poisson_direct(i)
    drawn = np.add.reduceat(x, first[rows])
    for j in np.flatnonzero(drawn > n):  # more than n (~2 %): that replicate draws again
        i = rows[j]
        a, b, ea, eb = first[i], first[i + 1], extra_first[i], extra_first[i + 1]
        while drawn[j] > n:
            mine = np.r_[a:b, ea:eb]
            draws = _table_poisson(main[mine], rngs[i].random(mine.size), tables)
            x[a:b] = draws[:b - a]
            if eb > ea:
                x[a:b] += np.bincount(extra[ea - c.size:eb - c.size] - a, weights=draws[b - a:],
                                      minlength=b - a).astype(np.int64)
            if direct[i]:
                poisson_direct(i)
            drawn[j] = x[a:b].sum()
    return x, drawn, cells


def _decoded_segments(model: np.ndarray, starts: np.ndarray, total: int, temperature: float, top_k: int,
                      top_p: float) -> np.ndarray:
    """Each replicate's output weights per cell after T, top-k and top-p (:meth:`CategoricalModel.decoded`).

    Without temperature they stay integer counts (on the kept words).
    """
    if temperature == 1.0 and not top_k and top_p >= 1.0:
        return model
    if not top_k and top_p >= 1.0:  # temperature alone: p^(1/T), scaled by each replicate's largest
        alive = model > 0
        logits = np.full(model.size, -np.inf)
        logits[alive] = np.log(model[alive] / total) / temperature
        logits -= np.repeat(np.maximum.reduceat(logits, starts[:-1]), np.diff(starts))
        return np.exp(logits)
    weights = np.zeros(model.size, dtype=model.dtype if temperature == 1.0 else float)
    for s, e in pairwise(starts):
        cells = s + np.flatnonzero(model[s:e])
        kept, p = _decode(model[cells] / total, temperature, top_k, top_p)
        cells = cells if kept is None else cells[kept]
        weights[cells] = model[cells] if temperature == 1.0 else p
    return weights


def _top10(p: np.ndarray, starts: np.ndarray, head: int = 64) -> np.ndarray:
    """Each replicate's share of its 10 likeliest words (added in increasing order).

    The 10th largest of a replicate's first ``head`` cells (its commonest
    real words) bounds its true 10th largest from below, so its 10 likeliest
    words are among its cells at or above that bound: usually a handful.
    """
    def ten_largest(values, bounds):
        lengths = np.diff(bounds)
        width = max(10, int(lengths.max()))
        index = bounds[:-1, None] + np.arange(width)
        padded = np.where(np.arange(width) < lengths[:, None], values[np.minimum(index, values.size - 1)], 0.0)
        return np.sort(np.partition(padded, width - 10, axis=1)[:, -10:], axis=1)

    lengths = np.diff(starts)
    heads = np.minimum(lengths, head)
    index = starts[:-1, None] + np.arange(head)
    inside = np.arange(head) < heads[:, None]
    candidates = np.where(inside, p[np.minimum(index, p.size - 1)], 0.0)
    if head > 10:
        candidates = np.partition(candidates, head - 10, axis=1)[:, -10:]
    bound = candidates.min(axis=1)
    above = np.flatnonzero(p >= np.repeat(bound, lengths))
    return np.cumsum(ten_largest(p[above], np.searchsorted(above, starts)), axis=1)[:, -1]


def _segment_metrics(p: np.ndarray, starts: np.ndarray, real_here: np.ndarray) -> np.ndarray:
    """:func:`vocabulary_metrics` of every replicate at once, from the frequencies ``p`` > 0 of its words."""
    extinct = 1.0 - _segment_sums(real_here, starts)
    extinct[extinct <= 1e-12] = 0.0  # rounding, not a lost word
    distance = 0.5 * (_segment_sums(np.abs(p - real_here), starts) + extinct)
    return np.column_stack([0.0 - _segment_sums(p * np.log(p), starts) / np.log(2), 1.0 - _segment_sums(p * p, starts),
                            np.diff(starts), extinct, _top10(p, starts), distance])


def simulate_vocabulary(scenario: Scenario, synthetic_counts=None, answer_real_weight=None,
                        vocabulary=None) -> VocabularyRun:
    """Retrain a word-frequency model on its own text, with exact word counts.

    Round n reads ``M - round(s M)`` fresh real words plus ``round(s M)`` words
    written by the generation n-1 model (after temperature, top-k and top-p
    decoding; real text is never decoded). Round 1 reads M real words. A
    categorical fit depends only on the counts, which are drawn exactly
    (:func:`draw_counts`; a model that writes what it read uses exact Poisson
    tables), so a step costs O(words in play) for any M. Replicate i draws
    from ``SeedSequence(seed).spawn(R)[i]``, by itself: its numbers do not
    depend on how many replicates run beside it. Replicates run side by side
    in blocks of up to ``BLOCK_CELLS`` replicate-words.

    ``synthetic_counts`` (index = generation) overrides the constant share, as
    in :func:`simulate`. With ``answer_real_weight`` (index = generation) the
    results also measure the model's answers, a mixture of real text (that
    weight) and the model: ``answer_entropy_bits`` and ``answer_distance``.
    ``vocabulary`` passes a ready-made real vocabulary (your own text).
    """
    vocabulary = vocabulary or make_vocabulary(scenario)
    real = vocabulary.probabilities
    G, R, V = scenario.generations, scenario.replicates, vocabulary.size
    syn = synthetic_schedule(scenario) if synthetic_counts is None else np.asarray(synthetic_counts)
    values = np.empty((G + 1, R, len(VOCABULARY_METRICS)))
    values[0] = vocabulary_metrics(np.arange(V), real, real)
    answers = None if answer_real_weight is None else np.empty((G + 1, R, 2))
    if answers is not None:
        answers[0] = values[0, 0, 0], 0.0
    record = _Record(G, V, real)
    final_sum, final_sumsq = np.zeros(V), np.zeros(V)
    rngs = replicate_generators(scenario.seed, R)
    blocks = -(-R // max(1, BLOCK_CELLS // V))
    per_block = -(-R // blocks)  # blocks of even size
    for start in range(0, R, per_block):
        block = slice(start, min(start + per_block, R))
        words, p = _simulate_block(scenario, real, syn, answer_real_weight, rngs[block], values[:, block],
                                   None if answers is None else answers[:, block], record if start == 0 else None)
        final_sum += np.bincount(words, weights=p, minlength=V)
        final_sumsq += np.bincount(words, weights=p * p, minlength=V)
    frame = pd.DataFrame(values.reshape(-1, len(VOCABULARY_METRICS)), columns=VOCABULARY_METRICS)
    frame.insert(0, "replicate", np.tile(np.arange(R), G + 1))
    frame.insert(0, "generation", np.repeat(np.arange(G + 1), R))
    frame["surviving_words"] = frame["surviving_words"].astype(np.int64)
    if answers is not None:
        frame["answer_entropy_bits"] = answers[..., 0].ravel()
        frame["answer_distance"] = answers[..., 1].ravel()
    final_mean = final_sum / R
    final_var = np.maximum(final_sumsq / R - final_mean**2, 0.0) * R / max(R - 1, 1)
    return VocabularyRun(frame, vocabulary, record.snapshots, record.death, final_mean, final_var, record.rank_curves)


class _Record:
    """What replicate 0's model looked like: snapshots, rank-frequency curves, when each word died."""

    def __init__(self, generations: int, n_words: int, real: np.ndarray):
        self.shown = set(shown_generations(generations))
        self.animated = set(frame_generations(generations)) | self.shown
        self.snapshots, self.rank_curves = {0: real}, {}
        self.death = np.full(n_words, -1)

    def add(self, g: int, words: np.ndarray, p: np.ndarray) -> None:
        if g in self.shown:
            snapshot = np.zeros(self.death.size)
            snapshot[words] = p
            self.snapshots[g] = snapshot
        if g in self.animated:
            self.rank_curves[g] = zipf_curve(p)
        alive = np.zeros(self.death.size, dtype=bool)
        alive[words] = True
        self.death[(self.death < 0) & ~alive] = g  # newly lost
        self.death[alive] = -1  # (re)learnt from fresh text


def _simulate_block(scenario: Scenario, real: np.ndarray, syn: np.ndarray, answer_real_weight, rngs,
                    values: np.ndarray, answers: np.ndarray | None, record: _Record | None):
    """Run the replicates of ``rngs`` side by side, filling their ``values`` (and ``answers``).

    With fresh real text after round 1 any word may come back, so every
    replicate keeps a cell for each of the V words; without it a replicate
    only loses words, so it keeps cells for the words it still has.
    Returns the final (words, frequencies) of all the replicates.
    """
    G, M, V, mode = scenario.generations, scenario.sample_size, real.size, scenario.mode
    B = len(rngs)
    fresh = M - syn
    real_cdf = np.cumsum(real)
    pool = _draw_shared(M, real, real_cdf, rngs)  # round 1 reads real text only
    starts = np.arange(B + 1) * V
    words = np.tile(np.arange(V), B)
    dense = bool(np.any(fresh[2:] > 0))
    if not dense:
        held = np.flatnonzero(pool)
        words, pool, starts = words[held], pool[held], np.searchsorted(held, starts)
    real_here = real[words]
    decoded = scenario.temperature != 1.0 or scenario.top_k or scenario.top_p < 1.0
    # a model that writes what it read, out of M words, at a constant count: Poisson tables
    tabulated = not decoded and mode != "accumulate" and np.unique(syn[2:]).size <= 1
    tables = None
    model = pool
    total = M
    for g in range(1, G + 1):
        if g > 1:
            new = _draw_shared(fresh[g], real, real_cdf, rngs) if fresh[g] else 0
            if syn[g]:
                if tables is None and tabulated and syn[g] >= 64:
                    tables = _poisson_tables((syn[g] - _SPARE * np.sqrt(syn[g])) / M)
                weights = _decoded_segments(model, starts, total, scenario.temperature, scenario.top_k,
                                            scenario.top_p)
                drawn = _draw_segments(int(syn[g]), weights, starts, rngs, tables, None if decoded else total)
                new = drawn if fresh[g] == 0 else new + drawn
            pool = new if mode == "replace" else pool + new
            model = pool
            if mode == "accumulate_subsample":
                # M tokens without replacement from the pool: multivariate hypergeometric
                model = np.zeros_like(pool)
                for s, e, rng in zip(starts[:-1], starts[1:], rngs):
                    held = s + np.flatnonzero(pool[s:e])
                    model[held] = rng.multivariate_hypergeometric(pool[held], M)
            elif mode == "replace" and not dense:  # keep only the words still alive
                held = np.flatnonzero(pool)
                if held.size < pool.size:
                    words, pool, real_here = words[held], pool[held], real_here[held]
                    starts = np.searchsorted(held, starts)
                model = pool
            total = M if mode != "accumulate" else g * M
        alive = np.flatnonzero(model) if (dense or mode == "accumulate_subsample") else None
        if alive is None or alive.size == model.size:
            here_words, here_real, here_starts, p = words, real_here, starts, model / total
        else:
            here_words, here_real, here_starts = words[alive], real_here[alive], np.searchsorted(alive, starts)
            p = model[alive] / total
        values[g] = _segment_metrics(p, here_starts, here_real)
        if answers is not None:
            w = answer_real_weight[g]
            gained = _segment_sums(entr(w * here_real + (1 - w) * p) - entr(w * here_real), here_starts)
            constant_part = w * values[0, 0, 0] * np.log(2) + entr(w)  # entr(w real) over every word
            answers[g] = np.column_stack([(gained + constant_part) / np.log(2), (1 - w) * values[g, :, -1]])
        if record is not None:
            record.add(g, here_words[:here_starts[1]], p[:here_starts[1]])
    return here_words, p


def make_model(scenario: Scenario) -> CategoricalModel:
    """The (unfitted) word-frequency model a scenario names, with its decoding."""
    return CategoricalModel(scenario.temperature, scenario.top_k, scenario.top_p)


def simulate_scenario(scenario: Scenario, world: Vocabulary, synthetic_counts=None, answer_real_weight=None,
                      progress=None) -> tuple[pd.DataFrame, VocabularyRun]:
    """:func:`simulate_vocabulary`'s tidy table and the run itself (what one replicate's model looked like)."""
    vocabulary_run = simulate_vocabulary(scenario, synthetic_counts, answer_real_weight, world)
    return vocabulary_run.results, vocabulary_run
