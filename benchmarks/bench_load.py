"""A lecture hall at once: N browser sessions on one dashboard server, for a bounded time.

    python benchmarks/bench_load.py [--sessions 30] [--seconds 60] [--max-actions 3000]

Starts one ``streamlit run dashboard.py`` on 127.0.0.1 at a free port, waits
for ``/_stcore/health``, then opens N browser contexts (N independent
Streamlit sessions, each over its own websocket) in one headless Chromium
(``/usr/bin/chromium``) and loads the dashboard in all of them at once. Then,
for ``--seconds``, every session keeps changing knobs like a student would:

* most actions press ArrowLeft/ArrowRight on the synthetic fraction slider
  (the thumb is focused) and time the rerun, from the key press to the
  captions under the charts changing;
* about one action in four opens a share URL with other knob values (world,
  synthetic fraction, generations, sample size; only combinations the work
  budget admits) and times the page load, from ``page.goto`` to every chart
  drawn.

Each action waits for the run to finish before the next. It prints the number
of actions, the errors (exceptions shown on the page, timeouts, other browser
errors), p50/p95 of the rerun and load latencies, and the server's resident
memory (its process and any children, from /proc or psutil) at start, after
every session has loaded the page (warm-up) and at the end, plus the peak seen
by a 1 s sampler.

One Chromium renders every session on the same machine as the server, so on a
small machine the browser competes with the server for CPU: the latencies are
an upper bound on what N separate students' laptops would see.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))

from streamlit_server import StreamlitServer  # noqa: E402 (one server class with the tests)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
CHARTS = 4

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
#: The captions changed, or (same text: neighbouring fractions can round alike) the run for the
#: expected value has been over for half a second.
RERUN_DONE = f"""([before, wanted, count]) => {{
    if (document.querySelector('[data-testid="stException"]')) return "exception";
    if (({CAPTION_TEXT})() !== before) return "changed";
    const done = ({IDLE})(count) === "idle"
        && new URLSearchParams(location.search).get("synthetic_fraction") === wanted;
    if (!done) {{ window.__doneSince = null; return false; }}
    window.__doneSince = window.__doneSince || performance.now();
    return performance.now() - window.__doneSince > 500 && "unchanged";
}}"""
SLIDER = ".st-key-synthetic_fraction [data-testid='stSlider']"
#: The slider's value: an <input type=range> (Streamlit >= 1.5x) or an ARIA slider (older).
SLIDER_VALUE = "e => e.value || e.getAttribute('aria-valuenow') || e.getAttribute('aria-valuetext')"

# -- the server and its memory ----------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid``, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its children (psutil if installed, else /proc/<pid>/status)."""
    try:
        import psutil
    except ImportError:
        total = 0
        for p in [pid, *_children(pid)]:
            try:
                with open(f"/proc/{p}/status") as handle:
                    for line in handle:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total
    try:
        process = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])
    except psutil.Error:
        return 0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its children, from /proc."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            with open(f"/proc/{p}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


class PeakSampler(threading.Thread):
    """Samples the server's memory every second; keeps the peak."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopped = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            self.peak = max(self.peak, rss_bytes(self.pid))


# -- sessions ------------------------------------------------------------------------------------
@dataclass
class Stats:
    loads: list[float] = field(default_factory=list)  # first page load of each session
    reruns: list[float] = field(default_factory=list)  # slider key press -> captions changed
    navigations: list[float] = field(default_factory=list)  # share URL -> every chart drawn
    unchanged: int = 0  # reruns whose captions were the same text (finished, not an error)
    exceptions: int = 0
    timeouts: int = 0
    other_errors: list[str] = field(default_factory=list)
    actions: int = 0


def fraction_text(value: float) -> str:
    from collapse.knobs import format_value

    return format_value(round(value, 2))


def share_urls(seed: int) -> list[str]:
    """Query strings of admitted scenarios with other knob values."""
    from collapse.knobs import ScenarioError
    from collapse.scenario import Scenario

    rng = random.Random(seed)
    queries = []
    while len(queries) < 200:
        knobs = dict(world=rng.choice(["gaussian", "heavy_tailed", "bimodal"]),
                     synthetic_fraction=rng.choice([0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 1]),
                     generations=rng.choice([10, 20, 50, 100, 200, 500]),
                     sample_size=rng.choice([20, 50, 100, 200, 1000]))
        try:
            Scenario(**knobs)
        except ScenarioError:
            continue
        queries.append(urlencode(knobs))
    return queries


async def wait_idle(page, timeout_ms: float) -> str:
    handle = await page.wait_for_function(IDLE, arg=CHARTS, timeout=timeout_ms)
    return await handle.json_value()


class Actions:
    """A shared cap on the number of actions, and the deadline."""

    def __init__(self, limit: int, deadline: float):
        self.left, self.deadline = limit, deadline

    def take(self) -> bool:
        if self.left <= 0 or time.monotonic() >= self.deadline:
            return False
        self.left -= 1
        return True


async def open_dashboard(browser, url: str, stats: Stats, timeout_ms: float):
    context = await browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(timeout_ms)
    page = await context.new_page()
    start = time.perf_counter()
    try:
        await page.goto(url)
        state = await wait_idle(page, timeout_ms)
        if state == "exception":
            stats.exceptions += 1
        else:
            stats.loads.append(time.perf_counter() - start)
    except Exception as err:  # noqa: BLE001 - counted and reported
        record_error(stats, err)
    return context, page


def record_error(stats: Stats, err: Exception) -> None:
    if "Timeout" in type(err).__name__ or "Timeout" in str(err)[:200]:
        stats.timeouts += 1
    else:
        stats.other_errors.append(f"{type(err).__name__}: {str(err).splitlines()[0][:160]}")


async def drive(page, base: str, queries: list[str], actions: Actions, stats: Stats, rng: random.Random,
                timeout_ms: float) -> None:
    """One student: change knobs until the time or the actions run out."""
    while actions.take():
        stats.actions += 1
        try:
            if rng.random() < 0.25:
                start = time.perf_counter()
                await page.goto(f"{base}?{rng.choice(queries)}")
                state = await wait_idle(page, timeout_ms)
                if state == "exception":
                    stats.exceptions += 1
                else:
                    stats.navigations.append(time.perf_counter() - start)
                continue
            thumb = page.locator(SLIDER).get_by_role("slider")
            value = float(await thumb.evaluate(SLIDER_VALUE))
            key = "ArrowLeft" if value >= 1 else "ArrowRight" if value <= 0 else rng.choice(["ArrowLeft", "ArrowRight"])
            wanted = fraction_text(value + (0.01 if key == "ArrowRight" else -0.01))
            await thumb.focus()
            before = await page.evaluate(CAPTION_TEXT)
            await page.evaluate("window.__doneSince = null")
            start = time.perf_counter()
            await page.keyboard.press(key)
            handle = await page.wait_for_function(RERUN_DONE, arg=[before, wanted, CHARTS], timeout=timeout_ms)
            elapsed = time.perf_counter() - start
            result = await handle.json_value()
            if result == "exception":
                stats.exceptions += 1
                continue
            if result == "changed":
                stats.reruns.append(elapsed)
            else:  # finished, same text: not a latency sample (it includes the 0.5 s check)
                stats.unchanged += 1
            if await wait_idle(page, timeout_ms) == "exception":  # let the run finish before the next action
                stats.exceptions += 1
        except Exception as err:  # noqa: BLE001 - counted and reported
            record_error(stats, err)
            try:  # start the next action from a fresh load
                await page.goto(base)
                await wait_idle(page, timeout_ms)
            except Exception:  # noqa: BLE001
                pass


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def seconds_line(name: str, values: list[float]) -> str:
    if not values:
        return f"  {name:<40} none"
    return (f"  {name:<40} p50 {quantile(values, 0.5):6.2f} s   p95 {quantile(values, 0.95):6.2f} s   "
            f"max {max(values):6.2f} s   (n={len(values)})")


def mib(n: int) -> str:
    return f"{n / 2**20:7.0f} MiB"


async def main_async(args) -> int:
    from playwright.async_api import async_playwright

    server = StreamlitServer(REPO_ROOT / "dashboard.py")
    sampler = None
    try:
        server.wait_healthy()
        base = server.url + "/"
        memory = {"start": rss_bytes(server.process.pid)}
        sampler = PeakSampler(server.process.pid)
        sampler.start()
        stats = Stats()
        queries = share_urls(args.seed)
        timeout_ms = args.timeout * 1000
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                warm_start = time.perf_counter()
                opened = await asyncio.gather(*[open_dashboard(browser, base, stats, timeout_ms)
                                                for _ in range(args.sessions)])
                warm_seconds = time.perf_counter() - warm_start
                memory["after warm-up"] = rss_bytes(server.process.pid)
                actions = Actions(args.max_actions, time.monotonic() + args.seconds)
                run_start, cpu_start = time.perf_counter(), cpu_seconds(server.process.pid)
                await asyncio.gather(*[drive(page, base, queries, actions, stats, random.Random(args.seed + i),
                                             timeout_ms) for i, (_, page) in enumerate(opened)])
                run_seconds = time.perf_counter() - run_start
                server_cpu = cpu_seconds(server.process.pid) - cpu_start
                load = os.getloadavg()[0]
                memory["end"] = rss_bytes(server.process.pid)
                for context, _ in opened:
                    await context.close()
            finally:
                await browser.close()
    finally:
        if sampler:
            sampler.stopped.set()
        server.stop()

    errors = stats.exceptions + stats.timeouts + len(stats.other_errors)
    cores = os.cpu_count() or 1
    print()
    print(f"{args.sessions} sessions (browser contexts) on one server, {os.cpu_count()} cores; "
          f"warm-up (all sessions load the dashboard at once) {warm_seconds:.1f} s; "
          f"then {run_seconds:.1f} s of actions")
    print(f"  actions {stats.actions}  (slider reruns {len(stats.reruns) + stats.unchanged}, "
          f"share-URL loads {len(stats.navigations)}; "
          f"{stats.actions / max(run_seconds, 1e-9):.1f} per second)")
    print(f"  errors {errors}  (exceptions on the page {stats.exceptions}, timeouts over {args.timeout:g} s "
          f"{stats.timeouts}, other {len(stats.other_errors)})")
    for message in sorted(set(stats.other_errors))[:5]:
        print(f"    {message}")
    print(f"  server CPU during the actions {server_cpu:.0f} s in {run_seconds:.0f} s "
          f"({100 * server_cpu / max(run_seconds, 1e-9):.0f} % of one core; {cores} cores), "
          f"1-min load average at the end {load:.1f}: the rest is Chromium rendering the sessions")
    print(seconds_line("first load (goto -> 4 charts drawn)", stats.loads))
    print(seconds_line("rerun (key press -> captions changed)", stats.reruns))
    print(seconds_line("share URL (goto -> 4 charts drawn)", stats.navigations))
    if stats.unchanged:
        print(f"  ({stats.unchanged} more reruns finished with the same caption text: "
              "neighbouring fractions can round alike; not in the latencies)")
    print("  server resident memory (process + children):")
    for name, value in memory.items():
        print(f"    {name:<14} {mib(value)}")
    print(f"    {'peak (1 s)':<14} {mib(max(sampler.peak, *memory.values()))}")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30, help="concurrent browser sessions (default 30)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to drive them (default 60)")
    parser.add_argument("--max-actions", type=int, default=3000, help="stop after this many actions in all")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds before an action counts as "
                        "timed out (default 90)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sessions' choices (default 1)")
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
