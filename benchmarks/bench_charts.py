"""How long each page's charts take to build: today's dict builder against the go.Figure builder it replaced.

Both are measured in one run on the same scenarios (each page's defaults):
the old builder is the lab as it was at ``BASELINE`` (``git archive`` of
that commit, imported in a subprocess so its ``collapse`` package does not
clash with this one). Printed per page: the median build time of all its
charts (the simulation is done before timing), the time to serialise them
as Streamlit does (``plotly.io.to_json``, after Streamlit's own conversion),
and the ratios. Target: the dashboard's four charts in <= 30 ms, >= 8x faster.

    python benchmarks/bench_charts.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import plotly.io as pio
import plotly.tools

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collapse.app.frame import _Built  # noqa: E402
from collapse.charts import all_charts  # noqa: E402
from collapse.runner import simulate  # noqa: E402
from collapse.scenario import Scenario  # noqa: E402

#: The last commit with the go.Figure builder (collapse/figures.py).
BASELINE = "4171e31"
#: Each page's default scenario (as the pages set them).
PAGES = {
    "dashboard": dict(),
    "vocabulary": dict(world="english", model="categorical", vocabulary_size=5_000, sample_size=10_000,
                       generations=100, replicates=20),
    "polluted web": dict(data_source="web", generations=40, sample_size=50, replicates=100, ai_output=0.1,
                         ai_growth=0.25, human_decline=0.6, retrieval_share=0.5),
    "shapes": dict(world="mixture_2d", model="gaussian_mixture", sample_size=100, generations=30, replicates=3),
    "digits": dict(world="digits", model="gaussian_mixture", n_components=10, bandwidth=1.0, sample_size=300,
                   generations=15, replicates=2),
}

#: Run by the old lab's Python: builds each page's charts with its builders, prints medians in ms.
OLD_TIMER = r"""
import json, statistics, sys, time
import plotly.io as pio, plotly.tools
from collapse import figures, loop, web
from collapse.metrics import summarize
from collapse.scenario import Scenario
pages, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
def builders(knobs):
    s = Scenario(**knobs)
    if s.data_source == "web":
        results, composition = loop.run(s), web.web_composition(s)
        return lambda: {"web": figures.web_composition_chart(composition, s),
                        "web_quality": figures.web_quality_chart(results, composition, s, summarize(results)),
                        "web_training": figures.web_training_share_chart(composition, s)}
    if s.is_vocabulary:
        run = loop.simulate_vocabulary(s)
        return lambda: figures.all_vocabulary_charts(run, s)
    if s.is_sampled:
        run = loop.simulate_samples(s)
        build = figures.shapes_charts if s.world == "mixture_2d" else figures.digits_charts
        return lambda: build(run, s)
    results = loop.run(s)
    return lambda: figures.all_charts(results, s)
out = {}
for name, knobs in pages.items():
    build = builders(knobs)
    build()
    times, sends = [], []
    for _ in range(repeats):
        start = time.perf_counter(); charts = build(); times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for figure, _ in charts.values():
            pio.to_json(plotly.tools.return_figure_from_figure_or_data(figure, True), validate=False)
        sends.append(time.perf_counter() - start)
    out[name] = (1e3 * statistics.median(times), 1e3 * statistics.median(sends), len(charts))
print(json.dumps(out))
"""


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def time_new(repeats: int) -> dict:
    out = {}
    for name, knobs in PAGES.items():
        scenario = Scenario(**knobs)
        run = simulate(scenario)
        all_charts(run, scenario)
        times, sends = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            charts = all_charts(run, scenario)
            times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for figure, _ in charts.values():  # what st.plotly_chart does with the app's figures
                pio.to_json(plotly.tools.return_figure_from_figure_or_data(_Built(figure.to_dict()), True),
                            validate=False)
            sends.append(time.perf_counter() - start)
        out[name] = (1e3 * median(times), 1e3 * median(sends), len(charts))
    return out


def time_old(repeats: int) -> dict:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE, "collapse"], check=True,
                             capture_output=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        tarfile.open(fileobj=BytesIO(archive)).extractall(folder)
        done = subprocess.run([sys.executable, "-c", OLD_TIMER, json.dumps(PAGES), str(repeats)], cwd=folder,
                              check=True, capture_output=True, text=True, env={"PYTHONPATH": folder, "PATH": ""})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    new, old = time_new(args.repeats), time_old(args.repeats)
    print(f"Charts of each page at its defaults, median of {args.repeats} (ms); old = {BASELINE} (go.Figure)")
    print(f"{'page':<14}{'charts':>7}{'old build':>11}{'new build':>11}{'ratio':>8}"
          f"{'old send':>10}{'new send':>10}{'ratio':>8}")
    for name in PAGES:
        (nb, ns, count), (ob, os_, _) = new[name], old[name]
        print(f"{name:<14}{count:>7}{ob:>11.1f}{nb:>11.1f}{ob / nb:>7.1f}x{os_:>10.1f}{ns:>10.1f}{os_ / ns:>7.1f}x")
    build = new["dashboard"][0]
    print(f"dashboard: four charts built in {build:.1f} ms (target <= 30 ms), "
          f"{old['dashboard'][0] / build:.1f}x faster than before (target >= 8x)")


if __name__ == "__main__":
    main()
