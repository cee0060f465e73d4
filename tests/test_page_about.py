"""The "About the model" page: it runs, explains every knob, renders the maths
and shows live numbers that agree with SCIENCE.md's closed forms."""

import math
from pathlib import Path

import pytest
from scipy.special import digamma
from streamlit.testing.v1 import AppTest

from collapse.app import prose
from collapse.knobs import KNOBS

# AppTest resolves a relative path against this file, so anchor it at the repo root.
PAGE = Path(__file__).resolve().parents[1] / "pages" / "9_About_the_model.py"

REFERENCES = [
    "https://www.nature.com/articles/s41586-024-07566-y",
    "https://arxiv.org/abs/2404.01413",
    "https://arxiv.org/abs/2307.01850",
    "https://arxiv.org/abs/2310.00429",
    "https://arxiv.org/abs/2402.07043",
    "https://arxiv.org/abs/2404.05090",
    "https://arxiv.org/abs/2410.16713",
]


@pytest.fixture(scope="module")
def app():
    return AppTest.from_file(str(PAGE), default_timeout=30).run()


def page_text(at) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def table_with(at, column):
    for table in at.table:
        if column in table.value.columns:
            return table.value
    raise AssertionError(f"no table with a column {column!r}")


def cell(frame, key_column, key, column):
    rows = frame[frame[key_column] == key]
    assert len(rows) == 1, f"no single row with {key_column} = {key!r}"
    return rows[column].iloc[0]


def test_page_runs_without_exception(app):
    assert not app.exception
    assert app.title[0].value == "About the model"


def test_every_knob_is_named_with_its_allowed_values(app):
    text = page_text(app)
    for name, knob in KNOBS.items():
        assert f"`{name}`" in text, f"knob {name} is not explained"
        assert knob.allowed() in text, f"allowed values of {name} are missing"


def test_formulas_are_rendered_as_latex(app):
    formulas = [e.value for e in app.latex]
    assert len(formulas) >= 8
    joined = "\n".join(formulas)
    for piece in (r"\left(\frac{M-1}{M}\right)^{n}", r"a(2-a)M + 1 - a", r"\frac{\pi^2}{6}",
                  r"\operatorname{Multinomial}(M, p_n)"):
        assert piece in joined


def test_live_variance_table_matches_the_closed_forms(app):
    M = 100
    frame = table_with(app, "Average variance E[σₙ²]")
    # E[sigma2_n] = ((M-1)/M)^n, shown to 4 significant digits: 0.99^100 = 0.3660
    shown = cell(frame, "Generation n", "100", "Average variance E[σₙ²]")
    assert shown == f"{(99 / 100) ** 100:#.4g}" == "0.3660"
    # the lost variance becomes squared drift of the mean: 1 - 0.99^10
    shown = cell(frame, "Generation n", "10", "Squared drift of the mean E[(μₙ − μ₀)²]")
    assert abs(float(shown) - (1 - 0.99**10)) < 5e-5
    # the median follows the log random walk: exp(n (psi((M-1)/2) + ln 2 - ln M))
    median = math.exp(100 * (digamma((M - 1) / 2) + math.log(2) - math.log(M)))
    shown = cell(frame, "Generation n", "100", "Typical run: median σₙ²")
    assert abs(float(shown) - median) < 5e-4
    assert float(shown) < 0.5 * (99 / 100) ** 100  # the median falls faster than the mean


def test_live_stationary_table_matches_the_closed_forms(app):
    M = 100
    frame = table_with(app, "Stationary variance v*")
    for s in (0.5, 0.9, 0.99):
        a = 1 - s
        d_star = 1 / (a * (2 - a) * M + 1 - a)
        shown = cell(frame, "Synthetic fraction s", f"{s:g}", "Stationary variance v*")
        assert abs(float(shown) - (1 - d_star)) < 5e-4, s
    # s = 0.9: v* = 1 - 1/19.9 = 0.9497; only synthetic data: collapse to 0
    assert cell(frame, "Synthetic fraction s", "0.9", "Stationary variance v*") == "0.9497"
    assert cell(frame, "Synthetic fraction s", "1", "Stationary variance v*") == "0"
    # temperature 0.9, s = 0.9, unlimited data: a / (1 - T (1 - a)) = 0.1 / 0.19
    shown = cell(frame, "Synthetic fraction s", "0.9", "v* at temperature 0.9 (M → ∞)")
    assert shown == "0.5263"


def test_every_reference_is_linked(app):
    text = page_text(app)
    for url in REFERENCES:
        assert f"]({url})" in text, f"missing link {url}"


def test_the_words_name_any_live_number_the_page_forgot():
    with pytest.raises(KeyError, match=r"about.md, section 'stationary': no value for placeholder \{\{half_mean\}\}"):
        prose.text("about", "stationary", M=100)
    # LaTeX braces are left alone; only {{name}} is filled
    assert prose.fill(r"\frac{M-1}{M} = {{x}}", {"x": 0.99}) == r"\frac{M-1}{M} = 0.99"
