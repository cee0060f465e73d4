import io
import json

import pandas as pd

from collapse.export import file_stem, results_csv, results_json
from collapse.loop import run
from collapse.scenario import Scenario


def test_csv_round_trips_to_ten_digits():
    results = run(Scenario(generations=4, replicates=3))
    back = pd.read_csv(io.StringIO(results_csv(results)))
    assert list(back.columns) == list(results.columns)
    assert ((back["std"] - results["std"]).abs() < 1e-9).all()
    assert "\r" not in results_csv(results)


def test_json_and_file_stem():
    scenario = Scenario(generations=2, replicates=2, synthetic_fraction=0.25, seed=3)
    data = json.loads(results_json(run(scenario), scenario))
    assert data["scenario"]["synthetic_fraction"] == 0.25 and len(data["rows"]) == 6
    assert file_stem(scenario) == "model-collapse_gaussian_s0.25_G2_M100_replace_seed3"
