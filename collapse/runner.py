"""``run(scenario) -> tidy DataFrame``: the one dispatcher from a scenario to its family.

Each family module offers ``run(scenario, world, synthetic_counts,
answer_real_weight)``; the runner builds the real world (your data for the
custom worlds), and for the polluted web turns the web's history into the
synthetic schedule and the answers' weights (:mod:`collapse.web`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .budget import check
from .families import gaussian, sampled, text, vocabulary
from .scenario import Scenario
from .web import web_composition

#: family -> (module, its real world from (scenario, data))
FAMILIES = {
    "gaussian": (gaussian, gaussian.make_world),
    "vocabulary": (vocabulary, vocabulary.make_vocabulary),
    "sampled": (sampled, lambda scenario, data=None: sampled.make_sample_world(scenario)),
    "text": (text, text.make_corpus),
}
#: The web's columns copied into every row of a web run.
WEB_COLUMNS = ["ai_share_of_web", "ai_share_of_training", "human_output", "filtered_out"]


def make_model(scenario: Scenario):
    """The (unfitted) model a scenario names, built by its family."""
    return FAMILIES[scenario.family][0].make_model(scenario)


def real_world(scenario: Scenario, data=None):
    """The real world of a scenario (``data``: your numbers or text, for the custom worlds)."""
    return FAMILIES[scenario.family][1](scenario, data)


@dataclass(frozen=True)
class Run:
    """A simulated scenario: the tidy results and what its charts need besides.

    Attributes
    ----------
    scenario : Scenario
    results : DataFrame
        One row per (generation, replicate); see :func:`run`.
    world : object
        The real world (a 1-D world, a vocabulary, the clusters or the digits).
    detail : object or None
        The family's own record of the run (:class:`~collapse.families.vocabulary.VocabularyRun`,
        :class:`~collapse.families.sampled.SampleRun`), None for 1-D worlds.
    web : DataFrame or None
        The web year by year (:func:`~collapse.web.web_composition`) for a web run.
    """

    scenario: Scenario
    results: pd.DataFrame
    world: object
    detail: object = None
    web: pd.DataFrame | None = None


def simulate(scenario: Scenario, data=None, progress=None) -> Run:
    """Simulate a scenario: its :class:`Run` (``data``: your numbers or text; ``progress(share)``, if given,
    hears how far a long run has come)."""
    family = FAMILIES[scenario.family][0]
    world = real_world(scenario, data)
    if scenario.data_source == "mix":
        results, detail = family.simulate_scenario(scenario, world, progress=progress)
        return Run(scenario, results, world, detail)
    web = web_composition(scenario)
    results, detail = family.simulate_scenario(scenario, world, web["synthetic_count"].to_numpy(),
                                               web["answer_real_weight"].to_numpy(), progress)
    columns = web[WEB_COLUMNS].loc[results["generation"]].reset_index(drop=True)
    results = pd.concat([results[["generation", "replicate"]], columns,
                         results.drop(columns=["generation", "replicate"])], axis=1)
    return Run(scenario, results, world, detail, web)


def run(scenario: Scenario | None = None, data=None, *, budget: float | None = None, **knobs) -> pd.DataFrame:
    """Simulate a scenario and measure it: the tidy results table.

    Parameters
    ----------
    scenario : Scenario, optional
        The scenario; or give its knobs as keywords instead
        (``run(world="zipf", synthetic_fraction=0.5)``; unset knobs keep their
        defaults and the model follows the world).
    data : array or str, optional
        Your own numbers (world ``"custom"``) or text (world ``"custom_text"``).
    budget : float, optional
        Refuse (:class:`~collapse.knobs.ScenarioError`) a scenario whose
        estimated cost is over this many seconds of computing, as the web app
        does; by default a run is not capped.
    **knobs
        Knob values, when no ``scenario`` is given.

    Returns
    -------
    pandas.DataFrame
        One row per (generation, replicate). For 1-D worlds: ``generation``,
        ``replicate``, ``mean``, ``std``, ``tail_mass_<k>`` for each threshold
        and ``distance``; for vocabularies, the columns of
        :data:`~collapse.families.vocabulary.VOCABULARY_METRICS`. Generation 0
        rows hold the real world's own values. A web run (``data_source="web"``)
        also has the web's columns (``ai_share_of_web``, ...) and the
        answers' metrics (``answer_...``).

    Raises
    ------
    ScenarioError
        A knob out of range (the message names it), or over ``budget``.

    Examples
    --------
    >>> import collapse
    >>> table = collapse.run(synthetic_fraction=0.5, generations=50, replicates=100)
    >>> table.groupby("generation")["std"].median().iloc[-1]  # doctest: +SKIP
    0.93...
    """
    if scenario is None:
        scenario = Scenario(**knobs)
    elif knobs:
        raise TypeError("give a scenario or knobs, not both")
    if budget is not None:
        check(scenario, budget)
    return simulate(scenario, data).results


def summarize(results: pd.DataFrame, low: float = 0.1, high: float = 0.9) -> pd.DataFrame:
    """Median and 10-90 % band of every metric, per generation.

    Returns a frame indexed by generation with a column MultiIndex
    (metric, statistic) where statistic is ``high``, ``low`` or ``median``
    (quantiles interpolated linearly, as pandas does).
    """
    metrics = [c for c in results.columns if c not in ("generation", "replicate")]
    generations = results["generation"].to_numpy()
    replicates = int((generations == generations[0]).sum())
    tidy = (len(results) % replicates == 0 and
            np.array_equal(generations, np.repeat(np.unique(generations), replicates)))
    if not tidy:  # not one block of replicates per generation: group by label
        grouped = results.drop(columns="replicate").groupby("generation")
        summary = pd.concat({"median": grouped.median(), "low": grouped.quantile(low),
                             "high": grouped.quantile(high)}, axis=1)
        return summary.swaplevel(axis=1).sort_index(axis=1)
    # tidy tables hold generation-major blocks of replicates: quantiles along one axis
    values = results[metrics].to_numpy(dtype=float).reshape(-1, replicates, len(metrics))
    stats = np.quantile(values, [high, low, 0.5], axis=1)  # (3, generations, metrics)
    columns = pd.MultiIndex.from_product([metrics, ["high", "low", "median"]]).sort_values()
    table = stats.transpose(1, 2, 0).reshape(stats.shape[1], -1)  # metric-major, then high/low/median
    order = np.argsort(np.array(metrics, dtype=object), kind="stable")
    table = table.reshape(stats.shape[1], len(metrics), 3)[:, order].reshape(stats.shape[1], -1)
    index = pd.Index(generations[::replicates], name="generation")
    summary = pd.DataFrame(table, index=index, columns=columns)
    summary.attrs["replicates"] = replicates  # one run: the charts draw its line, not a median and a band
    return summary
