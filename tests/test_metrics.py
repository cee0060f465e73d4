import numpy as np
import pandas as pd
import pytest
from scipy import stats

from collapse.families.gaussian import (
    BimodalWorld,
    GaussianWorld,
    HeavyTailedWorld,
    gaussian_tail_mass,
    metrics_frame,
    tail_column,
    wasserstein_to_world,
)
from collapse.runner import summarize


def brute_force_w1(mean, sd, world, n=2_000_000):
    u = (np.arange(n) + 0.5) / n
    return np.mean(np.abs(mean + sd * stats.norm.ppf(u) - world.ppf(u)))


@pytest.mark.parametrize("world", [GaussianWorld(), HeavyTailedWorld(5), BimodalWorld()], ids=lambda w: w.name)
@pytest.mark.parametrize("mean,sd", [(0.0, 1.0), (0.3, 0.5), (-1.0, 3.0), (2.0, 0.0)])
def test_wasserstein_matches_brute_force(world, mean, sd):
    got = wasserstein_to_world(np.array([mean]), np.array([sd]), world)[0]
    assert got == pytest.approx(brute_force_w1(mean, sd, world), abs=1e-3)


def test_wasserstein_of_shifted_gaussian_is_the_shift():
    assert wasserstein_to_world(np.array([0.7]), np.array([1.0]), GaussianWorld())[0] == pytest.approx(0.7)


def test_tail_mass_including_a_collapsed_model():
    world = GaussianWorld()
    mass = gaussian_tail_mass(np.array([0.0, 0.0, 3.0]), np.array([1.0, 0.0, 0.0]), world, 2)
    assert mass == pytest.approx([2 * stats.norm.sf(2), 0.0, 1.0])


def test_tail_column_uses_the_number_as_typed():
    assert [tail_column(k) for k in (2.0, 2.5, 3)] == ["tail_mass_2", "tail_mass_2.5", "tail_mass_3"]


def test_metrics_frame_and_summary():
    means = np.array([[0.0, 0.0], [0.1, -0.1], [0.2, 0.0]])
    variances = np.array([[1.0, 1.0], [0.25, 0.25], [0.04, 0.16]])
    frame = metrics_frame(means, variances, GaussianWorld(), (2.0,))
    assert frame.loc[frame.generation == 2, "std"].tolist() == pytest.approx([0.2, 0.4])
    summary = summarize(frame)
    assert summary[("std", "median")].tolist() == pytest.approx([1.0, 0.5, 0.3])
    assert summary[("std", "low")].iloc[2] == pytest.approx(0.22)
    assert isinstance(summary, pd.DataFrame)


from collapse.families.vocabulary import VOCABULARY_METRICS, vocabulary_metrics  # noqa: E402


def test_vocabulary_metrics_by_hand():
    real = np.array([0.4, 0.3, 0.2, 0.1])
    words, p = np.array([0, 2]), np.array([0.75, 0.25])
    values = dict(zip(VOCABULARY_METRICS, vocabulary_metrics(words, p, real)))
    assert values["entropy_bits"] == pytest.approx(-(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25)))
    assert values["gini_simpson"] == pytest.approx(1 - 0.75**2 - 0.25**2)
    assert values["surviving_words"] == 2
    assert values["extinct_real_mass"] == pytest.approx(0.4)
    assert values["top10_share"] == pytest.approx(1.0)
    assert values["distance"] == pytest.approx(0.5 * (0.35 + 0.3 + 0.05 + 0.1))
    same = dict(zip(VOCABULARY_METRICS, vocabulary_metrics(np.arange(4), real, real)))
    assert same["distance"] == pytest.approx(0, abs=1e-15) and same["extinct_real_mass"] == pytest.approx(0, abs=1e-15)
    assert same["surviving_words"] == 4


def test_vocabulary_metrics_of_replicates_side_by_side_match_one_by_one():
    from collapse.families.vocabulary import _segment_metrics

    rng = np.random.default_rng(1)
    real = np.sort(rng.dirichlet(np.full(400, 0.5)))[::-1]
    rows, words = [], []
    for size in (1, 3, 12, 70, 399):  # fewer and more words than the 10 of top10_share, and than its head
        kept = np.sort(rng.choice(400, size, replace=False))
        rows.append(rng.dirichlet(np.full(size, 0.7)) if size > 1 else np.ones(1))
        words.append(kept)
    starts = np.concatenate(([0], np.cumsum([w.size for w in words])))
    side_by_side = _segment_metrics(np.concatenate(rows), starts, real[np.concatenate(words)])
    for i, (w, p) in enumerate(zip(words, rows)):
        assert side_by_side[i] == pytest.approx(vocabulary_metrics(w, p, real), rel=1e-12, abs=1e-12)
