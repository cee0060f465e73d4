import numpy as np
import pytest
from scipy import stats

from collapse.models import GaussianModel, SufficientStatistics, make_model
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
