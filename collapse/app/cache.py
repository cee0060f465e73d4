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
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import streamlit as st

from ..charts import all_charts
from ..export import results_csv
from ..runner import Run, simulate
from ..scenario import Scenario


class SharedCache:
    """A bounded, thread-safe LRU that computes each missing key once, however many threads ask."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
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
                    return self._entries[key]
                done = self._computing.get(key)
                if done is None:  # nobody is computing it: this thread will
                    done = self._computing[key] = threading.Event()
                    break
            done.wait()  # then look again (if that computation failed, try here)
        try:
            value = compute()
            with self._lock:
                self._entries[key] = value
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return value
        finally:
            with self._lock:
                del self._computing[key]
            done.set()


#: scenario JSON + data key -> its Run: room for everything the warmer computes
#: (~200 scenarios) and the class's own.
RUNS = SharedCache(max_entries=int(os.environ.get("COLLAPSE_CACHE_ENTRIES", 400)))
#: the same keys -> every chart that fits the run (made only for pages that show them).
CHARTS = SharedCache(max_entries=RUNS.max_entries)
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


def with_progress(scenario: Scenario, data_key: str = "", data=None) -> tuple[Run, dict]:
    """:func:`run_and_charts` with a progress bar while a slow run (clusters, digits) computes."""
    if (scenario.to_json(), data_key) in RUNS or not scenario.is_sampled:
        return run_and_charts(scenario, data_key, data)
    bar = st.progress(0.0, text="Simulating…")
    try:
        return run_and_charts(scenario, data_key, data,
                              lambda done: bar.progress(min(done, 1.0), text="Simulating…"))
    finally:
        bar.empty()


def results_file(scenario: Scenario, data_key: str = "", data=None) -> str:
    """The results as CSV text (computed on the first download)."""
    return CSV.get((scenario.to_json(), data_key), lambda: results_csv(simulated(scenario, data_key, data).results))
