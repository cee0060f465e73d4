"""Time per generation of the models that must sample (Shapes and Digits pages), in one run.

    python benchmarks/bench_sampled.py

For each page's default scenario and model: the measured time per generation
and replicate, and the work budget's estimate of it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from collapse.budget import _sampled_step_seconds  # noqa: E402
from collapse.families.sampled import simulate_samples  # noqa: E402
from collapse.scenario import Scenario  # noqa: E402

DEFAULTS = {
    "Shapes": Scenario(world="mixture_2d", model="gaussian_mixture", sample_size=100, generations=30, replicates=3),
    "Digits": Scenario(world="digits", model="gaussian_mixture", n_components=10, bandwidth=1.0, sample_size=300,
                       generations=15, replicates=2),
}


def main():
    for page, base in DEFAULTS.items():
        for model in ("gaussian_mixture", "kernel_density"):
            scenario = base.replace(model=model)
            simulate_samples(scenario.replace(generations=1, replicates=1))  # warm caches (classifier, encoder)
            start = time.perf_counter()
            simulate_samples(scenario)
            seconds = time.perf_counter() - start
            steps = scenario.generations * scenario.replicates
            print(f"{page:7s} {model:17s} M={scenario.sample_size:<5d} G={scenario.generations:<3d} "
                  f"R={scenario.replicates}: {seconds:.2f} s, {seconds / steps * 1e3:.1f} ms per generation "
                  f"(budget estimate {_sampled_step_seconds(scenario.to_dict()) * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
