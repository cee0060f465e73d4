"""Randomness: one ``SeedSequence`` per run, spawned into streams; one BLAS thread.

NumPy SPEC 7: no global random state. A run's streams are spawned from
``SeedSequence(seed)``; each is filled replicate-major, so a replicate's
numbers do not depend on how many replicates run beside it.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits


def streams(seed: int, names: tuple[str, ...]) -> dict[str, np.random.Generator]:
    """One Generator per kind of draw, named, spawned from ``SeedSequence(seed)``."""
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {name: np.random.default_rng(child) for name, child in zip(names, children)}


def replicate_generators(seed: int, replicates: int) -> list[np.random.Generator]:
    """One Generator per replicate, for loops that run one replicate at a time."""
    children = np.random.SeedSequence(seed).spawn(replicates)
    return [np.random.default_rng(child) for child in children]


def single_thread():
    """Run scikit-learn with one BLAS thread: faster for these small fits (no
    oversubscription on 2 cores) and the same numbers everywhere."""
    return threadpool_limits(limits=1)
