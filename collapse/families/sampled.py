"""The sampled family: 2-D clusters and handwritten digits, with scikit-learn models.

These models can only learn from samples, so every sample is drawn (the cost
grows with M; the work budget prices it).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd
import sklearn
from scipy.special import entr

from ..randomness import replicate_generators, single_thread
from ..scenario import (
    Scenario,
    frame_generations,
    shown_generations,
    synthetic_schedule,
)

_blas = threading.local()


@contextmanager
def one_thread():
    """:func:`~collapse.randomness.single_thread` and no input checks, entered once however deeply nested.

    Setting the BLAS limit looks up every loaded library (a few ms each time):
    a run enters it once for all its fits, samples and measurements, and the
    models' own calls inside it cost nothing.
    """
    if getattr(_blas, "inside", False):
        yield
        return
    _blas.inside = True
    try:
        # our own arrays are finite and our parameters valid: checking them costs a tenth of a small fit
        with single_thread(), sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            yield
    finally:
        _blas.inside = False


class Mixture2D:
    """Four well-separated 2-D bell curves of unequal weight; the last is the rare "tail" cluster.

    Clusters sit on the corners of a square of side 4 (sd 0.5 each), with
    weights 45 %, 30 %, 20 % and 5 %.
    """

    name = "mixture_2d"
    label = "real world (four clusters)"
    centres = np.array([[-2.0, -2.0], [2.0, -2.0], [-2.0, 2.0], [2.0, 2.0]])
    weights = np.array([0.45, 0.30, 0.20, 0.05])
    cluster_sd = 0.5
    rare = 3

    def sample(self, n: int, rng) -> np.ndarray:
        """``n`` points, drawn in one call so that chunking never changes them."""
        u = rng.random((n, 3))
        cluster = np.searchsorted(np.cumsum(self.weights), u[:, 0] * self.weights.sum(), side="right")
        # Box-Muller from the other two uniforms: one draw call per point
        radius = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
        noise = np.column_stack([radius * np.cos(2 * np.pi * u[:, 2]), radius * np.sin(2 * np.pi * u[:, 2])])
        return self.centres[np.minimum(cluster, 3)] + self.cluster_sd * noise

    def nearest_cluster(self, points: np.ndarray) -> np.ndarray:
        return np.argmin(((points[:, None, :] - self.centres[None]) ** 2).sum(axis=-1), axis=1)

    @cached_property
    def total_variance(self) -> float:
        """Trace of the real world's covariance."""
        mean = self.weights @ self.centres
        between = self.weights @ ((self.centres - mean) ** 2).sum(axis=1)
        return float(between + 2 * self.cluster_sd**2)

    @cached_property
    def reference_quantiles(self) -> np.ndarray:
        """Projected quantiles of a fixed large real sample (its own seed): the yardstick for distances."""
        return projected_quantiles(self.sample(20_000, np.random.default_rng(np.random.SeedSequence(20240724))))


class Digits:
    """Handwritten digits: scikit-learn's bundled 1,797 images of 8x8 pixels (0-16), no download.

    The real world is the empirical distribution of these images. A fixed
    encoder (PCA to ``latent_dims`` dimensions) and a classifier
    (logistic regression), both fitted once on the real digits, stand in for a
    pretrained feature space and an observer who reads the digits.
    """

    name = "digits"
    label = "real handwritten digits"
    latent_dims = 30

    def __init__(self):
        from sklearn.datasets import load_digits

        data = load_digits()
        self.images = data.data.astype(float)
        self.labels = data.target

    def sample(self, n: int, rng) -> np.ndarray:
        """``n`` real images, drawn with replacement."""
        return self.images[rng.integers(0, len(self.images), size=n)]

    @cached_property
    def encoder(self):
        from sklearn.decomposition import PCA

        with one_thread():
            return PCA(self.latent_dims, random_state=0).fit(self.images)

    @cached_property
    def classifier(self):
        from sklearn.linear_model import LogisticRegression

        with one_thread():
            return LogisticRegression(max_iter=2000).fit(self.images / 16.0, self.labels)

    @cached_property
    def pixel_sd(self) -> float:
        """Mean over pixels of the real images' standard deviation."""
        return float(self.images.std(axis=0).mean())


@lru_cache(maxsize=1)
def digits() -> Digits:
    return Digits()


@lru_cache(maxsize=1)
def mixture_2d() -> Mixture2D:
    """The one 2-D world (its reference sample is 20,000 points: made once, not for every run and chart)."""
    return Mixture2D()


def make_sample_world(scenario):
    """The 2-D mixture or the digits, for models that must sample."""
    if scenario.world == "mixture_2d":
        return mixture_2d()
    if scenario.world == "digits":
        return digits()
    raise ValueError(f"{scenario.world!r} is not a sampled world")


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
        with one_thread():
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
        with one_thread():
            self.inner.fit(self.encoder.transform(images), rng)
        return self

    def sample(self, n: int, rng) -> np.ndarray:
        if n == 0:
            return np.empty((0, self.encoder.n_features_in_))
        with one_thread():
            decoded = self.encoder.inverse_transform(self.inner.sample(n, rng))
        return np.clip(decoded, self.low, self.high)


SHAPE_METRICS = ("rare_cluster_mass", "spread", "distance")


DIGIT_METRICS = ("classes_recognised", "class_entropy_bits", "pixel_diversity", "realism")


#: Directions of the sliced Wasserstein distance: fixed, evenly spread angles.
_ANGLES = np.linspace(0, np.pi, 32, endpoint=False)


_DIRECTIONS = np.column_stack([np.cos(_ANGLES), np.sin(_ANGLES)])


_LEVELS = (np.arange(200) + 0.5) / 200


def projected_quantiles(points: np.ndarray) -> np.ndarray:
    """Quantiles of a 2-D sample projected on the fixed directions: (levels, directions).

    NumPy's default (linear) quantiles, read off one sort: ``np.quantile``
    partitions once per level, ten times slower for 200 levels.
    """
    ordered = np.sort(points @ _DIRECTIONS.T, axis=0)
    position = _LEVELS * (len(ordered) - 1)
    below = position.astype(int)
    above = np.minimum(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below)[:, None] * (ordered[above] - ordered[below])


def sliced_wasserstein(a: np.ndarray, b_quantiles: np.ndarray) -> float:
    """Sliced Wasserstein-1 distance between a 2-D sample and another's projected quantiles.

    The mean over 32 fixed directions of the 1-D Wasserstein distance between
    the projected samples, computed from 200 quantiles (sizes may differ).
    """
    return float(np.abs(projected_quantiles(a) - b_quantiles).mean())


def shape_metrics(points: np.ndarray, world) -> tuple[float, float, float]:
    """Rare cluster's share, spread and distance of a sample from a 2-D model.

    The rare cluster's share is the share of points nearest to its centre; the
    spread is the trace of the sample covariance over the real world's; the
    distance is the sliced Wasserstein distance to a fixed real reference sample.
    """
    rare = float(np.mean(world.nearest_cluster(points) == world.rare))
    spread = float(np.trace(np.cov(points.T)) / world.total_variance)
    return rare, spread, sliced_wasserstein(points, world.reference_quantiles)


def digit_metrics(images: np.ndarray, world, min_share: float = 0.01) -> tuple[float, float, float, float]:
    """What an observer reads in a sample of images.

    Returns the number of digit classes the classifier (trained once on the
    real digits) assigns to at least ``min_share`` of the images, the entropy
    of the assigned classes in bits, the per-pixel diversity (mean pixel sd
    over the real digits'), and realism (the classifier's mean confidence).
    """
    with one_thread():
        probabilities = world.classifier.predict_proba(images / 16.0)
    shares = np.bincount(probabilities.argmax(axis=1), minlength=10) / len(images)
    return (
        float(np.sum(shares >= min_share)),
        float(entr(shares).sum() / np.log(2)),
        float(images.std(axis=0).mean() / world.pixel_sd),
        float(probabilities.max(axis=1).mean()),
    )


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
    with one_thread():  # one BLAS limit for the whole run, not one per fit
        return _simulate_samples(scenario, synthetic_counts, progress)


def _simulate_samples(scenario: Scenario, synthetic_counts=None, progress=None) -> SampleRun:
    """The loop of :func:`simulate_samples`."""
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
    for r, rng in enumerate(replicate_generators(scenario.seed, scenario.replicates)):
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


#: The scikit-learn model behind each model name, built from the scenario's knobs.
_MODELS = {
    "gaussian_mixture": lambda scenario: MixtureModel(scenario.n_components, scenario.temperature),
    "kernel_density": lambda scenario: KernelDensityModel(scenario.bandwidth, scenario.temperature),
}


def make_model(scenario: Scenario):
    """The (unfitted) model a scenario names; digits are modelled in the encoder's space."""
    inner = _MODELS[scenario.model](scenario)
    return LatentModel(digits().encoder, inner) if scenario.world == "digits" else inner


def simulate_scenario(scenario: Scenario, world=None, synthetic_counts=None, answer_real_weight=None,
                      progress=None) -> tuple[pd.DataFrame, SampleRun]:
    """:func:`simulate_samples`'s tidy table and the run (these worlds take no data; answers are not measured)."""
    sample_run = simulate_samples(scenario, synthetic_counts, progress)
    return sample_run.results, sample_run
