import io
import json

import pandas as pd

from collapse.export import file_stem, results_csv, results_json
from collapse.runner import run
from collapse.scenario import Scenario


def test_csv_round_trips_to_ten_digits():
    results = run(Scenario(generations=4, replicates=3))
    back = pd.read_csv(io.StringIO(results_csv(results)))
    assert list(back.columns) == list(results.columns)
    assert ((back["std"] - results["std"]).abs() < 1e-9).all()
    assert "\r" not in results_csv(results)


def test_json_and_file_stem():
    scenario = Scenario(generations=2, replicates=2, synthetic_fraction=0.25, seed=3)
    data = json.loads(results_json(run(scenario), scenario))
    assert data["scenario"]["synthetic_fraction"] == 0.25 and len(data["rows"]) == 6
    assert file_stem(scenario) == "model-collapse_gaussian_s0.25_G2_M100_replace_seed3"


# -- charts as files that stand alone: chart(), export_figure(), python -m collapse figure ------------
import html  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import struct  # noqa: E402
from pathlib import Path  # noqa: E402

import plotly.graph_objects as go  # noqa: E402
import pytest  # noqa: E402

from collapse.charts import CHART_NAMES, REGISTRY  # noqa: E402
from collapse.charts.style import Figure  # noqa: E402
from collapse.cli import main  # noqa: E402
from collapse.export import (  # noqa: E402
    EXPORT_WIDTH,
    chart,
    export_figure,
    scenario_footnote,
    standalone_figure,
)

CHARTS_1D, CHARTS_VOCABULARY, CHARTS_WEB = (REGISTRY[kind][0] for kind in ("gaussian", "vocabulary", "web"))
SMALL = Scenario(generations=30, replicates=50)
SMALL_WORDS = Scenario(world="english", model="categorical", vocabulary_size=500, sample_size=2_000,
                       generations=20, replicates=5)
SMALL_WEB = Scenario(data_source="web", generations=20, sample_size=50, replicates=30, ai_growth=0.25,
                     human_decline=0.6, retrieval_share=0.5)
FITS = {**{n: SMALL for n in CHARTS_1D}, **{n: SMALL_WORDS for n in CHARTS_VOCABULARY},
        **{n: SMALL_WEB for n in CHARTS_WEB}}
SMALL_SHAPES = Scenario(world="mixture_2d", sample_size=50, generations=3, replicates=1)
SMALL_DIGITS = Scenario(world="digits", sample_size=50, generations=2, replicates=1)
SMALL_TEXT = Scenario(world="sherlock", sample_size=2_000, generations=3, replicates=2)
FITS = {**FITS, **{n: SMALL_SHAPES for n in REGISTRY["shapes"][0]}, **{n: SMALL_DIGITS for n in REGISTRY["digits"][0]},
        **{n: SMALL_TEXT for n in REGISTRY["text"][0]}}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="module")
def image_export(tmp_path_factory):
    """None if kaleido can draw PNG and SVG here; otherwise skip (fail on CI) with the reason."""
    probe = tmp_path_factory.mktemp("probe") / "probe.svg"
    try:
        export_figure(go.Figure(go.Scatter(y=[1, 2])), "probe", SMALL, probe)
    except RuntimeError as err:
        reason = f"PNG and SVG export cannot run here: {err}"
        if _ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def distribution():
    return chart("distribution", SMALL)


def text_of_svg(svg: str) -> str:
    """Every text of an SVG, tags removed, entities decoded, whitespace collapsed."""
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return " ".join(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", t)).split()) for t in texts)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("name", CHART_NAMES)
def test_every_chart_is_drawn_for_a_scenario_it_fits(name):
    figure, caption = chart(name, FITS[name])
    assert isinstance(figure, Figure) and figure.data
    go.Figure(figure.to_dict())  # plotly's validation: the app skips it, so every chart is checked here
    assert re.search(r"\d", caption)


@pytest.mark.parametrize("name", CHART_NAMES)
def test_a_chart_refuses_scenarios_it_does_not_fit_in_one_line(name):
    for scenario in {SMALL, SMALL_WORDS, SMALL_WEB, SMALL_SHAPES, SMALL_DIGITS, SMALL_TEXT} - {FITS[name]}:
        if name in CHARTS_WEB and scenario.data_source == "web":
            continue
        with pytest.raises(ValueError) as info:
            chart(name, scenario)
        message = str(info.value)
        assert "\n" not in message and message.startswith(f"chart {name} needs ")
    if name in CHARTS_VOCABULARY:
        message = str(pytest.raises(ValueError, chart, name, SMALL).value)
        assert re.search(r"needs a vocabulary world \(english.* zipf", message)
    if name in CHARTS_1D:
        assert re.search(r"needs a 1-D world \(gaussian, heavy_tailed, bimodal",
                         str(pytest.raises(ValueError, chart, name, SMALL_WORDS).value))


def test_an_unknown_chart_is_refused():
    with pytest.raises(ValueError, match=r"unknown chart 'pie': use one of distribution, tails"):
        chart("pie", SMALL)


def test_the_footnote_names_the_scenario():
    assert scenario_footnote(Scenario()) == ("Model Collapse Lab · world=gaussian, synthetic_fraction=1, "
                                             "generations=100, sample_size=100, replicates=200, seed=7")
    web = scenario_footnote(SMALL_WEB)
    assert "data_source=web" in web and "human_decline=0.6" in web and "synthetic_fraction" not in web
    assert scenario_footnote(Scenario(tail_thresholds=(1.5, 2.5))).endswith("tail_thresholds=1.5 2.5, seed=7")


def test_the_exported_figure_is_static_and_the_input_is_untouched(distribution):
    figure, caption = distribution
    before = json.dumps(figure.to_dict(), default=repr)
    assert figure.frames and figure.layout["sliders"] and figure.layout["updatemenus"]  # the app's animation
    static = standalone_figure(figure, caption, SMALL)
    assert not static.frames and not static.layout.sliders and not static.layout.updatemenus
    assert json.dumps(figure.to_dict(), default=repr) == before
    texts = [a.text for a in static.layout.annotations]
    assert " ".join(texts[-2].split("<br>")) == html.escape(caption, quote=False)
    assert " ".join(texts[-1].split("<br>")) == scenario_footnote(SMALL)
    assert static.layout.width == EXPORT_WIDTH and static.layout.height > 480


def test_an_unknown_suffix_is_refused(tmp_path, distribution):
    with pytest.raises(ValueError, match=r"must end in \.png, \.svg or \.html"):
        export_figure(*distribution, SMALL, tmp_path / "chart.pdf")
    assert not (tmp_path / "chart.pdf").exists()


def test_png_is_a_sharp_image_at_twice_the_layout_width(image_export, tmp_path, distribution):
    figure, caption = distribution
    path = export_figure(figure, caption, SMALL, tmp_path / "distribution.png")
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 20_000
    width, height = png_size(data)
    assert width == 2 * EXPORT_WIDTH  # the figure sets no width: the export's own
    assert height == 2 * standalone_figure(figure, caption, SMALL).layout.height

    narrow, caption = chart("tails", SMALL)
    narrow.update_layout(width=640)
    width, _ = png_size(export_figure(narrow, caption, SMALL, tmp_path / "tails.png").read_bytes())
    assert width == 2 * 640


def test_svg_holds_the_caption_and_the_footnote(image_export, tmp_path):
    figure, caption = chart("tails", SMALL)
    svg = export_figure(figure, caption, SMALL, tmp_path / "tails.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg")
    text = text_of_svg(svg)
    assert caption in text and scenario_footnote(SMALL) in text
    assert "Tails disappearing" in text


def test_html_stands_alone_offline_with_its_caption(tmp_path):
    figure, caption = chart("surviving", SMALL_WORDS)
    page = export_figure(figure, caption, SMALL_WORDS, tmp_path / "words.html").read_text(encoding="utf-8")
    # the figure's JSON escapes characters as \uXXXX (plotly 7 escapes every non-ASCII one, e.g. "·")
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda code: chr(int(code.group(1), 16)), page)
    shown = text.replace("<br>", " ")  # the caption's line breaks
    assert caption in shown and scenario_footnote(SMALL_WORDS) in shown
    assert "plotly.js v" in page and len(page) > 1_000_000  # the library itself, inline
    assert not re.search(r"<script[^>]*\bsrc=", page)  # nothing to fetch: works offline
    assert f"<title>{html.escape(figure.layout['title']['text'])}</title>" in page  # the chart's title names the tab


def run_figure(args, capsys) -> tuple[int, str]:
    try:
        code = main(["figure", *args])
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr().err


def test_the_command_writes_html_and_png(capsys, tmp_path, image_export):
    target = tmp_path / "web.html"
    code, err = run_figure(["--chart", "web", "--data-source", "web", "--generations", "20", "--output",
                            str(target)], capsys)
    assert code == 0 and err == "" and target.stat().st_size > 1_000_000
    assert "By year" in target.read_text(encoding="utf-8")
    target = tmp_path / "tails.png"
    code, err = run_figure(["--chart", "tails", "--generations", "30", "--replicates", "50", "-o", str(target)],
                           capsys)
    assert code == 0 and err == "" and target.read_bytes()[:8] == PNG_MAGIC


@pytest.mark.parametrize("args,words", [
    (["--chart", "pie", "--output", "x.png"], "argument --chart: invalid choice: 'pie'"),
    (["--chart", "tails", "--generations", "0", "--output", "x.png"], "--generations"),
    (["--chart", "tails", "--synthetic-fraction", "lots", "--output", "x.png"], "--synthetic-fraction"),
    (["--chart", "rank_frequency", "--output", "x.png"], "chart rank_frequency needs a vocabulary world"),
    (["--chart", "web", "--output", "x.html"], "chart web needs data_source web"),
    (["--chart", "tails", "--output", "x.pdf"], "must end in .png, .svg or .html"),
    (["--chart", "tails", "--output", "no/such/folder/x.png"], "cannot write --output"),
    (["--chart", "tails"], "--output"),
])
def test_command_errors_exit_2_with_one_line(args, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = run_figure(args, capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("python -m collapse figure: error: ") and words in err
    assert list(Path(tmp_path).iterdir()) == []
