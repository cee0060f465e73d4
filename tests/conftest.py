"""Shared fixtures for the browser tests: a real Streamlit server and a real Chromium.

* ``streamlit_server`` (session): a factory ``streamlit_server("dashboard.py") -> base URL``.
  Each script path gets one server for the whole session (started on first use,
  on 127.0.0.1 only, at a free port), terminated when the session ends. Pages of
  a multipage app (``pages/*.py``) are served by the entry script's server at
  ``<base>/<url path>``; :func:`page_url_path` gives the URL path of a page file
  (``pages/9_About_the_model.py`` -> ``About_the_model``) and the ``app_url``
  fixture the full address on the dashboard's server.
* ``browser`` (session): Chromium (``/usr/bin/chromium``) through Playwright's sync API.
* ``page`` (function): a fresh context and tab on ``browser`` (1500 x 1700 viewport).

Tests that use ``browser`` (or ``page``) are marked ``browser`` automatically,
so ``pytest -m browser`` selects them and ``-m "not browser"`` leaves them out.
Without Chromium or the ``playwright`` package they are skipped with the
reason, except when ``CI=true``: CI installs both, so there a missing one is a
failure, never a silent skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit_server import REPO_ROOT, StreamlitServer, page_url_path  # noqa: F401 (tests import page_url_path)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1500, "height": 1700}


# -- marker and skip rules ------------------------------------------------------
def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: drives a real Chromium against a real Streamlit server "
        "(skipped without /usr/bin/chromium or playwright, except on CI)",
    )


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (on Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-test.txt)"
    return None


def _require_browser() -> None:
    reason = browser_unavailable()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"browser tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


def uses_browser(item) -> bool:
    """True if the test asks for the ``browser`` or ``page`` fixture.

    A parameter of the same name (``@pytest.mark.parametrize("page", ...)``, as in
    test_fuzz.py, where ``page`` names a Streamlit page run by AppTest) is not the fixture.
    """
    parametrized = getattr(getattr(item, "callspec", None), "params", {})
    return any(name in getattr(item, "fixturenames", ()) and name not in parametrized for name in ("browser", "page"))


def pytest_collection_modifyitems(config, items):
    reason = browser_unavailable()
    for item in items:
        if uses_browser(item):
            item.add_marker(pytest.mark.browser)
        if reason and not in_ci() and item.get_closest_marker("browser"):
            # skip before any server is started; on CI the fixture fails instead
            item.add_marker(pytest.mark.skip(reason=reason))


# -- Streamlit servers ----------------------------------------------------------
@pytest.fixture(scope="session")
def streamlit_server():
    """Factory: ``streamlit_server(script="dashboard.py")`` -> base URL (no trailing slash).

    One server per script for the whole session; all are terminated at its end.
    """
    servers: dict[Path, StreamlitServer] = {}
    failures: dict[Path, str] = {}

    def start(script: str | Path = "dashboard.py") -> str:
        key = (REPO_ROOT / script).resolve()
        if key in failures:
            pytest.fail(failures[key], pytrace=False)
        if key not in servers:
            server = StreamlitServer(key)
            servers[key] = server
            try:
                server.wait_healthy()
            except RuntimeError as err:
                failures[key] = str(err)
                server.stop()
                pytest.fail(failures[key], pytrace=False)
        return servers[key].url

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def app_url(streamlit_server):
    """Factory: ``app_url()`` -> the dashboard's base URL; ``app_url("pages/9_About_the_model.py")``
    -> that page's address on the dashboard's server; ``query`` is appended after ``?``."""

    def url(page: str | Path | None = None, query: str = "") -> str:
        base = streamlit_server("dashboard.py")
        address = f"{base}/{page_url_path(page)}" if page else f"{base}/"
        return f"{address}?{query}" if query else address

    return url


# -- Chromium -----------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (Debian's /usr/bin/chromium) for the whole session."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser):
    """A fresh browser context and tab (own cookies, own Streamlit session), closed afterwards."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    context.close()


# What the shared cache holds must not depend on a background thread's timing in
# tests (an over-budget scenario the warmer computed would be admitted): no warming.
os.environ.setdefault("COLLAPSE_WARM_CACHE", "0")
