"""Every preset opens its page with no warning and shows what it promises."""

import gc
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from collapse.app import warm
from collapse.presets import PAGE_DEFAULTS, PRESETS, page_default

ROOT = Path(__file__).resolve().parents[1]
PAGES = {"": "dashboard.py", "Vocabulary": "pages/1_Vocabulary.py", "The_polluted_web": "pages/2_The_polluted_web.py",
         "Compare": "pages/3_Compare.py", "Shapes": "pages/4_Shapes.py", "Digits": "pages/5_Digits.py",
         "Chatbot": "pages/6_Chatbot.py"}


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_preset_opens_its_page_cleanly(preset):
    at = AppTest.from_file(str(ROOT / PAGES[preset.page]), default_timeout=60)
    for key, value in parse_qsl(preset.query()):
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert not at.warning and not at.error, [w.value for w in at.warning] + [e.value for e in at.error]
    assert len(at.get("plotly_chart")) >= 3
    for key, value in parse_qsl(preset.query()):
        assert at.query_params[key] == value  # the page keeps the preset's knobs in its URL


def test_dashboard_gallery_links_every_preset():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    text = " ".join(m.value for m in at.markdown)
    for preset in PRESETS:
        assert f"[{preset.name}]({preset.url()})" in text


def test_preset_results_say_what_they_claim():
    # accumulate keeps the spread that replace loses (the gallery's first two presets)
    pure, accumulate = PRESETS[0], PRESETS[1]
    spreads = []
    for preset in (pure, accumulate):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        for key, value in parse_qsl(preset.query()):
            at.query_params[key] = value
        at.run()
        caption = next(c.value for c in at.caption if c.value.startswith("Over 500 generations"))
        spreads.append(float(caption.split(" to ")[1].split(" of")[0]))
    assert spreads[0] < 0.1 < 0.8 < spreads[1]


def test_the_warmer_holds_every_page_default_every_preset_and_each_pages_other_families():
    wanted = warm.scenarios()
    assert len(wanted) == len(set(wanted))
    expected = [page_default(page) for page in PAGE_DEFAULTS] + [p.scenario() for p in PRESETS]
    expected += [page_default("The_polluted_web", world) for world in ("english", "sherlock")]
    assert set(expected) <= set(wanted)
    first = wanted[: len(PAGE_DEFAULTS) + 2]  # most wanted first: what a page opens on, in each family
    assert {s.family for s in first if s.data_source == "web"} == {"gaussian", "vocabulary", "text"}


def test_the_first_visitors_run_leaves_what_it_imported_out_of_the_collectors_full_passes(monkeypatch):
    """Modules and constants live as long as the server: frozen once (gc.freeze), after the first run only."""
    frozen = []
    monkeypatch.setattr(warm, "_frozen", False)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    for _ in range(3):
        with warm.visitor():
            pass
    assert frozen == [1]
