"""Runs and charts shared by every session of this server, computed once.

A knob change on one page by fifty students is one simulation, not fifty:
entries are keyed on the scenario (and your data's hash), bounded in number,
and a request for a scenario another session is already computing waits
for that result instead of computing it again. Entries are read-only once
made. Your data enter only through their hash (the key) and the call (never
on disk).
"""

from __future__ import annotations

import os
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

import streamlit as st

from ..charts import all_charts
from ..charts.compare import COMPARED, compare_chart
from ..export import results_csv
from ..runner import Run, simulate
from ..scenario import Scenario


def pickled_size(value) -> int:
    """Bytes of a cached value, as pickled: what it holds, counted once at insertion (a few ms a MB)."""
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return 1 << 20  # unknown: count a megabyte


class SharedCache:
    """A bounded, thread-safe LRU that computes each missing key once, however many threads ask.

    Bounded in entries and, if ``max_bytes`` is given, in the bytes that
    ``size`` says each value holds: a class's runs differ in size a
    hundredfold (a text run against a 1-D one), so a count alone bounds
    memory only loosely.
    """

    def __init__(self, max_entries: int, max_bytes: int | None = None, size: Callable[[object], int] = pickled_size):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = size
        self.bytes = 0
        self._entries: OrderedDict = OrderedDict()  # key -> (value, bytes)
        self._computing: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, key: Hashable, compute: Callable[[], object]):
        """The value for ``key``, from the cache, from another thread's computation, or computed here."""
        while True:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key][0]
                done = self._computing.get(key)
                if done is None:  # nobody is computing it: this thread will
                    done = self._computing[key] = threading.Event()
                    break
            done.wait()  # then look again (if that computation failed, try here)
        try:
            value = compute()
            nbytes = self.size(value) if self.max_bytes is not None else 0
            with self._lock:
                self._entries[key] = value, nbytes
                self.bytes += nbytes
                while len(self._entries) > self.max_entries or (
                        self.max_bytes is not None and self.bytes > self.max_bytes and len(self._entries) > 1):
                    self.bytes -= self._entries.popitem(last=False)[1][1]
            return value
        finally:
            with self._lock:
                del self._computing[key]
            done.set()


#: Megabytes the shared runs may hold (charts: a quarter as much more); with the
#: imports and the worlds, a replica stays under 1 GiB (benchmarks/bench_load.py --duration).
CACHE_MIB = float(os.environ.get("COLLAPSE_CACHE_MIB", "256"))
#: scenario JSON + data key -> its Run: room for everything the warmer computes
#: (~200 scenarios) and the class's own.
RUNS = SharedCache(int(os.environ.get("COLLAPSE_CACHE_ENTRIES", "400")), max_bytes=int(CACHE_MIB * 2**20))
#: the same keys -> every chart that fits the run (made only for pages that show them).
CHARTS = SharedCache(RUNS.max_entries, max_bytes=int(CACHE_MIB * 2**20 / 4))
#: scenario JSON + data key -> the CSV text of the results, made when someone downloads it.
CSV = SharedCache(max_entries=8)
#: One computation at a time in this process. Sessions computing at once only share
#: the GIL, and handing it over at each of NumPy's and LAPACK's small calls
#: doubles the CPU a scikit-learn run costs (measured: two fits at once take 1.9x
#: the CPU-seconds of one after the other). Behind the lock the queue is the
#: same length and each run costs what it costs alone.
COMPUTING = threading.Lock()


def simulated(scenario: Scenario, data_key: str = "", data=None, progress=None) -> Run:
    """A scenario's run, shared across sessions."""

    def compute():
        with COMPUTING:
            return simulate(scenario, data, progress)

    return RUNS.get((scenario.to_json(), data_key), compute)


def run_and_charts(scenario: Scenario, data_key: str = "", data=None, progress=None) -> tuple[Run, dict]:
    """A scenario's run and every chart that fits it, shared across sessions."""
    run = simulated(scenario, data_key, data, progress)

    def compute():
        with COMPUTING:
            return all_charts(run, scenario)

    return run, CHARTS.get((scenario.to_json(), data_key), compute)


def compare_charts(runs: dict[str, Scenario]) -> dict[str, tuple]:
    """The compare page's charts of these labelled scenarios, one per compared metric, shared across sessions."""
    def compute():  # the runs only when the charts are missing (they may outlive the runs in the cache)
        results = {label: (scenario, simulated(scenario).results) for label, scenario in runs.items()}
        with COMPUTING:  # after simulated(), which takes the lock itself
            return {metric: compare_chart(results, metric) for metric in COMPARED}

    return CHARTS.get(("compare", *((label, s.to_json()) for label, s in runs.items())), compute)


#: Seconds between two updates of a progress bar (a run at a page's defaults takes less: no update).
PROGRESS_INTERVAL = 0.25


def with_progress(scenario: Scenario, data_key: str = "", data=None) -> tuple[Run, dict]:
    """:func:`run_and_charts` with a progress bar while a slow run (clusters, digits) computes."""
    if (scenario.to_json(), data_key) in RUNS or not scenario.is_sampled:
        return run_and_charts(scenario, data_key, data)
    bar = st.progress(0.0, text="Simulating…")
    shown = time.monotonic()

    def progress(done: float) -> None:
        # each update is a message the server sends while the run holds the lock: a few a second is enough
        nonlocal shown
        if time.monotonic() - shown >= PROGRESS_INTERVAL:
            bar.progress(min(done, 1.0), text="Simulating…")
            shown = time.monotonic()

    try:
        return run_and_charts(scenario, data_key, data, progress)
    finally:
        bar.empty()


def results_file(scenario: Scenario, data_key: str = "", data=None) -> str:
    """The results as CSV text (computed on the first download)."""
    return CSV.get((scenario.to_json(), data_key), lambda: results_csv(simulated(scenario, data_key, data).results))
