"""Sweeps: grids, derived seeds, backends with the same numbers, resumable Parquet files, the CLI."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow.parquet as pq
import pytest
from distributed import Client, LocalCluster

from collapse.cli import main as cli_main
from collapse.runner import run
from collapse.scenario import Scenario, ScenarioError
from collapse.sweep import (
    QUANTILES,
    expand_grid,
    read_grid_toml,
    scenario_id,
    scenario_seed,
    summarize,
    sweep,
)

# the module itself (``collapse.sweep`` may also name the function once the package exports it)
sweep_module = importlib.import_module("collapse.sweep")


def sweep_main(argv) -> int:
    """``python -m collapse sweep ...``: the command line's sweep subcommand."""
    return cli_main(["sweep", *argv])

GAUSSIAN_GRID = {"synthetic_fraction": [0.5, 1], "sample_size": [10, 100]}
GAUSSIAN_BASE = {"world": "gaussian", "generations": 12, "replicates": 6}
VOCABULARY_GRID = {"top_p": [1, 0.8]}
VOCABULARY_BASE = {"world": "zipf", "model": "categorical", "vocabulary_size": 40, "sample_size": 60,
                   "generations": 8, "replicates": 4}
GRIDS = {"gaussian": (GAUSSIAN_GRID, GAUSSIAN_BASE), "vocabulary": (VOCABULARY_GRID, VOCABULARY_BASE)}
METRICS_1D = ["mean", "std", "tail_mass_2", "tail_mass_3", "distance"]


@pytest.fixture(scope="module")
def dask_client():
    """One light in-process Dask cluster for the module (threads: no worker processes to start)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


@pytest.fixture
def counted_runs(monkeypatch):
    """The runner, counting its calls (serial sweeps run it in this process)."""
    calls = []

    def counting(scenario, data=None):
        calls.append(scenario)
        return run(scenario, data)

    monkeypatch.setattr(sweep_module, "run", counting)
    return calls


def quiet_sweep(grid, **options):
    options.setdefault("backend", "serial")
    return sweep(grid, progress=False, **options)


# -- grids ----------------------------------------------------------------------------
def test_grid_expands_every_combination_in_a_stable_order_from_strings():
    scenarios = expand_grid({"synthetic_fraction": ["0", "0.5", "0.5"], "sample_size": ["10", 100.0]},
                            base={"generations": "5", "replicates": 2})
    assert [(s.synthetic_fraction, s.sample_size) for s in scenarios] == [(0.0, 10), (0.0, 100), (0.5, 10), (0.5, 100)]
    assert all(s.generations == 5 and s.replicates == 2 for s in scenarios)
    assert expand_grid({}, base=Scenario(generations=3, replicates=2)) == [Scenario(generations=3, replicates=2)]


@pytest.mark.parametrize("grid,base,named", [
    ({"synthetic_fracton": [0.5]}, None, "synthetic_fraction"),  # the suggestion names the real knob
    ({"synthetic_fraction": [0.5, 2]}, None, "synthetic_fraction"),
    ({"sample_size": []}, None, "sample_size"),
    ({"world": ["mars"]}, None, "world"),
    ({}, {"replicatez": 3}, "replicates"),
    ({}, {"generations": "many"}, "generations"),
])
def test_grid_errors_name_the_knob(grid, base, named):
    with pytest.raises(ScenarioError, match=named):
        expand_grid(grid, base)


# -- seeds ----------------------------------------------------------------------------
def test_scenario_seed_is_a_fixed_function_of_the_sweep_seed_and_the_knobs():
    scenario = Scenario(synthetic_fraction=0.5, sample_size=100, generations=20, replicates=10)
    # computed once; it changes only if a knob is added, renamed or re-typed (every sweep's numbers then change)
    assert scenario_seed(0, scenario) == 1335571779
    assert scenario_id(scenario) == "bb46813b08498ab5"
    assert scenario_seed(0, scenario.replace(seed=99)) == 1335571779  # the scenario's own seed plays no part
    assert scenario_seed(0, {"synthetic_fraction": "0.5", "sample_size": 100, "generations": 20,
                             "replicates": 10}) == 1335571779
    assert scenario_seed(1, scenario) != scenario_seed(0, scenario)
    assert scenario_seed(0, scenario.replace(sample_size=101)) != scenario_seed(0, scenario)
    with pytest.raises(ScenarioError, match="seed"):
        scenario_seed(-1, scenario)


def test_results_do_not_depend_on_the_grid_order():
    forward = quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, seed=3)
    backward = quiet_sweep({"sample_size": [100, 10], "synthetic_fraction": [1, 0.5]}, base=GAUSSIAN_BASE, seed=3)
    keys = ["synthetic_fraction", "sample_size", "generation", "replicate"]
    backward = backward[forward.columns].sort_values(keys).reset_index(drop=True)
    pdt.assert_frame_equal(forward.sort_values(keys).reset_index(drop=True), backward)
    assert forward["seed"].nunique() == 4


def test_each_scenario_is_exactly_its_own_run_with_the_derived_seed():
    frame = quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, seed=5)
    scenario = Scenario(**GAUSSIAN_BASE, synthetic_fraction=1, sample_size=10)
    alone = run(scenario.replace(seed=scenario_seed(5, scenario)))
    mine = frame[(frame.synthetic_fraction == 1) & (frame.sample_size == 10)]
    pdt.assert_frame_equal(mine[alone.columns].reset_index(drop=True), alone)
    assert (mine["seed"] == scenario_seed(5, scenario)).all() and (mine["scenario_id"] == scenario_id(scenario)).all()


# -- backends --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", GRIDS)
def test_joblib_and_dask_give_the_serial_numbers(kind, dask_client):
    grid, base = GRIDS[kind]
    serial = quiet_sweep(grid, base=base, seed=11)
    on_cores = quiet_sweep(grid, base=base, seed=11, backend="joblib", n_jobs=2)
    on_dask = quiet_sweep(grid, base=base, seed=11, backend="dask", scheduler=dask_client)
    pdt.assert_frame_equal(on_cores, serial)
    pdt.assert_frame_equal(on_dask, serial)
    assert len(serial) == np.prod([len(v) for v in grid.values()]) * (base["generations"] + 1) * base["replicates"]


def test_file_from_every_backend_holds_the_same_table(tmp_path, dask_client):
    frames = {}
    for backend, options in {"serial": {}, "joblib": {"n_jobs": 2}, "dask": {"scheduler": dask_client}}.items():
        frames[backend] = quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, backend=backend,
                                      output=tmp_path / f"{backend}.parquet", **options)
        pdt.assert_frame_equal(pd.read_parquet(tmp_path / f"{backend}.parquet"), frames[backend])
    pdt.assert_frame_equal(frames["joblib"], frames["serial"])
    pdt.assert_frame_equal(frames["dask"], frames["serial"])
    pdt.assert_frame_equal(frames["serial"], quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE))  # file = memory


# -- the Parquet file ----------------------------------------------------------------------
def test_parquet_columns_and_metadata(tmp_path):
    target = tmp_path / "grid.parquet"
    quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, seed=4, output=target)
    schema = pq.read_schema(target)
    assert schema.names == ["synthetic_fraction", "sample_size", "seed", "scenario_id", "generation", "replicate",
                            *METRICS_1D]
    stored = json.loads(schema.metadata[b"collapse.sweep"])
    assert stored["seed"] == 4 and stored["knobs"] == list(GAUSSIAN_GRID) and stored["summary"] is False
    assert stored["base"]["generations"] == 12 and "seed" not in stored["base"]
    assert not (tmp_path / "grid.parquet.parts").exists()
    assert pq.read_metadata(target).num_rows == 4 * 13 * 6


def test_rerun_skips_done_scenarios_and_extends_the_grid(tmp_path, counted_runs):
    target = tmp_path / "grid.parquet"
    first = quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, output=target)
    assert len(counted_runs) == 4
    again = quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, output=target)
    assert len(counted_runs) == 4  # nothing new to run
    pdt.assert_frame_equal(again, first)
    wider = quiet_sweep({"synthetic_fraction": [0.5, 1], "sample_size": [10, 30, 100]}, base=GAUSSIAN_BASE,
                        output=target)
    assert len(counted_runs) == 6 and {s.sample_size for s in counted_runs[4:]} == {30}
    pdt.assert_frame_equal(wider, quiet_sweep({"synthetic_fraction": [0.5, 1], "sample_size": [10, 30, 100]},
                                              base=GAUSSIAN_BASE))


def test_ctrl_c_leaves_a_valid_file_and_the_rerun_finishes_it(tmp_path, monkeypatch):
    target = tmp_path / "grid.parquet"
    calls = []

    def interrupted_on_the_third(scenario, data=None):
        calls.append(scenario)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return run(scenario, data)

    monkeypatch.setattr(sweep_module, "run", interrupted_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, output=target)
    saved = pd.read_parquet(target)
    assert saved["scenario_id"].nunique() == 2 and len(saved) == 2 * 13 * 6
    assert not (tmp_path / "grid.parquet.parts").exists()
    resumed = quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, output=target)
    assert len(calls) == 5  # 2 saved + the interrupted one + the 2 left, run again
    pdt.assert_frame_equal(resumed, quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE))


def test_parts_left_by_a_killed_run_are_taken_in(tmp_path, monkeypatch, counted_runs):
    target = tmp_path / "grid.parquet"

    def killed(scenario, data=None):  # as a SIGKILL would: parts written, never merged
        if len(counted_runs) == 2:
            raise SystemExit("killed")
        counted_runs.append(scenario)
        return run(scenario, data)

    monkeypatch.setattr(sweep_module, "run", killed)
    monkeypatch.setattr(sweep_module._SweepFile, "consolidate", lambda self, order: None)
    with pytest.raises(SystemExit):
        quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, output=target)
    parts = tmp_path / "grid.parquet.parts"
    assert not target.exists() and len(list(parts.glob("*.parquet"))) == 2
    (parts / "half-written.123.tmp").write_bytes(b"PAR1")  # a write cut short
    monkeypatch.undo()
    calls = []
    monkeypatch.setattr(sweep_module, "run", lambda scenario, data=None: calls.append(scenario) or run(scenario))
    finished = quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, output=target)
    assert len(calls) == 2 and not parts.exists()
    pdt.assert_frame_equal(finished, quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE))


@pytest.mark.parametrize("change,named", [
    ({"seed": 1}, "seed is 0, not 1"),
    ({"base": {**GAUSSIAN_BASE, "generations": 13}}, "generations=12"),
    ({"summary": True}, "every replicate"),
    ({"grid": {"synthetic_fraction": [0.5, 1]}, "base": {**GAUSSIAN_BASE, "sample_size": 10}}, "varies"),
])
def test_a_file_of_another_sweep_is_refused_not_mixed(tmp_path, change, named):
    target = tmp_path / "grid.parquet"
    quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, output=target)
    options = {"grid": GAUSSIAN_GRID, "base": GAUSSIAN_BASE, **change}
    with pytest.raises(ScenarioError, match=named):
        quiet_sweep(options.pop("grid"), output=target, **options)
    assert pq.read_metadata(target).num_rows == 4 * 13 * 6


def test_a_file_that_is_not_a_sweep_is_refused(tmp_path):
    target = tmp_path / "other.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(target)
    with pytest.raises(ScenarioError, match="not written by a sweep"):
        quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, output=target)


def test_scenarios_with_other_metrics_share_one_table(tmp_path):
    grid = {"tail_thresholds": [[2], [2, 3]]}
    in_memory = quiet_sweep(grid, base=GAUSSIAN_BASE)
    in_file = quiet_sweep(grid, base=GAUSSIAN_BASE, output=tmp_path / "tails.parquet")
    pdt.assert_frame_equal(in_file, in_memory)
    assert list(in_memory["tail_thresholds"].unique()) == ["2", "2,3"]
    assert in_memory.loc[in_memory.tail_thresholds == "2", "tail_mass_3"].isna().all()
    assert in_memory.loc[in_memory.tail_thresholds == "2,3", "tail_mass_3"].notna().all()


# -- summaries ----------------------------------------------------------------------------------
def test_summary_keeps_median_and_band_per_scenario_and_generation(tmp_path):
    full = quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE)
    summary = quiet_sweep(GAUSSIAN_GRID, base=GAUSSIAN_BASE, summary=True, output=tmp_path / "s.parquet")
    statistics = [f"{metric}_{suffix}" for metric in METRICS_1D for suffix in QUANTILES]
    assert list(summary.columns) == ["synthetic_fraction", "sample_size", "seed", "scenario_id", "generation",
                                     *statistics]
    assert len(summary) == 4 * 13
    one = full[(full.synthetic_fraction == 1) & (full.sample_size == 10) & (full.generation == 12)]["std"]
    row = summary[(summary.synthetic_fraction == 1) & (summary.sample_size == 10) & (summary.generation == 12)]
    assert row["std_median"].item() == pytest.approx(one.median())
    assert row["std_q10"].item() == pytest.approx(one.quantile(0.1))
    assert row["std_q90"].item() == pytest.approx(one.quantile(0.9))
    pdt.assert_frame_equal(summarize(run(Scenario(**GAUSSIAN_BASE))).iloc[:, :1],
                           pd.DataFrame({"generation": np.arange(13)}))


# -- bad sweeps ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("grid,options,named", [
    ({"seed": [1, 2]}, {}, "seed cannot vary"),
    ({}, {"base": {"seed": 3}}, "seed=..."),
    ({"world": ["custom"]}, {}, "your own data"),
    (GAUSSIAN_GRID, {"backend": "spark"}, "backend"),
    (GAUSSIAN_GRID, {"seed": -2}, "seed"),
])
def test_bad_sweeps_are_refused_with_a_reason(grid, options, named):
    with pytest.raises(ValueError, match=named):
        quiet_sweep(grid, **options)


# -- TOML -------------------------------------------------------------------------------------------
def test_toml_grid_base_and_seed(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text('seed = 9\n[grid]\nsynthetic_fraction = [0, 0.5]\nworld = "gaussian"\n'
                    'tail_thresholds = [[2, 3], [1]]\n[base]\ngenerations = 200\ntail_index = 4\n')
    grid, base, seed = read_grid_toml(path)
    assert grid == {"synthetic_fraction": [0.0, 0.5], "world": ["gaussian"], "tail_thresholds": [(2.0, 3.0), (1.0,)]}
    assert base == {"generations": 200, "tail_index": 4.0} and seed == 9
    (tmp_path / "empty.toml").write_text("")
    assert read_grid_toml(tmp_path / "empty.toml") == ({}, {}, 0)


@pytest.mark.parametrize("text,named", [
    ("[grid]\nsynthetic_fractio = [0]\n", "synthetic_fraction"),
    ("[grid]\nsample_size = [1]\n", "sample_size"),
    ("[grid]\nseed = [1]\n", "seed at the top"),
    ("[base]\nreplicates = 2\n[grid]\nreplicates = [1, 2]\n", "both"),
    ("grids = 1\n", "unknown key 'grids'"),
    ("seed = -1\n", "seed"),
    ("[grid\n", "not valid TOML"),
])
def test_toml_errors_name_the_problem(tmp_path, text, named):
    path = tmp_path / "grid.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=named):
        read_grid_toml(path)


# -- command line -------------------------------------------------------------------------------------
SMALL = ["--generations", "5", "--replicates", "3", "--no-progress"]


def test_cli_varies_knobs_with_several_values_and_fixes_the_others(tmp_path, capsys):
    target = tmp_path / "grid.parquet"
    code = sweep_main(["--synthetic-fraction", "0", "0.5", "1", "--sample-size", "10", "--tail-thresholds", "2", "3",
                 "--seed", "2", "--jobs", "1", "--output", str(target), *SMALL])
    assert code == 0 and "3 scenarios (3 run now, 0 already there)" in capsys.readouterr().err
    frame = pd.read_parquet(target)
    assert list(frame.columns[:2]) == ["synthetic_fraction", "seed"] and "sample_size" not in frame
    assert "tail_mass_3" in frame and len(frame) == 3 * 6 * 3
    scenario = Scenario(synthetic_fraction=0.5, sample_size=10, generations=5, replicates=3)
    assert frame.loc[frame.synthetic_fraction == 0.5, "seed"].iloc[0] == scenario_seed(2, scenario)
    assert sweep_main(["--synthetic-fraction", "0", "0.5", "1", "--sample-size", "10", "--tail-thresholds", "2", "3",
                 "--seed", "2", "--output", str(target), *SMALL]) == 0
    assert "(0 run now, 3 already there)" in capsys.readouterr().err


def test_cli_reads_a_toml_grid_and_flags_override_it(tmp_path, capsys):
    path = tmp_path / "grid.toml"
    path.write_text("seed = 4\n[grid]\nsynthetic_fraction = [0, 1]\nsample_size = [10, 20]\n[base]\nreplicates = 50\n")
    target = tmp_path / "grid.parquet"
    assert sweep_main(["--grid", str(path), "--sample-size", "30", "--summary", "--jobs", "1", "--output", str(target),
                 *SMALL]) == 0
    frame = pd.read_parquet(target)
    assert list(frame.columns[:3]) == ["synthetic_fraction", "seed", "scenario_id"] and "std_median" in frame
    assert json.loads(pq.read_schema(target).metadata[b"collapse.sweep"])["seed"] == 4
    assert json.loads(pq.read_schema(target).metadata[b"collapse.sweep"])["base"]["replicates"] == 3


@pytest.mark.parametrize("args", [
    ["--synthetic-fraction", "0", "2"],
    ["--world", "mars"],
    ["--seed", "-1"],
    ["--jobs", "0"],
    ["--bogus"],
    ["--scheduler", "tcp://127.0.0.1:1", "--dask-local"],
])
def test_cli_bad_flags_exit_2_with_one_line(args, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        sweep_main([*args, "--output", str(tmp_path / "x.parquet"), *SMALL])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1


def test_cli_missing_output_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        sweep_main(SMALL)
    assert exit_info.value.code == 2 and "--output" in capsys.readouterr().err


def test_cli_bad_sweeps_exit_2_with_one_line(tmp_path, capsys):
    target = tmp_path / "grid.parquet"
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[grid]\nsynthetic_fraction = [0, 7]\n")
    assert sweep_main(["--synthetic-fraction", "0", "1", "--jobs", "1", "--output", str(target), *SMALL]) == 0
    capsys.readouterr()
    for args in (["--grid", str(bad_toml)], ["--grid", str(tmp_path / "missing.toml")],
                 ["--synthetic-fraction", "0", "1", "--seed", "5"],  # the file holds seed 0
                 ["--world", "custom"]):
        output = str(tmp_path / "other.parquet") if "--world" in args else str(target)
        assert sweep_main([*args, "--jobs", "1", "--output", output, *SMALL]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("python -m collapse sweep: error: "), err
