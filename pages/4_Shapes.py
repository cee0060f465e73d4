"""Shapes: a 2-D mixture of clusters, one of them rare, refitted on its own samples.

The picture from Shumailov et al. (Nature 2024): a Gaussian mixture retrained
generation after generation on its own samples; clusters shrink and merge,
and the rare one disappears.
"""

from collapse import app
from collapse.app.sampled_page import HEADLINE, MORE, sampled_page
from collapse.knobs import MODELS_SAMPLED
from collapse.presets import page_default

KNOBS = app.PageKnobs(
    page="shapes",
    base=page_default("Shapes"),
    headline=HEADLINE,
    more=MORE,
    choices={"model": MODELS_SAMPLED},
    steps={"sample_size": (20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000)},
)
sampled_page(
    KNOBS,
    title="Clusters that fade",
    intro="The real world has four clusters; one holds only 5 % of the points. A Gaussian mixture (or a kernel "
    "density) is fitted, sampled, and refitted on its own samples: the rare cluster is the first to go.",
    wide=("clusters", "clusters_player"),
    row=("rare_cluster", "cluster_spread", "cluster_distance"),
)
