"""Phase diagrams: where a model survives, over synthetic fraction x sample size.

Each family's default grid is computed by the sweep code (:func:`collapse.sweep`)
and shipped as a small Parquet file of final-generation summaries, since it
costs more than a shared server's budget; ``python -m collapse.phase`` (or
``python benchmarks/phase_grid.py``) computes them again.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .scenario import Scenario
from .sweep import sweep

DATA = Path(__file__).resolve().parent / "data"
FRACTIONS = [k / 10 for k in range(11)]


@dataclass(frozen=True)
class Metric:
    """A final-generation metric to colour the diagram by: its column, words, and the real world's level."""

    column: str
    label: str
    real: float  # the real world's value (the colour scale's reference)
    percent: bool = False


@dataclass(frozen=True)
class PhaseGrid:
    """One family's shipped grid: its knobs, its fixed settings, the metrics it offers and its file."""

    family: str
    title: str
    sample_sizes: tuple
    base: dict
    metrics: dict = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return DATA / f"phase_{self.family}.parquet"

    @property
    def grid(self) -> dict:
        return {"synthetic_fraction": FRACTIONS, "sample_size": list(self.sample_sizes)}

    def scenario(self, synthetic_fraction: float, sample_size: int) -> Scenario:
        """The scenario of one cell (its seed as the sweep derived it is in the file; pages use the default)."""
        return Scenario(**{**self.base, "synthetic_fraction": synthetic_fraction, "sample_size": sample_size})


GRIDS = {
    "gaussian": PhaseGrid(
        "gaussian", "A bell curve", tuple(int(m) for m in np.geomspace(10, 10_000, 10).round()),
        dict(world="gaussian", generations=100, replicates=200),
        {"std_median": Metric("std_median", "Spread after 100 generations", 1.0),
         "tail_mass_2_median": Metric("tail_mass_2_median", "Share beyond 2 sd, generation 100",
                                      0.04550026, percent=True),
         "distance_median": Metric("distance_median", "Distance to the real world, gen. 100", 0.0)}),
    "vocabulary": PhaseGrid(
        "vocabulary", "Word frequencies", (100, 300, 1_000, 3_000, 10_000, 30_000, 100_000),
        dict(world="english", vocabulary_size=1_000, generations=50, replicates=20),
        {"surviving_words_median": Metric("surviving_words_median", "Words left of 1,000, generation 50", 1_000.0),
         "entropy_bits_median": Metric("entropy_bits_median", "Word variety (bits), generation 50", 0.0)}),
    "text": PhaseGrid(
        "text", "A language model of real prose", (1_000, 2_000, 5_000, 10_000, 20_000),
        dict(world="sherlock", generations=10, replicates=2),
        {"distinct_2_median": Metric("distinct_2_median", "Different word pairs, generation 10", 0.0,
                                     percent=True),
         "repetition_median": Metric("repetition_median", "Repeated phrases, generation 10",
                                     0.0, percent=True),
         "perplexity_median": Metric("perplexity_median", "Perplexity of real text, gen. 10", 0.0)}),
}


def compute(family: str, backend: str = "joblib", n_jobs: int = -1, progress: bool = True) -> pd.DataFrame:
    """The final-generation summary of every cell of a family's grid, by the sweep code (seed 0)."""
    spec = GRIDS[family]
    summary = sweep(spec.grid, base=spec.base, seed=0, backend=backend, n_jobs=n_jobs, summary=True,
                    progress=progress)
    return summary[summary["generation"] == spec.base["generations"]].reset_index(drop=True)


def write(family: str, frame: pd.DataFrame) -> Path:
    spec = GRIDS[family]
    description = {"grid": spec.grid, "base": spec.base, "seed": 0, "generation": "final",
                   "command": f"python -m collapse.phase {family}"}
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(
        {b"collapse.sweep": json.dumps(description, sort_keys=True).encode()})
    pq.write_table(table, spec.path, compression="zstd")
    return spec.path


def load(family: str) -> pd.DataFrame:
    """A family's shipped grid (one row per cell), checked against its definition here."""
    spec = GRIDS[family]
    table = pq.read_table(spec.path)
    description = json.loads(table.schema.metadata[b"collapse.sweep"])
    if description["grid"] != json.loads(json.dumps(spec.grid)) or description["base"] != spec.base:
        raise ValueError(f"{spec.path.name} was computed for another grid: run python -m collapse.phase {family}")
    return table.to_pandas()


def main(argv=None) -> int:
    """``python -m collapse.phase [FAMILY ...]``: compute and write the shipped grids."""
    parser = argparse.ArgumentParser(prog="python -m collapse.phase", description=__doc__.split("\n\n")[0])
    parser.add_argument("families", nargs="*", metavar="FAMILY", help=f"any of {', '.join(GRIDS)} (default: all)")
    parser.add_argument("--jobs", type=int, default=-1)
    args = parser.parse_args(argv)
    unknown = set(args.families) - set(GRIDS)
    if unknown:
        parser.error(f"no grid for {', '.join(sorted(unknown))}: use {', '.join(GRIDS)}")
    for family in args.families or GRIDS:
        started = time.perf_counter()
        path = write(family, compute(family, n_jobs=args.jobs, progress=False))
        print(f"{family}: {path} ({path.stat().st_size / 1024:.1f} KB) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
