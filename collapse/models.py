"""Generative models, scikit-learn style: ``fit(data) -> self``, ``sample(n, rng)``.

Models work on a batch of independent replicates at once: ``fit`` reads data of
shape ``(..., n_samples)`` and learns one model per leading index, so the
learned state (``mean_``, ``var_``) has shape ``data.shape[:-1]``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import ndtr


class SufficientStatistics(NamedTuple):
    """Count, mean and sum of squared deviations (``m2``) of sample sets.

    Everything a Gaussian fit needs. Arrays broadcast across replicates. (A
    named tuple: the loop builds thousands of these, and tuples are cheap.)
    """

    count: np.ndarray | float
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def from_samples(cls, x: np.ndarray) -> "SufficientStatistics":
        """Statistics of samples along the last axis."""
        x = np.asarray(x, dtype=float)
        mean = x.mean(axis=-1)
        m2 = ((x - mean[..., None]) ** 2).sum(axis=-1)
        return cls(x.shape[-1], mean, m2)

    @classmethod
    def of_gaussian(cls, n: int, mean, var, z, chi2) -> "SufficientStatistics":
        """Statistics of ``n`` draws from N(mean, var), given the standard noise.

        For n iid Gaussian draws the sample mean is ``mean + sqrt(var/n) z`` and
        the sum of squared deviations is ``var * chi2`` with ``chi2 ~ chi2(n-1)``,
        independent of each other: drawing ``z`` and ``chi2`` is exactly as good
        as drawing the n samples.
        """
        return cls(n, mean + np.sqrt(var / n) * z, var * chi2)

    def merge(self, other: "SufficientStatistics") -> "SufficientStatistics":
        """Statistics of the union of both sets (Chan et al.'s pairwise update)."""
        count = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / count)
        # divide first: count products overflow int64 when accumulating huge samples
        m2 = self.m2 + other.m2 + delta**2 * (self.count * (other.count / count))
        return SufficientStatistics(count, mean, m2)


def standard_noise(n: int, size, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The two standard draws that stand in for ``n`` Gaussian samples."""
    z = rng.standard_normal(size)
    chi2 = rng.chisquare(n - 1, size) if n > 1 else np.zeros(size)
    return z, chi2


#: Largest variance a Gaussian model keeps (1e100 real-world variances): far beyond any chart.
MAX_VARIANCE = 1e100


class GaussianModel:
    """A bell curve fitted to data, sampled with an optional temperature.

    Parameters
    ----------
    ddof : {0, 1}
        0 divides the sum of squares by n (maximum likelihood), 1 by n - 1
        (unbiased variance).
    temperature : float, default 1
        Samples are drawn from N(mean_, temperature * var_): below 1 the model
        favours its most likely outputs, like a language model's decoding
        temperature.

    Attributes
    ----------
    mean_ : ndarray
        Fitted mean, one per replicate.
    var_ : ndarray
        Fitted variance, one per replicate.
    """

    def __init__(self, ddof: int = 0, temperature: float = 1.0):
        self.ddof = ddof
        self.temperature = temperature

    def fit(self, data) -> "GaussianModel":
        """Fit to samples along the last axis of ``data``."""
        return self.fit_statistics(SufficientStatistics.from_samples(data))

    def fit_statistics(self, stats: SufficientStatistics) -> "GaussianModel":
        """Fit from sufficient statistics alone (same result as ``fit``).

        The variance is capped at ``MAX_VARIANCE``: sampled hotter than it
        learns (temperature > 1) a model's variance grows geometrically and
        would overflow floating point within a few hundred generations.
        """
        self.mean_ = np.asarray(stats.mean, dtype=float)
        self.var_ = np.minimum(np.asarray(stats.m2 / (stats.count - self.ddof), dtype=float), MAX_VARIANCE)
        return self

    @property
    def sampling_var_(self) -> np.ndarray:
        return self.temperature * self.var_

    def sample(self, n: int, rng) -> np.ndarray:
        """Draw ``n`` samples per replicate: shape ``mean_.shape + (n,)``."""
        rng = np.random.default_rng(rng)
        noise = rng.standard_normal(self.mean_.shape + (n,))
        return self.mean_[..., None] + np.sqrt(self.sampling_var_)[..., None] * noise

    def sample_statistics(self, n: int, rng) -> SufficientStatistics:
        """Sufficient statistics of ``n`` samples per replicate, drawn exactly.

        Costs O(1) per replicate whatever ``n``; equal in distribution to
        ``SufficientStatistics.from_samples(self.sample(n, rng))``.
        """
        rng = np.random.default_rng(rng)
        return self.statistics_from_noise(n, *standard_noise(n, self.mean_.shape, rng))

    def statistics_from_noise(self, n: int, z, chi2) -> SufficientStatistics:
        """Sufficient statistics of ``n`` samples per replicate from given noise."""
        return SufficientStatistics.of_gaussian(n, self.mean_, self.sampling_var_, z, chi2)

    def tail_mass(self, low, high) -> np.ndarray:
        """Fitted probability of falling below ``low`` or above ``high``."""
        sd = np.sqrt(self.var_)
        return ndtr((low - self.mean_) / sd) + ndtr((self.mean_ - high) / sd)




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


MODEL_DDOF = {"gaussian_mle": 0, "gaussian_unbiased": 1}


def make_model(scenario):
    """The (unfitted) model a scenario names."""
    if scenario.model in ("gaussian_mixture", "kernel_density"):
        inner = (MixtureModel(scenario.n_components, scenario.temperature) if scenario.model == "gaussian_mixture"
                 else KernelDensityModel(scenario.bandwidth, scenario.temperature))
        if scenario.world == "digits":
            from .worlds import digits

            return LatentModel(digits().encoder, inner)
        return inner
    if scenario.model == "categorical":
        return CategoricalModel(scenario.temperature, scenario.top_k, scenario.top_p)
    return GaussianModel(ddof=MODEL_DDOF[scenario.model], temperature=scenario.temperature)


def single_thread():
    """Run scikit-learn with one BLAS thread: faster for these small fits (no
    oversubscription on 2 cores) and the same numbers everywhere."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


class MixtureModel:
    """scikit-learn's ``GaussianMixture`` in the engine's protocol, sampled with our generator.

    Parameters
    ----------
    n_components : int
        Number of bell curves in the mixture.
    temperature : float, default 1
        Samples are drawn with each component's covariance times this.

    Attributes
    ----------
    mixture_ : sklearn.mixture.GaussianMixture
        The fitted mixture.
    """

    def __init__(self, n_components: int = 4, temperature: float = 1.0):
        self.n_components = n_components
        self.temperature = temperature

    def fit(self, data, rng=None) -> "MixtureModel":
        """Fit by EM; scikit-learn's seed is an integer drawn from ``rng``."""
        from sklearn.mixture import GaussianMixture

        seed = int(np.random.default_rng(rng).integers(2**31 - 1))
        components = min(self.n_components, len(data))
        with single_thread():
            self.mixture_ = GaussianMixture(components, covariance_type="full", reg_covar=1e-6,
                                            random_state=seed).fit(data)
        return self

    def sample(self, n: int, rng) -> np.ndarray:
        """``n`` points: a component for each by its weight, then its bell curve."""
        rng = np.random.default_rng(rng)
        m = self.mixture_
        component = rng.choice(m.weights_.size, size=n, p=m.weights_ / m.weights_.sum())
        chol = np.linalg.cholesky(m.covariances_) * np.sqrt(self.temperature)
        z = rng.standard_normal((n, m.means_.shape[1]))
        return m.means_[component] + np.einsum("nij,nj->ni", chol[component], z)


class KernelDensityModel:
    """scikit-learn's ``KernelDensity`` (Gaussian kernel) in the engine's protocol.

    Sampling a Gaussian KDE means picking a training point and adding kernel
    noise, which we do with our generator (temperature scales the noise's
    variance). Fitting only keeps the data; scikit-learn's estimator (and its
    tree, O(M log M) to build) is made on first use of ``density_``.

    Attributes
    ----------
    data_ : ndarray
        The training points.
    density_ : sklearn.neighbors.KernelDensity
        The fitted estimator, for densities (``score_samples``).
    """

    def __init__(self, bandwidth: float = 0.2, temperature: float = 1.0):
        self.bandwidth = bandwidth
        self.temperature = temperature

    def fit(self, data, rng=None) -> "KernelDensityModel":
        self.data_ = np.asarray(data, dtype=float)
        self._density = None
        return self

    @property
    def density_(self):
        if self._density is None:
            from sklearn.neighbors import KernelDensity

            self._density = KernelDensity(bandwidth=self.bandwidth).fit(self.data_)
        return self._density

    def sample(self, n: int, rng) -> np.ndarray:
        rng = np.random.default_rng(rng)
        picked = self.data_[rng.integers(0, len(self.data_), size=n)]
        return picked + self.bandwidth * np.sqrt(self.temperature) * rng.standard_normal(picked.shape)


class LatentModel:
    """A model of images in a fixed encoder's space: encode, fit, sample, decode, clip to pixels.

    For the digits: PCA to 30 dimensions (fitted once on the real digits)
    then a Gaussian mixture over all digits together, not one per class, so
    that whole classes can be lost, as in the collapse of image generators.
    """

    def __init__(self, encoder, inner, low: float = 0.0, high: float = 16.0):
        self.encoder = encoder
        self.inner = inner
        self.low, self.high = low, high

    def fit(self, images, rng=None) -> "LatentModel":
        with single_thread():
            self.inner.fit(self.encoder.transform(images), rng)
        return self

    def sample(self, n: int, rng) -> np.ndarray:
        if n == 0:
            return np.empty((0, self.encoder.n_features_in_))
        with single_thread():
            decoded = self.encoder.inverse_transform(self.inner.sample(n, rng))
        return np.clip(decoded, self.low, self.high)
