"""Digits: handwritten digits generated, and regenerated from the generated ones.

A generative model of scikit-learn's bundled 8x8 digits (a fixed PCA encoder
and a Gaussian mixture over all digits) is retrained on its own samples: the
digits blur, then converge to a few shapes.
"""

from collapse import app
from collapse.app.sampled_page import HEADLINE, MORE, sampled_page
from collapse.knobs import MODELS_SAMPLED
from collapse.presets import page_default

KNOBS = app.PageKnobs(
    page="digits",
    base=page_default("Digits"),
    headline=HEADLINE,
    more=MORE,
    choices={"model": MODELS_SAMPLED},
    steps={"sample_size": (50, 100, 200, 300, 500, 1_000, 2_000)},
)
sampled_page(
    KNOBS,
    title="Digits that fade",
    intro="A model learns to write digits from 8x8 handwritten examples, then the next model learns from its "
    "output, and so on. A classifier trained once on real digits reads what each generation writes.",
    wide=("digits",),
    row=("digit_classes", "digit_diversity", "digit_realism"),
)
