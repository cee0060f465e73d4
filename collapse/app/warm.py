"""Warming the shared cache at server start, so a class's first clicks are instant.

A background thread computes every page's default scenario, every preset,
every step of the guided tour and the headline slider's positions around
each page's defaults (about 200 scenarios, 17 s of computing on a 2-core
machine). It runs at the lowest priority and starts a scenario only after
half a second without a visitor's script running; one already started
finishes (at most the work budget, 0.4 s) before a visitor's own
computation, which waits for it. It stops when everything is computed.
``COLLAPSE_WARM_CACHE=0`` turns it off (the tests do, so that what is
cached never depends on timing).
"""

from __future__ import annotations

import gc
import os
import threading
import time

from ..knobs import FAMILIES, ScenarioError
from ..presets import FAMILY_DEFAULTS, PAGE_DEFAULTS, PRESETS, page_default
from ..scenario import Scenario
from .cache import RUNS, run_and_charts
from .tour import STEPS

#: Synthetic fractions the warm cache holds for each page (the headline slider).
FRACTIONS = tuple(round(0.05 * i, 2) for i in range(21))
#: Seconds without a visitor's script running before the next scenario is warmed.
QUIET = 0.5

_busy = 0  # visitors' scripts running now
_lock = threading.Lock()
_started = False
_frozen = False  # the objects of the first run are frozen (gc.freeze) once it ends


class visitor:
    """Context manager around a visitor's script run: the warmer waits while any is open."""

    def __enter__(self):
        global _busy
        with _lock:
            _busy += 1

    def __exit__(self, *exc):
        global _busy, _last, _frozen
        with _lock:
            _busy -= 1
            _last = time.monotonic()
            first, _frozen = not _frozen, True
        if first:
            # What the first run imported (streamlit, scikit-learn, plotly, the corpora) lives as long as
            # the process: out of the collector's full passes, which scanned it all every few seconds
            # under a class's load (12 passes of 60-200 ms in 360 knob changes, py-spy and gc.callbacks).
            gc.freeze()


_last = 0.0


def scenarios() -> list[Scenario]:
    """What to warm, most wanted first: page defaults (per family), presets, tour steps, slider positions."""
    wanted = [page_default(page) for page in PAGE_DEFAULTS]
    # a page's worlds of other families, as its world menu opens them (the first world of each)
    wanted += [page_default(page, FAMILIES[family][0][0]) for page, families in FAMILY_DEFAULTS.items()
               for family in families]
    wanted += [preset.scenario() for preset in PRESETS]
    for step in STEPS.values():
        knob = step.knob
        values = knob.options or [round(knob.low + i * knob.step, 2)
                                  for i in range(int(round((knob.high - knob.low) / knob.step)) + 1)]
        wanted += [step.base.replace(**{knob.name: value}) for value in values]
    for page in PAGE_DEFAULTS:
        if page == "The_polluted_web":  # its share of AI text emerges; no synthetic_fraction slider
            continue
        base = page_default(page)
        wanted += [base.replace(synthetic_fraction=s) for s in FRACTIONS]
    unique = list(dict.fromkeys(wanted))
    return [s for s in unique if s.data_source == "mix" or s.world != "custom"]


def _warm() -> None:
    try:  # Linux gives each thread its own priority: the lowest, for this one
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    for scenario in scenarios():
        while True:
            with _lock:
                quiet = _busy == 0 and time.monotonic() - _last > QUIET
            if quiet:
                break
            time.sleep(0.1)
        if (scenario.to_json(), "") in RUNS:
            continue
        try:
            run_and_charts(scenario)
        except (ScenarioError, ValueError, MemoryError):  # a scenario this server cannot make: skip it
            continue


def start() -> None:
    """Start warming once per server process (unless ``COLLAPSE_WARM_CACHE=0``)."""
    global _started
    with _lock:
        if _started or os.environ.get("COLLAPSE_WARM_CACHE", "1") == "0":
            return
        _started = True
    threading.Thread(target=_warm, name="collapse-warm-cache", daemon=True).start()
