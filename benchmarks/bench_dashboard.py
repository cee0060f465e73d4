"""How quickly does the dashboard answer a slider, compared with a trivial Streamlit app?

Starts two servers on 127.0.0.1 (the dashboard and a one-slider, one-chart app
written to a temporary file) and drives them with Playwright and Debian's
Chromium. For each it measures the time from a slider key press (the thumb is
focused; ArrowRight/ArrowLeft alternately) to the caption text changing,
polled with ``page.wait_for_function``, and prints the median over the
repetitions and the ratio dashboard / trivial (target <= 1.5). For the
dashboard it also prints the time from ``page.goto`` to the first chart drawn
(median of fresh page loads in new browser contexts), with the trivial app's
figure for reference.

Alternating keys means the dashboard's two scenarios are cached after the
first presses (``st.cache_data``): the figure is the cost of Streamlit's rerun,
sending the four figures and drawing them. For comparison it also walks the
slider in one direction, so every press is a new scenario and a new simulation.

Run from a checkout: ``python benchmarks/bench_dashboard.py [--repeats 15] [--loads 5]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))

from streamlit_server import StreamlitServer  # noqa: E402 (one server class with the tests)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1500, "height": 1700}
TARGET_RATIO = 1.5

TRIVIAL_APP = textwrap.dedent(
    """
    import plotly.graph_objects as go
    import streamlit as st

    x = st.slider("x", 0, 100, 50, key="x")
    figure = go.Figure(go.Scatter(x=[0, 1, 2, 3], y=[0, x, 2 * x, 3 * x], mode="lines"))
    st.plotly_chart(figure, key="chart", theme=None)
    st.caption(f"The slider shows {x}.")
    """
)

CAPTIONS = '[data-testid="stMain"] [data-testid="stCaptionContainer"]'
CAPTION_TEXT = f"""() => Array.from(document.querySelectorAll({json.dumps(CAPTIONS)}))
    .map(e => e.innerText).join("\\n")"""
#: The run is over: `count` charts drawn, no "Running" widget, no stale element.
IDLE = """count => {
    if (document.querySelector('[data-testid="stException"]')) return "exception";
    const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
    return charts.length >= count
        && Array.from(charts).every(c => c.querySelector('.main-svg'))
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.querySelector('[data-stale="true"]')
        && "idle";
}"""
FIRST_CHART = '[data-testid="stPlotlyChart"] .main-svg'


def wait_idle(page, charts: int, timeout: float = 60_000) -> None:
    if page.wait_for_function(IDLE, arg=charts, timeout=timeout).json_value() == "exception":
        raise SystemExit(f"the app raised an exception at {page.url}")


def press_to_caption(page, knob: str, keys: list[str], charts: int, warmup: int) -> list[float]:
    """Seconds from each key press on ``knob``'s slider to the caption text changing."""
    thumb = page.locator(f".st-key-{knob} [data-testid='stSlider']").get_by_role("slider")
    thumb.focus()
    times = []
    for i, key in enumerate(keys):
        before = page.evaluate(CAPTION_TEXT)
        start = time.perf_counter()
        page.keyboard.press(key)
        page.wait_for_function(f"before => ({CAPTION_TEXT})() !== before", arg=before, timeout=60_000)
        elapsed = time.perf_counter() - start
        wait_idle(page, charts)  # let the run finish before the next press
        if i >= warmup:
            times.append(elapsed)
    return times


def slider_latency(browser, url: str, knob: str, charts: int, keys: list[str], warmup: int) -> list[float]:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url)
        wait_idle(page, charts)
        return press_to_caption(page, knob, keys, charts, warmup)
    finally:
        context.close()


def first_chart_times(browser, url: str, loads: int) -> tuple[float, list[float]]:
    """Seconds from page.goto to the first chart drawn: the cold first load, then ``loads`` fresh ones."""
    times = []
    for _ in range(loads + 1):
        context = browser.new_context(viewport=VIEWPORT)
        try:
            page = context.new_page()
            start = time.perf_counter()
            page.goto(url)
            page.locator(FIRST_CHART).first.wait_for(state="attached", timeout=60_000)
            times.append(time.perf_counter() - start)
            wait_idle(page, 1)
        finally:
            context.close()
    return times[0], times[1:]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def summary(name: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(f"  {name:<44} median {ms(median)}   min {ms(min(times))}   max {ms(max(times))}   (n={len(times)})")
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="key presses measured per app (default 15)")
    parser.add_argument("--loads", type=int, default=5, help="fresh page loads measured (default 5)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    # the cache warmer computes between the presses (it waits only for a quiet half second) and
    # would share the GIL with the reruns measured: both servers run without it
    os.environ.setdefault("COLLAPSE_WARM_CACHE", "0")

    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        trivial_script = Path(tmp) / "trivial_app.py"
        trivial_script.write_text(TRIVIAL_APP)
        servers = {}
        try:
            servers["dashboard"] = StreamlitServer(REPO_ROOT / "dashboard.py")
            servers["trivial"] = StreamlitServer(trivial_script)
            for server in servers.values():
                server.wait_healthy()
            dashboard, trivial = servers["dashboard"].url + "/", servers["trivial"].url + "/"

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    # page loads first: the very first one is the cold start of the server
                    cold, loads = first_chart_times(browser, dashboard, args.loads)
                    _, trivial_loads = first_chart_times(browser, trivial, args.loads)

                    # two warm-up presses; the synthetic fraction starts at 1.0 (its maximum)
                    alternate = ["ArrowLeft", "ArrowRight"] * ((args.repeats + 3) // 2 + 1)
                    keys = alternate[: args.repeats + 2]
                    trivial_times = slider_latency(browser, trivial, "x", 1, keys, warmup=2)
                    dashboard_times = slider_latency(browser, dashboard, "synthetic_fraction", 4, keys, warmup=2)
                    walk_times = slider_latency(browser, dashboard, "synthetic_fraction", 4,
                                                ["ArrowLeft"] * (args.repeats + 1), warmup=1)
                finally:
                    browser.close()
        finally:
            for server in servers.values():
                server.stop()

    print()
    print("Slider key press -> caption text changed (ArrowLeft/ArrowRight alternately)")
    trivial_median = summary("trivial app (1 slider, 1 chart)", trivial_times)
    dashboard_median = summary("dashboard (4 charts, cached scenarios)", dashboard_times)
    walk_median = summary("dashboard, walking (new simulation each)", walk_times)
    ratio = dashboard_median / trivial_median
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER TARGET"
    print()
    print(f"  ratio dashboard / trivial = {ratio:.2f}   (target <= {TARGET_RATIO}: {verdict})")
    print(f"  ratio walking dashboard / trivial = {walk_median / trivial_median:.2f}   (for information)")
    print()
    print("Dashboard: page.goto -> first chart drawn")
    print(f"  {'cold first load (server just started)':<44} {ms(cold)}")
    summary("fresh page loads (new browser context)", loads)
    summary("trivial app, same measure (for reference)", trivial_loads)
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
