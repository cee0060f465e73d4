import numpy as np
import pytest
from scipy import stats

from collapse.families.gaussian import GaussianModel, SufficientStatistics
from collapse.runner import make_model
from collapse.scenario import Scenario


def test_fit_returns_self_and_learns_trailing_underscore_state():
    data = np.array([[1.0, 2.0, 3.0, 6.0], [0.0, 0.0, 1.0, 1.0]])
    model = GaussianModel(ddof=0)
    assert model.fit(data) is model
    assert np.allclose(model.mean_, [3.0, 0.5])
    assert np.allclose(model.var_, [3.5, 0.25])
    assert np.allclose(GaussianModel(ddof=1).fit(data).var_, data.var(axis=1, ddof=1))


def test_fit_statistics_equals_fit():
    data = np.random.default_rng(0).normal(3, 2, size=(5, 40))
    a = GaussianModel(ddof=1).fit(data)
    b = GaussianModel(ddof=1).fit_statistics(SufficientStatistics.from_samples(data))
    assert np.allclose(a.mean_, b.mean_) and np.allclose(a.var_, b.var_)


def test_merge_equals_statistics_of_the_union():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(3, 7)), rng.normal(5, 3, size=(3, 12))
    merged = SufficientStatistics.from_samples(x).merge(SufficientStatistics.from_samples(y))
    union = SufficientStatistics.from_samples(np.concatenate([x, y], axis=1))
    assert merged.count == 19
    assert np.allclose(merged.mean, union.mean) and np.allclose(merged.m2, union.m2)


def test_exact_statistics_have_the_law_of_real_samples():
    model = GaussianModel(temperature=0.5)
    model.mean_, model.var_ = np.full(20_000, 1.0), np.full(20_000, 4.0)
    rng = np.random.default_rng(2)
    exact = model.sample_statistics(15, rng)
    drawn = SufficientStatistics.from_samples(model.sample(15, rng))
    # sampling variance is temperature * var_ = 2
    assert stats.ks_2samp(exact.mean, drawn.mean).pvalue > 1e-3
    assert stats.ks_2samp(exact.m2, drawn.m2).pvalue > 1e-3
    assert stats.kstest(exact.m2 / 2.0, stats.chi2(14).cdf).pvalue > 1e-3


def test_sample_shape_and_temperature():
    model = GaussianModel(temperature=0.25).fit(np.array([[-1.0, 1.0]] * 3))
    draws = model.sample(50_000, np.random.default_rng(3))
    assert draws.shape == (3, 50_000)
    # var_ = 1, sampled with temperature 0.25: sd 0.5, se of sd ~ 0.5 / sqrt(2 n)
    assert np.allclose(draws.std(axis=1), 0.5, atol=4 * 0.5 / np.sqrt(100_000))


def test_tail_mass_is_exact():
    model = GaussianModel().fit(np.array([-1.0, 1.0]))  # N(0, 1)
    assert model.tail_mass(-2, 2) == pytest.approx(2 * stats.norm.sf(2))


def test_make_model_reads_the_scenario():
    model = make_model(Scenario(model="gaussian_unbiased", temperature=0.5))
    assert (model.ddof, model.temperature) == (1, 0.5)


from collapse.families.vocabulary import CategoricalModel, draw_counts, merge_counts  # noqa: E402


@pytest.mark.parametrize("n", [3, 200, 5000])  # inverse-CDF tokens, sorted uniforms, binomial splitting
def test_draw_counts_are_exactly_multinomial(n):
    rng = np.random.default_rng(4)
    q = np.array([0.4, 0.3, 0.2, 0.05, 0.05] + [0.0] * 0)
    q = np.concatenate([q, np.full(95, 1e-12)])  # K = 100: pushes each n to its method
    q /= q.sum()
    reps = 4000
    counts = np.zeros((reps, q.size))
    for i in range(reps):
        positions, c = draw_counts(n, q, rng)
        counts[i, positions] = c
    assert np.all(counts.sum(axis=1) == n)
    mean, var = counts.mean(axis=0)[:5], counts.var(axis=0)[:5]
    se = np.sqrt(n * q[:5] * (1 - q[:5]) / reps)
    assert np.all(np.abs(mean - n * q[:5]) < 4 * se)
    # variance of a binomial count, within 4 standard errors of a sample variance
    expected_var = n * q[:5] * (1 - q[:5])
    assert np.all(np.abs(var - expected_var) < 4 * expected_var * np.sqrt(2 / reps) + 1e-9)


def test_merge_counts_adds_sparse_vectors():
    words, counts = merge_counts((np.array([1, 5]), np.array([2.0, 3.0])), (np.array([5, 7]), np.array([1.0, 1.0])), 10)
    assert words.tolist() == [1, 5, 7] and counts.tolist() == [2.0, 4.0, 1.0]
    dense = merge_counts((np.arange(10), np.ones(10)), (np.array([0]), np.array([4.0])), 10)
    assert dense[1][0] == 5.0 and dense[0].size == 10


def test_categorical_fit_and_decoding():
    model = CategoricalModel().fit([5, 3, 2, 0])
    assert model.probabilities_ == pytest.approx([0.5, 0.3, 0.2, 0.0])
    assert model.support_.tolist() == [0, 1, 2]
    cold = CategoricalModel(temperature=0.5).fit([5, 3, 2, 0]).decoded_probabilities()
    assert cold == pytest.approx(np.array([25, 9, 4, 0]) / 38)
    assert CategoricalModel(top_k=2).fit([5, 3, 2, 0]).decoded_probabilities() == pytest.approx([5 / 8, 3 / 8, 0, 0])
    # nucleus: the smallest set of most likely words covering 0.7 is {0, 1}
    assert CategoricalModel(top_p=0.7).fit([5, 3, 2, 0]).decoded_probabilities() == pytest.approx([5 / 8, 3 / 8, 0, 0])
    assert CategoricalModel(top_p=0.5).fit([5, 3, 2, 0]).decoded_probabilities() == pytest.approx([1, 0, 0, 0])


def test_categorical_samples_only_what_it_decodes():
    model = CategoricalModel(top_k=1).fit([1, 9, 0])
    assert set(model.sample(50, np.random.default_rng(0))) == {1}
    counts = model.sample_counts(1000, np.random.default_rng(0))
    assert counts.tolist() == [0, 1000, 0]


# -- every exact method of the vocabulary engine draws the multinomial ----------------
from collapse.families import vocabulary as vocabulary_engine  # noqa: E402


def _assert_multinomial_moments(counts, n, q, label):
    """Per-word mean and variance of the counts within 4 standard errors of Multinomial(n, q)'s."""
    reps = counts.shape[0]
    mean, var = counts.mean(axis=0), counts.var(axis=0, ddof=1)
    expected_var = n * q * (1 - q)
    assert np.all(np.abs(mean - n * q) <= 4 * np.sqrt(expected_var / reps) + 1e-12), label
    # the variance of a sample variance: (mu4 - var^2 (reps-3)/(reps-1)) / reps, mu4 of a binomial
    mu4 = expected_var * (1 + 3 * (n - 2) * q * (1 - q))
    se_var = np.sqrt(np.maximum(mu4 - expected_var**2 * (reps - 3) / (reps - 1), 0) / reps)
    assert np.all(np.abs(var - expected_var) <= 4 * se_var + 1e-12), label


@pytest.mark.parametrize("method,n", [("tokens", 200), ("multinomial", 200), ("poisson", 5000), ("poisson", 10**9)])
def test_draw_counts_every_method_is_exactly_multinomial(method, n):
    rng = np.random.default_rng(8)
    q = np.array([0.4, 0.3, 0.0, 0.2, 0.05, 0.05])  # a zero weight is never drawn
    reps = 4000
    counts = np.zeros((reps, q.size))
    for i in range(reps):
        positions, c = draw_counts(n, q, rng, method=method)
        counts[i, positions] = c
    assert np.all(counts.sum(axis=1) == n) and not counts[:, 2].any()
    _assert_multinomial_moments(counts, n, q, method)


def test_poisson_tables_invert_the_poisson_cdf():
    rate = (10_000 - 2 * 100) / 10_000
    tables = vocabulary_engine._poisson_tables(rate)
    cdf = tables[0]
    for c in (1, 7, 100, 256):
        x = np.arange(cdf.shape[1] - 1)
        assert np.allclose(cdf[c, :-1], stats.poisson.cdf(x, c * rate), rtol=0, atol=1e-12)
    rng = np.random.default_rng(3)
    c = rng.integers(1, 257, 200_000)
    u = rng.random(c.size)
    u[:4] = [0.0, 1 - 2**-53, 1e-300, 0.5]  # the extremes of a uniform
    x = vocabulary_engine._table_poisson(c, u, tables)
    inverted = [np.searchsorted(cdf[ci, :-1], ui, side="right") for ci, ui in zip(c[:5000], u[:5000])]
    assert np.array_equal(x[:5000], inverted)  # the guide table only speeds the search up
    # and the draws are Poisson: a chi-square test at one mean
    one = vocabulary_engine._table_poisson(np.full(100_000, 40), rng.random(100_000), tables)
    observed = np.bincount(one)
    expected = stats.poisson.pmf(np.arange(observed.size), 40 * rate) * one.size
    keep = expected > 5
    assert stats.chisquare(observed[keep], expected[keep] * observed[keep].sum() / expected[keep].sum()).pvalue > 1e-3


@pytest.mark.parametrize("weights,reps", [
    ([5, 3, 0, 2, 1, 600, 1, 0, 4000], 3000),  # counts beyond 256 add chunks of 256; zeros are never drawn
    ([1, 1, 1, 1, 1, 1, 1, 1, 1], 3000),
    ([1000] * 300 + [3, 0, 1], 400),  # many chunks: Generator.poisson draws the large counts
])
def test_engine_draws_from_the_tables_are_exactly_multinomial(weights, reps):
    """Replicates side by side (here one Generator reused, so the replicates are independent draws)."""
    weights = np.array(weights, dtype=np.int64)
    total, n = int(weights.sum()), 3000
    tables = vocabulary_engine._poisson_tables((n - 2 * np.sqrt(n)) / total)
    rng = np.random.default_rng(5)
    flat = np.tile(weights, reps)
    starts = np.arange(reps + 1) * weights.size
    counts = vocabulary_engine._draw_segments(n, flat, starts, [rng] * reps, tables, total).reshape(reps, -1)
    assert np.all(counts.sum(axis=1) == n) and not counts[:, weights == 0].any()
    _assert_multinomial_moments(counts, n, weights / total, "tables")
    # the same with float weights (a decoded model) and no tables
    floats = vocabulary_engine._draw_segments(n, flat / 7.0, starts, [rng] * reps).reshape(reps, -1)
    assert np.all(floats.sum(axis=1) == n)
    _assert_multinomial_moments(floats, n, weights / total, "floats")


def test_engine_decoding_matches_the_model():
    rng = np.random.default_rng(2)
    rows = [rng.multinomial(1000, rng.dirichlet(np.full(30, 0.3))) for _ in range(6)]
    model = np.concatenate(rows)
    starts = np.arange(7) * 30
    for temperature, top_k, top_p in [(0.6, 0, 1.0), (1.0, 5, 1.0), (1.0, 0, 0.7), (1.7, 8, 0.9)]:
        weights = vocabulary_engine._decoded_segments(model, starts, 1000, temperature, top_k, top_p)
        for i, counts in enumerate(rows):
            expected = CategoricalModel(temperature, top_k, top_p).fit(counts).decoded_probabilities()
            mine = weights[starts[i]:starts[i + 1]]
            assert mine / mine.sum() == pytest.approx(expected, abs=1e-12)
