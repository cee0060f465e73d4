"""The text family: corpus, n-gram bank, sampler, smoothing and the loop against the science.

Order 1 is Wright-Fisher drift (SCIENCE.md sections 4 and 6): its Gini-Simpson
diversity must follow the closed forms of collapse.theory within 4 standard
errors of the replicate average (sample sd / sqrt(R)). The vectorised sampler
must agree in distribution with a plain per-token sampler (two-sample KS tests,
with a control that the tests can tell a slightly wrong sampler apart).
"""

import numpy as np
import pytest
from scipy.stats import ks_2samp

from collapse import theory
from collapse.families import text
from collapse.families.text import (
    PAGE_DEFAULTS,
    TEXT_METRICS,
    Corpus,
    NgramModel,
    TextSample,
    constant_schedule,
    corpus_from_text,
    estimate_seconds,
    first_restarts,
    load_corpus,
    simulate_text,
)
from collapse.families.vocabulary import CategoricalModel

Z = 4.0


def assert_mean_matches(samples, expected, label):
    """Replicate average within Z standard errors of the expectation."""
    samples = np.asarray(samples)
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    assert abs(samples.mean() - expected) <= Z * se, f"{label}: {samples.mean():.6g} vs {expected:.6g} (se {se:.2g})"


def assert_same_level(a, b, label):
    """Two independent replicate averages within Z standard errors of their difference."""
    a, b = np.asarray(a), np.asarray(b)
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) <= Z * se + 1e-12, f"{label}: {a.mean():.6g} vs {b.mean():.6g} (se {se:.2g})"


def metric(run, name, generation):
    frame = run.results
    return frame.loc[frame.generation == generation, name].to_numpy()


@pytest.fixture(scope="module")
def sherlock():
    return load_corpus("sherlock")


# -- the corpus -----------------------------------------------------------------------------


def test_sherlock_is_tokenised_with_a_tenth_held_out(sherlock):
    n_train, n_heldout = sherlock.train.size, sherlock.heldout.size
    assert 110_000 < n_train + n_heldout < 140_000  # 104,000 words plus punctuation
    assert 0.09 < n_heldout / (n_train + n_heldout) < 0.11
    assert sherlock.vocabulary_size == len(set(sherlock.words))
    assert all(w == w.lower() for w in sherlock.words)
    # the first sentence reads back as the book prints it
    first = sherlock.train[: sherlock.sentence_starts[1]]
    assert sherlock.detokenize(first) == "To Sherlock Holmes she is always the woman."
    # every sentence start follows a sentence end, and Punkt did not split "Mr. Holmes"
    ends = {sherlock.words.index(w) for w in (".", "!", "?", "''", "'")}
    assert np.isin(sherlock.train[sherlock.sentence_starts[1:] - 1], list(ends)).mean() > 0.99
    mr, holmes = sherlock.words.index("mr."), sherlock.words.index("holmes")
    assert np.sum((sherlock.train[:-1] == mr) & (sherlock.train[1:] == holmes)) > 20


def test_a_pasted_text_becomes_its_own_corpus(sherlock):
    pasted = "\n\n".join(sherlock.detokenize(sherlock.train[s : s + 400]) for s in (0, 5000, 20000))
    corpus = corpus_from_text(pasted)
    assert corpus.name == "your text" and corpus.vocabulary_size < sherlock.vocabulary_size
    run = simulate_text(corpus, generations=3, sample_size=500, replicates=2)
    assert run.results.shape == (8, 2 + len(TEXT_METRICS))
    with pytest.raises(ValueError, match="too short"):
        corpus_from_text("Elementary, my dear Watson. " * 10)


# -- the model --------------------------------------------------------------------------------


@pytest.mark.parametrize("temperature,top_k,top_p", [(1.0, 0, 1.0), (0.5, 0, 1.0), (1.7, 0, 1.0), (1.0, 3, 1.0),
                                                     (1.0, 0, 0.7), (0.8, 6, 0.9)])
def test_every_context_decodes_as_the_vocabulary_family(sherlock, temperature, top_k, top_p):

    rng = np.random.default_rng(7)
    documents = np.stack([sherlock.train[s : s + 50] for s in rng.choice(sherlock.sentence_starts, 300)])
    model = NgramModel(2, temperature, top_k, top_p).fit(documents, n_words=sherlock.vocabulary_size)
    reference = CategoricalModel(temperature, top_k, top_p)
    for row in rng.choice(model.counts_.shape[0], 40, replace=False):
        counts = model.counts_[[row]].toarray()[0]
        expected = reference.fit(counts).decoded_probabilities()
        assert np.abs(model.decoded_[[row]].toarray()[0] - expected).max() < 1e-12


def test_a_context_never_continued_restarts_from_a_sentence_start():
    for order in (2, 3):
        model = NgramModel(order).fit([[0, 1, 2]], n_words=3)  # "2" was never followed by anything
        documents, restarts = model.sample(1, 8, np.full((1, 1, 8), 0.5))
        assert documents.tolist() == [[0, 1, 2, 0, 1, 2, 0, 1]]
        assert np.flatnonzero(restarts[0]).tolist() == [0, 3, 6]
        # the next model counts those segments as starting from the sentence start: same model again
        refit = NgramModel(order).fit(documents, restarts, n_words=3)
        assert np.array_equal(refit.context_keys_, model.context_keys_)


def witten_bell_reference(order, n_words, documents, restarts, tokens, starts):
    """Perplexity with nltk.lm's interpolated Witten-Bell, floored by a uniform distribution at the bottom."""
    from nltk.lm import Vocabulary
    from nltk.lm.models import InterpolatedLanguageModel
    from nltk.lm.smoothing import WittenBell

    class WittenBellToUniform(WittenBell):
        def unigram_score(self, word):  # nltk stops at the ML unigram; the engine goes down to 1/V
            unigrams = self.counts.unigrams
            types = sum(1 for c in unigrams.values() if c > 0)
            return (unigrams[word] + types / n_words) / (unigrams.N() + types)

    def ngrams(sequence, segment_starts):
        out, history = [], []
        for j, token in enumerate(sequence):
            if j in segment_starts:
                history = []
            context = (["<s>"] * (order - 1) + history)[len(history):] if order > 1 else []
            out.append([tuple(context[len(context) - i :]) + (str(token),) for i in range(order)])
            history.append(str(token))
        return out

    training = [g for d, r in zip(documents, restarts) for grams in ngrams(d, set(np.flatnonzero(r))) for g in grams]
    model = InterpolatedLanguageModel(WittenBellToUniform, order,
                                      vocabulary=Vocabulary([str(w) for w in range(n_words)] + ["<s>"]))
    model.fit([training])
    scores = [model.logscore(grams[-1][-1], grams[-1][:-1]) for grams in ngrams(tokens, set(starts))]
    return 2.0 ** -np.mean(scores)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_perplexity_equals_nltk_witten_bell(sherlock, order):
    rng = np.random.default_rng(3)
    documents = np.stack([sherlock.train[s : s + 30] for s in rng.choice(sherlock.sentence_starts[:500], 8)])
    restarts = first_restarts(documents.shape)
    restarts[2, 11] = restarts[5, 20] = True  # segments that started over
    tokens, starts = sherlock.heldout[:300], [0, 17, 140]
    V = sherlock.vocabulary_size
    mine = NgramModel(order).fit(documents, restarts, n_words=V).perplexity(tokens, starts)[0]
    reference = witten_bell_reference(order, V, documents.tolist(), restarts, tokens.tolist(), starts)
    assert mine == pytest.approx(reference, rel=1e-9)
    assert 50 < mine < V  # smoothed: finite, and far better than uniform guessing


# -- order 1 is Wright-Fisher (SCIENCE.md sections 4 and 6) -------------------------------------


def iid_corpus(p, size=100_000, seed=0) -> Corpus:
    """Words drawn independently: with documents of one token every real token is a fresh draw."""
    rng = np.random.default_rng(seed)
    words = tuple(f"w{i}" for i in range(len(p)))
    train = rng.choice(len(p), size=size, p=p).astype(np.int32)
    heldout = rng.choice(len(p), size=500, p=p).astype(np.int32)
    return Corpus("iid", "independent words", words, words, train, heldout, np.arange(size), np.array([0]))


ZIPF = 1.0 / np.arange(1, 13) / np.sum(1.0 / np.arange(1, 13))
R_THEORY = 2000


@pytest.fixture(scope="module")
def iid():
    corpus = iid_corpus(ZIPF)
    p0 = np.bincount(corpus.train, minlength=len(ZIPF)) / corpus.train.size  # what passages are drawn from
    return corpus, p0


def test_order_1_gini_simpson_decays_as_wright_fisher(iid):
    corpus, p0 = iid
    M, G = 100, 30
    run = simulate_text(corpus, generations=G, sample_size=M, document_length=1, ngram_order=1,
                        replicates=R_THEORY, seed=11)
    H0 = theory.gini_simpson(p0)
    for n in (1, 2, 5, 10, G):
        assert_mean_matches(metric(run, "gini_simpson", n), theory.expected_gini_simpson(n, M, H0), f"E[H_{n}]")
    assert metric(run, "gini_simpson", G).mean() < 0.8 * H0  # it did collapse


def test_order_1_with_fresh_text_settles_where_theory_says(iid):
    corpus, p0 = iid
    M, G, s = 100, 30, 0.5
    run = simulate_text(corpus, generations=G, sample_size=M, document_length=1, ngram_order=1,
                        synthetic_counts=constant_schedule(G, M, s), replicates=R_THEORY, seed=12)
    expected = theory.gini_simpson_with_fresh_data(G, M, s, p0)
    for n in (1, 2, 5, 10):
        assert_mean_matches(metric(run, "gini_simpson", n), expected[n], f"E[H_{n}] s={s}")
    stationary = theory.stationary_gini_simpson(M, s, theory.gini_simpson(p0))
    assert expected[G] == pytest.approx(stationary, rel=1e-9)
    assert_mean_matches(metric(run, "gini_simpson", G), stationary, "H*")


# -- the vectorised sampler agrees with a per-token one ----------------------------------------------


def sample_per_token(model, n_documents, length, uniforms, sharpen=1.0):
    """Reference sampler: one token at a time, likeliest token first (another inverse CDF, the same law).

    ``sharpen`` != 1 raises every probability to that power: a slightly wrong
    sampler, to check that the KS tests can tell.
    """
    u = np.asarray(uniforms).reshape(-1, length)
    documents, restarts = np.empty(u.shape, dtype=np.int32), np.zeros(u.shape, dtype=bool)
    V, k, P = model.n_words_, model.order, model.decoded_
    row_of = {key: row for row, key in enumerate(model.context_keys_.tolist())}
    span, rows = (V + 1) ** (k - 1), {}

    def distribution(row):  # next tokens, likeliest first, and their cumulative probabilities
        if row not in rows:
            p = P.data[P.indptr[row] : P.indptr[row + 1]] ** sharpen
            order = np.argsort(-p, kind="stable")
            rows[row] = P.indices[P.indptr[row] + order], np.cumsum(p[order]) / p.sum()
        return rows[row]

    for i in range(len(u)):
        history, model_key = [], i // n_documents * span
        for j in range(length):
            context = ([V] * (k - 1) + history)[len(history):]
            row = row_of.get(model_key + sum(t * (V + 1) ** b for b, t in enumerate(context[::-1])))
            if j == 0 or row is None:  # a sentence start
                history, restarts[i, j] = [], True
                row = row_of[model_key + model.bos_code]
            tokens, cumulative = distribution(row)
            documents[i, j] = tokens[min(np.searchsorted(cumulative, u[i, j], side="right"), tokens.size - 1)]
            history.append(int(documents[i, j]))
    return documents, restarts


KS_SCENARIO = dict(generations=2, sample_size=1000, ngram_order=2, temperature=0.7, top_p=0.95, replicates=100)


def test_vectorised_sampler_agrees_with_per_token_sampler(sherlock, monkeypatch):
    fast = simulate_text(sherlock, seed=5, **KS_SCENARIO)
    monkeypatch.setattr(NgramModel, "sample", sample_per_token)
    slow = simulate_text(sherlock, seed=6, **KS_SCENARIO)
    monkeypatch.setattr(NgramModel, "sample", lambda *args: sample_per_token(*args, sharpen=1.25))
    wrong = simulate_text(sherlock, seed=6, **KS_SCENARIO)
    g = KS_SCENARIO["generations"]
    rejected = []
    for name in ("distinct_2", "repetition", "perplexity"):
        assert ks_2samp(metric(fast, name, g), metric(slow, name, g)).pvalue > 1e-3, name
        rejected.append(ks_2samp(metric(fast, name, g), metric(wrong, name, g)).pvalue < 1e-3)
    assert all(rejected)  # the tests have the power to see a sampler 25 % too sharp


# -- what is lost, and what stays ---------------------------------------------------------------------


@pytest.mark.parametrize("order", [2, 3])
def test_at_s_1_a_phrase_the_model_cannot_write_never_comes_back(sherlock, order):
    V, R, D, L = sherlock.vocabulary_size, 4, 40, 50
    rng = np.random.default_rng(order)
    real = np.stack([sherlock.train[s : s + L] for s in rng.choice(sherlock.sentence_starts[:-10], R * D)])
    groups = np.repeat(np.arange(R), D)
    model = NgramModel(order, top_p=0.97).fit(real, groups=groups, n_words=V, n_models=R)
    phrases = text.real_statistics(sherlock).phrases
    writable, able = set(model.written_ngrams(2).tolist()), model.can_write(phrases)
    for _ in range(8):
        documents, restarts = model.sample(D, L, rng.random((R, D, L)))
        model = NgramModel(order, top_p=0.97).fit(documents, restarts, groups, V, R)
        now, able_now = set(model.written_ngrams(2).tolist()), model.can_write(phrases)
        assert now <= writable and not (able_now & ~able).any()
        writable, able = now, able_now
    assert able.mean() < 0.5  # most of the common phrases did die
    # in the loop: the share of real bigrams lost only grows, in every replicate
    run = simulate_text(sherlock, generations=10, sample_size=2000, ngram_order=order, replicates=6)
    lost = run.results.pivot(index="generation", columns="replicate", values="phrases_lost").to_numpy()
    assert (np.diff(lost[1:], axis=0) >= -1e-12).all() and (lost[-1] > lost[1] + 0.1).all()
    assert set(run.lost_phrases.lost_in) <= set(range(1, 11))
    assert run.lost_phrases.real_count.is_monotonic_decreasing


def test_with_fresh_text_lost_phrases_come_back(sherlock):
    G = 10
    run = simulate_text(sherlock, generations=G, sample_size=2000, replicates=6,
                        synthetic_counts=constant_schedule(G, 2000, 0.5))
    lost = run.results.pivot(index="generation", columns="replicate", values="phrases_lost").to_numpy()
    assert (np.diff(lost[1:], axis=0) < 0).any()


def test_at_s_0_every_metric_stays_at_the_real_level(sherlock):
    G, R = 6, 60
    kwargs = dict(generations=G, sample_size=2000, replicates=R, seed=3)
    run = simulate_text(sherlock, synthetic_counts=np.zeros(G + 1, dtype=int), **kwargs)
    for name in TEXT_METRICS:
        # text written by a model of real text is the level from generation 1 on; what
        # the model knows (perplexity, phrases, word diversity) is generation 0's
        reference = 0 if name in ("phrases_lost", "perplexity", "gini_simpson") else 1
        assert_same_level(metric(run, name, G), metric(run, name, reference), name)
    collapsing = simulate_text(sherlock, **kwargs)  # the same test sees s = 1 collapse
    for name in ("distinct_2", "phrases_lost", "perplexity"):
        with pytest.raises(AssertionError):
            assert_same_level(metric(collapsing, name, G), metric(run, name, G), name)


# -- the loop ------------------------------------------------------------------------------------


def test_a_replicate_does_not_depend_on_the_others(sherlock):
    kwargs = dict(generations=4, sample_size=1000, temperature=0.8, mode="accumulate", seed=9)
    one = simulate_text(sherlock, replicates=1, **kwargs).results
    three = simulate_text(sherlock, replicates=3, **kwargs).results
    again = simulate_text(sherlock, replicates=3, **kwargs).results
    assert three.equals(again)
    first = three[three.replicate == 0].reset_index(drop=True)
    assert np.allclose(first[list(TEXT_METRICS)], one[list(TEXT_METRICS)], rtol=1e-12)


def test_the_webs_answers_mix_retrieved_real_text_with_the_model(sherlock):
    G, R = 4, 40
    kwargs = dict(generations=G, sample_size=2000, replicates=R, seed=5)
    plain = simulate_text(sherlock, **kwargs).results
    answers = {w: simulate_text(sherlock, answer_real_weight=np.full(G + 1, w), **kwargs).results
               for w in (0.0, 0.5, 1.0)}
    for frame in answers.values():  # measuring the answers leaves the models' own draws alone
        assert frame[list(TEXT_METRICS)].equals(plain[list(TEXT_METRICS)])
    none = answers[0.0]  # nothing retrieved: the answers are the model's own text
    np.testing.assert_array_equal(none.answer_distinct_2, none.distinct_2)
    np.testing.assert_array_equal(none.answer_repetition, none.repetition)

    def at(frame, name, generation):
        return frame.loc[frame.generation == generation, name].to_numpy()

    # everything retrieved: real passages, at generation 0's level while the model (s = 1) collapses
    assert_same_level(at(answers[1.0], "answer_distinct_2", G), at(plain, "distinct_2", 0), "retrieved")
    with pytest.raises(AssertionError):
        assert_same_level(at(plain, "distinct_2", G), at(plain, "distinct_2", 0), "the model")
    half = at(answers[0.5], "answer_distinct_2", G).mean()
    assert at(plain, "distinct_2", G).mean() < half < at(plain, "distinct_2", 0).mean()


def test_accumulating_keeps_phrases_that_replacing_loses(sherlock):
    kwargs = dict(generations=8, sample_size=2000, replicates=8, seed=4)
    final = {mode: metric(simulate_text(sherlock, mode=mode, **kwargs), "distinct_2", 8)
             for mode in ("replace", "accumulate", "accumulate_subsample")}
    assert final["accumulate"].mean() > final["accumulate_subsample"].mean() > final["replace"].mean()


def test_low_temperature_repeats_phrases(sherlock):
    run = simulate_text(sherlock, generations=6, sample_size=2000, temperature=0.5, replicates=4)
    repetition = run.results.groupby("generation").repetition.mean()
    assert repetition[0] < 0.02 and repetition[6] > 0.3
    sample = run.documents[5][0]
    assert sample.repeated and sample.text == run.samples[5][0]
    assert sample.marked().count("<mark>") == len(sample.repeated)


def test_repeated_spans_are_the_4_grams_seen_before():
    words = ("i", "have", "been", "in", "the", "other", ".", "and")
    corpus = Corpus("toy", "toy", words, words, np.arange(8, dtype=np.int32), np.arange(8, dtype=np.int32),
                    np.array([0]), np.array([0]))
    # "i have been in the other . i have been in the other . and"
    document = np.array([0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 7])
    sample = text.text_sample(corpus, document, first_restarts((1, 15))[0])
    assert sample.repeated == ((7, 14),)
    assert sample.marked("[", "]") == "I have been in the other. [I have been in the other.] And"
    restarted = first_restarts((1, 15))[0]
    restarted[9] = True  # a restart breaks the 4-grams across it
    assert text.text_sample(corpus, document, restarted).repeated == ((9, 14),)
    assert isinstance(sample, TextSample)


def test_generation_0_is_real_text_and_samples_read_as_prose(sherlock):
    run = simulate_text(sherlock, generations=5, sample_size=1000, replicates=2)
    assert sorted(run.samples) == [0, 1, 2, 5]
    assert all(s[:1].isupper() or s[:1] == '"' for s in run.samples[0])
    assert run.samples[0][0] in sherlock.detokenize(sherlock.train)  # a real passage
    g0 = run.results[run.results.generation == 0]
    assert (g0.repetition < 0.05).all() and (g0.distinct_2 > 0.5).all()


def test_bad_knobs_raise_clear_errors(sherlock):
    for bad, message in [(dict(ngram_order=4), "ngram_order"), (dict(top_p=0.0), "top_p"),
                         (dict(sample_size=10), "sample_size"), (dict(mode="merge"), "mode")]:
        with pytest.raises(ValueError, match=message):
            simulate_text(sherlock, generations=2, **bad)


def test_page_defaults_are_the_engine_defaults_and_priced_within_the_classroom_budget():
    import inspect

    signature = inspect.signature(simulate_text).parameters
    assert {name: signature[name].default for name in PAGE_DEFAULTS} == PAGE_DEFAULTS
    assert estimate_seconds(**{k: PAGE_DEFAULTS[k] for k in ("generations", "replicates", "sample_size",
                                                             "ngram_order", "document_length", "mode")}) < 0.15


def test_cost_model_grows_with_every_size_knob():
    base = dict(generations=20, replicates=3, sample_size=10_000, ngram_order=2, vocabulary_size=8_200)
    seconds = estimate_seconds(**base)
    for change in [dict(generations=40), dict(replicates=6), dict(sample_size=20_000), dict(ngram_order=3),
                   dict(synthetic_fraction=0.5), dict(truncated=True), dict(mode="accumulate"),
                   dict(mode="accumulate_subsample"), dict(corpus_size=500_000)]:
        assert estimate_seconds(**{**base, **change}) > seconds, change
