"""A lecture hall without browsers: N Streamlit sessions over the websocket protocol, bounded in count and time.

    python benchmarks/bench_load.py                                   # every page, 10 sessions, --unique
    python benchmarks/bench_load.py --pages "" Vocabulary --sessions 10 30 --unique --follow
    python benchmarks/bench_load.py --url http://127.0.0.1:8080 --distinct-client-ips   # behind nginx
    python benchmarks/bench_load.py --pages "" --sessions 30 --duration 600 --unique    # soak: RSS every 30 s

Each session is what a browser tab is to the server: a websocket on
``/_stcore/stream`` speaking the protobuf messages of the installed
``streamlit`` package (``benchmarks/streamlit_client.py``); one asyncio
process drives them all, for about a millisecond of CPU per action, so the
numbers are the server's and not a browser's (a browser adds its drawing, the
same for one user as for a hundred).

For every page (its URL path: "" is the main page), mode and number of
sessions N it runs one row:

1. N sessions open the page at once, each within ``--spread`` seconds (the
   first load);
2. ``--reruns`` rounds: in each round every session changes the page's knob
   (``synthetic_fraction`` where the page has one, else its first enabled
   slider; a page with neither is rerun as it is) and waits for the run;
3. the sessions disconnect.

An action is timed from sending the ``BackMsg`` to ``script_finished``; it
fails on an exception element, a compile error, a page that does not exist, a
timeout (``--timeout``) or a lost connection, and the bench then exits 1.

Modes. ``--unique`` (the worst case): session i opens the page with its own
seed (``?seed=...``) and moves the knob through its own values, so no two
sessions share a cached result. ``--follow`` (a class following its teacher):
every session opens the same address and sets the same value in each round.
Seeds also change from row to row, so no row reuses another row's results
(``--seed-base`` moves them all, for a second run against a server that is
still up). Both flags may be given: each row runs once per mode.

Server. By default the bench starts its own ``streamlit run`` on 127.0.0.1
(the same ``StreamlitServer`` as the tests) and stops it at the end; with
``--url`` it drives a server or load balancer already running on this
machine and samples the processes given by ``--pid``, or else every
``streamlit run`` process it finds in /proc (other people's included: give
``--pid`` on a shared machine). A sampler thread reads the CPU
time (user + system, the process tree) and resident memory of those
processes every 0.5 s; each row reports CPU-seconds per load and per rerun,
RSS at its start, its peak and at its end (before the sessions disconnect),
and the CPU other processes used meanwhile (from /proc/stat), so a disturbed
run shows. An nginx ``ip_hash`` balancer keys on the first three octets of the
client's address: ``--distinct-client-ips`` connects session i from
127.0.i.1 so the sessions spread over the replicas.

Soak. ``--duration T`` replaces the rounds: after the first load every
session keeps changing its knob (a pause of about ``--think`` seconds
between its actions) for T seconds; every ``--report-every`` seconds (30) it
prints RSS, CPU and rerun latency, and at the end whether RSS stayed flat over
the last five minutes (``--max-rss-mib`` makes a larger RSS an error).

Limits: at most 100 sessions, 50 reruns per row, 1 h of soak; every action
has a timeout and the whole invocation a time limit (``--max-seconds``);
connections go to 127.0.0.1 (or localhost) only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from streamlit_client import (  # noqa: E402 (benchmarks/ is not a package)
    RunResult,
    Session,
    Widget,
    discover_pages,
    require_local,
)

MAX_SESSIONS = 100
MAX_RERUNS = 50
MAX_DURATION = 3600.0
#: The knob a class moves first, on every page that has it.
HEADLINE_KNOB = "synthetic_fraction"
#: Seeds of the sessions start here (``--seed-base``): a second run against the same server
#: with another base finds none of its results cached.
SEED_BASE = 1000
#: Seeds of row r start at SEED_BASE + r * SEED_STRIDE: rows never share a seed.
SEED_STRIDE = MAX_SESSIONS + 1
SAMPLE_SECONDS = 0.5
#: Client addresses the warm-up uses with --distinct-client-ips (reaching every replica of a few).
WARMUP_ADDRESSES = 8
#: The soak's flatness window: the last five minutes (or the second half of a shorter soak).
FLAT_WINDOW = 300.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MIB = 2**20


# -- the server's processes, from /proc ------------------------------------------------------
def _parent_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(root: int, children: dict[int, list[int]]) -> list[int]:
    """``root`` and all its descendants."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def process_usage(pid: int) -> tuple[float, int]:
    """CPU-seconds (user + system, with reaped children) and resident bytes of one process; zeros if gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        cpu = sum(int(x) for x in fields[11:15]) / CLOCK_TICKS  # utime stime cutime cstime
        rss = 0
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                    break
        return cpu, rss
    except (OSError, IndexError, ValueError):
        return 0.0, 0


def machine_busy_seconds() -> float:
    """CPU-seconds all cores have spent busy since boot (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as handle:
        values = [int(x) for x in handle.readline().split()[1:9]]
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS


def find_streamlit_pids() -> list[int]:
    """Every ``streamlit run`` process on this machine (not their children, not this process)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                argv = [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
        except OSError:
            continue
        is_streamlit = any(Path(a).name == "streamlit" for a in argv[:3]) or "streamlit" in argv[1:3]
        if is_streamlit and "run" in argv:
            found.append(int(entry))
    children = _parent_map()
    nested = {p for pid in found for p in process_tree(pid, children)[1:]}
    return sorted(p for p in found if p not in nested)


@dataclass
class Sample:
    t: float  # time.monotonic()
    rss: int  # bytes, all sampled process trees
    cpu: float  # CPU-seconds, all sampled process trees
    cpu_by_root: dict[int, float]
    busy: float  # CPU-seconds of the whole machine
    own: float  # CPU-seconds of this process (the client)


class ResourceSampler(threading.Thread):
    """Samples CPU and RSS of the server's process trees every 0.5 s, in a thread of its own."""

    def __init__(self, roots: list[int], interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True, name="resource-sampler")
        self.roots, self.interval = roots, interval
        self.samples: list[Sample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def take(self) -> Sample:
        """One sample now (also kept)."""
        children = _parent_map()
        rss, by_root = 0, {}
        for root in self.roots:
            cpu_root = 0.0
            for pid in process_tree(root, children):
                cpu, resident = process_usage(pid)
                cpu_root += cpu
                rss += resident
            by_root[root] = cpu_root
        sample = Sample(time.monotonic(), rss, sum(by_root.values()), by_root, machine_busy_seconds(),
                        time.process_time())
        with self._lock:
            self.samples.append(sample)
        return sample

    def run(self) -> None:
        while not self._stop.wait(self.interval):
            self.take()

    def stop(self) -> None:
        self._stop.set()

    def between(self, start: float, end: float) -> list[Sample]:
        with self._lock:
            return [s for s in self.samples if start <= s.t <= end]

    def peak(self, start: float, end: float) -> int:
        return max((s.rss for s in self.between(start, end)), default=0)


# -- choosing the knob and its values ------------------------------------------------------
def choose_knob(session: Session) -> Widget | None:
    """``synthetic_fraction`` if the page has it, else its first enabled slider or select_slider."""
    headline = session.find_widget(HEADLINE_KNOB)
    if headline is not None and not headline.disabled:
        return headline
    return next((w for w in session.widgets.values()
                 if w.kind in ("slider", "select_slider") and not w.disabled and w.key), None)


def slider_grid(widget: Widget) -> list:
    """Every value a slider offers (its options for a select_slider), at most 1001 of them."""
    if widget.kind == "select_slider":
        return widget.options
    element = widget.element
    steps = max(1, round((element.max - element.min) / element.step)) if element.step > 0 else 100
    stride = max(1, math.ceil(steps / 1000))
    integer = element.data_type == element.INT
    return [round(element.min + k * element.step) if integer else round(element.min + k * element.step, 10)
            for k in range(0, steps + 1, stride)]


def next_value(widget: Widget, rng: random.Random):
    """A value of the knob other than the one it holds."""
    current = widget.value()
    choices = [v for v in slider_grid(widget) if not _same(v, current)]
    return rng.choice(choices) if choices else current


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-9
    return str(a) == str(b)


def knob_confirmed(key: str, value, query: str) -> bool | None:
    """Did the app write the knob's new value into its address? None if the address never names it."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    if key not in params:
        return None
    written = params[key].replace(",", "")
    if isinstance(value, (int, float)):
        try:
            return abs(float(written) - value) < 1e-6
        except ValueError:
            return False
    return written == str(value).replace(",", "")


# -- one row: N sessions on one page ---------------------------------------------------------
@dataclass
class RowResult:
    """The measurements of one (page, mode, N) row."""

    page: str
    mode: str
    sessions: int
    knob: str = ""  # the widget changed; "" if the page is only rerun
    loads: list[RunResult] = field(default_factory=list)
    reruns: list[RunResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per failed action, connect or skip
    confirmed: int = 0  # knob changes the app wrote into its address
    unconfirmed: list[str] = field(default_factory=list)  # changes the address contradicts
    cpu_load: float = 0.0  # server CPU-seconds during the first loads
    cpu_rerun: float = 0.0  # ... during the reruns (and a soak's fresh loads after reconnecting)
    first_loads: int = 0  # actions in the first-load phase
    later_actions: int = 0  # actions after it: reruns, and a soak's loads after reconnecting
    cpu_by_pid: dict[int, float] = field(default_factory=dict)
    other_cpu: float = 0.0  # CPU-seconds of every other process on the machine
    client_cpu: float = 0.0  # CPU-seconds of this bench
    seconds: float = 0.0
    rss_start: int = 0
    rss_peak: int = 0
    rss_end: int = 0
    rss_trend: list[tuple[float, int]] = field(default_factory=list)  # soak: (seconds, bytes) every report

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def chart_counts(self) -> list[int]:
        return sorted({r.charts for r in self.loads + self.reruns if r.ok})


@dataclass
class Plan:
    """What every row of one invocation does."""

    base_url: str
    reruns: int
    spread: float
    timeout: float
    deadline: float  # time.monotonic() after which no action starts
    distinct_ips: bool
    duration: float = 0.0
    think: float = 1.0
    report_every: float = 30.0
    reconnect_every: int = 0
    seed_base: int = SEED_BASE


def action_timeout(plan: Plan) -> float:
    return min(plan.timeout, plan.deadline - time.monotonic())


def record(row: RowResult, result: RunResult, bucket: list[RunResult]) -> None:
    bucket.append(result)
    if not result.ok:
        row.errors.append(result.describe())


def check_knob(row: RowResult, session_index: int, key: str, value, result: RunResult) -> None:
    if not result.ok:
        return
    confirmed = knob_confirmed(key, value, result.query_string)
    if confirmed:
        row.confirmed += 1
    elif confirmed is False:
        row.unconfirmed.append(f"session {session_index}: {key}={value!r} but the address says "
                               f"{dict(parse_qsl(result.query_string)).get(key)!r}")


def client_address(index: int, plan: Plan) -> str | None:
    """Session ``index``'s local address: 127.0.<index + 1>.1 with --distinct-client-ips (nginx's ip_hash
    keys on the first three octets), else the system's choice."""
    return f"127.0.{index % 254 + 1}.1" if plan.distinct_ips else None


class Student:
    """One session of a row, with its own address, seed and sequence of knob values."""

    def __init__(self, index: int, page: str, mode: str, row_number: int, plan: Plan):
        self.index, self.page, self.plan = index, page, plan
        unique = mode == "unique"
        self.seed = plan.seed_base + row_number * SEED_STRIDE + (index if unique else 0)
        # follow: one sequence for the whole class, as the teacher calls out the values
        self.rng = random.Random(f"{mode}/{page}/{self.seed}/{index if unique else 'class'}")
        self.jitter = random.Random(f"jitter/{page}/{self.seed}/{index}")
        self.query = urlencode({"seed": self.seed})
        self.session = Session(plan.base_url, timeout=plan.timeout, source_address=client_address(index, plan))
        self.knob: Widget | None = None

    async def connect(self, row: RowResult) -> bool:
        try:
            await asyncio.wait_for(self.session.connect(), timeout=max(1.0, action_timeout(self.plan)))
            return True
        except Exception as err:  # noqa: BLE001 - counted and reported
            row.errors.append(f"connect session {self.index}: {type(err).__name__}: {err}")
            return False

    async def pause(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(self.jitter.uniform(0, seconds))

    async def first_load(self, row: RowResult) -> None:
        await self.pause(self.plan.spread)
        if not self._can_act(row, "load"):
            return
        self.session.timeout = action_timeout(self.plan)
        result = await self.session.load(self.page, self.query)
        record(row, result, row.loads)
        if result.ok:
            self.knob = choose_knob(self.session)

    async def change_knob(self, row: RowResult, delay: float) -> None:
        await self.pause(delay)
        if not self._can_act(row, "rerun"):
            return
        self.session.timeout = action_timeout(self.plan)
        if self.knob is None:
            result = await self.session.rerun()
            record(row, result, row.reruns)
            return
        knob = self.session.find_widget(self.knob.key) or self.knob
        value = next_value(knob, self.rng)
        result = await self.session.set_widget(knob.key, value)
        record(row, result, row.reruns)
        check_knob(row, self.index, knob.key, value, result)

    async def reconnect(self, row: RowResult) -> None:
        """Leave and come back: a fresh session opens the page again (counted as a first load)."""
        await self.session.close()
        address = self.session.source_address
        self.session = Session(self.plan.base_url, timeout=self.plan.timeout, source_address=address)
        if await self.connect(row):
            await self.first_load(row)

    def _can_act(self, row: RowResult, action: str) -> bool:
        if not self.session.usable:
            return False  # its failure is already counted once
        if action_timeout(self.plan) < 1.0:
            row.errors.append(f"{action} of session {self.index} not run: the time limit (--max-seconds) is up")
            return False
        return True


async def run_row(page: str, mode: str, sessions: int, row_number: int, plan: Plan,
                  sampler: ResourceSampler | None) -> RowResult:
    """N sessions on one page: first loads, then rounds of knob changes (or a soak), measured."""
    row = RowResult(page=page, mode=mode, sessions=sessions)
    start_mark = sampler.take() if sampler else None
    started = time.monotonic()
    students = [Student(i, page, mode, row_number, plan) for i in range(sessions)]
    connected = await asyncio.gather(*(s.connect(row) for s in students))
    students = [s for s, ok in zip(students, connected) if ok]
    try:
        await asyncio.gather(*(s.first_load(row) for s in students))
        loads_mark = sampler.take() if sampler else None
        row.first_loads = len(row.loads)
        row.knob = next((s.knob.key for s in students if s.knob is not None), "")
        if plan.duration > 0:
            await soak(row, students, plan, sampler)
        else:
            for _ in range(plan.reruns):
                await asyncio.gather(*(s.change_knob(row, plan.spread) for s in students))
        end_mark = sampler.take() if sampler else None
        row.later_actions = len(row.loads) - row.first_loads + len(row.reruns)
    finally:
        await asyncio.gather(*(s.session.close() for s in students), return_exceptions=True)
    row.seconds = time.monotonic() - started
    if sampler:
        row.cpu_load = loads_mark.cpu - start_mark.cpu
        row.cpu_rerun = end_mark.cpu - loads_mark.cpu
        row.cpu_by_pid = {pid: end_mark.cpu_by_root.get(pid, 0.0) - cpu for pid, cpu in start_mark.cpu_by_root.items()}
        row.client_cpu = end_mark.own - start_mark.own
        row.other_cpu = max(0.0, end_mark.busy - start_mark.busy - (end_mark.cpu - start_mark.cpu) - row.client_cpu)
        row.rss_start, row.rss_end = start_mark.rss, end_mark.rss
        row.rss_peak = max(sampler.peak(start_mark.t, end_mark.t), start_mark.rss, end_mark.rss)
    return row


async def soak(row: RowResult, students: list[Student], plan: Plan, sampler: ResourceSampler | None) -> None:
    """Every session changes its knob until ``plan.duration`` is over; a report every ``report_every`` s."""
    start = time.monotonic()
    end = min(start + plan.duration, plan.deadline - plan.timeout)

    async def keep_going(student: Student) -> None:
        done = 0
        while time.monotonic() < end and student.session.usable:
            await student.change_knob(row, 0.0)
            done += 1
            if plan.reconnect_every and done % plan.reconnect_every == 0:
                await student.reconnect(row)
            pause = student.jitter.uniform(0.5 * plan.think, 1.5 * plan.think)
            await asyncio.sleep(max(0.0, min(pause, end - time.monotonic())))

    async def report() -> None:
        last_mark, last_count = (sampler.take() if sampler else None), 0
        while True:
            await asyncio.sleep(plan.report_every)
            mark = sampler.take() if sampler else None
            recent = [r.seconds for r in row.reruns[last_count:] if r.ok]
            last_count = len(row.reruns)
            elapsed = time.monotonic() - start
            line = (f"  soak {elapsed:6.0f} s  reruns {len(row.reruns):6d}  errors {row.error_count:4d}  "
                    f"rerun p50 {quantile(recent, 0.5):6.2f} s p95 {quantile(recent, 0.95):6.2f} s")
            if mark:
                cpu_share = (mark.cpu - last_mark.cpu) / max(mark.t - last_mark.t, 1e-9)
                line += f"  RSS {mark.rss / MIB:7.0f} MiB  server CPU {100 * cpu_share:4.0f} % of a core"
                row.rss_trend.append((elapsed, mark.rss))
                last_mark = mark
            print(line, file=sys.stderr, flush=True)

    reporter = asyncio.create_task(report())
    try:
        await asyncio.gather(*(keep_going(s) for s in students))
    finally:
        reporter.cancel()


# -- the report ----------------------------------------------------------------------------------
def quantile(values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation (nan for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _latencies(results: list[RunResult]) -> str:
    times = [r.seconds for r in results if r.ok]
    if not times:
        return f"{'-':>6} {'-':>6} {'-':>6}"
    return f"{quantile(times, 0.5):6.2f} {quantile(times, 0.95):6.2f} {max(times):6.2f}"


def _per_action(cpu: float, actions: int) -> str:
    return f"{cpu / actions:7.3f}" if actions else f"{'-':>7}"


HEADER = (f"{'page':<22} {'mode':<6} {'N':>3} | {'first load p50':>14} {'p95':>6} {'max':>6} | "
          f"{'rerun p50':>9} {'p95':>6} {'max':>6} | {'errors':>6} {'charts':>6} | "
          f"{'CPU-s/load':>10} {'/rerun':>7} | {'RSS MiB start':>13} {'peak':>5} {'end':>5} | {'other CPU':>9}")


def table_line(row: RowResult) -> str:
    counts = row.chart_counts()
    charts = "-" if not counts else str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    other = f"{100 * row.other_cpu / max(row.seconds, 1e-9):7.0f} %"
    return (f"{(row.page or '(main)')[:22]:<22} {row.mode:<6} {row.sessions:>3} | "
            f"{'':>8}{_latencies(row.loads)} | {'':>3}{_latencies(row.reruns)} | "
            f"{row.error_count:>6} {charts:>6} | "
            f"{'':>3}{_per_action(row.cpu_load, row.first_loads)} {_per_action(row.cpu_rerun, row.later_actions)} | "
            f"{row.rss_start / MIB:13.0f} {row.rss_peak / MIB:5.0f} {row.rss_end / MIB:5.0f} | {other}")


def details(row: RowResult) -> list[str]:
    """The notes under the table for one row: knob, client CPU, replicas, errors, unconfirmed changes."""
    name = f"{row.page or '(main)'} {row.mode} N={row.sessions}"
    changed = sum(1 for r in row.reruns if r.ok) if row.knob else 0
    lines = [(f"{name}: knob {row.knob or '(none: plain reruns)'}; {len(row.loads)} loads, {len(row.reruns)} reruns "
              f"in {row.seconds:.1f} s; knob changes written to the address {row.confirmed}/{changed}; "
              f"client CPU {row.client_cpu:.2f} s")]
    if len(row.cpu_by_pid) > 1:
        total = sum(row.cpu_by_pid.values()) or 1e-9
        lines.append("  server CPU by process: " + ", ".join(
            f"pid {pid} {cpu:.1f} s ({100 * cpu / total:.0f} %)" for pid, cpu in row.cpu_by_pid.items()))
    warnings = sorted({w for r in row.loads + row.reruns for w in r.warnings + r.error_alerts})
    for warning in warnings[:3]:
        lines.append(f"  shown on the page: {warning[:160]}")
    for error in sorted(set(row.errors))[:5]:
        lines.append(f"  ERROR {error}")
    if len(set(row.errors)) > 5:
        lines.append(f"  ... {len(set(row.errors)) - 5} more kinds of error")
    for note in row.unconfirmed[:3]:
        lines.append(f"  unconfirmed change: {note}")
    if row.rss_trend:
        lines.append("  " + rss_flatness(row.rss_trend, row.seconds))
    return lines


def rss_flatness(trend: list[tuple[float, int]], seconds: float) -> str:
    """RSS at the end of a soak, and its range and slope over the last five minutes (or the second half)."""
    window_start = max(trend[-1][0] - FLAT_WINDOW, trend[-1][0] / 2)
    window = [(t, rss) for t, rss in trend if t >= window_start]
    values = [rss / MIB for _, rss in window]
    slope = 0.0
    if len(window) >= 2:
        times = [t / 60 for t, _ in window]
        mean_t, mean_v = statistics.fmean(times), statistics.fmean(values)
        spread = sum((t - mean_t) ** 2 for t in times)
        slope = sum((t - mean_t) * (v - mean_v) for t, v in zip(times, values)) / spread if spread else 0.0
    return (f"RSS after {trend[-1][0]:.0f} s: {values[-1]:.0f} MiB; over the last {trend[-1][0] - window[0][0]:.0f} s "
            f"{min(values):.0f}-{max(values):.0f} MiB, slope {slope:+.1f} MiB/min")


def print_report(rows: list[RowResult], title: str) -> None:
    print()
    print(title)
    print(HEADER)
    print("-" * len(HEADER))
    for row in rows:
        print(table_line(row))
    print()
    for row in rows:
        for line in details(row):
            print(line)


# -- the invocation ------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", nargs="*", default=None, metavar="PATH",
                        help='URL paths of the pages ("" = main page); default: every page the server lists')
    parser.add_argument("--sessions", nargs="+", type=int, default=[10], metavar="N",
                        help=f"numbers of concurrent sessions, one row each (default 10; at most {MAX_SESSIONS})")
    parser.add_argument("--reruns", type=int, default=5, help="knob-change rounds per row (default 5)")
    parser.add_argument("--unique", action="store_true", help="every session its own seed and values (default)")
    parser.add_argument("--follow", action="store_true", help="every session the same address and values")
    parser.add_argument("--spread", type=float, default=1.0,
                        help="each session acts at a random moment within this many seconds of the round's start "
                             "(default 1)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds an action may take (default 120)")
    parser.add_argument("--max-seconds", type=float, default=1800.0,
                        help="time limit of the whole invocation (default 1800)")
    parser.add_argument("--url", help="drive this running server or load balancer (on 127.0.0.1) "
                                      "instead of starting one")
    parser.add_argument("--pid", type=int, action="append", default=[],
                        help="with --url: a server process to sample (repeatable); default: every "
                             "`streamlit run` process found in /proc")
    parser.add_argument("--script", default="dashboard.py", help="the app's entry script (default dashboard.py)")
    parser.add_argument("--distinct-client-ips", action="store_true",
                        help="connect session i from 127.0.i.1 (spreads sessions over nginx ip_hash replicas)")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the unmeasured first load of every page (imports, caches of constants)")
    parser.add_argument("--duration", type=float, default=0.0,
                        help="soak: keep the sessions changing knobs for this many seconds instead of --reruns")
    parser.add_argument("--think", type=float, default=1.0,
                        help="soak: mean pause of a session between its actions (default 1 s)")
    parser.add_argument("--report-every", type=float, default=30.0, help="soak: seconds between reports (30)")
    parser.add_argument("--reconnect-every", type=int, default=0,
                        help="soak: a session leaves and opens the page afresh after this many reruns (0 = never)")
    parser.add_argument("--max-rss-mib", type=float, default=None,
                        help="count a sampled RSS above this many MiB as an error")
    parser.add_argument("--seed-base", type=int, default=SEED_BASE,
                        help=f"first seed of the sessions (default {SEED_BASE}); change it to rerun against a "
                             "server whose caches hold the last run's results")
    parser.add_argument("--json", type=Path, help="also write every row's numbers to this file")
    args = parser.parse_args(argv)
    if not all(1 <= n <= MAX_SESSIONS for n in args.sessions):
        parser.error(f"--sessions must be from 1 to {MAX_SESSIONS}")
    if not 0 <= args.reruns <= MAX_RERUNS:
        parser.error(f"--reruns must be from 0 to {MAX_RERUNS}")
    if not 0 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be from 0 to {MAX_DURATION:.0f} s")
    if args.timeout <= 0 or args.max_seconds <= 0 or args.spread < 0 or args.think < 0 or args.report_every <= 0:
        parser.error("--timeout, --max-seconds and --report-every must be positive; --spread and --think not negative")
    if args.url:
        try:
            require_local(args.url)
        except ValueError as err:
            parser.error(str(err))
    return args


def modes(args: argparse.Namespace) -> list[str]:
    chosen = [m for m, on in (("unique", args.unique), ("follow", args.follow)) if on]
    return chosen or ["unique"]


async def run_bench(base_url: str, pages: list[str] | None, sessions: list[int], mode_names: list[str],
                    plan: Plan, roots: list[int], warmup: bool = True) -> list[RowResult]:
    """Every (page, mode, N) row against ``base_url``, sampling the process trees ``roots``.

    Parameters
    ----------
    base_url : str
        ``http://127.0.0.1:PORT`` of the server or load balancer.
    pages : list of str or None
        URL paths; None: every page the server's navigation message lists.
    sessions, mode_names : list
        Numbers of sessions and modes ("unique", "follow"); one row per combination and page.
    plan : Plan
        Reruns, spread, timeouts and the deadline (and the soak's settings).
    roots : list of int
        Server processes to sample (each with its children); empty: no CPU or RSS figures.
    warmup : bool
        First open every page once, unmeasured.

    Returns
    -------
    list of RowResult
        In the order run; rows not started before the deadline carry one error each.
    """
    if pages is None:
        pages = await asyncio.wait_for(discover_pages(base_url, plan.timeout), plan.timeout)
    sampler = ResourceSampler(roots) if roots else None
    if sampler:
        sampler.take()
        sampler.start()
    rows = []
    try:
        if warmup:
            # from several addresses when they pick the replica: every replica imports its modules
            addresses = {client_address(i, plan) for i in range(min(max(sessions), WARMUP_ADDRESSES))}
            for page in pages:
                for address in sorted(addresses, key=str):
                    async with Session(base_url, timeout=min(plan.timeout, 60.0), source_address=address) as session:
                        await session.load(page)  # a failure shows again, counted, in the rows
        row_number = 0
        for page in pages:
            for mode in mode_names:
                for n in sessions:
                    row_number += 1
                    if action_timeout(plan) < 1.0:
                        row = RowResult(page=page, mode=mode, sessions=n)
                        row.errors.append("row not run: the time limit (--max-seconds) is up")
                        rows.append(row)
                        continue
                    print(f"  {page or '(main)'} {mode} N={n} ...", file=sys.stderr, flush=True)
                    row = await run_row(page, mode, n, row_number, plan, sampler)
                    print(f"    {len(row.loads)} loads, {len(row.reruns)} reruns, {row.error_count} errors, "
                          f"{row.seconds:.1f} s", file=sys.stderr, flush=True)
                    rows.append(row)
    finally:
        if sampler:
            sampler.stop()
    return rows


def over_rss_limit(rows: list[RowResult], limit_mib: float | None) -> None:
    if limit_mib is None:
        return
    for row in rows:
        if row.rss_peak > limit_mib * MIB:
            row.errors.append(f"RSS peak {row.rss_peak / MIB:.0f} MiB over --max-rss-mib {limit_mib:g}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    # the last action must end before the limit: leave room for the server's start and the warm-up
    plan = Plan(base_url="", reruns=args.reruns, spread=args.spread, timeout=args.timeout,
                deadline=started + args.max_seconds, distinct_ips=args.distinct_client_ips,
                duration=args.duration, think=args.think, report_every=args.report_every,
                reconnect_every=args.reconnect_every, seed_base=args.seed_base)
    server = None
    try:
        if args.url:
            plan.base_url = args.url.rstrip("/")
            roots = args.pid or find_streamlit_pids()
            if not roots:
                print("warning: no streamlit process found to sample (give --pid)", file=sys.stderr)
            target = f"{plan.base_url} (sampling pids {', '.join(map(str, roots)) or 'none'})"
        else:
            from streamlit_server import StreamlitServer  # tests/: one server class for tests and benchmarks

            server = StreamlitServer(REPO_ROOT / args.script)
            server.wait_healthy()
            plan.base_url, roots = server.url, [server.process.pid]
            target = f"its own `streamlit run {args.script}` at {server.url} (pid {server.process.pid})"
        rows = asyncio.run(asyncio.wait_for(
            run_bench(plan.base_url, [page.strip("/") for page in args.pages or []] or None, args.sessions, modes(args), plan, roots,
                      not args.no_warmup),
            timeout=max(1.0, plan.deadline - time.monotonic()) + 30))
    except TimeoutError:
        print(f"error: the bench overran its time limit (--max-seconds {args.max_seconds:g})", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
    over_rss_limit(rows, args.max_rss_mib)
    what = (f"soak {args.duration:.0f} s" if args.duration else f"{args.reruns} reruns") + f", spread {args.spread:g} s"
    print_report(rows, f"Load on {target}; {os.cpu_count()} cores; {what}; "
                       f"{time.monotonic() - started:.0f} s in all")
    if args.json:
        args.json.write_text(json.dumps([row_json(r) for r in rows], indent=1))
    errors = sum(r.error_count for r in rows)
    print(f"\n{errors} error{'s' if errors != 1 else ''}")
    return 1 if errors else 0


def row_json(row: RowResult) -> dict:
    data = asdict(row)
    for name in ("loads", "reruns"):
        data[name] = [{"seconds": r.seconds, "status": r.status, "charts": r.charts, "bytes": r.bytes_received}
                      for r in getattr(row, name)]
    return data


if __name__ == "__main__":
    sys.exit(main())
