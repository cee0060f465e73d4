"""Results as the files people take away: tidy CSV and JSON, identical from CLI and app."""

from __future__ import annotations

import json

import pandas as pd

from .scenario import Scenario


def results_csv(results: pd.DataFrame) -> str:
    """The tidy table as CSV text: 10 significant digits, ``\\n`` line ends, no index."""
    return results.to_csv(index=False, float_format="%.10g", lineterminator="\n")


def results_json(results: pd.DataFrame, scenario: Scenario) -> str:
    """``{"scenario": {...every knob...}, "rows": [...]}``."""
    return json.dumps({"scenario": scenario.to_dict(), "rows": results.to_dict(orient="records")})


def file_stem(scenario: Scenario) -> str:
    """A file name that says what is inside: model-collapse_gaussian_s1_G100_M100_seed7."""
    return (
        f"model-collapse_{scenario.world}_s{scenario.synthetic_fraction:g}_G{scenario.generations}"
        f"_M{scenario.sample_size}_{scenario.mode}_seed{scenario.seed}"
    )
