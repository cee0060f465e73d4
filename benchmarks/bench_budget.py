"""Work-budget audit: the costliest scenario the budget admits, per world and model, timed.

    python benchmarks/bench_budget.py [--random 3] [--cells 1] [--limit 2.5] [--recheck 2] [--timeout 60] [--charts]

Every request is meant to cost at most about ``BUDGET_SECONDS`` (2 s) of
computing: :func:`~collapse.budget.check` refuses any knob combination
whose :func:`~collapse.budget.estimate_seconds` is higher. This audit looks
for combinations where the estimate is wrong by too much.

For every valid (world, model) pair, every mode, every data source and
synthetic fraction in {0, 0.5, 1} it searches a grid of sample sizes and
generations (and vocabulary sizes or mixture components where they price in),
sets replicates to :func:`~collapse.budget.max_replicates` and keeps the
combination with the highest estimate, plus ``--cells`` random grid cells
whose estimate is at least half the budget (with replicates at the maximum
many cells tie near the budget, and a mispriced region need not hold the
highest estimate); it adds ``--random`` random admitted combinations per pair
(every knob drawn in its range, replicates at the budget's maximum). Each is timed with :func:`collapse.runner.run` (best of one:
the first run is what a visitor waits for). It prints, per world and model,
the worst measured time and its estimate, and flags any time over ``--limit``
seconds; every flagged run is timed ``--recheck`` more times and counts as
confirmed only if even its best time is over the limit (a loaded machine slows
any single run). ``--charts`` also times simulating and building the page's
charts for each pair's worst case, as a page does on a cache miss.

Nothing is cached between runs; the machine's load average is printed because
other processes slow every time measured here.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import numpy as np  # noqa: E402

from collapse.budget import BUDGET_SECONDS, estimate_seconds, max_replicates  # noqa: E402
from collapse.charts import all_charts  # noqa: E402
from collapse.knobs import KNOBS, WORLDS_1D, ScenarioError  # noqa: E402
from collapse.runner import run, simulate  # noqa: E402
from collapse.scenario import Scenario  # noqa: E402

SAMPLE_SIZES = (2, 10, 100, 1_000, 10_000, 100_000, 10**6, 10**7, 10**8, 10**9)
GENERATIONS = (1, 10, 100, 500, 1_000, 2_000)
FRACTIONS = (0.0, 0.5, 1.0)
VOCABULARY_SIZES = (10, 100, 1_000, 5_000, 20_000, 50_000)
COMPONENTS = (1, 5, 20)
#: Knob values that cost more without the estimate knowing: every tail threshold.
HEAVY_EXTRAS = {"tail_thresholds": (0.5, 1.0, 2.0, 3.0, 10.0)}


class Timeout(Exception):
    pass


@dataclass
class Timed:
    scenario: Scenario
    estimate: float
    seconds: float  # math.inf: stopped at --timeout
    label: str
    error: str = ""


def admitted(**knobs) -> Scenario | None:
    """The scenario with replicates at the budget's maximum, or None if none is admitted."""
    try:
        probe = Scenario(**{**knobs, "replicates": 1})
    except ScenarioError:
        return None
    replicates = max_replicates(probe.to_dict())
    if replicates < 1:
        return None
    try:
        return probe.replace(replicates=replicates)
    except ScenarioError:
        return None


def pairs() -> list[tuple[str, str]]:
    """Every (world, model) pair the engine runs on its own (worlds of the visitor's data are left out)."""
    found = []
    for world in KNOBS["world"].choices:
        for model in KNOBS["model"].choices:
            try:
                run(Scenario(world=world, model=model, generations=1, replicates=1, sample_size=10))
            except ScenarioError:
                continue
            except Exception as err:  # noqa: BLE001 - e.g. "custom" needs the visitor's numbers
                print(f"  (skipping {world}/{model}: {type(err).__name__}: {str(err)[:80]})")
                continue
            found.append((world, model))
    return found


def size_grid(probe: Scenario) -> list[dict]:
    """The knobs the estimate prices, over their grids, for one family of worlds."""
    grid = [{"sample_size": m, "generations": g} for m in SAMPLE_SIZES for g in GENERATIONS]
    if probe.is_vocabulary:
        grid = [{**cell, "vocabulary_size": v} for cell in grid for v in VOCABULARY_SIZES]
    elif getattr(probe, "is_sampled", False) and "n_components" in KNOBS:
        grid = [{**cell, "n_components": c} for cell in grid for c in COMPONENTS]
    return grid


def near_budget(world: str, model: str, mode: str, source: str, fraction: float, rng: np.random.Generator,
                extra: int) -> list[Scenario]:
    """The admitted grid cell with the highest estimate, plus ``extra`` random cells near the budget.

    Replicates are at the budget's maximum, so many cells tie near the budget;
    the random ones reach the parts of the grid the estimate may misprice.
    """
    fixed = {"world": world, "model": model, "mode": mode, "synthetic_fraction": fraction}
    if "data_source" in KNOBS:
        fixed["data_source"] = source
    extras = HEAVY_EXTRAS if world in WORLDS_1D else {}
    try:
        probe = Scenario(**fixed, generations=1, replicates=1)
    except ScenarioError:
        return []
    cells = [s for cell in size_grid(probe) if (s := admitted(**fixed, **extras, **cell)) is not None]
    if not cells:
        return []
    top = max(cells, key=lambda s: (estimate_seconds(s.to_dict()), s.sample_size, s.generations))
    near = [s for s in cells if s is not top and estimate_seconds(s.to_dict()) >= BUDGET_SECONDS / 2]
    picked = [near[i] for i in rng.choice(len(near), size=min(extra, len(near)), replace=False)] if near else []
    return [top, *picked]


def log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def random_knob(rng: np.random.Generator, name: str):
    knob = KNOBS[name]
    if knob.choices:
        return str(rng.choice(knob.choices))
    if knob.kind is tuple:
        return tuple(float(round(rng.uniform(0.1, knob.high), 2)) for _ in range(int(rng.integers(1, 6))))
    low = knob.low if not knob.low_open else knob.low + (knob.high - knob.low) * 1e-3
    if knob.kind is int:
        if knob.high / max(low, 1) > 100:
            return int(round(log_uniform(rng, max(low, 1), knob.high)))
        return int(rng.integers(int(low), int(knob.high) + 1))
    if low > 0 and knob.high / low > 100:
        return log_uniform(rng, low, knob.high)
    return float(rng.uniform(low, knob.high))


def random_admitted(rng: np.random.Generator, world: str, model: str, tries: int = 500) -> Scenario | None:
    """A random admitted combination: every knob drawn in its range, replicates at the maximum."""
    for _ in range(tries):
        knobs = {name: random_knob(rng, name) for name in KNOBS if name not in ("world", "model", "replicates", "seed")}
        if rng.random() < 0.5:
            knobs["synthetic_fraction"] = float(rng.choice(FRACTIONS))
        scenario = admitted(world=world, model=model, **knobs)
        if scenario is not None:
            return scenario
    return None


def _alarm(signum, frame):
    raise Timeout


def timed(scenario: Scenario, label: str, timeout: float) -> Timed:
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.perf_counter()
    error = ""
    try:
        run(scenario)
        seconds = time.perf_counter() - start
    except Timeout:
        seconds = math.inf
    except Exception as err:  # the audit reports it and goes on
        seconds = time.perf_counter() - start
        error = f"{type(err).__name__}: {err}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return Timed(scenario, estimate_seconds(scenario.to_dict()), seconds, label, error)


def chart_seconds(scenario: Scenario) -> float | None:
    """Seconds to simulate and build the page's charts, as a page does on a cache miss."""
    start = time.perf_counter()
    try:
        all_charts(simulate(scenario), scenario)
    except Exception:
        return None
    return time.perf_counter() - start


def describe(scenario: Scenario) -> str:
    parts = [f"{scenario.mode}"]
    if getattr(scenario, "data_source", "mix") != "mix":
        parts.append(scenario.data_source)
    else:
        parts.append(f"s={scenario.synthetic_fraction:.3g}")
    parts += [f"M={scenario.sample_size:.0e}" if scenario.sample_size >= 10**5 else f"M={scenario.sample_size}",
              f"G={scenario.generations}", f"R={scenario.replicates}"]
    if scenario.is_vocabulary:
        parts.append(f"V={scenario.vocabulary_size}")
    if getattr(scenario, "is_sampled", False) and scenario.model == "gaussian_mixture":
        parts.append(f"k={scenario.n_components}")
    return " ".join(parts)


def reproducer(scenario: Scenario) -> str:
    """The CLI flags that rebuild this scenario (knobs away from their defaults)."""
    default = Scenario()
    flags = []
    for name, text in scenario.to_query_params().items():
        if text != default.to_query_params([name])[name]:
            flags.append(f"{KNOBS[name].flag} {text.replace(',', ' ')}")
    return "python -m collapse run " + " ".join(flags)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=3, help="random admitted combinations per pair (default 3)")
    parser.add_argument("--cells", type=int, default=1, help="random grid cells near the budget per world, model, "
                        "mode, source and fraction, besides the costliest (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random combinations (default 0)")
    parser.add_argument("--limit", type=float, default=2.5, help="flag measured times above this (default 2.5 s)")
    parser.add_argument("--timeout", type=float, default=60.0, help="stop a run after this many seconds (default 60)")
    parser.add_argument("--world", action="append", help="only this world (repeatable)")
    parser.add_argument("--recheck", type=int, default=2, help="times each run over --limit is timed again "
                        "(default 2)")
    parser.add_argument("--charts", action="store_true", help="also time simulating + building the charts of "
                        "each pair's worst case, as a page does")
    parser.add_argument("--verbose", action="store_true", help="print every run")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    modes = KNOBS["mode"].choices
    sources = KNOBS["data_source"].choices if "data_source" in KNOBS else ("mix",)
    print(f"budget {BUDGET_SECONDS:g} s, flag over {args.limit:g} s; load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores", flush=True)
    started = time.perf_counter()
    worst: dict[tuple[str, str], Timed] = {}
    counts: dict[tuple[str, str], int] = {}
    over: list[Timed] = []
    ratios: list[float] = []
    for world, model in pairs():
        if args.world and world not in args.world:
            continue
        candidates: list[tuple[Scenario, str]] = []
        for mode in modes:
            for source in sources:
                for fraction in FRACTIONS if source == "mix" else (1.0,):
                    found = near_budget(world, model, mode, source, fraction, rng, args.cells)
                    candidates += [(scenario, "grid max" if i == 0 else "grid") for i, scenario in enumerate(found)]
        for _ in range(args.random):
            scenario = random_admitted(rng, world, model)
            if scenario is not None:
                candidates.append((scenario, "random"))
        for scenario, label in candidates:
            result = timed(scenario, label, args.timeout)
            counts[(world, model)] = counts.get((world, model), 0) + 1
            if result.error:
                print(f"  ERROR {world}/{model} {describe(scenario)}: {result.error}", flush=True)
            if result.seconds > args.limit:
                over.append(result)
            if math.isfinite(result.seconds) and result.estimate > 0:
                ratios.append(result.seconds / result.estimate)
            if args.verbose:
                print(f"  {world:12s} {model:18s} {label:8s} {describe(scenario):48s} "
                      f"estimate {result.estimate:5.2f} s  measured {result.seconds:6.2f} s", flush=True)
            if (world, model) not in worst or result.seconds > worst[(world, model)].seconds:
                worst[(world, model)] = result

    print()
    header = f"{'world':13s}{'model':19s}{'runs':>5s}  {'worst measured':>14s}  {'estimate':>8s}  {'ratio':>5s}  " \
             f"{'charts':>7s}  worst case"
    print(header)
    print("-" * len(header))
    for (world, model), result in worst.items():
        measured = "> timeout" if math.isinf(result.seconds) else f"{result.seconds:.2f} s"
        flag = "  OVER" if result.seconds > args.limit else ""
        charts = ""
        if args.charts:
            total = chart_seconds(result.scenario)
            charts = "n/a" if total is None else f"{total:.2f} s"
        ratio = result.seconds / result.estimate if result.estimate else math.inf
        print(f"{world:13s}{model:19s}{counts[(world, model)]:5d}  {measured:>14s}  {result.estimate:6.2f} s  "
              f"{ratio:5.2f}  {charts:>7s}  {describe(result.scenario)} ({result.label}){flag}", flush=True)
    print()
    print(f"{sum(counts.values())} runs in {time.perf_counter() - started:.0f} s; measured/estimate: median "
          f"{np.median(ratios):.2f}, max {max(ratios):.2f}; load average at end "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if over:
        print(f"{len(over)} run(s) over {args.limit:g} s; each under twice that timed {args.recheck} more "
              "times (best of all: is it the scenario or the machine's load?):")
        confirmed = 0
        for result in sorted(over, key=lambda r: -r.seconds):
            clear = result.seconds > 2 * args.limit  # no machine load explains twice the limit
            again = [] if clear else [timed(result.scenario, result.label, args.timeout).seconds
                                      for _ in range(args.recheck)]
            best = min([result.seconds, *again])
            confirmed += best > args.limit
            print(f"  {result.scenario.world}/{result.scenario.model} {describe(result.scenario)}: "
                  f"measured {result.seconds:.2f} s, best {best:.2f} s, estimate {result.estimate:.2f} s "
                  f"({result.label}){'  CONFIRMED' if best > args.limit else ''}", flush=True)
            print(f"    {reproducer(result.scenario)}", flush=True)
        print(f"{confirmed} over {args.limit:g} s on every try")
        return 1 if confirmed else 0
    print(f"no run over {args.limit:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
