"""Fuzzing: every page and the command line survive junk input and name each bad value.

A public demo link gets shared: someone pastes a broken URL, someone sets every
knob to its maximum. Each case here is drawn from a seeded generator
(``numpy.random.default_rng``), so every run checks the same cases.

Pages (Streamlit's AppTest; every file in ``pages/`` and the dashboard) get
query strings with wrong types, out-of-range numbers, NaN, inf, huge numbers,
empty strings, repeated keys, unknown keys, unicode, very long strings and
values with commas and spaces. A page built on ``app.PageKnobs`` is checked
against the engine's rules: whether a value is bad is decided by the engine's
own parser (:func:`collapse.scenario.parse_value`, the page's narrower
choices, then the :class:`Scenario` itself for over-budget combinations), and
the page must raise no exception, show one warning naming each bad parameter
(``URL parameter `name`: ...``; an over-budget combination under
```scenario```), use the good values, rewrite the address bar to the scenario
shown and draw its charts. Pages without URL knobs (About, the guided tour)
must ignore any query string.

Command line: argument lists built from the knob flags with good and bad
values, unknown flags and missing values. Each either exits 0 with the right
CSV (or JSON), or raises ``SystemExit(2)`` with exactly one line on stderr and
no traceback; which of the two is decided from the engine's rules too.

The bugs this fuzzing found are fixed; the regression tests at the end of each
part pin them down.
"""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import sys
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import collapse.app.sampled_page as sampled_page_module
import collapse.knobs as knobs_module
import collapse.presets as presets_module
import collapse.scenario as scenario_module
from collapse import app, budget
from collapse.app.data import CUSTOM_WORLDS as APP_CUSTOM_WORLDS
from collapse.app.state import PRESET_SCENARIOS
from collapse.app.widgets import replicates_top
from collapse.app.state import STREAMLIT_PARAMS as APP_STREAMLIT_PARAMS
from collapse.budget import max_replicates
from collapse.cli import main as cli_main
from collapse.families.gaussian import tail_column
from collapse.families.vocabulary import VOCABULARY_METRICS
from collapse.knobs import (
    KNOBS,
    WORLDS_1D,
    WORLDS_VOCABULARY,
    ScenarioError,
    default_model,
    format_value,
    parse_value,
)
from collapse.runner import run
from collapse.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
#: Every page of the app: the dashboard and each file in pages/, by file stem.
PAGE_FILES = {"dashboard": ROOT / "dashboard.py",
              **{p.stem: p for p in sorted((ROOT / "pages").glob("*.py")) if p.stem != "home"}}
#: Where each page's knobs are declared: the dashboard (dashboard.py's default page) in pages/home.py.
SPEC_FILES = {**PAGE_FILES, "dashboard": ROOT / "pages" / "home.py"}
#: Cases per page (at least 500 in all); a page not named here gets OTHER_PAGE_CASES.
PAGE_CASES = {"dashboard": 200, "1_Vocabulary": 160, "9_About_the_model": 40}
OTHER_PAGE_CASES = 20
#: Pages whose scenario runs in several variants under one shared budget: a
#: scenario the engine admits may still be refused there (an error, no charts).
SHARED_BUDGET_PAGES = {"3_Compare"}
#: Streamlit's and the app's own URL parameters: never reported, so never generated here.
STREAMLIT_PARAMS = set(APP_STREAMLIT_PARAMS)
#: Worlds made of the visitor's own data: a link cannot carry them, so the page warns and uses its default world.
CUSTOM_WORLDS = set(APP_CUSTOM_WORLDS.values())

SEED = 20_251_127
CLI_CASES = 330

# -- value generators ------------------------------------------------------------------
#: Values any knob may get: wrong types, specials, huge, empty, unicode, long, punctuation.
JUNK_VALUES = [
    "", " ", "\t", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "+inf", "1e308", "-1e308", "1e309",
    str(10**30), "-" + str(10**30), "9" * 400, "1" * 5000, "x" * 5000, "abc", "true", "False", "None",
    "null", "[]", "{}", "0x10", "1/2", "½", "١٠", "🌀", "💥" * 3, "ｇａｕｓｓｉａｎ", "Gaussian",
    "GAUSSIAN", "gaussian🌀", "1,000", "1 000", "1_000", "2, 3", "2,,3", " , ", "1;2", "%20",
    "<script>alert(1)</script>", "'; DROP TABLE runs; --", "\x00", "a\nb", "2.5", "-1", "-0", "0",
    "1e-300", "5e-324", "1e3", " 5 ", "+7", "0.1.2", "1e", "e3", "--", "=", "&", "#", "?",
]
#: Good values per knob, few and cheap enough that most cases hit the page caches.
GOOD_VALUES = {
    "world": ["gaussian", "heavy_tailed", "bimodal", "english", "zipf"],
    "model": ["gaussian_mle", "gaussian_unbiased", "categorical"],
    "synthetic_fraction": ["0", "0.5", "1", "0.25", "1.0"],
    "generations": ["1", "10", "100", "2000", "20"],
    "sample_size": ["2", "100", "1000", "1000000", "1000000000"],
    "replicates": ["1", "5", "20", "200", "10000"],
    "mode": ["replace", "accumulate"],
    "temperature": ["0.05", "1", "5", "0.9"],
    "tail_thresholds": ["2,3", "1.5", "1 2 3", "0.5,1,2,3,10", "2, 3"],
    "tail_index": ["2.5", "5", "100"],
    "vocabulary_size": ["10", "100", "5000", "50000"],
    "zipf_exponent": ["0.5", "1.1", "3"],
    "top_k": ["0", "1", "50", "50000"],
    "top_p": ["1", "0.5", "0.01", "0.9"],
    "ngram_order": ["1", "2", "3"],
    "document_length": ["10", "50", "500"],
    "seed": ["0", "7", "4294967295", "3"],
}
#: Keys no page knows (never a Streamlit parameter).
JUNK_KEYS = [
    "planet", "Generations", "WORLD", "synthetic-fraction", "synthetic fraction", "seed ", " seed", "🌀",
    "ключ", "k" * 300, "a,b", "utm_source", "fbclid", "generations[]", "__proto__", "_page", "_last_good",
    "_problems", "", "0", "world.name", "tail_mass_2", "sample_sizes", "Seed",
]
assert not STREAMLIT_PARAMS & set(JUNK_KEYS) and not set(KNOBS) & set(JUNK_KEYS)


def number_text(rng: np.random.Generator, x: float) -> str:
    """A number as someone might type it: plain, with decimals, in e-notation, padded."""
    style = rng.integers(5)
    if style == 0 and float(x).is_integer() and abs(x) < 1e18:
        return str(int(x))
    if style == 1:
        return f"{x:.{rng.integers(0, 8)}f}"
    if style == 2:
        return f"{x:.{rng.integers(0, 5)}e}"
    if style == 3:
        return f" {x:g} "
    return repr(float(x))


def near_range(rng: np.random.Generator, name: str) -> str:
    """A number in, at the edges of, or just outside a knob's range."""
    knob = KNOBS[name]
    if knob.choices:  # a choice in the wrong case, padded, from the other page, or cut short
        choice = str(rng.choice(knob.choices))
        return str(rng.choice([choice.upper(), f" {choice} ", choice[:-1], choice + "s", choice + "\n",
                               choice.replace("_", "-"), choice.replace("_", " "), choice + "," + choice]))
    low, high = float(knob.low), float(knob.high)
    span = high - low
    candidates = [low, high, low - 1, high + 1, high * 10, low - span / 100, high + span / 1e6,
                  low + span * rng.random(), -high, high * 1.0000001, low / 2]
    if knob.kind is int:
        candidates += [low + 0.5, high - 0.5, float(rng.integers(int(low), int(high) + 1))]
    if knob.kind is tuple:  # zero to seven thresholds, some out of range, any separator
        count = int(rng.integers(0, 8))
        parts = [number_text(rng, float(rng.uniform(-2, 12))) for _ in range(count)]
        separator = str(rng.choice([",", " ", ", ", ";", ",,", " , "]))
        return separator.join(p.strip() for p in parts)
    return number_text(rng, float(rng.choice(candidates)))


def good_values(name: str) -> list[str]:
    """A few good values of a knob: the list above, or (for a knob added since) its choices or bounds."""
    if name in GOOD_VALUES:
        return GOOD_VALUES[name]
    knob = KNOBS[name]
    if knob.choices:
        return list(knob.choices)
    values = [format_value(getattr(Scenario(), name)), format_value(knob.high)]
    return values if knob.low_open else values + [format_value(knob.low)]


def one_value(rng: np.random.Generator, name: str) -> str:
    roll = rng.random()
    if roll < 0.35:
        return str(rng.choice(good_values(name)))
    if roll < 0.7:
        return near_range(rng, name)
    return str(rng.choice(JUNK_VALUES))


def url_value(rng: np.random.Generator, name: str) -> str | list[str]:
    """One URL value for a knob; sometimes the key repeated (AppTest: a list)."""
    if rng.random() < 0.12:
        return [one_value(rng, name) for _ in range(int(rng.integers(2, 4)))]
    return one_value(rng, name)


def url_params(rng: np.random.Generator, names: tuple[str, ...], others: tuple[str, ...]) -> dict:
    """One to five query parameters: mostly the page's knobs, some other page's, some junk keys."""
    params: dict = {}
    if rng.random() < 0.1:  # someone sets (nearly) every knob to its maximum
        for name in names:
            knob = KNOBS[name]
            if knob.choices:
                if rng.random() < 0.5:
                    params[name] = str(rng.choice(knob.choices))
            elif rng.random() < 0.8:
                params[name] = format_value(knob.high) if knob.kind is not tuple else "10,10,10,10,10"
        return params
    for _ in range(int(rng.integers(1, 6))):
        roll = rng.random()
        if roll < 0.7 or not others:
            key = str(rng.choice(names))
            params[key] = url_value(rng, key)
        elif roll < 0.82:
            key = str(rng.choice(others))
            params[key] = url_value(rng, key)
        else:
            params[str(rng.choice(JUNK_KEYS))] = str(rng.choice(JUNK_VALUES + GOOD_VALUES["seed"]))
    return params


# -- the pages and what the engine's rules say they must do -------------------------------------------
@lru_cache(maxsize=None)
def page_spec(page: str):
    """The page's ``app.PageKnobs`` (knobs, base scenario, choices), read from its source; None without."""
    path = SPEC_FILES[page]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    namespace = {"app": app, **vars(knobs_module), **vars(scenario_module), **vars(sampled_page_module),
                 **vars(presets_module)}
    for statement in tree.body:  # the page's own constants (plain assignments, no calls) come first
        if isinstance(statement, ast.Assign) and not any(isinstance(n, ast.Call) for n in ast.walk(statement)):
            try:
                exec(compile(ast.Module([statement], []), str(path), "exec"), namespace)  # noqa: S102
            except Exception:  # noqa: BLE001 - a constant this test cannot build; PageKnobs may not need it
                pass
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "PageKnobs":
            try:
                return eval(compile(ast.Expression(node), str(path), "eval"), namespace)  # noqa: S307
            except Exception:  # noqa: BLE001 - reported by test_fuzzed_knob_pages_are_found
                return None
    return None


@lru_cache(maxsize=None)
def default_view(page: str) -> tuple[int, int]:
    """Charts and tables a page shows without a query string."""
    at = AppTest.from_file(str(PAGE_FILES[page]), default_timeout=120).run()
    if at.exception:
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(PAGE_FILES[page]), default_timeout=120).run()
    assert not at.exception, f"{page} fails without any URL parameter: {[e.proto.type for e in at.exception]}"
    return len(at.get("plotly_chart")), len(at.table)


NAN = re.compile(r"\b(nan|inf)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Expected:
    scenario: Scenario  # what the page must show
    bad: frozenset[str]  # parameter names its warnings must name ("scenario" for the whole)
    clamped: bool  # replicates lowered to the budget by the widget


def expected(page: str, params: dict) -> Expected:
    spec = page_spec(page)
    names, options = spec.names, spec.choices
    accepted = set(names) | set(getattr(spec, "extra", {})) | STREAMLIT_PARAMS
    bad, good = set(), {}
    for key, value in params.items():
        if key not in names:
            if key not in accepted:
                bad.add(key)  # unknown here (possibly a knob of another page)
            continue
        try:
            parsed = parse_value(key, value)
        except ScenarioError:
            bad.add(key)
            continue
        if key in options and parsed not in options[key]:
            bad.add(key)
            continue
        if key == "world" and parsed in CUSTOM_WORLDS:
            bad.add(key)  # a link cannot carry the visitor's data: warned, the default world is used
            continue
        good[key] = parsed
    if getattr(spec, "model_follows_world", False) and "world" in good:
        good["model"] = default_model(good["world"])
    try:
        scenario = spec.base.replace(**good)
        if scenario != spec.base and scenario not in PRESET_SCENARIOS:  # the pages' own and famous ones run
            budget.check(scenario)  # the page prices a scenario before it runs it
    except ScenarioError:
        bad.add("scenario")
        scenario = spec.base
    clamped = False
    if "replicates" in names:  # the slider reaches what a visitor may ask for in full size
        ceiling = max(1, max_replicates(scenario.to_dict(), budget.FULL_SIZE_SECONDS))
        if scenario == spec.base or scenario in PRESET_SCENARIOS:
            ceiling = max(ceiling, scenario.replicates)
        ceiling = min(ceiling, replicates_top(spec))  # the slider's end on this page
        clamped = scenario.replicates > ceiling
        if clamped:
            scenario = scenario.replace(replicates=ceiling)
    return Expected(scenario, frozenset(bad), clamped)


def open_page(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(PAGE_FILES[page]), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def check_knob_page(page: str, params: dict, at: AppTest) -> None:
    spec, exp = page_spec(page), expected(page, params)
    assert not at.exception, [e.proto.type for e in at.exception]

    warnings = [w.value for w in at.warning]
    for key in exp.bad:
        assert any(w.startswith(f"URL parameter `{key}`:") for w in warnings), (key, warnings)
    assert len(warnings) == len(exp.bad), warnings
    charts = len(at.get("plotly_chart"))
    if page in SHARED_BUDGET_PAGES and not charts:
        assert at.error, "no charts and no message saying why"
    else:
        assert charts == default_view(page)[0]

    assert not [c.value for c in at.caption if NAN.search(c.value)]  # numbers, never nan or inf

    for name in spec.names:  # the good values are used, the bad ones fall back
        assert parse_value(name, at.session_state[name]) == getattr(exp.scenario, name), name
    url = exp.scenario.to_query_params(spec.names)
    url.update({k: str(d) for k, d in getattr(spec, "extra", {}).items() if d})
    assert at.query_params == url  # a clean address again


def check_plain_page(page: str, params: dict, at: AppTest) -> None:
    assert not at.exception, [e.proto.type for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert (len(at.get("plotly_chart")), len(at.table)) == default_view(page)


def page_cases() -> list:
    cases = []
    for page in PAGE_FILES:
        spec = page_spec(page)
        names = spec.names if spec else tuple(KNOBS)
        others = tuple(n for n in KNOBS if n not in names)
        rng = np.random.default_rng(SEED + zlib.crc32(page.encode()))
        for i in range(PAGE_CASES.get(page, OTHER_PAGE_CASES)):
            cases.append(pytest.param(page, url_params(rng, names, others), id=f"{page}-{i:03d}"))
    return cases


PAGE_CASE_LIST = page_cases()


@pytest.mark.parametrize("page,params", PAGE_CASE_LIST)
def test_page_survives_a_bad_url(page, params):
    at = open_page(page, params)
    if page_spec(page) is None:
        check_plain_page(page, params, at)
    else:
        check_knob_page(page, params, at)


def test_fuzz_covers_every_page_and_every_kind_of_bad_value():
    """The generated page cases reach every page, every knob and every kind of junk the issue lists."""
    cases = [c.values for c in PAGE_CASE_LIST]
    assert len(cases) >= 500
    assert {page for page, _ in cases} == set(PAGE_FILES)
    knob_cases = [(page, params) for page, params in cases if page in ("dashboard", "1_Vocabulary")]
    assert len(knob_cases) >= 300
    values = [v for _, params in cases for value in params.values()
              for v in (value if isinstance(value, list) else [value])]
    keys = {key for _, params in cases for key in params}
    assert set(KNOBS) <= keys and set(JUNK_KEYS) & keys
    assert any(isinstance(value, list) for _, params in cases for value in params.values())
    for needle in ("nan", "inf", "-inf", "1e308", str(10**30), "", "🌀", "1,000", "x" * 5000):
        assert needle in values, needle
    outcomes = [expected(page, params) for page, params in knob_cases]
    assert sum("scenario" in o.bad for o in outcomes) >= 10  # over-budget combinations reached
    assert sum(not o.bad for o in outcomes) >= 20  # and all-good URLs too


def test_fuzzed_knob_pages_are_found():
    """The knob pages are read from their PageKnobs, so the fuzz follows their knobs."""
    assert page_spec("dashboard") is not None and page_spec("1_Vocabulary") is not None
    assert "world" in page_spec("dashboard").names and "top_p" in page_spec("1_Vocabulary").names
    assert page_spec("9_About_the_model") is None
    for page, path in SPEC_FILES.items():
        if "app.PageKnobs(" in path.read_text(encoding="utf-8"):
            assert page_spec(page) is not None, f"{page}: its app.PageKnobs(...) could not be read"


# -- known page bugs, as plain regression cases ---------------------------------------------
def test_tiny_top_p_from_the_url_does_not_crash_the_vocabulary_page():
    params = {"top_p": "0.005"}
    check_knob_page("1_Vocabulary", params, open_page("1_Vocabulary", params))


def test_url_warnings_survive_a_replicates_clamp():
    params = {"world": "zipf", "generations": "2000", "vocabulary_size": "50000", "sample_size": "10",
              "replicates": "20", "seed": "x"}
    budget.check(Scenario(world="zipf", model="categorical", generations=2000, vocabulary_size=50_000,
                          sample_size=10, replicates=20), budget.FULL_SIZE_SECONDS)  # 20 replicates may be asked for
    at = open_page("1_Vocabulary", params)
    assert not at.exception and at.session_state["replicates"] == expected("1_Vocabulary", params).scenario.replicates
    assert any("`seed`" in w.value for w in at.warning)


def test_padded_world_is_read_as_the_engine_reads_it():
    at = open_page("dashboard", {"world": " heavy_tailed "})
    assert not at.warning and at.session_state["world"] == "heavy_tailed"


@pytest.mark.skipif("custom" not in CUSTOM_WORLDS, reason="no custom world")
def test_every_bad_parameter_is_named_next_to_a_custom_world():
    at = open_page("dashboard", {"world": "custom", "seed": "x"})
    warnings = " ".join(w.value for w in at.warning)
    assert "`world`" in warnings and "`seed`" in warnings


def test_the_hottest_model_is_described_in_numbers():
    at = open_page("dashboard", {"temperature": "5", "generations": "2000", "replicates": "50"})
    assert not at.exception and not [c.value for c in at.caption if NAN.search(c.value)]


@pytest.mark.skipif("4_Shapes" not in PAGE_FILES, reason="no shapes page")
def test_second_visitor_of_the_shapes_page_sees_its_charts():
    first = open_page("4_Shapes", {"seed": "11"})
    second = open_page("4_Shapes", {"seed": "11"})  # the same scenario: a cache hit
    assert not first.exception and not second.exception


@pytest.mark.skipif("5_Digits" not in PAGE_FILES, reason="no digits page")
def test_digits_page_with_only_fresh_data_draws_its_charts():
    at = open_page("5_Digits", {"synthetic_fraction": "0"})
    assert not at.exception and len(at.get("plotly_chart")) == default_view("5_Digits")[0]


# -- command line -----------------------------------------------------------------------------
#: Flags nobody defined, none a prefix of a real flag (argparse accepts unique prefixes).
UNKNOWN_FLAGS = ["--bogus", "--Generations", "--generations-max", "--worlds", "--seedx", "-x", "--synthetic_fraction",
                 "--sample_size", "---seed", "--🌀", "--tail-thresholds-max", "-G", "--top-q"]
#: Good values that keep a CLI run to milliseconds: few generations and replicates.
CLI_GOOD = {**GOOD_VALUES, "generations": ["1", "2", "3", "5"], "replicates": ["1", "2", "3"],
            "sample_size": ["2", "10", "100", "1000", "1000000000"], "vocabulary_size": ["10", "100", "1000"],
            "tail_thresholds": ["2", "1.5", "0.5", "3", "10", "2,3"]}
NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")  # argparse's: such tokens are values, not flags


def models_of(world: str) -> list[str]:
    """The models the engine lets learn ``world``."""
    found = []
    for model in KNOBS["model"].choices:
        try:
            Scenario(world=world, model=model, generations=1, replicates=1)
        except ScenarioError:
            continue
        found.append(model)
    return found


WORLD_MODELS = {world: models_of(world) for world in KNOBS["world"].choices}


@dataclass
class CliCase:
    argv: list[str]
    ok: bool  # the engine's rules accept it: exit 0 with a table
    scenario: Scenario | None
    fmt: str
    single_bad_flag: str | None  # the one flag whose value is bad, if exactly one is


def looks_like_flag(token: str) -> bool:
    """argparse reads this token as an option, not a value (Python 3.11 rules)."""
    return token.startswith("-") and len(token) > 1 and not NEGATIVE_NUMBER.match(token) and " " not in token


def cli_value(rng: np.random.Generator, name: str, good: bool) -> str:
    if good:
        return str(rng.choice(CLI_GOOD.get(name) or good_values(name)))
    return near_range(rng, name) if rng.random() < 0.5 else str(rng.choice(JUNK_VALUES))


def cli_case(rng: np.random.Generator) -> CliCase:
    """A random argument list and what the engine's rules say it must give."""
    # the web's budget, asked for: the CLI is uncapped otherwise, and junk scenarios can be huge
    argv, values, bad_flags, broken = ["run", "--budget", "2"], {}, [], False
    if rng.random() < 0.45:  # a consistent good scenario, maybe with one bad value
        world = str(rng.choice([w for w, models in WORLD_MODELS.items() if models and w not in CUSTOM_WORLDS]))
        model = str(rng.choice(WORLD_MODELS[world]))
        entries = [("world", world), ("model", model)]
        names = [str(n) for n in rng.choice([n for n in KNOBS if n not in ("world", "model")],
                                            size=int(rng.integers(0, 6)), replace=False)]
        for name in sorted({"generations", "replicates", *names}):  # sorted: set order varies with PYTHONHASHSEED
            entries.append((name, cli_value(rng, name, good=True)))
        if rng.random() < 0.3:
            name = str(rng.choice(list(KNOBS)))
            entries.append((name, cli_value(rng, name, good=False)))
    else:
        entries = []
        for _ in range(int(rng.integers(0, 7))):
            name = str(rng.choice(list(KNOBS)))
            entries.append((name, cli_value(rng, name, good=rng.random() < 0.5)))
        entries += [("generations", "2"), ("replicates", "2")] if rng.random() < 0.5 else []
    rng.shuffle(entries)
    for name, value in entries:
        flag = KNOBS[name].flag
        if KNOBS[name].kind is tuple and rng.random() < 0.4:  # nargs="+": several tokens
            tokens = value.replace(",", " ").split() or [value]
        else:
            tokens = [value]
        if len(tokens) == 1 and rng.random() < 0.15:
            argv.append(f"{flag}={value}")
        else:
            argv += [flag, *tokens]
        if any(looks_like_flag(t) for t in tokens) and not argv[-1].startswith(flag + "="):
            broken = True  # argparse: "expected one argument"
            continue
        try:
            parsed = [parse_value(name, t) for t in tokens]
        except ScenarioError:
            bad_flags.append(flag)
            continue
        values[name] = tuple(x for p in parsed for x in p) if KNOBS[name].kind is tuple else parsed[-1]
    fmt = "csv"
    roll = rng.random()
    if roll < 0.1:
        argv.insert(int(rng.integers(1, len(argv) + 1)), str(rng.choice(UNKNOWN_FLAGS)))
        broken = True
    elif roll < 0.15:  # a flag without its value, at the end or before another flag
        flag = KNOBS[str(rng.choice(list(KNOBS)))].flag
        argv.insert(int(rng.integers(1, len(argv) + 1)) if rng.random() < 0.5 else len(argv), flag)
        broken = True
    elif roll < 0.2:
        argv.append(str(rng.choice(["extra", "🌀", "1", "run"])))  # a stray positional
        broken = True
    elif roll < 0.3:
        fmt = str(rng.choice(["json", "csv", "xml", "", "CSV"]))
        argv += ["--format", fmt]
        broken |= fmt not in ("csv", "json")
    scenario = None
    if not broken and not bad_flags:
        try:
            scenario = Scenario(**values)
            budget.check(scenario, 2.0)
        except ScenarioError:
            scenario = None
    if scenario is not None and scenario.world in CUSTOM_WORLDS:
        scenario = None  # the visitor's own data: the CLI needs --data FILE
    ok = scenario is not None
    # argparse stops at the first bad value: only a lone bad flag is sure to be the one named
    single = bad_flags[0] if len(bad_flags) == 1 and not broken else None
    return CliCase(argv, ok, scenario, fmt, single)


def cli_cases(count: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [pytest.param(cli_case(rng), id=f"cli-{i:03d}") for i in range(count)]


def header(scenario: Scenario) -> list[str]:
    """The columns the README promises; for a world or data source added since, the engine's own."""
    if getattr(scenario, "data_source", "mix") != "mix" or scenario.world not in WORLDS_1D + WORLDS_VOCABULARY:
        return list(run(scenario.replace(generations=1, replicates=1)).columns)
    if scenario.is_vocabulary:
        return ["generation", "replicate", *VOCABULARY_METRICS]
    columns = ["generation", "replicate", "mean", "std",
               *[tail_column(t) for t in scenario.tail_thresholds], "distance"]
    assert len(set(columns)) == len(columns), f"two thresholds share a column: {columns}"
    return columns


def check_table(text: str, case: CliCase) -> None:
    scenario = case.scenario
    rows = (scenario.generations + 1) * scenario.replicates
    if case.fmt == "json":
        data = json.loads(text)
        assert Scenario(**data["scenario"]) == scenario
        assert len(data["rows"]) == rows and list(data["rows"][0]) == header(scenario)
        return
    assert text.split("\n", 1)[0].split(",") == header(scenario)
    frame = pd.read_csv(io.StringIO(text))
    assert len(frame) == rows


@pytest.mark.parametrize("case", cli_cases(CLI_CASES, SEED + 3))
def test_cli_answers_every_argument_list(case, capsys):
    try:
        code = cli_main(case.argv)
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if case.ok:
        assert code == 0, err
        check_table(out, case)
        assert err == ""
    else:
        assert code == 2 and out == "", (code, err)
        assert err.endswith("\n") and err.count("\n") == 1, err
        assert err.startswith("python -m collapse")
        if case.single_bad_flag:
            assert case.single_bad_flag in err, err


def test_cli_fuzz_reaches_both_outcomes():
    cases = [c.values[0] for c in cli_cases(CLI_CASES, SEED + 3)]
    assert len(cases) >= 300
    assert sum(c.ok for c in cases) >= 60 and sum(not c.ok for c in cases) >= 150
    assert sum(c.fmt == "json" and c.ok for c in cases) >= 2
    flags = {t.split("=")[0] for c in cases for t in c.argv}
    assert {k.flag for k in KNOBS.values()} <= flags and set(UNKNOWN_FLAGS) & flags


SUBPROCESS_CASES = [
    (["run", "--generations", "3", "--replicates", "2", "--tail-thresholds", "1", "2.5"], 0),
    (["run", "--world", "zipf", "--model", "categorical", "--vocabulary-size", "100", "--generations", "2",
      "--replicates", "2", "--top-p", "0.5"], 0),
    (["run", "--world=bimodal", "--synthetic-fraction", "0", "--sample-size", "1e3", "--generations", "2",
      "--replicates", "1"], 0),
    (["run", "--generations", "nan"], 2),
    (["run", "--sample-size", "1e308", "--generations", "2"], 2),
    (["run", "--world", "heavy_tailed", "--synthetic-fraction", "0", "--sample-size", "1000000000", "--budget", "2"],
     2),
    (["run", "--seed"], 2),
    (["run", "--tail-thresholds", "🌀", "--generations", "1"], 2),
    (["run", "--bogus", "1"], 2),
    ([], 2),
]


@pytest.mark.parametrize("argv,code", SUBPROCESS_CASES, ids=[f"sub-{i}" for i in range(len(SUBPROCESS_CASES))])
def test_cli_as_a_process(argv, code):
    done = subprocess.run([sys.executable, "-m", "collapse", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    if code == 0:
        assert done.stdout.startswith("generation,replicate,") and done.stderr == ""
    else:
        assert done.stdout == "" and done.stderr.count("\n") == 1 and done.stderr.endswith("\n")


# -- known command-line bugs -----------------------------------------------------------------
@pytest.mark.skipif("digits" not in KNOBS["world"].choices, reason="no digits world")
def test_cli_digits_with_only_fresh_data(capsys):
    code = cli_main(["run", "--world", "digits", "--model", "kernel_density", "--synthetic-fraction", "0",
                     "--sample-size", "20", "--generations", "2", "--replicates", "1"])
    assert code == 0 and capsys.readouterr().out.startswith("generation,replicate,")


def test_cli_error_with_a_newline_in_a_stray_token_is_one_line(capsys):
    with pytest.raises(SystemExit) as stop:
        cli_main(["run", "--generations", "1", "--replicates", "1", "x\ny"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1


def test_cli_keeps_one_column_per_threshold(capsys):
    code = cli_main(["run", "--generations", "1", "--replicates", "1", "--tail-thresholds", "2.0000001", "2.0000002"])
    out = capsys.readouterr().out
    assert code == 0 and len(out.split("\n", 1)[0].split(",")) == 2 + 2 + 2 + 1
