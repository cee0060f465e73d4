"""Accessibility, phone and projector checks of every page, in a real Chromium.

* **axe-core** (``tests/vendor/axe.min.js``, the npm package's single file,
  with its licence beside it) runs on every page at desktop size with the
  WCAG 2.1 A/AA rules and the best practices: no critical and no serious
  violation the app controls. :data:`STREAMLIT_INTERNAL` lists the one
  Streamlit draws itself, with the reason. Every chart has an accessible
  name (its title, what it shows, its caption), a toolbar of two buttons
  (download, full screen), and a player has a keyboard twin.
* **Phone** (390 x 844, touch): no horizontal scroll, a swipe over a chart
  scrolls the page, no chart taller than most of the screen, and inside
  every chart the title, the player's buttons and slider, the legend, the
  axis titles and the plot do not overlap (bounding boxes) and stay inside
  the chart. With ``A11Y_SCREENSHOTS=<folder>`` every page's screens (and
  the axe counts) are saved there, for a person to look at.
* **Projector** (1280 x 720, ``?present=1``): large type, and every chart
  with its caption fits on the screen.

Pages come from ``dashboard.py`` (its ``st.Page`` calls), so a new page is
checked too. One Chromium and the session's server (see conftest.py).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
SCREENSHOTS = Path(os.environ["A11Y_SCREENSHOTS"]) if os.environ.get("A11Y_SCREENSHOTS") else None
LOAD_TIMEOUT = 120_000  # ms: a busy 2-core machine computes a page's first run in 10-30 s
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1280, "height": 720}
DESKTOP = {"width": 1500, "height": 1700}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

#: Violations Streamlit draws itself (rule -> where, why). Listed, not failed.
STREAMLIT_INTERNAL = {
    "list": ('[data-testid="stSidebarNav"]', ("st.navigation's sections: Streamlit puts each section's "
                                              "<header> and its <li> items inside a <div> directly in the <ul>")),
    "listitem": ('[data-testid="stSidebarNav"]', "the same <li> items, whose parent is that <div>, not the <ul>"),
}


def app_pages() -> list[tuple[str, str]]:
    """(page script, URL path) for every ``st.Page`` in dashboard.py; the default page's path is ""."""
    pages = []
    for node in ast.walk(ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page" and node.args:
            keywords = {k.arg: k.value for k in node.keywords}
            default = "default" in keywords and getattr(keywords["default"], "value", False) is True
            path = "" if default else getattr(keywords.get("url_path"), "value", Path(node.args[0].value).stem)
            pages.append((node.args[0].value, path))
    return pages


PAGES = app_pages()
PAGE_IDS = [path or "home" for _, path in PAGES]

#: "exception", or "ready" once the script has run to its end (Streamlit's own
#: ``data-test-script-state``), nothing is stale or still loading, and the title and every chart are drawn.
READY = """() => {
    if (document.querySelector('[data-testid="stException"]')) return "exception";
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    // elements whose code is still loading show a skeleton (charts: a second or two after the run)
    if (!document.querySelector('[data-testid="stMain"] h1')
        || document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
    const charts = Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'));
    return charts.every(c => c.querySelector('.main-svg')) ? "ready" : false;
}"""

#: Every chart's parts as boxes (left, top, right, bottom), in page pixels, and the caption under it.
CHART_PARTS = """() => {
  const order = Array.from(document.querySelectorAll(
      '[data-testid="stPlotlyChart"], [data-testid="stCaptionContainer"]'));
  return Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')).map(chart => {
    const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const boxes = selector => Array.from(chart.querySelectorAll(selector)).filter(e => {
        const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).map(box);
    const union = list => list.length ? [Math.min(...list.map(b => b[0])), Math.min(...list.map(b => b[1])),
                                         Math.max(...list.map(b => b[2])), Math.max(...list.map(b => b[3]))] : null;
    const svg = chart.querySelector('.main-svg');
    const next = order[order.indexOf(chart) + 1];
    return {
        caption: next && next.matches('[data-testid="stCaptionContainer"]') ? next.innerText : '',
        label: chart.getAttribute('aria-label'), role: chart.getAttribute('role'),
        title_text: (chart.querySelector('.gtitle') || {}).textContent || '',
        chart: box(chart), svg: svg ? box(svg) : null,
        parts: {
            title: union(boxes('.gtitle')),
            buttons: union(boxes('.updatemenu-container .updatemenu-button')),
            slider: union(boxes('.slider-container')),
            legend: union(boxes('.legend .bg')),
            xtitle: union(boxes('.xtitle')),
            ytitle: union(boxes('.ytitle')),
            xticks: union(boxes('.xaxislayer-above .xtick text')),
            plot: union(boxes('.nsewdrag')),
        },
        annotations: boxes('.annotation'),  // labels on lines, subplot titles
        modebar: union(boxes('.modebar')),
        modebar_buttons: Array.from(chart.querySelectorAll('.modebar-btn')).map(b => b.getAttribute('data-title')),
        slider_values: Array.from(chart.querySelectorAll('.slider-container text.slider-label'))
            .map(t => t.textContent).filter(t => t.startsWith('Generation')),
        title_font: svg && chart.querySelector('.gtitle')
            ? parseFloat(getComputedStyle(chart.querySelector('.gtitle')).fontSize) : 0,
    };
  });
}"""


def url_of(app_url, path: str, query: str = "") -> str:
    base = app_url().rstrip("/")
    address = f"{base}/{path}" if path else f"{base}/"
    return f"{address}?{query}" if query else address


def open_ready(tab, url: str) -> None:
    """Go to ``url`` and wait (Playwright polling) until the page is drawn and idle; fail on an exception."""
    tab.goto(url)
    state = tab.wait_for_function(READY, timeout=LOAD_TIMEOUT, polling=250).json_value()
    if state == "exception":
        pytest.fail(f"{url} raised:\n" + "\n".join(tab.locator('[data-testid="stException"]').all_inner_texts()),
                    pytrace=False)
    tab.wait_for_timeout(200)  # still ready a moment later: no rerun followed
    tab.wait_for_function(READY, timeout=LOAD_TIMEOUT, polling=250)


@pytest.fixture(scope="module")
def contexts(browser):
    """One browser context per screen for the module (they share the browser's cache of Streamlit's code)."""
    made = {}

    def get(viewport: dict, touch: bool = False):
        key = (viewport["width"], viewport["height"], touch)
        if key not in made:
            made[key] = browser.new_context(viewport=viewport, has_touch=touch, is_mobile=touch)
            made[key].set_default_timeout(60_000)
        return made[key]

    yield get
    for context in made.values():
        context.close()


@pytest.fixture
def tab(contexts):
    """A fresh tab (its own Streamlit session) of a given screen: ``tab(PHONE, touch=True)``."""
    tabs = []

    def make(viewport: dict, touch: bool = False):
        tabs.append(contexts(viewport, touch).new_page())
        return tabs[-1]

    yield make
    for page in tabs:
        page.close()


def overlaps(a, b, slack: float = 1.0) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


def inside(part, frame, slack: float = 1.0) -> bool:
    return part[0] >= frame[0] - slack and part[1] >= frame[1] - slack and part[2] <= frame[2] + slack \
        and part[3] <= frame[3] + slack


def layout_problems(chart: dict) -> list[str]:
    """Parts of one chart that overlap each other or stick out of the chart."""
    parts = {name: b for name, b in chart["parts"].items() if b}
    problems = [f"{name} sticks out of the chart" for name, b in parts.items() if not inside(b, chart["svg"])]
    names = sorted(parts)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if overlaps(parts[a], parts[b]):
                problems.append(f"{a} overlaps {b}")
    if chart["modebar"] and parts.get("title") and overlaps(chart["modebar"], parts["title"]):
        problems.append("the toolbar covers the title")
    labels = chart["annotations"]  # labels on lines and panel titles: clear of each other and of the rest
    for i, label in enumerate(labels):
        problems += [f"a label overlaps the {name}" for name in ("title", "buttons", "slider", "legend", "xticks",
                                                                   "xtitle") if name in parts and overlaps(label, parts[name])]
        problems += ["two labels overlap" for other in labels[i + 1:] if overlaps(label, other)]
    return [f"{chart['title_text']!r}: {p}" for p in problems]


def axe_violations(tab) -> list[dict]:
    """axe-core's violations on the page: rule, impact, nodes, and whether Streamlit draws each node itself."""
    tab.add_script_tag(path=str(AXE))
    internal = {rule: where for rule, (where, _) in STREAMLIT_INTERNAL.items()}
    return tab.evaluate(
        """async ([tags, internal]) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                    resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => {
                    const element = document.querySelector(n.target[0]);
                    const where = internal[v.id];
                    return {target: n.target.join(' '), html: n.html.slice(0, 160),
                            streamlit: !!(where && element && element.closest(where))};
                }),
            }));
        }""",
        [AXE_TAGS, internal],
    )


def report(name: str, lines: list[str]) -> None:
    """Keep a plain record beside the screenshots (axe counts, boxes) for people to read."""
    if SCREENSHOTS is None:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- axe-core, accessible names, toolbar ------------------------------------------------
@pytest.mark.parametrize("script,path", PAGES, ids=PAGE_IDS)
def test_axe_finds_no_critical_or_serious_violation(tab, app_url, script, path):
    page = tab(DESKTOP)
    open_ready(page, url_of(app_url, path))
    violations = axe_violations(page)
    counts = {}
    for v in violations:
        counts[v["impact"]] = counts.get(v["impact"], 0) + len(v["nodes"])
    report(f"axe_{path or 'home'}", [f"{v['impact']:9s} {v['id']}: {len(v['nodes'])} node(s)"
                                     f"{' (Streamlit: ' + STREAMLIT_INTERNAL[v['id']][1] + ')' if all(n['streamlit'] for n in v['nodes']) else ''}"
                                     for v in violations] + [f"counts {counts}"])
    print(f"axe {path or 'home'}: {counts}")
    ours = [f"{v['impact']} {v['id']} ({v['help']}): {n['target']} {n['html']}"
            for v in violations if v["impact"] in ("critical", "serious") for n in v["nodes"] if not n["streamlit"]]
    assert ours == [], "\n".join(ours)

    for chart in page.evaluate(CHART_PARTS):
        # the accessible name: the title, then what the chart shows and its caption
        assert chart["role"] == "figure" and chart["label"], chart["title_text"]
        assert chart["label"].startswith(chart["title_text"]), (chart["label"], chart["title_text"])
        assert " ".join(chart["caption"].split()) in chart["label"], (chart["label"], chart["caption"])
        assert set(chart["modebar_buttons"]) <= {"Download plot as a PNG", "Fullscreen"}, chart["modebar_buttons"]
    if path == "Digits":
        labels = page.locator('[data-testid="stPlotlyChart"]').first.get_attribute("aria-label")
        assert "grid of 8 by 8 pixel handwritten digits" in labels and "real digits" in labels, labels
    if path == "":
        keyboard_drives_the_player(page)


def test_the_quoted_model_text_on_the_polluted_web_reads_at_aa_contrast(tab, app_url):
    """The prose world's story quotes the last model (a blockquote, which Streamlit fades to 60 %)."""
    page = tab(DESKTOP)
    open_ready(page, url_of(app_url, "The_polluted_web", "world=sherlock"))
    assert page.locator('[data-testid="stAlertContainer"] blockquote').count() == 1
    ours = [f"{v['impact']} {v['id']}: {n['target']} {n['html']}" for v in axe_violations(page)
            if v["impact"] in ("critical", "serious") for n in v["nodes"] if not n["streamlit"]]
    assert ours == [], "\n".join(ours)


def keyboard_drives_the_player(page) -> None:
    """The generation slider under a played chart shows the same frames as the chart's own player."""
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    current = chart.locator(".slider-container text.slider-label").first
    assert current.text_content() == "Generation 100"
    thumb = page.locator(".st-key-generation_shown_distribution").get_by_role("slider")
    thumb.focus()
    thumb.press("Home")
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .slider-label'))
                 .some(t => t.textContent === 'Generation 1')""", timeout=LOAD_TIMEOUT)
    page.wait_for_function(READY, timeout=LOAD_TIMEOUT, polling=250)
    legend = chart.locator(".legend").text_content()
    assert "generation 1" in legend
    # the knobs, share link and address bar know nothing of this view
    assert "generation_shown" not in page.url


# -- phone ----------------------------------------------------------------------------------
def swipe(page, x: float, y: float, distance: float) -> None:
    """A finger dragged up the screen by ``distance`` px from (x, y), through Chromium's touch input."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    steps = 12
    for i in range(1, steps + 1):
        cdp.send("Input.dispatchTouchEvent",
                 {"type": "touchMove", "touchPoints": [{"x": x, "y": y - distance * i / steps}]})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


MAIN_SCROLL = "() => document.querySelector('[data-testid=\"stMain\"]').scrollTop"


@pytest.mark.parametrize("script,path", PAGES, ids=PAGE_IDS)
def test_phone_layout(tab, app_url, script, path):
    page = tab(PHONE, touch=True)
    open_ready(page, url_of(app_url, path))
    name = path or "home"
    widths = page.evaluate("""() => { const main = document.querySelector('[data-testid="stMain"]');
        return [document.documentElement.scrollWidth, window.innerWidth, main.scrollWidth, main.clientWidth]; }""")
    assert widths[0] <= widths[1] and widths[2] <= widths[3], f"horizontal scroll: {widths}"

    charts = page.evaluate(CHART_PARTS)
    problems = [p for chart in charts for p in layout_problems(chart)]
    for chart in charts:
        if chart["svg"][2] > PHONE["width"] + 1:
            problems.append(f"{chart['title_text']!r} is wider than the screen")
        if chart["svg"][3] - chart["svg"][1] > 0.72 * PHONE["height"]:
            problems.append(f"{chart['title_text']!r} fills most of the screen")

    if charts:  # a swipe over the first chart scrolls the page (the chart captures no drag)
        page.evaluate("""() => { const main = document.querySelector('[data-testid="stMain"]');
            const chart = document.querySelector('[data-testid="stPlotlyChart"]');
            main.scrollTop += chart.getBoundingClientRect().top - 120; }""")
        page.wait_for_timeout(150)
        box = page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
        before = page.evaluate(MAIN_SCROLL)
        swipe(page, box["x"] + box["width"] / 2, min(box["y"] + box["height"] / 2, PHONE["height"] - 150), 300)
        page.wait_for_timeout(400)  # the fling settles
        moved = page.evaluate(MAIN_SCROLL) - before
        if moved < 150:
            problems.append(f"a 300 px swipe over a chart scrolled the page {moved:.0f} px")

    shots = screenshots(page, name, "phone")
    report(f"phone_{name}", [f"{c['title_text']}: {c['parts']}" for c in charts] + problems + shots)
    assert problems == [], "\n".join(problems)


def screenshots(page, name: str, kind: str, most: int = 8) -> list[str]:
    """The page from top to bottom, one screen at a time (Streamlit scrolls inside stMain)."""
    if SCREENSHOTS is None:
        return []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.viewport_size["height"]
    total = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    saved = []
    for i, top in enumerate(range(0, total, height - 80)):
        if i == most:
            break
        page.evaluate(f"() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, {top})")
        page.wait_for_timeout(150)
        path = SCREENSHOTS / f"{kind}_{name}_{i}.png"
        page.screenshot(path=str(path))
        saved.append(str(path))
    return saved


# -- projector ------------------------------------------------------------------------------
CAPTIONED = """() => {
    // each chart with the caption that follows it (chart, then its caption, in page order)
    const items = Array.from(document.querySelectorAll(
        '[data-testid="stPlotlyChart"], [data-testid="stCaptionContainer"]'));
    const pairs = [];
    items.forEach((item, i) => {
        if (item.matches('[data-testid="stPlotlyChart"]')) {
            const caption = items[i + 1] && items[i + 1].matches('[data-testid="stCaptionContainer"]')
                ? items[i + 1] : null;
            const c = item.getBoundingClientRect();
            pairs.push({top: c.top, bottom: caption ? caption.getBoundingClientRect().bottom : c.bottom,
                        caption: caption ? caption.innerText : '',
                        font: caption ? parseFloat(getComputedStyle(caption.querySelector('p') || caption).fontSize) : 0});
        }
    });
    return pairs;
}"""


@pytest.mark.parametrize("script,path", [p for p in PAGES if "About" not in p[1]],
                         ids=[i for i in PAGE_IDS if "About" not in i])
def test_projector_view(tab, app_url, script, path):
    page = tab(PROJECTOR)
    open_ready(page, url_of(app_url, path, "present=1"))
    name = path or "home"
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    text = page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid="stMain"] p'))
        .filter(p => p.innerText.trim() && p.getBoundingClientRect().width > 0)
        .map(p => parseFloat(getComputedStyle(p).fontSize))""")
    assert text and min(text) >= 20, f"paragraphs in {sorted(set(text))} px"
    charts = page.evaluate(CHART_PARTS)
    pairs = page.evaluate(CAPTIONED)
    problems = [f"{c['title_text']!r}: title at {c['title_font']} px" for c in charts if c["title_font"] < 22]
    screen = PROJECTOR["height"] - 60  # under Streamlit's header strip
    for chart, pair in zip(charts, pairs):
        if pair["bottom"] - pair["top"] > screen:
            problems.append(f"{chart['title_text']!r} and its caption take {pair['bottom'] - pair['top']:.0f} px "
                            f"of a {screen} px screen")
        if pair["caption"] and pair["font"] < 20:
            problems.append(f"{chart['title_text']!r}: caption at {pair['font']} px")
    problems += [p for chart in charts for p in layout_problems(chart)]
    shots = screenshots(page, name, "projector", most=3)
    report(f"projector_{name}", problems + shots)
    assert problems == [], "\n".join(problems)
