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
        m2 = self.m2 + other.m2 + delta**2 * (self.count * other.count / count)
        return SufficientStatistics(count, mean, m2)


def standard_noise(n: int, size, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The two standard draws that stand in for ``n`` Gaussian samples."""
    z = rng.standard_normal(size)
    chi2 = rng.chisquare(n - 1, size) if n > 1 else np.zeros(size)
    return z, chi2


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
        """Fit from sufficient statistics alone (same result as ``fit``)."""
        self.mean_ = np.asarray(stats.mean, dtype=float)
        self.var_ = np.asarray(stats.m2 / (stats.count - self.ddof), dtype=float)
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


MODEL_DDOF = {"gaussian_mle": 0, "gaussian_unbiased": 1}


def make_model(scenario) -> GaussianModel:
    """The (unfitted) model a scenario names."""
    return GaussianModel(ddof=MODEL_DDOF[scenario.model], temperature=scenario.temperature)
