"""Engine speed, measured in one run: exact statistics vs drawing every sample.

    python benchmarks/bench_engine.py

Prints the times and their ratio (target: engine >= 1000x faster at
G = R = 100, M = 10^4), the cost per generation x replicate cell at
G = R = 1000 (target: <= 100 ns for the simulation), and, for every world,
the work budget's estimate beside the measured time of its costliest case.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from collapse.families.gaussian import simulate, simulate_naive
from collapse.runner import run
from collapse.scenario import Scenario


def best_of(repeats, func, *args):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    for fraction in (1.0, 0.5):
        scenario = Scenario(generations=100, replicates=100, sample_size=10_000, synthetic_fraction=fraction)
        naive = best_of(1, simulate_naive, scenario)
        engine = best_of(5, simulate, scenario)
        print(f"G=100 R=100 M=10^4 s={fraction:g}: naive loop {naive:.3f} s, engine {engine * 1e3:.2f} ms, "
              f"ratio {naive / engine:,.0f}x (target >= 1000x)")

    big = Scenario(generations=1000, replicates=1000, sample_size=10_000)
    cells = big.generations * big.replicates
    sim = best_of(3, simulate, big)
    full = best_of(3, run, big)
    print(f"G=R=1000: simulation {sim / cells * 1e9:.0f} ns per cell (target <= 100), "
          f"with metrics and table {full / cells * 1e9:.0f} ns per cell")

    print("work budget: estimate vs measured for the costliest admitted case per world")
    cases = [
        Scenario(generations=1000, replicates=1000),
        Scenario(world="heavy_tailed", generations=1000, replicates=1000),
        Scenario(world="bimodal", generations=1000, replicates=1000),
        Scenario(world="heavy_tailed", synthetic_fraction=0.5, sample_size=20_000, generations=100, replicates=25),
        Scenario(world="bimodal", synthetic_fraction=0.0, sample_size=1_000, generations=200, replicates=250),
        Scenario(replicates=10_000, generations=100),
    ]
    for case in cases:
        measured = best_of(1, run, case)
        print(f"  {case.world:12s} s={case.synthetic_fraction:<4g} M={case.sample_size:<6d} "
              f"G={case.generations:<5d} R={case.replicates:<6d} estimate {case.estimated_seconds():.2f} s, "
              f"measured {measured:.2f} s")


if __name__ == "__main__":
    main()
