"""The load bench, small: 5 sessions, 2 knob changes each, every page, ``--unique``, on a real server.

``benchmarks/bench_load.py`` drives Streamlit over its websocket protocol (no
browser). This runs it as the issue asks for the test suite: it checks errors,
chart counts and that each knob change reached the app (the app writes the new
value into its address), never times. About a minute on 2 cores, offline.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import time
import tomllib

import pytest
from streamlit_server import REPO_ROOT, StreamlitServer

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

import bench_load  # noqa: E402 (benchmarks/ is not a package)
from streamlit_client import Session, Widget  # noqa: E402

def run_apart(coroutine):
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright keeps an event loop in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


SESSIONS = 5
RERUNS = 2
#: Charts each page draws at least (its URL path -> count); every one of these pages must be driven.
EXPECTED_CHARTS = {
    "": 4,
    "What_is_model_collapse": 1,
    "Vocabulary": 4,
    "The_polluted_web": 3,
    "Compare": 1,
    "Shapes": 5,
    "Digits": 4,
    "Chatbot": 4,
    "Phase_diagram": 1,
    "About_the_model": 0,
}


@pytest.fixture(scope="module")
def server():
    server = StreamlitServer(REPO_ROOT / "dashboard.py")
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


def plan_for(server: StreamlitServer, reruns: int = RERUNS) -> bench_load.Plan:
    return bench_load.Plan(base_url=server.url, reruns=reruns, spread=0.2, timeout=60.0,
                           deadline=time.monotonic() + 240.0, distinct_ips=False)


@pytest.fixture(scope="module")
def rows(server):
    """One row per page the server lists: 5 sessions, first load, 2 rounds of knob changes."""
    plan = plan_for(server)
    return run_apart(bench_load.run_bench(server.url, None, [SESSIONS], ["unique"], plan,
                                            [server.process.pid]))


def test_every_page_is_driven(rows):
    driven = {row.page for row in rows}
    assert set(EXPECTED_CHARTS) <= driven, f"pages the bench did not drive: {set(EXPECTED_CHARTS) - driven}"


def test_no_errors(rows):
    failures = {row.page or "(main)": row.errors for row in rows if row.errors}
    assert not failures, failures
    for row in rows:
        assert len(row.loads) == SESSIONS and len(row.reruns) == SESSIONS * RERUNS, row.page


def test_each_page_draws_its_charts(rows):
    for row in rows:
        wanted = EXPECTED_CHARTS.get(row.page, 0)
        drawn = [result.charts for result in row.loads + row.reruns]
        assert min(drawn) >= wanted, f"{row.page or '(main)'}: charts per run {drawn}, expected >= {wanted}"


def test_knob_changes_reach_the_app(rows):
    """Every change is written back into the page's address; chart pages draw different charts."""
    for row in rows:
        if row.page == "About_the_model":
            assert row.knob == ""  # no slider: reruns as it is
            continue
        if row.page == "Phase_diagram":  # a view of shipped grids: its sliders pick a cell, nothing to compute
            assert row.knob == "cell_fraction"
            continue
        assert row.knob, f"{row.page or '(main)'}: no knob found"
        assert row.confirmed == SESSIONS * RERUNS, (row.page, row.confirmed, row.unconfirmed[:3])
        if EXPECTED_CHARTS.get(row.page, 0):
            digests = {result.chart_digest for result in row.loads + row.reruns}
            assert len(digests) > SESSIONS, f"{row.page or '(main)'}: the charts hardly changed"
    headline = {row.page: row.knob for row in rows}
    assert headline[""] == headline["Vocabulary"] == "synthetic_fraction"


def test_server_is_sampled(rows):
    for row in rows:
        assert 0 < row.rss_start <= row.rss_peak and row.rss_end > 0, row.page
        assert row.cpu_load > 0 and row.cpu_rerun > 0, row.page


def test_report_has_a_line_per_row(rows, capsys):
    bench_load.print_report(rows, "smoke")
    out = capsys.readouterr().out
    assert out.count(" unique ") >= len(rows)
    assert "(main)" in out and "Vocabulary" in out


def test_a_missing_page_is_an_error(server):
    """The bench is not blind: asking for a page the app does not have fails the row."""
    plan = plan_for(server, reruns=0)
    rows = run_apart(bench_load.run_bench(server.url, ["No_such_page"], [1], ["follow"], plan,
                                            [server.process.pid], warmup=False))
    assert rows[0].errors and "page_not_found" in rows[0].errors[0]


def test_select_widgets_send_their_option_text(server):
    """A select_slider and a selectbox are set by option text (1.67 sends texts, not indices)."""

    async def drive() -> tuple[str, str, str]:
        async with Session(server.url, timeout=60.0) as session:
            await session.load("")
            sample_size: Widget = session.widget("sample_size")
            assert sample_size.kind == "select_slider"
            result = await session.set_widget("sample_size", 1000)  # the option "1,000"
            assert result.ok, result.describe()
            world = session.widget("world")
            assert world.kind == "selectbox"
            result = await session.set_widget("world", "Two humps (bimodal)")
            assert result.ok, result.describe()
            return session.widget("sample_size").value(), session.query_params()["sample_size"], \
                session.query_params()["world"]

    sent, sample_size, world = run_apart(drive())
    assert (sent, sample_size, world) == ("1,000", "1000", "bimodal")


def test_the_shared_server_skips_streamlits_work_after_every_run():
    """A full garbage collection and a re-scan of every module after each script run were about three
    quarters of the server's CPU per knob change (docs/DEPLOYMENT.md): the app's settings turn both off."""
    settings = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["runner"]["postScriptGC"] is False
    assert settings["server"]["fileWatcherType"] == "none"


def test_charts_are_written_as_json_by_orjson():
    """Plotly writes a figure with the standard library's pure-Python encoder unless orjson is
    installed: that was a quarter of a dashboard rerun's CPU (requirements.txt installs it)."""
    from plotly.io._json import JsonConfig

    JsonConfig.validate_orjson()  # raises ValueError without it
    figure = {"data": [{"type": "scatter", "y": [0.5, 1.5]}], "layout": {"title": {"text": "· ok"}}}
    assert plotly_json(figure, "orjson") == plotly_json(figure, "json")


def plotly_json(figure, engine):
    import json

    import plotly.io

    return json.loads(plotly.io.to_json(figure, validate=False, engine=engine))
