import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collapse import budget
from collapse.budget import estimate_seconds, max_replicates
from collapse.knobs import KNOBS, ScenarioError
from collapse.scenario import MAX_ROWS, Scenario, parse_query_params

BAD_VALUES = {
    "world": ["mars", "", 3, None],
    "model": ["gaussian", 1.5, ""],
    "synthetic_fraction": [-0.1, 1.01, math.nan, math.inf, "half", None, True],
    "generations": [0, -3, 2_001, 2.5, "ten", math.nan],
    "sample_size": [1, 0, 10**9 + 1, 3.5, "many"],
    "replicates": [0, -1, 10_001, 1.2, "x"],
    "mode": ["keep", 0],
    "temperature": [0, -1, 5.5, math.inf, "hot"],
    "tail_thresholds": [(), (0,), (-1,), (11,), (1, 2, 3, 4, 5, 6), ("a",), math.nan],
    "tail_index": [2, 1, 101, "t"],
    "vocabulary_size": [9, 50_001, 100.5, "many"],
    "zipf_exponent": [0.4, 3.5, "steep"],
    "top_k": [-1, 50_001, 2.5],
    "top_p": [0, -0.5, 1.01, "most"],
    "ngram_order": [0, 4, 2.5, "bigram"],
    "document_length": [4, 501, 50.5, "long"],
    "data_sampling": ["bootstrap", 3],
    "n_components": [0, 21, 2.5],
    "bandwidth": [0, 5.5, "wide"],
    "data_source": ["internet", 1],
    "human_output": [0, -1, 101, "lots"],
    "human_decline": [-0.1, 1.5],
    "ai_output": [-1, 101, math.inf],
    "ai_growth": [-0.1, 2.5],
    "archive_share": [-0.01, 1.01],
    "detector_recall": [-0.5, 2],
    "detector_false_positive": [1.0, -0.1],
    "retrieval_share": [1.1, "half"],
    "seed": [-1, 2**32, 1.5, "lucky"],
}


def test_every_knob_has_bad_values_listed():
    assert set(BAD_VALUES) == set(KNOBS)


@pytest.mark.parametrize("name,value", [(k, v) for k, vs in BAD_VALUES.items() for v in vs])
def test_bad_value_is_refused_naming_the_knob(name, value):
    with pytest.raises(ScenarioError, match=name):
        Scenario(**{name: value})


def test_models_must_fit_their_world():
    with pytest.raises(ScenarioError, match="categorical"):
        Scenario(world="english", model="gaussian_mle")
    with pytest.raises(ScenarioError, match="gaussian_mle or gaussian_unbiased"):
        Scenario(model="categorical")
    assert Scenario(world="zipf", model="categorical").is_vocabulary


@pytest.mark.parametrize("world,model", [("gaussian", "gaussian_mle"), ("heavy_tailed", "gaussian_mle"),
                                         ("english", "categorical"), ("zipf", "categorical"),
                                         ("mixture_2d", "gaussian_mixture"), ("digits", "gaussian_mixture")])
def test_the_model_follows_the_world_when_not_given(world, model):
    assert Scenario(world=world).model == model
    assert Scenario(world=world, model=None).to_dict()["model"] == model


def test_vocabulary_budget_grows_with_the_words_in_play():
    cheap = Scenario(world="zipf", model="categorical", vocabulary_size=1000, sample_size=1000, replicates=20)
    assert estimate_seconds(cheap.to_dict()) < 0.2
    with pytest.raises(ScenarioError, match="lower vocabulary_size, sample_size"):
        budget.check(Scenario(world="english", model="categorical", vocabulary_size=50_000, sample_size=10**6,
                              synthetic_fraction=0.5, generations=200, replicates=32))


def test_defaults_are_valid_and_numbers_are_coerced():
    s = Scenario(generations=50.0, synthetic_fraction=1, tail_thresholds=[3, 2, 2])
    assert s.generations == 50 and isinstance(s.generations, int)
    assert s.synthetic_fraction == 1.0 and isinstance(s.synthetic_fraction, float)
    assert s.tail_thresholds == (2.0, 3.0)  # sorted, duplicates dropped


def test_rounding_of_the_synthetic_share():
    # floor(s M + 1/2): 0.25 * 10 = 2.5 rounds up to 3 synthetic, 7 real
    s = Scenario(synthetic_fraction=0.25, sample_size=10)
    assert (s.synthetic_count(), s.real_count()) == (3, 7)
    assert Scenario(synthetic_fraction=0.0).synthetic_count() == 0


def test_work_budget_refuses_with_the_knob_to_lower():
    with pytest.raises(ScenarioError, match=r"the limit is 0.1 s\): lower replicates or generations"):
        budget.check(Scenario(generations=1_000, replicates=1_000), ceiling=0.1)
    with pytest.raises(ScenarioError, match="sample_size"):
        budget.check(Scenario(world="heavy_tailed", synthetic_fraction=0.5, sample_size=10**6, generations=100,
                              replicates=100))
    # the largest table the budget admits
    budget.check(Scenario(generations=1000, replicates=1000))
    # a scenario is not capped by the budget, only by the table's size
    assert Scenario(generations=2_000, replicates=500).replicates == 500
    with pytest.raises(ScenarioError, match="lower replicates or generations"):
        Scenario(generations=2_000, replicates=1_000)


def test_max_replicates_is_the_edge_of_the_budget():
    knobs = Scenario(world="heavy_tailed", synthetic_fraction=0.5, sample_size=5000).to_dict()
    edge = max_replicates(knobs)
    assert 1 < edge < 10_000
    budget.check(Scenario(**{**knobs, "replicates": edge}))
    with pytest.raises(ScenarioError):
        budget.check(Scenario(**{**knobs, "replicates": edge + 1}))
    assert max_replicates(Scenario(generations=2000).to_dict()) == MAX_ROWS // 2000
    assert max_replicates({**knobs, "synthetic_fraction": 0.0, "sample_size": 10**9}) == 0


def test_sample_size_does_not_cost_with_exact_statistics():
    small = estimate_seconds(Scenario(sample_size=10).to_dict())
    huge = estimate_seconds(Scenario(sample_size=10**9).to_dict())
    assert small == huge


def test_query_params_are_strings_and_round_trip():
    s = Scenario(world="bimodal", synthetic_fraction=0.3, tail_thresholds=(1.5, 2.5), seed=11)
    params = s.to_query_params()
    assert all(isinstance(v, str) for v in params.values())
    assert params["tail_thresholds"] == "1.5,2.5"
    assert set(params) == set(KNOBS)
    assert Scenario.from_query_params(params) == s


def test_parse_query_params_keeps_defaults_for_bad_values_only():
    scenario, problems = parse_query_params(
        {"synthetic_fraction": "abc", "generations": "-3", "sample_size": "50", "planet": "x"}
    )
    assert set(problems) == {"synthetic_fraction", "generations"}
    assert "synthetic_fraction" in problems["synthetic_fraction"]
    assert scenario.sample_size == 50
    assert scenario.synthetic_fraction == Scenario().synthetic_fraction
    assert scenario.generations == Scenario().generations


def test_parse_query_params_over_budget_keeps_base():
    base = Scenario(generations=20)
    scenario, problems = parse_query_params({"generations": "2000", "replicates": "10000"}, base)
    assert scenario == base
    assert "scenario" in problems and "limit" in problems["scenario"]


def test_repeated_query_keys_take_the_last():
    scenario, problems = parse_query_params({"generations": ["5", "9"], "tail_thresholds": ["1", "2.5"]})
    assert not problems and scenario.generations == 9
    assert scenario.tail_thresholds == (1.0, 2.5)


def test_from_json_refuses_unknown_knobs():
    with pytest.raises(ScenarioError, match="planet"):
        Scenario.from_json(json.dumps({"planet": 1}))
    with pytest.raises(ScenarioError):
        Scenario.from_json("[1, 2]")


def within_budget(knobs: dict) -> bool:
    """Whether ``Scenario(**knobs)`` exists: it refuses knobs over the work budget
    (e.g. 200 generations x 50 replicates x 10,000 samples of a heavy-tailed world)."""
    try:
        Scenario(**knobs)
    except ScenarioError:
        return False
    return True


scenarios = st.builds(
    dict,
    world=st.sampled_from(["gaussian", "heavy_tailed", "bimodal"]),
    model=st.sampled_from(["gaussian_mle", "gaussian_unbiased"]),
    vocabulary_size=st.integers(10, 50_000),
    zipf_exponent=st.floats(0.5, 3),
    top_k=st.integers(0, 50_000),
    top_p=st.floats(0.01, 1),
    synthetic_fraction=st.floats(0, 1),
    generations=st.integers(1, 200),
    sample_size=st.integers(2, 10**4),
    replicates=st.integers(1, 50),
    mode=st.sampled_from(["replace", "accumulate"]),
    temperature=st.floats(0.05, 5),
    tail_thresholds=st.lists(st.floats(0.01, 10), min_size=1, max_size=5).map(tuple),
    tail_index=st.floats(2.5, 100),
    seed=st.integers(0, 2**32 - 1),
).filter(within_budget).map(lambda knobs: Scenario(**knobs))


@settings(max_examples=200, deadline=None)
@given(scenarios)
def test_round_trips(scenario):
    assert Scenario.from_query_params(scenario.to_query_params()) == scenario
    assert Scenario.from_json(scenario.to_json()) == scenario


def test_a_text_scenario_holds_at_least_one_document():
    with pytest.raises(ScenarioError, match="sample_size must hold at least one document of document_length"):
        Scenario(world="sherlock", sample_size=10, document_length=50)
    assert Scenario(world="sherlock", sample_size=50, document_length=50).model == "ngram"
