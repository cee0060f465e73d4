import numpy as np
import pytest

from collapse import theory
from collapse.knobs import ScenarioError
from collapse.runner import run
from collapse.scenario import Scenario
from collapse.web import web_composition

R = 2000
Z = 4.0


def at(results, year, column):
    return results.loc[results.generation == year, column].to_numpy()


def assert_mean_matches(samples, expected, label):
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    assert abs(samples.mean() - expected) <= Z * se, f"{label}: {samples.mean():.5g} vs {expected:.5g} (se {se:.2g})"


CONSTANT_WEB = dict(data_source="web", ai_output=1.0, ai_growth=0.0, human_decline=0.0, sample_size=40,
                    generations=30, replicates=R, seed=5)


def test_a_constant_web_is_the_plain_loop_at_its_share():
    web = run(Scenario(**CONSTANT_WEB))
    assert np.allclose(at(web, 10, "ai_share_of_web"), 0.5) and np.allclose(at(web, 10, "ai_share_of_training"), 0.5)
    # same seed: the same draws as the plain loop at s = 0.5
    plain = run(Scenario(**{**CONSTANT_WEB, "data_source": "mix", "synthetic_fraction": 0.5}))
    assert np.array_equal(web["std"].to_numpy(), plain["std"].to_numpy())
    # another seed: within standard errors of the plain loop's closed form
    other = run(Scenario(**{**CONSTANT_WEB, "seed": 6}))
    v, D = theory.moments_with_fresh_data(30, 40, 0.5)
    for year in (2, 10, 30):
        assert_mean_matches(at(other, year, "std") ** 2, v[year], f"E var year {year}")
        assert_mean_matches(at(other, year, "mean") ** 2, D[year], f"drift year {year}")


def test_the_web_fills_with_ai_text_when_people_stop_writing():
    web = web_composition(Scenario(data_source="web", ai_output=0.2, ai_growth=0.3, human_decline=0.8, generations=30))
    assert web.loc[1, "ai_share_of_web"] == 0 and web.loc[1, "synthetic_count"] == 0  # year 1: the pre-AI web
    assert np.all(np.diff(web["ai_share_of_web"].to_numpy()[1:]) > 0)
    assert web.loc[30, "ai_share_of_web"] > 0.99
    # people publish less as the AI share rises: 1 - 0.8 * w
    assert web.loc[30, "human_output"] == pytest.approx(1 - 0.8 * web.loc[29, "ai_share_of_web"])


POLLUTED = dict(data_source="web", ai_output=1.0, ai_growth=0.5, sample_size=20, generations=40, replicates=300)


def test_a_perfect_filter_or_a_full_archive_stops_collapse():
    polluted = run(Scenario(**POLLUTED))
    assert np.median(at(polluted, 40, "std")) < 0.5
    for fix in (dict(detector_recall=1.0), dict(archive_share=1.0)):
        fixed = run(Scenario(**POLLUTED, **fix))
        assert np.all(fixed["ai_share_of_training"] == 0)
        # every year fits 20 fresh real samples: E[var] = 19/20, as with s = 0
        assert_mean_matches(at(fixed, 40, "std") ** 2, 19 / 20, "variance with clean training data")
    leaky = web_composition(Scenario(**POLLUTED, detector_recall=0.9, detector_false_positive=0.1))
    assert 0 < leaky.loc[5, "ai_share_of_training"] < web_composition(Scenario(**POLLUTED)).loc[5, "ai_share_of_training"]
    assert leaky.loc[40, "filtered_out"] == pytest.approx(
        (0.9 * leaky.loc[40, "ai_output"] + 0.1 * leaky.loc[40, "human_output"])
        / (leaky.loc[40, "ai_output"] + leaky.loc[40, "human_output"]))


def test_retrieval_keeps_tails_only_while_the_web_is_clean():
    real_tail = 0.0455003
    clean = run(Scenario(**{**POLLUTED, "ai_output": 0.0, "retrieval_share": 0.8}))
    assert_mean_matches(at(clean, 40, "answer_tail_mass_2"), real_tail, "clean-web answers")
    polluted = run(Scenario(**POLLUTED, retrieval_share=0.8))
    answers = at(polluted, 40, "answer_tail_mass_2")
    model = at(polluted, 40, "tail_mass_2")
    weight = 0.8 * (1 - at(polluted, 40, "ai_share_of_web")[0])
    assert np.allclose(answers, weight * real_tail + (1 - weight) * model)
    assert np.median(answers) < 0.2 * real_tail


def test_the_vocabulary_web_reports_answers():
    results = run(Scenario(data_source="web", world="zipf", model="categorical", vocabulary_size=300,
                           sample_size=300, generations=15, replicates=4, ai_output=1.0, retrieval_share=0.5))
    assert {"answer_entropy_bits", "answer_distance", "ai_share_of_web"} <= set(results.columns)
    last = results[results.generation == 15]
    # answers mix real text back in: more varied than the model, closer to the real world
    assert (last.answer_entropy_bits >= last.entropy_bits).all()
    w = 0.5 * (1 - last.ai_share_of_web)
    assert np.allclose(last.answer_distance, (1 - w) * last.distance)


def test_web_knobs_are_validated():
    with pytest.raises(ScenarioError, match="detector_false_positive"):
        Scenario(data_source="web", detector_false_positive=1.0)
    with pytest.raises(ScenarioError, match="data_source"):
        Scenario(data_source="internet")
