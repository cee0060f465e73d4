"""The server's shared caches: each key computed once, bounded in entries and bytes, one computation at a time."""

from __future__ import annotations

import threading
import time

import pytest

from collapse.app import cache
from collapse.app.cache import SharedCache, pickled_size
from collapse.presets import page_default


def test_threads_asking_for_the_same_key_at_once_compute_it_once():
    shared = SharedCache(max_entries=4)
    calls, started = [], threading.Barrier(8)

    def compute():
        calls.append(1)
        time.sleep(0.05)  # long enough for the other threads to ask meanwhile
        return "value"

    def ask():
        started.wait()
        answers.append(shared.get("key", compute))

    answers: list[str] = []
    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and answers == ["value"] * 8


def test_the_least_recently_used_entry_goes_first_when_full():
    shared = SharedCache(max_entries=2)
    shared.get("a", lambda: 1)
    shared.get("b", lambda: 2)
    shared.get("a", lambda: 0)  # a is now the most recent
    shared.get("c", lambda: 3)
    assert "a" in shared and "c" in shared and "b" not in shared and len(shared) == 2


def test_entries_are_bounded_in_bytes_as_well_as_in_number():
    shared = SharedCache(max_entries=100, max_bytes=1_000, size=len)
    for key in "abcd":
        shared.get(key, lambda: "x" * 400)
    assert len(shared) == 2 and shared.bytes == 800  # a third would make 1,200 bytes
    assert "c" in shared and "d" in shared
    shared.get("big", lambda: "x" * 5_000)  # bigger than the bound: kept alone, the others go
    assert len(shared) == 1 and shared.bytes == 5_000


def test_a_failed_computation_is_not_cached_and_the_next_asker_tries_again():
    shared = SharedCache(max_entries=2)

    def fail():
        raise ValueError("no")

    with pytest.raises(ValueError):
        shared.get("key", fail)
    assert "key" not in shared and shared.get("key", lambda: 7) == 7


def test_a_values_size_is_its_pickle_and_an_unpicklable_one_counts_a_megabyte():
    assert pickled_size(b"x" * 10_000) >= 10_000
    assert pickled_size(threading.Lock()) == 1 << 20


def test_two_sessions_never_compute_at_the_same_time(monkeypatch):
    """The lock around runs: two scenarios asked at once are simulated one after the other."""
    running, most = [], []
    real_simulate = cache.simulate

    def simulate(*args):
        running.append(1)
        most.append(len(running))
        time.sleep(0.05)
        try:
            return real_simulate(*args)
        finally:
            running.pop()

    monkeypatch.setattr(cache, "simulate", simulate)
    monkeypatch.setattr(cache, "RUNS", SharedCache(max_entries=8))
    monkeypatch.setattr(cache, "CHARTS", SharedCache(max_entries=8))
    base = page_default("").replace(generations=5, replicates=2)
    threads = [threading.Thread(target=cache.run_and_charts, args=(base.replace(seed=seed),)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(most) == 4 and max(most) == 1


def test_the_compare_charts_are_made_once_for_the_same_runs(monkeypatch):
    monkeypatch.setattr(cache, "RUNS", SharedCache(max_entries=8))
    monkeypatch.setattr(cache, "CHARTS", SharedCache(max_entries=8))
    base = page_default("Compare").replace(generations=5, replicates=2)
    runs = {"replace": base, "accumulate": base.replace(mode="accumulate")}
    first = cache.compare_charts(runs)
    assert list(first) == ["std", "tail", "distance"]
    assert cache.compare_charts(dict(runs)) is first  # the same labelled scenarios: the same charts
    assert cache.compare_charts({"a": base, "b": base.replace(mode="accumulate")}) is not first
    assert len(cache.RUNS) == 2


def test_a_progress_bar_is_updated_a_few_times_a_second_not_at_every_generation(monkeypatch):
    """Each update is a message sent while the run holds the lock: a 0.6 s run of 60 steps sends about two."""
    updates = []

    class Bar:
        def progress(self, value, text=""):
            updates.append(value)

        def empty(self):
            pass

    def slow_run(scenario, data_key="", data=None, progress=None):
        for step in range(60):
            time.sleep(0.01)
            progress((step + 1) / 60)
        return "run", {}

    monkeypatch.setattr(cache.st, "progress", lambda *args, **kwargs: Bar())
    monkeypatch.setattr(cache, "run_and_charts", slow_run)
    scenario = page_default("Digits").replace(seed=123_456)  # not computed yet: the bar is shown
    assert cache.with_progress(scenario) == ("run", {})
    assert 1 <= len(updates) <= 4, updates  # 60 without the interval
    assert updates == sorted(updates) and updates[-1] < 1.0
