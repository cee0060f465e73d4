"""Famous results, one click each: named scenarios with a sentence and a source.

Each preset is a page and the knobs that differ from that page's defaults;
its share URL is the page's path plus those knobs as query parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from .knobs import KNOBS, default_model, family_of, format_value
from .scenario import Scenario

#: Each page's scenario when it opens, by URL path ("" for the home page): the
#: knobs that differ from :class:`~collapse.scenario.Scenario`'s defaults.
PAGE_DEFAULTS = {
    "": {},
    # sizes a class can share: a knob change costs about 0.15 server CPU-s or less (benchmarks/bench_load.py)
    "Vocabulary": dict(world="english", model="categorical", vocabulary_size=5_000, sample_size=10_000,
                       generations=30, replicates=4),
    "The_polluted_web": dict(data_source="web", generations=40, sample_size=50, replicates=100, ai_output=0.1,
                             ai_growth=0.25, human_decline=0.6, retrieval_share=0.5),
    "Compare": dict(generations=100, sample_size=50, replicates=20),  # three or four runs a knob change
    "Chatbot": dict(world="sherlock", model="ngram", generations=12, sample_size=5_000, document_length=50,
                    replicates=3),
    "Shapes": dict(world="mixture_2d", model="gaussian_mixture", sample_size=50, generations=20, replicates=1),
    "Digits": dict(world="digits", model="gaussian_mixture", n_components=14, bandwidth=1.0, sample_size=300,
                   generations=8, replicates=1),
}


#: For a page whose worlds span families: the knobs a world of another family than the
#: page's own starts with there (the polluted web's text needs whole documents and fewer
#: replicates to stay inside a shared server's budget).
FAMILY_DEFAULTS = {
    "The_polluted_web": {"vocabulary": dict(sample_size=10_000, replicates=10),
                         "text": dict(sample_size=5_000, replicates=3)},
}


def page_default(page: str, world: str | None = None) -> Scenario:
    """The scenario a page opens with (``page``: its URL path), or opens with for ``world``.

    A world of another family than the page's default takes its family's
    model and, where :data:`FAMILY_DEFAULTS` gives them, its sizes.
    """
    base = Scenario(**PAGE_DEFAULTS[page])
    if world is None or family_of(world) == base.family:
        return base if world is None else base.replace(world=world)
    return base.replace(world=world, model=default_model(world),
                        **FAMILY_DEFAULTS.get(page, {}).get(family_of(world), {}))


@dataclass(frozen=True)
class Preset:
    """A named scenario: where it opens, what it shows and where the result comes from."""

    name: str
    shows: str
    source: str
    page: str  # URL path of the page: "" for the dashboard
    knobs: dict = field(default_factory=dict)

    def query(self) -> str:
        return urlencode({k: format_value(v) for k, v in self.knobs.items()}, safe=",")

    def url(self) -> str:
        """Share URL relative to the app's root."""
        return f"/{self.page}?{self.query()}"

    def scenario(self) -> Scenario:
        """The scenario the preset's page opens on (its page's defaults with the preset's knobs)."""
        return page_default(self.page).replace(**{k: v for k, v in self.knobs.items() if k in KNOBS})


PRESETS = (
    Preset("Pure self-training", "Each generation learns only from the last one's samples: the spread "
           "shrinks and the mean wanders off, even with a correct fitting procedure.",
           "Shumailov et al., Nature 2024", "",
           dict(synthetic_fraction=1.0, generations=500, sample_size=100, mode="replace")),
    Preset("Accumulate, don't replace", "Keep every generation's data instead of throwing it away: the "
           "spread settles and the drift stays bounded.", "Gerstgrasser et al. 2024", "",
           dict(synthetic_fraction=1.0, generations=500, sample_size=100, mode="accumulate")),
    Preset("Accumulate with a fixed budget", "Keep all data but train on a fixed-size subsample: "
           "between replacing and accumulating.", "Kazdan et al. 2024", "Compare",
           dict(compare="modes", synthetic_fraction=1.0, generations=100, sample_size=50)),
    Preset("Tails first", "A heavy-tailed world loses its rare extremes long before its bulk changes.",
           "Dohmatob et al., ICML 2024", "",
           dict(world="heavy_tailed", tail_index=3.0, tail_thresholds=(2.0, 3.0, 4.0), synthetic_fraction=1.0,
                generations=200, sample_size=200)),
    Preset("Low temperature and top-p decoding", "A chatbot that favours its likeliest words loses its "
           "vocabulary within a few generations, however much text it reads.", "Seddik et al. 2024", "Vocabulary",
           dict(temperature=0.8, top_p=0.9, sample_size=1_000_000, generations=50, replicates=10)),
    Preset("A chatbot that reads only chatbots", "A language model trained on real prose, then on what the "
           "last model wrote: plausible pseudo-prose at first, then the same phrases over and over.",
           "Shumailov et al., Nature 2024 (OPT)", "Chatbot", dict(synthetic_fraction=1.0, generations=20)),
    Preset("Greedy decoding", "A model that always favours its likeliest words (temperature 0.5) repeats itself "
           "within a few generations.", "Holtzman et al. 2020; Seddik et al. 2024", "Chatbot",
           dict(temperature=0.5, generations=10)),
    Preset("The Nature paper's mixture", "A Gaussian mixture refitted on its own samples: clusters shrink "
           "and merge, and the rare cluster vanishes.", "Shumailov et al., Nature 2024", "Shapes",
           dict(synthetic_fraction=1.0, sample_size=100, generations=30)),
    Preset("Digits fade", "Handwritten digits regenerated from generated digits blur and converge to a few "
           "shapes.", "Alemohammad et al., ICLR 2024", "Digits",
           dict(synthetic_fraction=1.0, sample_size=300, generations=15)),
    Preset("The polluted web", "AI text floods the web; models trained and answering from it lose the "
           "tails, and retrieval stops helping.", "Model Collapse Lab", "The_polluted_web", {}),
    Preset("People stop writing", "If people stop publishing once AI text dominates, nothing fresh is left.",
           "Model Collapse Lab", "The_polluted_web", dict(human_decline=1.0, ai_growth=0.3)),
    Preset("A pre-AI archive", "Half of every training set from a frozen pre-AI archive holds the tails.",
           "Model Collapse Lab (data vintages)", "The_polluted_web", dict(archive_share=0.5)),
    Preset("A watermark detector", "A provenance filter catching 90 % of AI text keeps training data human.",
           "Model Collapse Lab (watermarking)", "The_polluted_web",
           dict(detector_recall=0.9, detector_false_positive=0.05)),
)

