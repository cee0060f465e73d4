"""About the model: what model collapse is, what every knob and chart means, and the maths.

Plain words first, for students and journalists; formulas after, for
researchers. Knobs come from ``collapse.scenario.KNOBS`` and every number from
``collapse.theory``, so this page stays in sync with the engine.
"""

import math
import sys
from pathlib import Path

import pandas as pd
import streamlit as st

# `streamlit run pages/9_About_the_model.py` puts only pages/ on the path
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from collapse import theory  # noqa: E402
from collapse.scenario import KNOBS, Scenario, format_value  # noqa: E402

st.set_page_config(page_title="About the model", layout="wide")

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
    except Exception:  # a knob kind this page does not know yet
        allowed = "see `python -m collapse run --help`"
    try:
        default = f"`{format_value(getattr(Scenario(), name))}`"
    except Exception:
        default = ""
    return f"| `{name}` | {plain(knob.help)} | {plain(allowed)} | {default} |"


st.title("About the model")
st.markdown(
    "What this lab simulates, what every knob and chart means, and the mathematics "
    "behind it: plain words first, formulas for researchers further down."
)

# ---------------------------------------------------------------------------
st.header("Model collapse in plain words")
st.markdown(
    """
A generative model (a chatbot, an image generator, or here a very simple
statistical model) learns to imitate the data it is trained on. More and more
of the text and pictures online are now written by such models, so the next
model is partly trained on the output of the last one. Each copy is like a
photocopy of a photocopy: a little detail is lost every time. **Rare things are
missed first, small errors pile up, and after enough rounds the model describes
a narrower, shifted world** that no longer matches the real one. Researchers
call this *model collapse* (Shumailov et al., Nature 2024).
"""
)

st.subheader("What the lab simulates")
st.markdown(
    """
- **Generation 0 is the real world**: a known distribution of numbers (a bell
  curve, one with rare extreme values, or one with two humps), with mean 0 and
  standard deviation 1. Every chart draws it as the reference.
- **Round 1** fits the model to **M real samples**: generation 1 has never seen
  its own output yet.
- **Every later round** trains on a fresh set of M examples: a share *s*, the
  **synthetic fraction**, is drawn from the previous generation's model, the
  other 1 − *s* comes fresh from the real world. The model is then fitted again.
  With *s* = 1 each model learns only from the one before it.
- **Replace or accumulate**: in *replace* mode each generation trains only on
  its own new set; in *accumulate* mode the training pool keeps every earlier
  set and grows by M each round.
- Because every run is random, the whole experiment is repeated many times
  (**replicates**); the charts show the median run and the band holding the
  middle 80 % of runs (10–90 %).

The model is a bell curve (a Gaussian) fitted by its mean and variance: the
simplest generative model there is. The mechanism, errors of estimation that
compound from one generation to the next, is the same one that affects large
language and image models.
"""
)

# ---------------------------------------------------------------------------
st.header("The knobs")
st.markdown(
    "Each knob has one name, used alike for the widget, the link you share "
    "(`?synthetic_fraction=0.9`) and the command line (`--synthetic-fraction 0.9`)."
)
st.markdown(
    "\n".join(
        ["| Knob | What it means | Allowed values | Default |", "| --- | --- | --- | --- |"]
        + [knob_row(name, knob) for name, knob in KNOBS.items()]
    )
)

# ---------------------------------------------------------------------------
st.header("The charts on the dashboard")
st.markdown(
    """
**1. The distribution narrowing.** The real world's density (the reference
curve) against the model's density at a few chosen generations. Watch the
curve get taller and thinner and slide sideways: the model becomes more and
more sure of a narrower, shifted world.

**2. Tails disappearing.** The share of the model's output that lands beyond
each tail threshold (for example more than 2 or 3 standard deviations from the
real world's mean), over generations: median and 10–90 % band over the
replicates, with the real world's level drawn as the reference. Rare events are
the first thing the model forgets.

**3. Spread shrinking.** The model's standard deviation over generations
(median and 10–90 % band), with the closed-form expectation from the formulas
below drawn on top. The real world's value is 1.

**4. Drifting away.** The Wasserstein-1 distance between the model and the real
world: how far, on average, each part of the real distribution has to move to
match the model. It is 0 for a perfect copy and grows as the model narrows and
wanders.
"""
)

# ---------------------------------------------------------------------------
st.header("The maths, for researchers")
st.markdown(
    "Notation: M = training examples per generation, n = generation, s = synthetic "
    "fraction, a = 1 − s = fresh share, σ₀² = the real world's variance, μₙ and σₙ² the "
    "mean and variance fitted at generation n. Every formula below was checked by "
    "Monte Carlo."
)

st.subheader("1. A bell curve refitted on its own samples (s = 1)")
st.latex(r"\sigma^2_{n+1} \;=\; \sigma^2_n\,\frac{\chi^2_{M-1}}{M}")
st.markdown(
    "Each refit by maximum likelihood multiplies the variance by a random factor that "
    "is a little below 1 on average."
)
st.latex(
    r"\mathbb{E}\left[\sigma^2_n\right] \;=\; \sigma^2_0\left(\frac{M-1}{M}\right)^{n}"
    r"\;\approx\; \sigma^2_0\, e^{-n/M}"
)
st.markdown("On average the variance shrinks by the factor (M − 1)/M every generation.")
st.latex(
    r"\begin{gathered}\log\sigma^2_n = \log\sigma^2_0 + \sum_{k=1}^{n}\xi_k,\\"
    r"\mathbb{E}[\xi] = \psi\!\left(\tfrac{M-1}{2}\right) + \ln 2 - \ln M \approx -\tfrac{2}{M},"
    r"\qquad \operatorname{Var}[\xi] = \psi'\!\left(\tfrac{M-1}{2}\right) \approx \tfrac{2}{M}"
    r"\end{gathered}"
)
st.markdown(
    "The log of the variance is a random walk that drifts downwards, so σₙ² → 0 "
    "almost surely; the typical (median) run falls about twice as fast as the average, "
    "like $e^{-2n/M}$ against $e^{-n/M}$."
)
st.latex(
    r"\mathbb{E}\left[(\mu_n-\mu_0)^2\right] = \sigma^2_0\left(1-\left(\frac{M-1}{M}\right)^{n}\right),"
    r"\qquad \mathbb{E}\left[\sigma^2_n\right] + \mathbb{E}\left[(\mu_n-\mu_0)^2\right] = \sigma^2_0"
)
st.markdown(
    "The variance the model loses reappears as wandering of its mean: it forgets the "
    "spread and drifts away from the truth."
)
st.latex(
    r"\text{unbiased } \left(\tfrac{1}{M-1}\right):\quad "
    r"\mathbb{E}\left[\sigma^2_n\right] = \sigma^2_0 \;\;\forall n, \qquad "
    r"\sigma^2_n \xrightarrow{\text{a.s.}} 0, \qquad "
    r"\mathbb{E}\left[(\mu_n-\mu_0)^2\right] = \frac{n\,\sigma^2_0}{M}"
)
st.markdown(
    "Removing the bias does not help: the variance is a martingale, its average held "
    "up by rare runs, yet almost every run still collapses and the mean wanders without "
    "bound (Shumailov et al. 2024, Theorem 3.1)."
)

st.subheader("2. Mixing in fresh real data (replace)")
st.latex(
    r"\begin{aligned}"
    r"v_{n+1} &= \left(1-\tfrac{1}{M}\right) s_n + a(1-a)\,D_n, &"
    r"D_{n+1} &= (1-a)^2 D_n + \tfrac{s_n}{M},\\"
    r"s_n &= a\,\sigma^2_0 + (1-a)\,v_n, &"
    r"v_n &= \mathbb{E}[\sigma^2_n],\;\; D_n = \mathbb{E}[(\mu_n-\mu_0)^2]"
    r"\end{aligned}"
)
st.markdown(
    "The average variance and squared drift follow an exact two-line recursion: the "
    "fresh share pulls the model back to the world each round."
)
st.latex(
    r"D^{*} = \frac{\sigma^2_0}{a(2-a)M + 1 - a},\qquad "
    r"v^{*} = \sigma^2_0 - D^{*} \approx \sigma^2_0\left(1 - \frac{1}{a(2-a)M}\right)"
)
st.markdown(
    "Any fresh share a > 0 stops the collapse: the variance settles just below the real "
    "one instead of going to zero."
)
st.latex(
    r"\begin{gathered}\text{samples from } \mathcal{N}(\mu_n, \lambda\sigma^2_n),\ \lambda<1:\\"
    r"v^{*} = \frac{a\,\sigma^2_0}{1-\lambda(1-a)}\ \ (M\to\infty),\qquad "
    r"a = 0:\ \mathbb{E}\left[\sigma^2_n\right] \propto \left(\lambda\,\tfrac{M-1}{M}\right)^{n}"
    r"\end{gathered}"
)
st.markdown(
    "A model that plays safe (a decoding temperature λ below 1) loses spread even with "
    "unlimited data; only fresh real data put a floor under it."
)

st.subheader("3. Accumulating instead of replacing")
st.latex(
    r"\mathbb{E}\left[(\mu_n-\mu_0)^2\right] \approx \frac{1}{M}\sum_{k=1}^{n}"
    r"\frac{\mathbb{E}\left[\sigma^2_{k-1}\right]}{k^2} \;\le\; \frac{\pi^2}{6}\,\frac{\sigma^2_0}{M}"
)
st.markdown(
    "When old data are kept, the k-th batch moves the pool's mean by only 1/k of its "
    "error, so the drift stays bounded instead of growing."
)
st.latex(
    r"\begin{gathered}\mathcal{E}_{\text{replace}}(n) = n\,\frac{\sigma^2 d}{T-d-1},\\"
    r"\mathcal{E}_{\text{accumulate}}(n) = \frac{\sigma^2 d}{T-d-1}\sum_{i=1}^{n}\frac{1}{i^2}"
    r"\;\le\; \frac{\pi^2}{6}\,\frac{\sigma^2 d}{T-d-1}\end{gathered}"
)
st.markdown(
    "The same holds for linear regression retrained on its own labels (T rows, d "
    "features, noise σ²): replacing makes the test error grow without limit, "
    "accumulating keeps it below π²/6 times one round's error (Gerstgrasser et al. 2024)."
)

st.subheader("4. A vocabulary resampled: genetic drift")
st.latex(
    r"p_{n+1} = \frac{\operatorname{Multinomial}(M, p_n)}{M},\qquad "
    r"\mathbb{E}[p_n] = p_0,\qquad \Pr(\text{only word } i \text{ survives}) = p_{0i}"
)
st.markdown(
    "Re-learning word frequencies from M sampled words is Wright–Fisher genetic drift: "
    "each word keeps its share on average, yet in the end a single word takes over."
)
st.latex(
    r"H = 1-\sum_i p_i^2:\quad \mathbb{E}[H_n] = H_0\left(1-\tfrac{1}{M}\right)^{n},\qquad "
    r"\frac{H^{*}}{H_0} = \frac{a(2-a) - a/M}{a(2-a) + (1-a)/M}"
)
st.markdown(
    "Diversity (the chance that two words drawn at random differ) decays at the same "
    "rate as the bell curve's variance, and fresh data halt it in the same way."
)
st.latex(
    r"\Pr(\text{word } i \text{ alive at } n) \approx 1 - e^{-\lambda_i g_n},\qquad "
    r"\lambda_i = M p_{0i},\quad g_1 = 1,\quad g_{n+1} = 1 - e^{-g_n} \approx \tfrac{2}{n}"
)
st.markdown(
    "Rare words die first and never come back: once a word's count hits zero it is gone "
    "for good. Entropy and the number of surviving words fall long before the "
    "Gini–Simpson diversity does; a low temperature, top-k or top-p decoding cuts the "
    "tail every round and shrinks the vocabulary even with unlimited data."
)

st.subheader("5. Heavy tails and scaling laws")
st.latex(
    r"p_i \propto i^{-\beta}:\qquad \text{error floor} \;\approx\; \sum_{i>k} p_i "
    r"\;\propto\; k^{-(\beta-1)}"
)
st.markdown(
    "A model trained on data whose tail was cut at rank k cannot learn what lies beyond "
    "k: its error stops falling however much data it gets; mixing real data back in "
    "restores learning at the pace of the real share (Dohmatob et al. 2024)."
)

# ---------------------------------------------------------------------------
st.header("Numbers, computed live")
st.markdown(
    f"A bell curve refitted by maximum likelihood on **M = {M}** examples per generation, "
    f"with only synthetic data (s = 1) and a real world of variance σ₀² = 1:"
)
n = list(GENERATIONS)
st.table(
    pd.DataFrame(
        {
            "Generation n": [str(g) for g in n],
            "Average variance E[σₙ²]": [shown(v) for v in theory.expected_variance(n, M)],
            "Typical run: median σₙ²": [shown(v) for v in theory.median_variance(n, M)],
            "Squared drift of the mean E[(μₙ − μ₀)²]": [
                shown(v) for v in theory.expected_drift(n, M)
            ],
        }
    ),
    hide_index=True,
)
step = float(theory.log_variance_mean(1, M))
half_mean = math.log(0.5) / math.log((M - 1) / M)
half_median = math.log(0.5) / step
st.markdown(
    f"The average variance halves after about **{half_mean:.0f} generations**, the "
    f"typical run's after about **{half_median:.0f}**. In every row the average variance "
    "and the squared drift add up to σ₀² = 1: what the spread loses, the mean's "
    "wandering gains."
)

st.markdown(
    f"With fresh real data the collapse stops. Where the variance settles (M = {M}, "
    f"replace), and where it would settle with unlimited data if the model sampled at "
    f"temperature {LOW_TEMPERATURE}:"
)
st.table(
    pd.DataFrame(
        {
            "Synthetic fraction s": [f"{s:g}" for s in SYNTHETIC_FRACTIONS],
            "Fresh share a": [f"{1 - s:.2f}" for s in SYNTHETIC_FRACTIONS],
            "Stationary variance v*": [
                shown(theory.stationary_variance(M, s)) for s in SYNTHETIC_FRACTIONS
            ],
            "Stationary squared drift D*": [
                shown(theory.stationary_drift(M, s)) for s in SYNTHETIC_FRACTIONS
            ],
            f"v* at temperature {LOW_TEMPERATURE} (M → ∞)": [
                shown(theory.stationary_variance_biased_sampling(s, LOW_TEMPERATURE))
                for s in SYNTHETIC_FRACTIONS
            ],
        }
    ),
    hide_index=True,
)
bound = theory.accumulate_drift_bound(M)
replace_drift = float(theory.expected_drift(GENERATIONS[-1], M))
st.markdown(
    f"Accumulating instead of replacing (s = 1, M = {M}), the mean's squared drift stays "
    f"below about π²/6 ÷ M = **{shown(bound)}**; replacing, it reaches "
    f"**{shown(replace_drift)}** after {GENERATIONS[-1]} generations."
)

# ---------------------------------------------------------------------------
st.header("References")
st.markdown(
    """
- Shumailov, Shumaylov, Zhao, Papernot, Anderson, Gal. [AI models collapse when trained
  on recursively generated data](https://www.nature.com/articles/s41586-024-07566-y).
  *Nature* 631, 755–759 (2024).
- Gerstgrasser et al. [Is Model Collapse Inevitable? Breaking the Curse of Recursion by
  Accumulating Real and Synthetic Data](https://arxiv.org/abs/2404.01413) (2024).
- Alemohammad et al. [Self-Consuming Generative Models Go MAD](https://arxiv.org/abs/2307.01850).
  ICLR 2024.
- Bertrand et al. [On the Stability of Iterative Retraining of Generative Models on their
  own Data](https://arxiv.org/abs/2310.00429). ICLR 2024.
- Dohmatob, Feng, Yang, Charton, Kempe. [A Tale of Tails: Model Collapse as a Change of
  Scaling Laws](https://arxiv.org/abs/2402.07043). ICML 2024.
- Seddik et al. [How Bad is Training on Synthetic Data? A Statistical Analysis of Language
  Model Collapse](https://arxiv.org/abs/2404.05090) (2024).
- Kazdan et al. [Collapse or Thrive? Perils and Promises of Synthetic Data in a
  Self-Generating World](https://arxiv.org/abs/2410.16713) (2024).
"""
)
