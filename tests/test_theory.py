"""The engine against the closed forms of SCIENCE.md sections 1-3.

Tolerances are 4 standard errors of the replicate average (sample sd / sqrt(R)),
never guesses.
"""

import numpy as np
import pytest

from collapse import theory
from collapse.families.gaussian import simulate
from collapse.scenario import Scenario

R = 4000
Z = 4.0


def assert_mean_matches(samples, expected, label):
    """Replicate average within Z standard errors of the expectation."""
    samples = np.asarray(samples)
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    assert abs(samples.mean() - expected) <= Z * se, (
        f"{label}: engine {samples.mean():.5g} vs theory {expected:.5g} (se {se:.2g})"
    )


def run(**knobs):
    return simulate(Scenario(replicates=R, seed=2024, **knobs))


CHECKED = [1, 2, 5, 20, 60]


@pytest.mark.parametrize("model,ddof", [("gaussian_mle", 0), ("gaussian_unbiased", 1)])
def test_pure_self_training_variance_and_drift(model, ddof):
    M, G = 20, 60
    t = run(model=model, synthetic_fraction=1.0, sample_size=M, generations=G)
    for n in CHECKED:
        assert_mean_matches(t.var[n], theory.expected_variance(n, M, ddof), f"E var n={n}")
        assert_mean_matches(t.mean[n] ** 2, theory.expected_drift(n, M, ddof), f"drift n={n}")
        assert_mean_matches(np.log(t.var[n]), theory.log_variance_mean(n, M, ddof), f"E log var n={n}")


def test_mle_variance_plus_drift_is_conserved():
    M, G = 20, 60
    t = run(synthetic_fraction=1.0, sample_size=M, generations=G)
    total = t.var[G] + t.mean[G] ** 2
    assert_mean_matches(total, 1.0, "E[var] + E[drift]")


def test_log_variance_spread_matches_random_walk():
    M, n = 20, 60
    log_var = np.log(run(synthetic_fraction=1.0, sample_size=M, generations=n).var[n])
    expected = theory.log_variance_var(n, M)
    # standard error of a sample variance of near-normal data: var * sqrt(2 / (R - 1))
    assert abs(log_var.var(ddof=1) - expected) <= Z * expected * np.sqrt(2 / (R - 1))


def test_unbiased_is_a_martingale_that_still_collapses():
    M, n = 100, 50
    var = run(model="gaussian_unbiased", synthetic_fraction=1.0, sample_size=M, generations=n).var[n]
    assert_mean_matches(var, 1.0, "unbiased E var")
    # the median follows the log random walk: about e^{-2n/M}, far below the mean
    log_median = np.log(np.median(var))
    sd_log = np.sqrt(theory.log_variance_var(n, M))
    se_median = 1.2533 * sd_log / np.sqrt(R)  # sqrt(pi/2) sd / sqrt(R)
    assert abs(log_median - theory.log_variance_mean(n, M, ddof=1)) <= Z * se_median
    assert np.median(var) < 0.75  # theory: e^{-0.51} = 0.60


@pytest.mark.parametrize("model,ddof", [("gaussian_mle", 0), ("gaussian_unbiased", 1)])
@pytest.mark.parametrize("s", [1.0, 0.5, 0.1])
def test_fresh_data_recursion(model, ddof, s):
    M, G = 100, 60
    t = run(model=model, synthetic_fraction=s, sample_size=M, generations=G)
    v, D = theory.moments_with_fresh_data(G, M, s, ddof)
    for n in CHECKED:
        assert_mean_matches(t.var[n], v[n], f"E var n={n} s={s}")
        assert_mean_matches(t.mean[n] ** 2, D[n], f"drift n={n} s={s}")


def test_fresh_data_reaches_the_stationary_level():
    M, s = 20, 0.5
    v, D = theory.moments_with_fresh_data(400, M, s)
    assert v[-1] == pytest.approx(theory.stationary_variance(M, s), rel=1e-9)
    assert D[-1] == pytest.approx(theory.stationary_drift(M, s), rel=1e-9)
    t = run(synthetic_fraction=s, sample_size=M, generations=200)
    assert_mean_matches(t.var[200], theory.stationary_variance(M, s), "v*")


def test_temperature_recursion_and_its_large_sample_limit():
    M, G, s, T = 100, 40, 0.5, 0.6
    t = run(synthetic_fraction=s, sample_size=M, generations=G, temperature=T)
    v, D = theory.moments_with_fresh_data(G, M, s, temperature=T)
    for n in CHECKED[:-1] + [G]:
        assert_mean_matches(t.var[n], v[n], f"E var n={n}")
        assert_mean_matches(t.mean[n] ** 2, D[n], f"drift n={n}")
    v_big, _ = theory.moments_with_fresh_data(500, 10**9, s, temperature=T)
    assert v_big[-1] == pytest.approx(theory.stationary_variance_biased_sampling(s, T), rel=1e-6)
    # no fresh data and T < 1 collapses even with a huge sample
    t_huge = simulate(Scenario(synthetic_fraction=1.0, sample_size=10**9, generations=30, temperature=0.8, replicates=50))
    assert np.allclose(t_huge.var[30], 0.8**29, rtol=1e-3)


def test_accumulate_keeps_drift_bounded_while_replace_grows():
    M, G = 100, 50
    acc = run(model="gaussian_unbiased", mode="accumulate", synthetic_fraction=1.0, sample_size=M, generations=G)
    rep = run(model="gaussian_unbiased", mode="replace", synthetic_fraction=1.0, sample_size=M, generations=G)
    expected = theory.accumulate_drift(acc.var.mean(axis=1), M)
    for n in [1, 10, 25, G]:
        assert_mean_matches(acc.mean[n] ** 2, expected[n], f"accumulated drift n={n}")
    bound = theory.accumulate_drift_bound(M)
    drift = acc.mean[G] ** 2
    assert drift.mean() <= bound + Z * drift.std(ddof=1) / np.sqrt(R)
    assert_mean_matches(rep.mean[G] ** 2, theory.expected_drift(G, M, ddof=1), "replace drift")
    assert rep.mean[G].var() > 10 * bound


def test_accumulate_variance_settles_below_the_real_one():
    M = 10
    acc = run(mode="accumulate", synthetic_fraction=1.0, sample_size=M, generations=200)
    late, later = acc.var[100].mean(), acc.var[200].mean()
    assert 0.5 < later < 1.0
    se = acc.var[200].std(ddof=1) / np.sqrt(R)
    assert abs(later - late) < Z * se * 1.5  # settled: no further decay beyond noise


def test_regression_formulas():
    n = np.arange(0, 51)
    replace = theory.regression_test_error(n, 1.0, 5, 50, "replace")
    acc = theory.regression_test_error(n, 1.0, 5, 50, "accumulate")
    unit = 5 / 44
    assert replace[10] == pytest.approx(10 * unit)
    assert acc[1] == pytest.approx(unit) and acc[2] == pytest.approx(1.25 * unit)
    assert acc.max() < np.pi**2 / 6 * unit


def test_regression_replace_matches_a_direct_simulation():
    # Gerstgrasser et al.: labels regenerated by the last fit, fixed design
    rng = np.random.default_rng(5)
    T, d, n_rounds, reps = 40, 4, 6, 3000
    X = rng.standard_normal((T, d))
    w_true = rng.standard_normal(d)
    pinv = np.linalg.pinv(X)
    errors = np.empty((reps, n_rounds))
    for r in range(reps):
        w = w_true
        for i in range(n_rounds):
            y = X @ w + rng.standard_normal(T)
            w = pinv @ y
            errors[r, i] = np.sum((w - w_true) ** 2)
    # test error on a fresh Gaussian x is ||w - w*||^2; its mean over the design
    # is sigma2 tr((X'X)^-1) per round, which averages to d/(T-d-1) over designs
    per_round = np.trace(np.linalg.inv(X.T @ X))
    for i in range(n_rounds):
        assert_mean_matches(errors[:, i], (i + 1) * per_round, f"round {i + 1}")
    assert per_round == pytest.approx(theory.regression_test_error(1, 1.0, d, T), rel=0.5)


# -- Section 4: vocabulary ----------------------------------------------------------
from collapse.families.vocabulary import (
    simulate_vocabulary,  # noqa: E402
    zipf_vocabulary,  # noqa: E402
)

R_WORDS = 1000


def vocabulary_run(**knobs):
    base = dict(world="zipf", model="categorical", vocabulary_size=200, zipf_exponent=1.0,
                sample_size=100, replicates=R_WORDS, seed=11)
    return simulate_vocabulary(Scenario(**{**base, **knobs}))


def at_generation(results, n, column):
    return results.loc[results.generation == n, column].to_numpy()


def test_gini_simpson_decays_as_one_minus_one_over_M():
    run_ = vocabulary_run(synthetic_fraction=1.0, generations=40)
    H0 = theory.gini_simpson(zipf_vocabulary(200, 1.0).probabilities)
    for n in [1, 5, 20, 40]:
        assert_mean_matches(at_generation(run_.results, n, "gini_simpson"),
                            theory.expected_gini_simpson(n, 100, H0), f"Gini-Simpson n={n}")


def test_word_frequencies_are_a_martingale_while_words_die():
    run_ = vocabulary_run(synthetic_fraction=1.0, generations=40)
    real = zipf_vocabulary(200, 1.0).probabilities
    # the 20 commonest words (M p0 >= 1.6): rarer words' final frequencies are too
    # skewed (mostly 0, rarely large) for a normal standard error to hold
    z = (run_.final_mean[:20] - real[:20]) / np.sqrt(run_.final_var[:20] / R_WORDS)
    assert np.all(np.abs(z) < Z)
    surviving = at_generation(run_.results, 40, "surviving_words")
    assert surviving.max() < 200
    # and the number alive matches the exact per-word binomial chain
    expected = sum(theory.word_survival_exact(p, 100, 40)[40] for p in real)
    assert_mean_matches(surviving, expected, "surviving words n=40")


def test_fresh_text_holds_diversity_at_the_stationary_level():
    s, G = 0.5, 40
    run_ = vocabulary_run(synthetic_fraction=s, generations=G, replicates=500)
    real = zipf_vocabulary(200, 1.0).probabilities
    H = theory.gini_simpson_with_fresh_data(G, 100, s, real)
    for n in [1, 10, G]:
        assert_mean_matches(at_generation(run_.results, n, "gini_simpson"), H[n], f"GS n={n}")
    assert H[G] == pytest.approx(theory.stationary_gini_simpson(100, s, theory.gini_simpson(real)), rel=1e-6)


def test_survival_approximation_for_rare_words():
    n = np.arange(31)
    for p in (0.002, 0.005):
        exact = theory.word_survival_exact(p, 1000, 30)
        assert theory.word_survival(1000 * p, n) == pytest.approx(exact, abs=0.01)
    assert theory.survival_scale(200)[200] == pytest.approx(2 / 200, rel=0.05)


def test_top_p_collapses_to_a_small_fixed_vocabulary_even_with_huge_samples():
    run_ = simulate_vocabulary(Scenario(world="english", model="categorical", vocabulary_size=2000,
                                        sample_size=10**9, top_p=0.8, generations=40, replicates=4))
    surviving = run_.results.pivot(index="generation", columns="replicate", values="surviving_words")
    assert (surviving.loc[40] <= 3).all()
    assert (surviving.loc[20] == surviving.loc[40]).all()  # fixed after a few generations
    assert (surviving.loc[1] > 1900).all()  # round 1 read real text: nothing lost yet


def test_low_temperature_collapses_even_with_huge_samples():
    run_ = simulate_vocabulary(Scenario(world="zipf", model="categorical", vocabulary_size=500,
                                        sample_size=10**9, temperature=0.7, generations=30, replicates=3))
    entropy = run_.results.groupby("generation")["entropy_bits"].mean().to_numpy()
    assert np.all(np.diff(entropy[1:]) <= 0) and np.all(np.diff(entropy[1:6]) < 0)
    assert entropy[-1] == 0.0  # a single word left


# -- the same closed forms where the engine draws by other exact methods --------------
def test_large_samples_keep_gini_simpson_decay_and_the_martingale():
    """M = 10^5 over 2,000 English words: Poisson counts for real text, the Poisson tables (with chunks
    of 256 for common words) for the model's own text."""
    from collapse.families.vocabulary import english_vocabulary

    M, G, R = 10**5, 20, 300
    run_ = simulate_vocabulary(Scenario(world="english", model="categorical", vocabulary_size=2000, sample_size=M,
                                        synthetic_fraction=1.0, generations=G, replicates=R, seed=5))
    real = english_vocabulary(2000).probabilities
    H0 = theory.gini_simpson(real)
    for n in [1, 10, G]:
        assert_mean_matches(at_generation(run_.results, n, "gini_simpson"), theory.expected_gini_simpson(n, M, H0),
                            f"Gini-Simpson n={n}")
    z = (run_.final_mean[:50] - real[:50]) / np.sqrt(run_.final_var[:50] / R)  # M p0 >= 200: normal
    assert np.all(np.abs(z) < Z)


def test_fresh_text_stationary_level_with_the_poisson_tables():
    """s = 0.5 at M = 1,000: every word keeps a cell, the model's 500 words come from the tables."""
    s, G, M = 0.5, 30, 1000
    run_ = vocabulary_run(synthetic_fraction=s, generations=G, replicates=500, sample_size=M)
    real = zipf_vocabulary(200, 1.0).probabilities
    H = theory.gini_simpson_with_fresh_data(G, M, s, real)
    for n in [1, 5, G]:
        assert_mean_matches(at_generation(run_.results, n, "gini_simpson"), H[n], f"GS n={n}")
