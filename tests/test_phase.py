"""Phase diagrams: the shipped grids are the sweep code's numbers, and the chart reads them right."""

import copy

import numpy as np
import plotly.graph_objects as go
import pytest

from collapse import theory
from collapse.charts.phase import phase_chart
from collapse.phase import GRIDS, load
from collapse.sweep import scenario_seed, sweep


@pytest.mark.parametrize("family", GRIDS)
def test_every_shipped_grid_has_every_cell_once(family):
    spec, frame = GRIDS[family], load(family)
    assert len(frame) == len(spec.grid["synthetic_fraction"]) * len(spec.sample_sizes)
    assert not frame.duplicated(["synthetic_fraction", "sample_size"]).any()
    assert set(spec.metrics) <= set(frame.columns)
    assert (frame["generation"] == spec.base["generations"]).all()


@pytest.mark.parametrize("family", ["gaussian", "vocabulary", "text"])
def test_shipped_cells_are_what_the_sweep_computes_now(family):
    spec, frame = GRIDS[family], load(family)
    cells = {"synthetic_fraction": [0.5, 1.0], "sample_size": list(spec.sample_sizes[:2])}
    fresh = sweep(cells, base=spec.base, seed=0, backend="serial", summary=True, progress=False)
    fresh = fresh[fresh.generation == spec.base["generations"]]
    for _, row in fresh.iterrows():
        shipped = frame[(frame.synthetic_fraction == row.synthetic_fraction) & (frame.sample_size == row.sample_size)]
        assert int(shipped["seed"].iloc[0]) == scenario_seed(0, spec.scenario(row.synthetic_fraction,
                                                                              int(row.sample_size)))
        for column in spec.metrics:
            assert shipped[column].iloc[0] == pytest.approx(row[column], rel=1e-12)


def test_bell_curve_cells_agree_with_the_stationary_spread():
    """With fresh data the spread settles near sqrt(v*) (SCIENCE.md section 2); at s = 1 it collapses."""
    frame = load("gaussian")
    for _, row in frame[(frame.synthetic_fraction <= 0.5) & (frame.sample_size >= 100)].iterrows():
        settled = np.sqrt(theory.stationary_variance(int(row.sample_size), row.synthetic_fraction))
        # a median of 200 replicates' sd, each within a few per cent of sqrt(v*) at M >= 100
        assert row.std_median == pytest.approx(settled, abs=0.05)
    collapsed = frame[(frame.synthetic_fraction == 1.0) & (frame.sample_size <= 100)]
    assert (collapsed.std_median < 0.7).all()


@pytest.mark.parametrize("family", GRIDS)
def test_the_chart_is_valid_and_its_caption_quotes_the_grid(family):
    spec, frame = GRIDS[family], load(family)
    for key, metric in spec.metrics.items():
        figure, caption = phase_chart(frame, spec, metric)
        go.Figure(copy.deepcopy(figure.to_dict()))  # plotly's validation
        heat = figure.data[0]
        assert heat["type"] == "heatmap" and np.asarray(heat["z"]).shape == (11, len(spec.sample_sizes))
        low = frame[(frame.synthetic_fraction == 0.9) & (frame.sample_size == spec.sample_sizes[0])][key].iloc[0]
        shown = f"{100 * low:.3g} %" if metric.percent else (f"{low:,.0f}" if abs(low) >= 100 else f"{low:.2f}")
        assert f"At a synthetic fraction of 0.9 the value is {shown} with {spec.sample_sizes[0]:,}" in caption
    theory_lines = [t for t in phase_chart(frame, spec, next(iter(spec.metrics.values())))[0].data
                    if t["type"] == "contour"]
    assert len(theory_lines) == (1 if family == "gaussian" else 0)
