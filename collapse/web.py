"""The polluted web: models trained on, and answering from, a web that fills with their own text.

Generation t is a year of the web. Year 1's web is all human: the first model
is trained on the pre-AI web (generation 0 is the real world). From year 2 on,
the models publish too. Each year:

- people publish ``H_t = human_output * max(0, 1 - human_decline * w_{t-1})``
  documents, where ``w`` is the AI share of the web: AI erodes their reasons
  to write;
- models publish ``A_t = ai_output * human_output * (1 + ai_growth)^(t-2)``
  documents, written by the latest model;
- a provenance filter drops a share ``detector_recall`` of AI documents and
  ``detector_false_positive`` of human ones;
- the model trains on M documents: ``round(archive_share * M)`` from a frozen
  pre-AI archive (real data), the rest scraped from the filtered web, of which
  ``round(q_t * n_web)`` are AI-written, q_t being the filtered web's AI share
  (rounding: ``floor(x + 1/2)``). ``replace`` trains on this year's scrape,
  ``accumulate`` on every year's;
- its answers mix its own output with documents retrieved from the live web:
  a share ``retrieval_share`` is retrieved, and the web's AI documents count as
  the model's own kind, so the answers hold real data with weight
  ``retrieval_share * (1 - w_t)`` and the model with the rest.

The web's composition is a deterministic flow; the documents drawn from it
are random. The synthetic fraction is no knob here: it emerges and is reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scenario import Scenario, synthetic_count


def web_composition(scenario: Scenario) -> pd.DataFrame:
    """The web year by year (index = year 0..G): what is published, filtered and scraped.

    Columns: ``human_output``, ``ai_output``, ``ai_share_of_web``,
    ``filtered_out`` (share of the year's documents the filter removed),
    ``synthetic_count`` (AI documents in the year's training set of M),
    ``ai_share_of_training`` and ``answer_real_weight``.
    """
    G, M = scenario.generations, scenario.sample_size
    years = np.arange(G + 1)
    human, ai = np.zeros(G + 1), np.zeros(G + 1)
    share = np.zeros(G + 1)
    human[0] = human[1] = scenario.human_output
    for t in range(2, G + 1):
        human[t] = scenario.human_output * max(0.0, 1.0 - scenario.human_decline * share[t - 1])
        ai[t] = scenario.ai_output * scenario.human_output * (1.0 + scenario.ai_growth) ** (t - 2)
        total = human[t] + ai[t]
        share[t] = ai[t] / total if total > 0 else 0.0
    kept_human = human * (1.0 - scenario.detector_false_positive)
    kept_ai = ai * (1.0 - scenario.detector_recall)
    published = human + ai
    filtered_out = np.divide(published - kept_human - kept_ai, published, out=np.zeros(G + 1), where=published > 0)
    filtered_out = np.clip(filtered_out, 0.0, 1.0)  # no -0.0 from rounding
    kept = kept_human + kept_ai
    q = np.divide(kept_ai, kept, out=np.zeros(G + 1), where=kept > 0)
    n_web = np.where(kept > 0, M - synthetic_count(scenario.archive_share, M), 0)
    n_syn = np.floor(q * n_web + 0.5).astype(int)
    n_syn[:2] = 0  # year 1 reads the pre-AI web; year 0 is the real world
    return pd.DataFrame(
        {
            "human_output": human,
            "ai_output": ai,
            "ai_share_of_web": share,
            "filtered_out": filtered_out,
            "synthetic_count": n_syn,
            "ai_share_of_training": n_syn / M,
            "answer_real_weight": scenario.retrieval_share * (1.0 - share),
        },
        index=pd.Index(years, name="generation"),
    )
