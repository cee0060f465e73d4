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
