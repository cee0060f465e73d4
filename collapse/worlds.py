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
        from scipy.special import ndtr

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
    from collections import Counter

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
        from .metrics import projected_quantiles

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

        from .models import single_thread

        with single_thread():
            return PCA(self.latent_dims, random_state=0).fit(self.images)

    @cached_property
    def classifier(self):
        from sklearn.linear_model import LogisticRegression

        from .models import single_thread

        with single_thread():
            return LogisticRegression(max_iter=2000).fit(self.images / 16.0, self.labels)

    @cached_property
    def pixel_sd(self) -> float:
        """Mean over pixels of the real images' standard deviation."""
        return float(self.images.std(axis=0).mean())


@lru_cache(maxsize=1)
def digits() -> Digits:
    return Digits()


def make_sample_world(scenario):
    """The 2-D mixture or the digits, for models that must sample."""
    if scenario.world == "mixture_2d":
        return Mixture2D()
    if scenario.world == "digits":
        return digits()
    raise ValueError(f"{scenario.world!r} is not a sampled world")


# -- your own data -------------------------------------------------------------------
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_NUMBERS = 1_000_000


def _decode(raw: bytes, what: str) -> str:
    """Bytes of an uploaded file as text, or a ValueError saying what is wrong with them."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ValueError(f"the {what} is {len(raw) / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB")
    if not raw.strip():
        raise ValueError(f"the {what} is empty")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise ValueError(f"the {what} looks like a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"the {what} is not UTF-8 text (byte {err.start} cannot be read); save it as UTF-8") from None


def numbers_from_bytes(raw: bytes) -> np.ndarray:
    """Your numbers from a CSV file or a pasted column: the first column of numbers.

    A header row is skipped; blank lines are ignored; any other cell of the
    chosen column that is not a finite number is reported by row.
    """
    import csv
    import io

    text = _decode(raw, "file")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t ")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError("the file holds no numbers")

    def number(cell: str) -> float | None:
        try:
            value = float(cell.strip().replace("\u2212", "-"))
        except ValueError:
            return None
        return value if np.isfinite(value) else None

    start = 1 if all(number(c) is None for c in rows[0] if c.strip()) and len(rows) > 1 else 0
    width = max(len(row) for row in rows[start:])
    for column in range(width):
        cells = [row[column] if column < len(row) else "" for row in rows[start:]]
        values = [number(c) for c in cells]
        if all(v is not None for v in values):
            break
    else:
        column = 0
        cells = [row[0] if row else "" for row in rows[start:]]
        bad = next(i for i, c in enumerate(cells) if number(c) is None)
        raise ValueError(f"row {bad + start + 1} holds {cells[bad].strip()[:30]!r}, which is not a number")
    if len(values) > MAX_NUMBERS:
        raise ValueError(f"the file holds {len(values):,} numbers; the limit is {MAX_NUMBERS:,}")
    array = np.asarray(values, dtype=float)
    if array.size < 2 or np.ptp(array) == 0:
        raise ValueError("the numbers need at least two different values to have a spread")
    return array


def text_from_bytes(raw: bytes) -> str:
    """Your text from an uploaded .txt file or a paste, checked to hold words."""
    text = _decode(raw, "text")
    from wordfreq import tokenize

    if len(set(tokenize(text[:200_000], "en"))) < 2:
        raise ValueError("the text needs at least two different words")
    return text
