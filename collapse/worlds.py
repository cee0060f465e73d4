"""The real worlds: the distributions that fresh, human-made data come from.

Every 1-D world has mean 0 and standard deviation 1, so tail thresholds in
"standard deviations of the real world" mean the same thing in all of them.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import numpy as np
from scipy import stats


class World1D:
    """A real 1-D distribution with mean 0 and standard deviation 1.

    Subclasses provide ``dist``, a frozen ``scipy.stats`` distribution (or an
    object with the same ``pdf``/``cdf``/``sf``/``ppf``/``rvs`` methods).
    """

    name = "world"
    label = "real world"
    mean = 0.0
    std = 1.0
    #: True when fresh samples are Gaussian, so their sufficient statistics can
    #: be drawn exactly instead of sample by sample.
    is_gaussian = False

    def sample(self, size, rng) -> np.ndarray:
        """Draw ``size`` real samples with the Generator ``rng``."""
        return self.dist.rvs(size=size, random_state=rng)

    def pdf(self, x):
        return self.dist.pdf(x)

    def cdf(self, x):
        return self.dist.cdf(x)

    def ppf(self, u):
        return self.dist.ppf(u)

    def isf(self, q):
        return self.dist.isf(q)

    def tail_mass(self, k: float) -> float:
        """Probability of landing more than ``k`` sd from the mean, both sides."""
        return float(self.dist.cdf(self.mean - k * self.std) + self.dist.sf(self.mean + k * self.std))


class GaussianWorld(World1D):
    """The standard normal distribution."""

    name = "gaussian"
    label = "real world (bell curve)"
    is_gaussian = True
    dist = stats.norm(0.0, 1.0)


class HeavyTailedWorld(World1D):
    """Student-t with ``tail_index`` degrees of freedom, rescaled to sd 1.

    The standard deviation exists only for ``tail_index > 2``; the scale is
    ``sqrt((df - 2) / df)``.
    """

    name = "heavy_tailed"
    label = "real world (heavy tails)"

    def __init__(self, tail_index: float = 5.0):
        if not tail_index > 2:
            raise ValueError("tail_index must be above 2 for the sd to exist")
        self.tail_index = float(tail_index)
        self.dist = stats.t(self.tail_index, scale=np.sqrt((self.tail_index - 2) / self.tail_index))


class _Mixture:
    """Equal mixture of two Gaussians, with a tabulated inverse CDF."""

    def __init__(self, centre: float, width: float):
        self.centre, self.width = centre, width
        self._parts = (stats.norm(-centre, width), stats.norm(centre, width))

    def pdf(self, x):
        return 0.5 * (self._parts[0].pdf(x) + self._parts[1].pdf(x))

    def cdf(self, x):
        return 0.5 * (self._parts[0].cdf(x) + self._parts[1].cdf(x))

    def sf(self, x):
        return 0.5 * (self._parts[0].sf(x) + self._parts[1].sf(x))

    @cached_property
    def _grid(self):
        x = np.linspace(-self.centre - 9 * self.width, self.centre + 9 * self.width, 40_001)
        return self.cdf(x), x

    def ppf(self, u):
        # The CDF is smooth and strictly increasing: interpolating its inverse on
        # a fine grid is accurate to ~1e-6, far below Monte Carlo error.
        cdf, x = self._grid
        return np.interp(u, cdf, x)

    def isf(self, q):
        return -self.ppf(q)  # the mixture is symmetric about 0

    def rvs(self, size, random_state):
        # one draw call per sample pair (the sign of one picks the hump): the
        # stream is consumed in order, so chunking never changes the samples
        z = random_state.standard_normal(tuple(np.atleast_1d(size)) + (2,))
        return np.where(z[..., 0] < 0, -self.centre, self.centre) + self.width * z[..., 1]


class BimodalWorld(World1D):
    """Two equal bell curves at -0.9 and +0.9 with sd 0.436: overall sd 1."""

    name = "bimodal"
    label = "real world (two humps)"
    centre = 0.9

    def __init__(self):
        self.dist = _Mixture(self.centre, float(np.sqrt(1 - self.centre**2)))


def make_world(scenario) -> World1D:
    """The real world a scenario names."""
    if scenario.world == "gaussian":
        return GaussianWorld()
    if scenario.world == "heavy_tailed":
        return HeavyTailedWorld(scenario.tail_index)
    if scenario.world == "bimodal":
        return BimodalWorld()
    raise ValueError(f"unknown world {scenario.world!r}")


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


def make_vocabulary(scenario) -> Vocabulary:
    """The real vocabulary a scenario names."""
    if scenario.world == "english":
        return english_vocabulary(scenario.vocabulary_size)
    if scenario.world == "zipf":
        return zipf_vocabulary(scenario.vocabulary_size, scenario.zipf_exponent)
    raise ValueError(f"{scenario.world!r} is not a vocabulary world")
