import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from collapse.families.gaussian import simulate, simulate_naive
from collapse.runner import run
from collapse.scenario import Scenario


@pytest.mark.parametrize(
    "knobs",
    [
        dict(world="gaussian", synthetic_fraction=0.5, mode="replace"),
        dict(world="gaussian", synthetic_fraction=1.0, mode="accumulate", model="gaussian_unbiased"),
        dict(world="heavy_tailed", synthetic_fraction=0.7, mode="replace", temperature=0.7),
        dict(world="bimodal", synthetic_fraction=0.3, mode="accumulate"),
    ],
)
def test_exact_statistics_agree_with_drawing_every_sample(knobs):
    """Both paths, same scenario: the final mean and variance have the same law."""
    scenario = Scenario(sample_size=30, generations=8, replicates=1500, seed=3, **knobs)
    exact = simulate(scenario)
    naive = simulate_naive(scenario.replace(seed=4))
    for name in ("mean", "var"):
        a, b = getattr(exact, name)[-1], getattr(naive, name)[-1]
        assert stats.ks_2samp(a, b).pvalue > 1e-3, name
    # and they are not trivially identical draws
    assert not np.allclose(exact.var[-1], naive.var[-1])


def test_generation_zero_is_the_real_world():
    results = run(Scenario(world="bimodal", generations=3, replicates=4))
    first = results[results.generation == 0]
    assert len(first) == 4
    assert np.allclose(first["mean"], 0) and np.allclose(first["std"], 1)
    assert np.allclose(first["distance"], 0)
    hump = stats.norm(0.9, np.sqrt(0.19))  # each side: mostly the near hump's tail
    assert first["tail_mass_2"].iloc[0] == pytest.approx(hump.sf(2) + hump.sf(2 + 1.8), rel=1e-9)


def test_tidy_columns_and_shape():
    results = run(Scenario(generations=5, replicates=3, tail_thresholds=(2.5, 1)))
    assert list(results.columns) == [
        "generation", "replicate", "mean", "std", "tail_mass_1", "tail_mass_2.5", "distance"
    ]
    assert len(results) == 6 * 3
    assert results.groupby("generation").size().tolist() == [3] * 6


def test_zero_synthetic_fraction_never_leaves_the_real_world_far():
    t = simulate(Scenario(synthetic_fraction=0.0, sample_size=400, generations=50, replicates=500))
    # every generation is a fresh fit to 400 real samples: var ~ 1 +- sqrt(2/400)
    assert abs(np.median(t.var[50]) - 1) < 0.02
    assert np.all(np.abs(t.var[1:] - 1) < 0.5)


def test_replicate_streams_do_not_depend_on_the_replicate_count():
    small = simulate(Scenario(replicates=3, generations=10, synthetic_fraction=0.5))
    large = simulate(Scenario(replicates=50, generations=10, synthetic_fraction=0.5))
    assert np.array_equal(small.var, large.var[:, :3])
    other_seed = simulate(Scenario(replicates=3, generations=10, synthetic_fraction=0.5, seed=8))
    assert not np.array_equal(small.var, other_seed.var)


def test_same_seed_same_bytes_in_two_processes():
    command = [sys.executable, "-m", "collapse", "run", "--world", "heavy_tailed",
               "--synthetic-fraction", "0.6", "--generations", "20", "--replicates", "7", "--seed", "11"]
    first = subprocess.run(command, capture_output=True, check=True).stdout
    second = subprocess.run(command, capture_output=True, check=True).stdout
    assert first == second and len(first) > 1000


def test_sample_size_costs_nothing_with_exact_statistics():
    huge = simulate(Scenario(sample_size=10**9, generations=100, replicates=20, synthetic_fraction=1.0))
    # with M = 10^9 the variance barely moves: log var has sd sqrt(100 * 2 / M)
    assert np.allclose(huge.var[100], 1, atol=5 * np.sqrt(200 / 10**9))
    assert huge.var[100].std() > 0


from collapse.families.vocabulary import simulate_vocabulary  # noqa: E402

VOCAB = dict(world="english", model="categorical", vocabulary_size=300, sample_size=200, generations=30, replicates=5)


def test_vocabulary_results_and_records():
    run_ = simulate_vocabulary(Scenario(**VOCAB))
    assert list(run_.results.columns) == ["generation", "replicate", "entropy_bits", "gini_simpson",
                                          "surviving_words", "extinct_real_mass", "top10_share", "distance"]
    first = run_.results[run_.results.generation == 0]
    assert (first.surviving_words == 300).all() and (first.distance == 0).all()
    assert sorted(run_.snapshots) == [0, 1, 8, 16, 23, 30]
    # replicate 0's record: words with a death generation are exactly those gone at the end
    last = run_.snapshots[30]
    assert np.array_equal(run_.death_generation >= 1, last == 0)
    assert run_.results.loc[(run_.results.generation == 30) & (run_.results.replicate == 0),
                            "surviving_words"].item() == np.count_nonzero(last)
    assert run_.vocabulary.words[0] == "the"


def test_vocabulary_replicates_use_their_own_streams():
    small = simulate_vocabulary(Scenario(**{**VOCAB, "replicates": 2})).results
    large = simulate_vocabulary(Scenario(**VOCAB)).results
    assert np.array_equal(small.entropy_bits, large[large.replicate < 2].entropy_bits)


def test_fresh_text_brings_words_back():
    run_ = simulate_vocabulary(Scenario(**{**VOCAB, "synthetic_fraction": 0.5, "generations": 60}))
    gone = run_.death_generation >= 1
    # fresh real text re-teaches words: few stay lost, and far fewer than without it
    pure = simulate_vocabulary(Scenario(**{**VOCAB, "generations": 60}))
    assert gone.sum() < (pure.death_generation >= 1).sum()


def test_vocabulary_cli_is_deterministic_across_processes():
    command = [sys.executable, "-m", "collapse", "run", "--world", "english", "--model", "categorical",
               "--vocabulary-size", "500", "--generations", "10", "--replicates", "3", "--top-k", "100"]
    first = subprocess.run(command, capture_output=True, check=True).stdout
    assert first == subprocess.run(command, capture_output=True, check=True).stdout
    assert first.startswith(b"generation,replicate,entropy_bits,gini_simpson,surviving_words")


def test_accumulate_subsample_sits_between_replace_and_accumulate():
    knobs = dict(synthetic_fraction=1.0, sample_size=20, generations=60, replicates=400)
    spread = {mode: np.median(np.sqrt(simulate(Scenario(mode=mode, **knobs)).var[60]))
              for mode in ("replace", "accumulate", "accumulate_subsample")}
    assert spread["replace"] < spread["accumulate_subsample"] < spread["accumulate"] + 0.05
    assert spread["replace"] < 0.3 and spread["accumulate_subsample"] > 0.6
    # round 1 trains on all M real samples: E[var] = (M - 1) / M, as in every mode
    first = simulate(Scenario(mode="accumulate_subsample", **{**knobs, "replicates": 4000, "generations": 2})).var[1]
    assert abs(first.mean() - 19 / 20) < 4 * first.std() / np.sqrt(first.size)


def test_vocabulary_subsample_reads_exactly_M_words():
    run_ = simulate_vocabulary(Scenario(**{**VOCAB, "mode": "accumulate_subsample", "sample_size": 150}))
    # trained on 150 words out of a growing pool: never more than 150 distinct words
    assert run_.results.loc[run_.results.generation >= 1, "surviving_words"].max() <= 150


@pytest.mark.parametrize("knobs", [
    dict(),  # Poisson tables, words packed as they die
    dict(synthetic_fraction=0.5, sample_size=5000),  # fresh text: every word keeps a cell
    dict(mode="accumulate_subsample", temperature=0.8),
    dict(mode="accumulate", top_k=40),
    dict(top_p=0.9, sample_size=10**7),
])
def test_vocabulary_replicates_do_not_depend_on_their_neighbours(knobs, monkeypatch):
    import collapse.families.vocabulary as engine

    scenario = Scenario(**{**VOCAB, "generations": 12, "replicates": 6, **knobs})
    alone = simulate_vocabulary(scenario.replace(replicates=1)).results
    together = simulate_vocabulary(scenario).results
    monkeypatch.setattr(engine, "BLOCK_CELLS", 2 * scenario.vocabulary_size)  # blocks of 2 replicates
    blocked = simulate_vocabulary(scenario).results
    columns = ["entropy_bits", "gini_simpson", "surviving_words", "extinct_real_mass", "top10_share", "distance"]
    assert np.array_equal(together[columns].to_numpy(), blocked[columns].to_numpy())
    assert np.array_equal(alone[columns].to_numpy(), together.loc[together.replicate == 0, columns].to_numpy())
