"""The public API a notebook user copies: ``collapse.run`` (and ``collapse.simulate``)."""

import pytest

import collapse
from collapse import theory


def test_run_takes_knobs_and_follows_the_world():
    table = collapse.run(world="zipf", vocabulary_size=100, generations=3, replicates=2)
    assert len(table) == 4 * 2 and "surviving_words" in table.columns
    assert table.loc[table.generation == 0, "surviving_words"].eq(100).all()


def test_run_takes_a_scenario_and_matches_the_closed_form():
    scenario = collapse.Scenario(generations=20, sample_size=50, replicates=4000, seed=3)
    table = collapse.run(scenario)
    variance = (table[table.generation == 20]["std"] ** 2)
    expected = theory.expected_variance(20, 50)
    # the variance of a chi-square product: a 4-standard-error band from 4000 replicates
    assert abs(variance.mean() - expected) < 4 * variance.std(ddof=1) / len(variance) ** 0.5


def test_run_is_uncapped_unless_a_budget_is_given():
    big = dict(world="heavy_tailed", synthetic_fraction=0.5, sample_size=2_000, generations=50, replicates=60)
    assert len(collapse.run(**big)) == 51 * 60
    with pytest.raises(collapse.ScenarioError, match=r"the limit is 0.01 s\): lower sample_size"):
        collapse.run(**big, budget=0.01)


def test_run_refuses_a_scenario_and_knobs_together():
    with pytest.raises(TypeError):
        collapse.run(collapse.Scenario(), generations=3)
    with pytest.raises(collapse.ScenarioError, match="generations"):
        collapse.run(generations=0)
