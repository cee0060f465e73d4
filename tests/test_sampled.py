"""2-D clusters and handwritten digits: scikit-learn models that must sample."""

import numpy as np
import pytest

from collapse import budget
from collapse.families.sampled import (
    KernelDensityModel,
    Mixture2D,
    MixtureModel,
    digit_metrics,
    digits,
    shape_metrics,
    simulate_samples,
    sliced_wasserstein,
)
from collapse.knobs import ScenarioError
from collapse.scenario import Scenario

Z = 4.0


def at(results, g, column):
    return results.loc[results.generation == g, column].to_numpy()


def test_the_mixture_world_has_its_stated_weights_and_spread():
    world = Mixture2D()
    points = world.sample(100_000, np.random.default_rng(0))
    shares = np.bincount(world.nearest_cluster(points), minlength=4) / len(points)
    se = np.sqrt(world.weights * (1 - world.weights) / len(points))
    assert np.all(np.abs(shares - world.weights) < Z * se + 1e-4)  # clusters barely overlap (4 sd apart)
    assert np.trace(np.cov(points.T)) == pytest.approx(world.total_variance, rel=0.02)


def test_metrics_of_real_samples_sit_at_the_real_level():
    world = Mixture2D()
    rare, spread, distance = shape_metrics(world.sample(4000, np.random.default_rng(1)), world)
    assert rare == pytest.approx(0.05, abs=Z * np.sqrt(0.05 * 0.95 / 4000))
    assert spread == pytest.approx(1, abs=0.05) and distance < 0.05
    classes, entropy, diversity, realism = digit_metrics(digits().images, digits())
    assert classes == 10 and entropy == pytest.approx(np.log2(10), abs=0.01)
    assert diversity == pytest.approx(1.0) and realism > 0.9


def test_no_synthetic_data_stays_at_the_real_level():
    scenario = Scenario(world="mixture_2d", model="gaussian_mixture", synthetic_fraction=0.0, sample_size=400,
                        generations=5, replicates=8)
    results = simulate_samples(scenario).results
    rare = at(results, 5, "rare_cluster_mass")
    # a fit to 400 real points, measured on 1000 samples: binomial noise plus fit noise
    assert abs(rare.mean() - 0.05) < Z * rare.std(ddof=1) / np.sqrt(rare.size) + 0.01
    assert abs(at(results, 5, "spread").mean() - 1) < 0.1


def test_self_training_loses_the_rare_cluster():
    scenario = Scenario(world="mixture_2d", model="gaussian_mixture", synthetic_fraction=1.0, sample_size=100,
                        generations=30, replicates=3)
    results = simulate_samples(scenario).results
    assert at(results, 30, "rare_cluster_mass").mean() < 0.5 * at(results, 0, "rare_cluster_mass").mean()
    assert at(results, 30, "distance").mean() > 3 * at(results, 0, "distance").mean()


def test_digits_lose_diversity_and_classes_on_average():
    scenario = Scenario(world="digits", model="gaussian_mixture", n_components=10, sample_size=200,
                        synthetic_fraction=1.0, generations=12, replicates=2)
    run = simulate_samples(scenario)
    assert at(run.results, 12, "pixel_diversity").mean() < 0.8
    assert at(run.results, 12, "classes_recognised").mean() <= 10
    assert at(run.results, 12, "realism").mean() < at(run.results, 0, "realism").mean()
    assert run.snapshots[0].shape == (12, 64) and sorted(run.snapshots)[-1] == 12


def test_sampled_runs_are_deterministic():
    scenario = Scenario(world="mixture_2d", model="kernel_density", sample_size=50, generations=4, replicates=2, seed=9)
    first, second = simulate_samples(scenario).results, simulate_samples(scenario).results
    assert first.equals(second)
    assert not first.equals(simulate_samples(scenario.replace(seed=10)).results)


def test_models_fit_and_sample_with_our_generator():
    data = Mixture2D().sample(2000, np.random.default_rng(2))
    mixture = MixtureModel(4).fit(data, np.random.default_rng(3))
    assert mixture.fit(data, np.random.default_rng(3)) is mixture
    a, b = mixture.sample(500, np.random.default_rng(4)), mixture.sample(500, np.random.default_rng(4))
    assert np.array_equal(a, b) and a.shape == (500, 2)
    assert sliced_wasserstein(mixture.sample(4000, np.random.default_rng(5)), Mixture2D().reference_quantiles) < 0.1
    cold = MixtureModel(4, temperature=0.25).fit(data, np.random.default_rng(3)).sample(4000, np.random.default_rng(6))
    assert np.trace(np.cov(cold.T)) < np.trace(np.cov(data.T))
    kde = KernelDensityModel(0.3).fit(data)
    assert kde.sample(10, np.random.default_rng(7)).shape == (10, 2)
    # scikit-learn's density, built on first use, agrees with the sampler's kernel
    peak = np.exp(kde.density_.score_samples(np.array([[-2.0, -2.0]])))[0]
    assert 0.05 < peak < 0.5


def test_kernel_density_on_many_digits_is_priced_honestly():
    # a million images take seconds to encode: the budget refuses what it cannot do in ~2 s
    with pytest.raises(ScenarioError, match="sample_size"):
        budget.check(Scenario(world="digits", model="kernel_density", synthetic_fraction=0.0, generations=1,
                              sample_size=10**6, replicates=8))


def test_models_must_fit_sampled_worlds():
    with pytest.raises(ScenarioError, match="gaussian_mixture or kernel_density"):
        Scenario(world="digits", model="gaussian_mle")
    with pytest.raises(ScenarioError, match="sample_size, replicates or generations"):
        budget.check(Scenario(world="digits", model="gaussian_mixture", sample_size=1797, generations=100,
                              replicates=20))


def test_digits_at_the_page_defaults_look_like_digits_at_generation_one_then_fade():
    """Generation 1 is read as digits about as surely as real ones (within 5 points), then the fade shows.

    The page's model: a 14-bell-curve mixture with full covariances over a
    30-dimensional PCA code, fitted on 300 images, 8 generations. (With 10 bell
    curves each one spans two or three digit classes and its samples blur
    between them: generation 1 already looked like noise, 7 points below the
    real digits. 20 read as well at generation 1 but fade more slowly and cost
    half as much again: a fit's cost is scikit-learn's loop over components.)
    """
    from collapse.presets import page_default

    scenario = page_default("Digits")
    G = scenario.generations
    median = simulate_samples(scenario).results.groupby("generation").median()
    real, first, last = median.realism[0], median.realism[1], median.realism[G]
    assert real - first <= 0.05, (real, first)
    assert last < first - 0.02, (first, last)  # then it fades: less sure, and every digit alike
    assert median.pixel_diversity[G] < 0.9 * median.pixel_diversity[1]
    assert median.pixel_diversity[G] < 0.8
