"""Text family speed, measured in one run (CPU seconds of this process, best of a few).

    python benchmarks/bench_text.py            # everything (about two minutes)
    python benchmarks/bench_text.py --quick    # skip the cost-model calibration
    python benchmarks/bench_text.py --calibrate  # only the calibration

1. The vectorised sampler against the plain per-token reference sampler of
   tests/test_text.py, on the same models and the same uniforms (target >= 50x),
   and a whole run with each.
2. The page defaults (PAGE_DEFAULTS) against the classroom budget of 0.15 CPU
   seconds per interactive request, and a few variants a student may pick.
3. The cost model ``estimate_seconds``: refits its unit costs by non-negative
   least squares on a grid of runs (two corpora, orders 1-3, modes, decoding)
   and prints estimate / measured for every run with the constants shipped in
   collapse/families/text.py and with the refitted ones.

CPU time, not wall time: on a shared machine other processes stretch wall time
but not (much) this process's CPU time, which is what the budget prices.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path.insert(0, str(ROOT / "tests"))  # the reference sampler lives with the tests

import numpy as np  # noqa: E402
from scipy.optimize import nnls  # noqa: E402
from test_text import sample_per_token  # noqa: E402

from collapse.families import text  # noqa: E402
from collapse.families.text import (  # noqa: E402
    PAGE_DEFAULTS,
    NgramModel,
    constant_schedule,
    cost_features,
    estimate_seconds,
    load_corpus,
    simulate_text,
)

BUDGET = 0.15  # CPU seconds an interactive request may cost on the classroom server


def cpu_seconds(func, *args, repeats: int = 3, **kwargs) -> float:
    """Best CPU time of a few calls (the least disturbed by other processes)."""
    best = np.inf
    for _ in range(repeats):
        start = time.process_time()
        func(*args, **kwargs)
        best = min(best, time.process_time() - start)
    return best


def fitted_bank(corpus, order, replicates, documents, length, temperature=1.0, seed=0):
    """A bank of models fitted on real passages, as round 1 of a run fits them."""
    rng = np.random.default_rng(seed)
    starts = corpus.sentence_starts[corpus.sentence_starts + length <= corpus.train.size]
    picks = starts[rng.integers(starts.size, size=replicates * documents)]
    real = corpus.train[picks[:, None] + np.arange(length)]
    groups = np.repeat(np.arange(replicates), documents)
    return NgramModel(order, temperature).fit(real, None, groups, corpus.vocabulary_size, replicates)


def sampler_ratios(corpus) -> None:
    print("1. Vectorised sampler vs the per-token reference (same models, same uniforms)")
    L = PAGE_DEFAULTS["document_length"]
    D = round(PAGE_DEFAULTS["sample_size"] / L)
    R = PAGE_DEFAULTS["replicates"]
    cases = [("page defaults", 2, R, D, 1.0), ("page defaults, T = 0.5", 2, R, D, 0.5),
             ("order 1", 1, R, D, 1.0), ("order 3", 3, R, D, 1.0),
             ("the issue's example: 400 documents, 4 replicates", 2, 4, 400, 1.0)]
    for label, order, replicates, documents, temperature in cases:
        model = fitted_bank(corpus, order, replicates, documents, L, temperature)
        uniforms = np.random.default_rng(1).random((replicates, documents, L))
        fast = cpu_seconds(model.sample, documents, L, uniforms, repeats=5)
        slow = cpu_seconds(sample_per_token, model, documents, L, uniforms, repeats=1)
        print(f"   {label:50s} {replicates * documents * L:>7,} tokens: vectorised {fast * 1e3:6.2f} ms, "
              f"per token {slow * 1e3:6.0f} ms, ratio {slow / fast:4.0f}x")
    knobs = dict(PAGE_DEFAULTS)
    fast = cpu_seconds(simulate_text, corpus, **knobs)
    original = NgramModel.sample
    NgramModel.sample = sample_per_token
    try:
        slow = cpu_seconds(simulate_text, corpus, repeats=1, **knobs)
    finally:
        NgramModel.sample = original
    print(f"   whole run at the page defaults: vectorised {fast:.3f} s, with the per-token sampler {slow:.2f} s, "
          f"ratio {slow / fast:.0f}x (fitting and measuring are the same in both)")


def page_budget(corpus) -> None:
    print(f"2. The page defaults against the classroom budget ({BUDGET} CPU s per request)")
    print(f"   PAGE_DEFAULTS = {PAGE_DEFAULTS}")
    variants = [("page defaults", {}), ("temperature 0.5", dict(temperature=0.5)),
                ("top-p 0.9", dict(top_p=0.9)), ("order 3", dict(ngram_order=3)), ("order 1", dict(ngram_order=1)),
                ("half fresh text", dict(synthetic_fraction=0.5)), ("all fresh text", dict(synthetic_fraction=0.0)),
                ("accumulate, half fresh", dict(mode="accumulate", synthetic_fraction=0.5)),
                ("accumulate-subsample", dict(mode="accumulate_subsample"))]
    for label, change in variants:
        knobs = {**PAGE_DEFAULTS, **change}
        fraction = knobs.pop("synthetic_fraction", 1.0)
        knobs["synthetic_counts"] = constant_schedule(knobs["generations"], knobs["sample_size"], fraction)
        measured = cpu_seconds(simulate_text, corpus, **knobs)
        estimate = estimate_seconds(**_estimate_knobs(knobs, corpus, fraction))
        verdict = "within" if measured <= BUDGET else "OVER"
        print(f"   {label:25s} {measured:.3f} s ({verdict} budget), estimate {estimate:.3f} s")


def _estimate_knobs(knobs, corpus, synthetic_fraction) -> dict:
    return dict(generations=knobs["generations"], replicates=knobs["replicates"], sample_size=knobs["sample_size"],
                ngram_order=knobs["ngram_order"], document_length=knobs["document_length"], mode=knobs["mode"],
                synthetic_fraction=synthetic_fraction,
                truncated=bool(knobs.get("top_k") or knobs.get("top_p", 1.0) < 1.0),
                vocabulary_size=corpus.vocabulary_size, corpus_size=corpus.train.size + corpus.heldout.size)


def calibration_grid(corpora):
    """(corpus, knob changes, synthetic fraction): orders and sizes, pure self-training and fresh text, modes."""
    grid = []
    for corpus in corpora:
        for order in (1, 2, 3):
            for (M, R), fraction in zip(((4_000, 2), (10_000, 3), (20_000, 6)), (0.0, 1.0, 0.0)):
                grid.append((corpus, dict(ngram_order=order, sample_size=M, replicates=R, generations=8), fraction))
            grid.append((corpus, dict(ngram_order=order, sample_size=10_000, replicates=3, generations=20), 0.5))
        for mode in ("accumulate", "accumulate_subsample"):
            for G in (8, 24, 60):
                grid.append((corpus, dict(mode=mode, sample_size=10_000, replicates=3, generations=G), 0.0))
        grid.append((corpus, dict(top_p=0.9, sample_size=10_000, replicates=3, generations=8), 0.0))
        grid.append((corpus, dict(document_length=20, sample_size=10_000, replicates=3, generations=8), 0.0))
    return grid


def calibrate(corpus) -> None:
    print("3. Cost model: estimate / measured")
    quarter = text.corpus_from_text(corpus.detokenize(corpus.train[: corpus.train.size // 4]), name="quarter")
    rows, measured, labels = [], [], []
    for world, change, fraction in calibration_grid([corpus, quarter]):
        knobs = {**PAGE_DEFAULTS, **change}
        knobs["synthetic_counts"] = constant_schedule(knobs["generations"], knobs["sample_size"], fraction)
        measured.append(cpu_seconds(simulate_text, world, repeats=2, **knobs))
        rows.append(cost_features(**_estimate_knobs(knobs, world, fraction)))
        labels.append(f"{world.name:8s} s={fraction:g} " + " ".join(f"{k}={v}" for k, v in change.items()))
    features, measured = np.array(rows), np.array(measured)
    # relative errors count, not absolute ones: weight each run by 1 / its time
    refitted, _ = nnls(features / measured[:, None], np.ones(len(measured)))
    shipped = features @ text.COST_PER_UNIT
    for label, seconds, old, new in zip(labels, measured, shipped, features @ refitted):
        print(f"   {label:64s} measured {seconds:6.3f} s  shipped {old / seconds:4.2f}  refitted {new / seconds:4.2f}")
    names = ", ".join(text.COST_FEATURES)
    print(f"   unit costs ({names}):\n   shipped   {np.array2string(text.COST_PER_UNIT, precision=2)}\n"
          f"   refitted  {np.array2string(refitted, precision=2)}")


def main():
    corpus = load_corpus("sherlock")
    simulate_text(corpus, generations=2)  # warm the corpus's cached statistics
    if "--calibrate" not in sys.argv:
        sampler_ratios(corpus)
        page_budget(corpus)
    if "--quick" not in sys.argv:
        calibrate(corpus)


if __name__ == "__main__":
    main()
