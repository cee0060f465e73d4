"""The dashboard in a real Chromium against a real ``streamlit run dashboard.py``.

One server for the module (see conftest.py); every test opens its own tab, so
its own Streamlit session. Skipped without Chromium or playwright (failed on CI).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from collapse.scenario import Scenario

pytestmark = pytest.mark.browser

#: The knobs in view in the sidebar.
HEADLINE = ("synthetic_fraction", "generations", "tail_thresholds")
REPO_ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = REPO_ROOT / "docs" / "dashboard.png"

CHART = '[data-testid="stPlotlyChart"]'
EXCEPTION = '[data-testid="stException"]'
ALERT = '[data-testid="stMain"] :is([data-testid="stAlert"], [data-testid="stAlertContainer"])'
#: The captions under the charts: caption elements in a column that holds a chart.
CAPTIONS = '[data-testid="stColumn"]:has([data-testid="stPlotlyChart"]) [data-testid="stCaptionContainer"]'

#: "exception" as soon as Streamlit shows one; "drawn" once four charts are
#: drawn (Plotly's .main-svg inside each) and the script has finished its run
#: (no "Running" widget, no stale elements); otherwise false (keep polling).
CHARTS_DRAWN_AND_IDLE = """() => {
    if (document.querySelector('[data-testid="stException"]')) return "exception";
    const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
    const drawn = charts.length >= 4
        && Array.from(charts).every(c => c.querySelector('.main-svg'))
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.querySelector('[data-stale="true"]');
    return drawn ? "drawn" : false;
}"""
CAPTION_TEXT = f"""() => Array.from(document.querySelectorAll({json.dumps(CAPTIONS)}))
    .map(e => e.innerText).join("\\n")"""


@pytest.fixture(scope="module")
def base(app_url) -> str:
    return app_url()


def wait_drawn(page, timeout: float = 60_000) -> None:
    """Wait until the four charts are drawn and the run is over; fail at once on an exception."""
    state = page.wait_for_function(CHARTS_DRAWN_AND_IDLE, timeout=timeout).json_value()
    if state == "exception":
        shown = "\n".join(page.locator(EXCEPTION).all_inner_texts())
        pytest.fail(f"the app raised an exception:\n{shown}", pytrace=False)


def open_dashboard(page, url: str) -> None:
    """Go to ``url`` and wait until the four charts are drawn and the run is over."""
    page.goto(url)
    wait_drawn(page)


def captions(page) -> list[str]:
    return page.locator(CAPTIONS).all_inner_texts()


def wait_captions_change(page, before: list[str], timeout: float = 30_000) -> list[str]:
    """Wait (Playwright polling, no sleeps) until the chart captions differ from ``before``."""
    page.wait_for_function(f"before => ({CAPTION_TEXT})() !== before", arg="\n".join(before), timeout=timeout)
    wait_drawn(page, timeout)
    return captions(page)


def thumb(page, knob: str):
    """The slider thumb of a knob: its widget carries the class ``st-key-<knob>``."""
    return page.locator(f".st-key-{knob} [data-testid='stSlider']").get_by_role("slider")


def slider_value(page, knob: str) -> float:
    """The slider's value as assistive technology reads it (aria-valuenow, or a range input's value)."""
    handle = thumb(page, knob)
    now = handle.get_attribute("aria-valuenow")
    return float(now if now is not None else handle.input_value())


def url_params(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def wait_url_param(page, name: str, value: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "([name, value]) => new URL(location.href).searchParams.get(name) === value",
        arg=[name, value], timeout=timeout,
    )


def test_default_page_draws_four_charts_without_exception(page, base):
    open_dashboard(page, base)
    assert page.locator(EXCEPTION).count() == 0
    assert page.locator(CHART).count() == 4
    for chart in page.locator(CHART).all():
        assert chart.locator(".main-svg").count() >= 1
    texts = captions(page)
    assert len(texts) == 4 and all(texts), texts
    assert page.locator(ALERT).count() == 0


def test_moving_the_synthetic_fraction_slider_changes_the_captions(page, base):
    open_dashboard(page, base)
    assert slider_value(page, "synthetic_fraction") == 1.0
    before = captions(page)
    handle = thumb(page, "synthetic_fraction")
    handle.focus()
    handle.press("Home")  # all fresh real data: the model keeps its spread
    after = wait_captions_change(page, before)
    assert slider_value(page, "synthetic_fraction") == 0.0
    assert after != before
    assert page.locator(EXCEPTION).count() == 0


def test_a_knob_change_is_written_into_the_address_bar(page, base):
    open_dashboard(page, base)
    assert url_params(page)["generations"] == "100"
    knobs = set(url_params(page))
    before = captions(page)
    handle = thumb(page, "generations")
    handle.focus()
    for _ in range(3):
        handle.press("ArrowLeft")
    # the generations slider steps through 1, 2, 3, 5, ..., 50, 60, 80, 100, ...
    wait_url_param(page, "generations", "50")
    wait_drawn(page)
    params = url_params(page)
    assert params["generations"] == "50"
    # every knob stays in the URL, so the address bar reproduces the view
    assert set(params) == knobs >= set(HEADLINE)
    after = wait_captions_change(page, before)
    assert any("50 generations" in c for c in after), after


def test_a_share_url_restores_every_knob(page, base):
    scenario = Scenario(synthetic_fraction=0.5, generations=40, sample_size=200, replicates=100,
                        temperature=0.95, tail_thresholds=(1.5, 3.0), seed=11)
    # every knob the dashboard writes into its own URL, with this scenario's values
    open_dashboard(page, base)
    knobs = set(url_params(page))
    assert knobs >= set(HEADLINE)
    wanted = {k: v for k, v in scenario.to_query_params().items() if k in knobs}
    open_dashboard(page, f"{base}?{urlencode(wanted)}")
    assert page.locator(EXCEPTION).count() == 0
    assert page.locator(ALERT).count() == 0, page.locator(ALERT).all_inner_texts()
    assert slider_value(page, "synthetic_fraction") == 0.5
    assert thumb(page, "generations").get_attribute("aria-valuetext") == "40"
    texts = captions(page)
    assert any("40 generations" in c for c in texts), texts
    assert not any("100 generations" in c for c in texts), texts
    assert url_params(page) == wanted  # the app leaves a complete URL as it is


def test_a_bad_url_warns_about_each_parameter_and_still_draws(page, base):
    open_dashboard(page, f"{base}?synthetic_fraction=abc&world=mars")
    alerts = page.locator(ALERT)
    alerts.first.wait_for()
    text = "\n".join(alerts.all_inner_texts())
    assert "synthetic_fraction" in text, text
    assert "world" in text, text
    assert page.locator(EXCEPTION).count() == 0
    assert page.locator(CHART).count() == 4
    assert slider_value(page, "synthetic_fraction") == 1.0  # the default stands in


def test_screenshot_of_the_default_dashboard(page, base):
    """docs/dashboard.png: what a newcomer sees first, for a person to look at."""
    open_dashboard(page, base)
    page.evaluate("document.fonts.ready.then(() => true)")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    # Streamlit scrolls inside its own container: the tall viewport holds the page
    page.screenshot(path=str(SCREENSHOT))
    data = SCREENSHOT.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000, len(data)


MARGINS = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')).map(g => ({
    title: g.layout.title.text, asked: g.layout.margin, drawn: g._fullLayout._size}))"""


def test_the_dashboard_charts_are_drawn_at_the_margins_they_start_with(page, base):
    """Margins that grow mean a second drawing of the chart (half the browser's work of a knob change)."""
    open_dashboard(page, base)
    charts = page.evaluate(MARGINS)
    assert len(charts) == 4
    for chart in charts:
        asked, drawn = chart["asked"], chart["drawn"]
        assert (round(drawn["l"]), round(drawn["b"])) == (asked["l"], asked["b"]), chart
        assert asked["l"] > 10 and asked["b"] > 10  # the axis titles and legend have their room from the start
