"""About the model: what model collapse is, what every knob and chart means, and the maths.

The words are in ``collapse/app/text/about.md``; this page fills in the knob
table (from ``collapse.knobs.KNOBS``) and every number (from
``collapse.theory``), so it stays in sync with the engine.
"""

import math

import pandas as pd
import streamlit as st

from collapse import app, theory
from collapse.app import prose
from collapse.knobs import KNOBS, format_value
from collapse.scenario import Scenario

M = 100  # training examples per generation in the live illustration
GENERATIONS = (10, 100, 1000)
SYNTHETIC_FRACTIONS = (0.5, 0.9, 0.99, 1.0)
LOW_TEMPERATURE = 0.9

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def shown(x: float) -> str:
    """A number with 4 significant digits, as shown on this page (0.3660, 4.317 × 10⁻⁵)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:#.4g}"
    mantissa, exponent = f"{x:.3e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def plain(text: str) -> str:
    """Knob help as literal markdown table text (no table breaks, no maths)."""
    return " ".join(text.split()).replace("|", "\\|").replace("$", "\\$")


def knob_row(name: str, knob) -> str:
    try:
        allowed = knob.allowed()
    except Exception:  # noqa: BLE001 - a knob kind this page does not know yet
        allowed = "see `python -m collapse run --help`"
    try:
        default = f"`{format_value(getattr(Scenario(), name))}`"
    except Exception:  # noqa: BLE001 - a knob without a default
        default = ""
    return f"| `{name}` | {plain(knob.help)} | {plain(allowed)} | {default} |"


def knob_table() -> str:
    """Every knob, its meaning, its allowed values and its default, as a markdown table."""
    rows = [knob_row(name, knob) for name, knob in KNOBS.items()]
    return "\n".join(["| Knob | What it means | Allowed values | Default |", "| --- | --- | --- | --- |", *rows])


def variance_table() -> pd.DataFrame:
    """Only synthetic data: the average and median variance and the mean's drift, by generation."""
    n = list(GENERATIONS)
    return pd.DataFrame({
        "Generation n": [str(g) for g in n],
        "Average variance E[σₙ²]": [shown(v) for v in theory.expected_variance(n, M)],
        "Typical run: median σₙ²": [shown(v) for v in theory.median_variance(n, M)],
        "Squared drift of the mean E[(μₙ − μ₀)²]": [shown(v) for v in theory.expected_drift(n, M)],
    })


def stationary_table() -> pd.DataFrame:
    """With fresh data: where the variance and the drift settle, by synthetic fraction."""
    s = SYNTHETIC_FRACTIONS
    return pd.DataFrame({
        "Synthetic fraction s": [f"{f:g}" for f in s],
        "Fresh share a": [f"{1 - f:.2f}" for f in s],
        "Stationary variance v*": [shown(theory.stationary_variance(M, f)) for f in s],
        "Stationary squared drift D*": [shown(theory.stationary_drift(M, f)) for f in s],
        f"v* at temperature {LOW_TEMPERATURE} (M → ∞)": [
            shown(theory.stationary_variance_biased_sampling(f, LOW_TEMPERATURE)) for f in s],
    })


#: The live values the text's placeholders name.
LIVE = {
    "M": M,
    "knob_table": knob_table(),
    "half_mean": f"{math.log(0.5) / math.log((M - 1) / M):.0f}",
    "half_median": f"{math.log(0.5) / float(theory.log_variance_mean(1, M)):.0f}",
    "low_temperature": LOW_TEMPERATURE,
    "bound": shown(theory.accumulate_drift_bound(M)),
    "replace_drift": shown(float(theory.expected_drift(GENERATIONS[-1], M))),
    "last_generation": GENERATIONS[-1],
}

app.start_view()
st.title("About the model")
for section in ("intro", "plain_words", "knobs", "charts", "maths", "variance"):
    prose.write("about", section, LIVE)
st.table(variance_table(), hide_index=True)
prose.write("about", "stationary", LIVE)
st.table(stationary_table(), hide_index=True)
for section in ("accumulating", "references"):
    prose.write("about", section, LIVE)
