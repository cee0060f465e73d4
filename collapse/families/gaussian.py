"""The Gaussian family: 1-D worlds, a bell curve refitted on its own samples.

Worlds (a bell curve, heavy tails, two humps, your numbers) have mean 0 and sd
1, so tail thresholds in "standard deviations of the real world" mean the same
thing in all of them. A Gaussian fit depends only on (count, mean, sum of
squares), so synthetic samples are replaced by two exact draws (normal and
chi-square) per set: a round costs the same for M = 10 and M = 10^9.

Generation 0 is the real world itself. Round n (n = 1 .. G) builds a training
set of M samples: ``M - round(s M)`` fresh real samples plus ``round(s M)``
samples from the generation n-1 model, where ``round(x) = floor(x + 1/2)``;
round 1 trains on M real samples. ``replace`` fits generation n on round n's
set alone; ``accumulate`` on the pool of every set from rounds 1..n;
``accumulate_subsample`` on a random subsample of M of that pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtr

from ..randomness import replicate_generators, streams
from ..scenario import Scenario, synthetic_schedule


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


class EmpiricalWorld(World1D):
    """Your own numbers as the real world, standardised to mean 0 and sd 1.

    ``sampling="resample"`` draws the numbers themselves (the empirical
    distribution); ``"smoothed"`` adds Gaussian kernel noise of bandwidth h
    (Silverman's rule, in sd units) and shrinks by ``sqrt(1 + h^2)`` so the
    smoothed world keeps sd 1 (the variance-corrected smoothed bootstrap).
    Tail thresholds are then in the data's own standard deviations.
    """

    name = "custom"
    label = "your data"

    def __init__(self, values, sampling: str = "resample"):
        values = np.asarray(values, dtype=float)
        self.original_mean, self.original_std = float(values.mean()), float(values.std())
        self.values = np.sort((values - self.original_mean) / self.original_std)
        self.sampling = sampling
        n = values.size
        self.bandwidth = float(0.9 * min(1.0, iqr_sd(self.values)) * n ** (-0.2)) if sampling == "smoothed" else 0.0
        self._shrink = 1.0 / np.sqrt(1.0 + self.bandwidth**2)
        # the kernel sums run over a fine histogram of the data, not every value:
        # O(bins) per point whatever n (bins are ~1/1000 of the range, far below h)
        counts, edges = np.histogram(self.values, bins=min(n, 2048))
        self._centres, self._weights = 0.5 * (edges[1:] + edges[:-1])[counts > 0], counts[counts > 0] / n

    def sample(self, size, rng) -> np.ndarray:
        picked = self.values[rng.integers(0, self.values.size, size=size)]
        if not self.bandwidth:
            return picked
        return (picked + self.bandwidth * rng.standard_normal(size)) * self._shrink

    def cdf(self, x):
        x = np.asarray(x, dtype=float)
        if not self.bandwidth:
            return np.searchsorted(self.values, x, side="right") / self.values.size
        return ndtr((x[..., None] / self._shrink - self._centres) / self.bandwidth) @ self._weights

    def sf(self, x):
        return 1.0 - self.cdf(x)

    def tail_mass(self, k: float) -> float:
        below = self.cdf(-k) if self.bandwidth else np.searchsorted(self.values, -k, side="left") / self.values.size
        return float(below + self.sf(k))

    def ppf(self, u):
        if not self.bandwidth:
            return np.quantile(self.values, u)
        grid = np.linspace(self.values[0] - 6 * self.bandwidth, self.values[-1] + 6 * self.bandwidth, 4001)
        return np.interp(u, self.cdf(grid * self._shrink), grid * self._shrink)

    def isf(self, q):
        return self.ppf(1.0 - np.asarray(q))

    def pdf(self, x):
        """A histogram-like density for charts: the kernel density of the standardised data."""
        x = np.asarray(x, dtype=float)
        h = self.bandwidth or float(0.9 * min(1.0, iqr_sd(self.values)) * self.values.size ** (-0.2))
        z = (x[..., None] / self._shrink - self._centres) / h
        return (np.exp(-0.5 * z**2) @ self._weights) / (h * np.sqrt(2 * np.pi) * self._shrink)


def iqr_sd(values) -> float:
    """The interquartile range in sd units (IQR / 1.349), as Silverman's rule uses."""
    q75, q25 = np.percentile(values, [75, 25])
    return float((q75 - q25) / 1.349) or 1.0


def make_world(scenario, data=None) -> World1D:
    """The real world a scenario names (``data``: your numbers, for world "custom")."""
    if scenario.world == "custom":
        if data is None:
            raise ValueError("the custom world needs data: upload numbers or pass --data FILE")
        return EmpiricalWorld(data, scenario.data_sampling)
    if scenario.world == "gaussian":
        return GaussianWorld()
    if scenario.world == "heavy_tailed":
        return HeavyTailedWorld(scenario.tail_index)
    if scenario.world == "bimodal":
        return BimodalWorld()
    raise ValueError(f"unknown world {scenario.world!r}")


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


MODEL_DDOF = {"gaussian_mle": 0, "gaussian_unbiased": 1}


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


#: The subsampling loop draws samples one by one: fresh real data, model output,
#: and the keys that pick each round's subsample.
SUBSAMPLE_STREAMS = ("real", "synthetic", "subsample")


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
    rng = streams(scenario.seed, STREAMS)

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
    rng = streams(scenario.seed, SUBSAMPLE_STREAMS)
    pool = np.empty((R, G * M))
    rows = np.arange(R)[:, None]
    means, variances = np.empty((G + 1, R)), np.empty((G + 1, R))
    means[0], variances[0] = world.mean, world.std**2
    for g in range(1, G + 1):
        n_syn = int(syn[g])
        fresh = world.sample((R, M - n_syn), rng["real"])
        written = model.sample(n_syn, rng["synthetic"]) if n_syn else np.empty((R, 0))
        pool[:, (g - 1) * M : g * M] = np.concatenate([fresh, written], axis=1)
        size = g * M
        if g == 1:
            chosen = pool[:, :M]
        else:  # M distinct samples per replicate, uniformly from the pool
            keys = rng["subsample"].random((R, size))
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
    for r, rng in enumerate(replicate_generators(scenario.seed, scenario.replicates)):
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


#: Standard-normal grid for Wasserstein quadrature: W1 = int |Q_model - Q_world| du
#: with u = Phi(z), so the tails are resolved as finely as the centre.
_Z = np.linspace(-8.0, 8.0, 641)


_WEIGHTS = np.exp(-0.5 * _Z**2) / np.sqrt(2 * np.pi) * (_Z[1] - _Z[0])


_ROWS_PER_CHUNK = 256


def tail_column(k: float) -> str:
    """Column name for a tail threshold, with the number as typed: 2 -> tail_mass_2, 2.5 -> tail_mass_2.5.

    The shortest text that reads back as the same number, so two thresholds
    never share a column.
    """
    return f"tail_mass_{int(k) if float(k).is_integer() else repr(float(k))}"


def gaussian_tail_mass(mean, sd, world: World1D, k: float):
    """Probability under N(mean, sd^2) of landing more than k world-sd from the world's mean."""
    low, high = world.mean - k * world.std, world.mean + k * world.std
    with np.errstate(divide="ignore", invalid="ignore"):
        mass = ndtr((low - mean) / sd) + ndtr((mean - high) / sd)
    # a model with zero spread puts all its mass on its mean
    return np.where(sd > 0, mass, (mean < low) | (mean > high)).astype(float)


def wasserstein_to_world(mean, sd, world: World1D) -> np.ndarray:
    """Wasserstein-1 distance from N(mean, sd^2) to the real world.

    Exact (folded-normal mean) for the Gaussian world; otherwise quadrature of
    ``|mean + sd z - Q_world(Phi(z))|`` against the normal density (error about
    1e-4 for the built-in worlds; it shrinks with the square of the grid step).
    """
    mean, sd = np.broadcast_arrays(np.asarray(mean, float), np.asarray(sd, float))
    if world.is_gaussian:
        a = mean - world.mean
        b = np.abs(sd - world.std)
        with np.errstate(divide="ignore", invalid="ignore"):
            folded = b * np.sqrt(2 / np.pi) * np.exp(-0.5 * (a / b) ** 2) + a * (1 - 2 * ndtr(-a / b))
        return np.where(b > 0, folded, np.abs(a))
    world_quantiles = _world_quantiles(world)
    flat_mean, flat_sd = mean.ravel(), sd.ravel()
    out = np.empty(flat_mean.shape)
    # small chunks computed in place stay in cache: ~4x faster than one big array
    buffer = np.empty((_ROWS_PER_CHUNK, _Z.size))
    for start in range(0, flat_mean.size, _ROWS_PER_CHUNK):
        part = slice(start, start + _ROWS_PER_CHUNK)
        gap = buffer[: flat_mean[part].size]
        np.multiply(flat_sd[part, None], _Z, out=gap)
        gap += flat_mean[part, None]
        gap -= world_quantiles
        np.abs(gap, out=gap)
        out[part] = gap @ _WEIGHTS
    return out.reshape(mean.shape)


def _world_quantiles(world: World1D) -> np.ndarray:
    """The world's quantiles on the quadrature grid, computed once per world object."""
    if getattr(world, "_quadrature_quantiles", None) is None:
        # lower half by ppf, upper half by isf: both stay accurate deep in the tails
        lower = np.asarray(world.ppf(ndtr(_Z[_Z <= 0])), dtype=float)
        upper = np.asarray(world.isf(ndtr(-_Z[_Z > 0])), dtype=float)
        world._quadrature_quantiles = np.concatenate([lower, upper])
    return world._quadrature_quantiles


def metrics_frame(means: np.ndarray, variances: np.ndarray, world: World1D, thresholds) -> pd.DataFrame:
    """The tidy results table from fitted parameters of shape (G + 1, R).

    Row 0 of the inputs is the real world; its metrics are the world's own
    (its exact tail mass, distance 0), the reference every chart draws.
    """
    n_gen, n_rep = means.shape
    sd = np.sqrt(variances)
    columns = {
        "generation": np.repeat(np.arange(n_gen), n_rep),
        "replicate": np.tile(np.arange(n_rep), n_gen),
        "mean": means.ravel(),
        "std": sd.ravel(),
    }
    for k in thresholds:
        mass = gaussian_tail_mass(means, sd, world, k)
        mass[0] = world.tail_mass(k)
        columns[tail_column(k)] = mass.ravel()
    distance = np.zeros_like(means)
    distance[1:] = wasserstein_to_world(means[1:], sd[1:], world)
    columns["distance"] = distance.ravel()
    return pd.DataFrame(columns)


def answer_metrics(scenario: Scenario, world, means, variances, weight) -> dict[str, np.ndarray]:
    """Spread and tail mass of the answers: a mixture of the real world (weight) and the model."""
    w = weight[:, None]
    mean_gap = means - world.mean
    columns = {"answer_std": np.sqrt(w * world.std**2 + (1 - w) * variances + w * (1 - w) * mean_gap**2)}
    sd = np.sqrt(variances)
    for k in scenario.tail_thresholds:
        low, high = world.mean - k * world.std, world.mean + k * world.std
        with np.errstate(divide="ignore", invalid="ignore"):
            model = np.where(sd > 0, ndtr((low - means) / sd) + ndtr((means - high) / sd),
                             (means < low) | (means > high))
        columns["answer_" + tail_column(k)] = w * world.tail_mass(k) + (1 - w) * model
    return columns


def make_model(scenario: Scenario) -> GaussianModel:
    """The (unfitted) bell curve a scenario names."""
    return GaussianModel(ddof=MODEL_DDOF[scenario.model], temperature=scenario.temperature)


def simulate_scenario(scenario: Scenario, world: World1D, synthetic_counts=None, answer_real_weight=None,
                      progress=None) -> tuple[pd.DataFrame, None]:
    """Simulate and measure: the tidy table (one row per (generation, replicate), see :func:`metrics_frame`).

    With ``answer_real_weight`` (index = generation) the table also measures
    the model's answers, a mixture of the real world (that weight) and the
    model: ``answer_std`` and ``answer_tail_mass_<k>``.
    """
    trajectory = simulate(scenario, synthetic_counts, world)
    results = metrics_frame(trajectory.mean, trajectory.var, world, scenario.tail_thresholds)
    if answer_real_weight is not None:
        answers = answer_metrics(scenario, world, trajectory.mean, trajectory.var, answer_real_weight)
        for name, values in answers.items():
            results[name] = values.ravel()
    return results, None
