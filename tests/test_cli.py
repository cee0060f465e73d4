import io
import json

import pandas as pd
import pytest

from collapse import budget
from collapse.cli import main
from collapse.knobs import KNOBS, ScenarioError
from collapse.scenario import Scenario


def run_cli(args, capsys):
    code = main(args)
    return code, capsys.readouterr()


def test_issue_example_prints_the_named_columns(capsys):
    code, out = run_cli(
        "run --world gaussian --synthetic-fraction 1 --generations 100 --sample-size 100 "
        "--replicates 1000 --seed 7 --tail-thresholds 2 3".split(), capsys
    )
    frame = pd.read_csv(io.StringIO(out.out))
    assert code == 0
    assert list(frame.columns) == ["generation", "replicate", "mean", "std", "tail_mass_2", "tail_mass_3", "distance"]
    assert len(frame) == 101 * 1000
    # pure self-training with M = 100: the median sd after 100 rounds is about e^{-1}
    assert frame[frame.generation == 100]["std"].median() == pytest.approx(0.37, abs=0.03)


def test_json_holds_every_knob_and_the_rows(capsys, tmp_path):
    target = tmp_path / "out.json"
    code, _ = run_cli(["run", "--generations", "3", "--replicates", "2", "--tail-thresholds", "2.5",
                       "--format", "json", "--output", str(target)], capsys)
    data = json.loads(target.read_text())
    assert code == 0 and set(data["scenario"]) == set(KNOBS)
    assert len(data["rows"]) == 8 and "tail_mass_2.5" in data["rows"][0]


BAD = {
    "--world": "mars", "--model": "nn", "--synthetic-fraction": "1.5", "--generations": "0",
    "--sample-size": "1", "--replicates": "abc", "--mode": "keep", "--temperature": "0",
    "--tail-thresholds": "-2", "--tail-index": "2", "--seed": "-5",
    "--vocabulary-size": "3", "--zipf-exponent": "9", "--top-k": "-1", "--top-p": "0",
    "--ngram-order": "4", "--document-length": "2",
    "--n-components": "0", "--bandwidth": "-1", "--data-sampling": "bootstrap",
    "--data-source": "internet", "--human-output": "0", "--human-decline": "2", "--ai-output": "-1",
    "--ai-growth": "5", "--archive-share": "1.5", "--detector-recall": "-1",
    "--detector-false-positive": "1", "--retrieval-share": "x",
}


def test_every_knob_has_a_bad_case():
    assert set(BAD) == {k.flag for k in KNOBS.values()}


@pytest.mark.parametrize("flag,value", BAD.items())
def test_bad_flag_exits_2_with_one_line_naming_it(flag, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", flag, value])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.count("\n") == 1 and flag in err


@pytest.mark.parametrize(
    "args",
    [["run", "--generations", "2000", "--replicates", "10000"], ["run", "--bogus"], [],
     ["run", "--output", "/nonexistent/dir/x.csv", "--generations", "1", "--replicates", "1"]],
)
def test_other_errors_are_one_line(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1


def test_web_scenario_runs_from_the_command_line(capsys):
    code, out = run_cli(["run", "--data-source", "web", "--ai-output", "1", "--generations", "5",
                         "--replicates", "2", "--retrieval-share", "0.5"], capsys)
    frame = pd.read_csv(io.StringIO(out.out))
    assert code == 0 and "ai_share_of_web" in frame.columns and "answer_tail_mass_2" in frame.columns
    assert frame.loc[frame.generation == 5, "ai_share_of_web"].iloc[0] == pytest.approx(0.5)


def test_help_explains_each_knob(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    for knob in KNOBS.values():
        assert knob.flag in text


def test_the_command_line_is_not_capped_by_the_web_budget(capsys):
    # the web refuses this (about 2 s of computing); a researcher's CLI runs it, and the model follows the world
    argv = ["run", "--world", "zipf", "--vocabulary-size", "300", "--synthetic-fraction", "1", "--generations", "30",
            "--sample-size", "250", "--replicates", "2000"]
    with pytest.raises(ScenarioError, match="vocabulary_size"):
        budget.check(Scenario(world="zipf", vocabulary_size=300, generations=30, sample_size=250, replicates=2000),
                     0.5)
    assert main(argv) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(frame) == 31 * 2000 and frame["surviving_words"].iloc[0] == 300
    # surviving words only fall under pure self-training (never come back)
    last = frame[frame.generation == 30]["surviving_words"]
    assert last.max() < 300 and (frame.groupby("replicate")["surviving_words"].diff().dropna() <= 0).all()


def test_budget_flag_refuses_in_one_line(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "--generations", "1000", "--replicates", "1000", "--budget", "0.01"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert "the limit is 0.01 s): lower replicates or generations" in err
