"""The issue's sweep on every backend: wall time, and the same numbers everywhere.

    python benchmarks/bench_sweep.py [--repeats 3] [--workdir DIR]

Runs, as a user would (a fresh process each time, so worker start-up
counts), the "done when" command of the sweep issue::

    collapse sweep --synthetic-fraction 0 0.5 0.9 1 --sample-size 10 100 1000 \\
        --replicates 1000 --generations 200 --output grid.parquet

with ``--jobs 1`` (one process: the serial baseline), on joblib with every
core (the default) and on a Dask LocalCluster (``--dask-local``). Prints the
best and median wall time of each and checks that the three Parquet files
hold the same table (and are byte-identical). The command runs as
``python -m collapse.sweep``, the same code as ``collapse sweep``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
COMMAND = ["--synthetic-fraction", "0", "0.5", "0.9", "1", "--sample-size", "10", "100", "1000",
           "--replicates", "1000", "--generations", "200", "--no-progress"]
BACKENDS = {"serial (--jobs 1)": ["--jobs", "1"], "joblib, all cores": [], "dask LocalCluster": ["--dask-local"]}


def timed_sweep(options: list[str], output: Path) -> float:
    output.unlink(missing_ok=True)  # a fresh sweep, not a resume
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "collapse.sweep", *COMMAND, *options, "--output", str(output)],
                   check=True, env=environment, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    times = {name: [] for name in BACKENDS}
    outputs = {name: workdir / f"grid_{i}.parquet" for i, name in enumerate(BACKENDS)}
    for _ in range(args.repeats):  # interleaved, so a busy spell hits every backend alike
        for name, options in BACKENDS.items():
            times[name].append(timed_sweep(options, outputs[name]))
    print(f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}; "
          f"12 scenarios, 2,412,000 rows; {args.repeats} runs each")
    for name, seconds in times.items():
        print(f"  {name:<20} best {min(seconds):5.1f} s   median {statistics.median(seconds):5.1f} s")
    frames = {name: pd.read_parquet(path) for name, path in outputs.items()}
    reference = frames[next(iter(BACKENDS))]
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, reference)
    digests = {hashlib.sha256(path.read_bytes()).hexdigest() for path in outputs.values()}
    print(f"same table from every backend: yes; byte-identical files: {'yes' if len(digests) == 1 else 'no'}; "
          f"{outputs[next(iter(BACKENDS))].stat().st_size / 1e6:.0f} MB each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
