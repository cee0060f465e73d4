"""Your own data: parsing, the empirical world, a text's vocabulary, and the CLI."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from collapse import theory
from collapse.cli import main
from collapse.families.gaussian import EmpiricalWorld, simulate
from collapse.families.vocabulary import text_vocabulary
from collapse.runner import run
from collapse.scenario import Scenario
from collapse.userdata import numbers_from_bytes, text_from_bytes

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("raw,values", [
    (b"1\n2\n3.5\n", [1, 2, 3.5]),
    (b"height\n170\n182\n", [170, 182]),
    (b"name,cm\nann,170\nbob,182\n", [170, 182]),
    (b"1;2\n3;4\n", [1, 3]),
    (b"\xef\xbb\xbf1\n\n2\n", [1, 2]),  # UTF-8 BOM and a blank line
    ("1\n2\n".encode("utf-16"), [1, 2]),
])
def test_numbers_are_read_from_common_shapes_of_file(raw, values):
    assert numbers_from_bytes(raw).tolist() == values


@pytest.mark.parametrize("raw,message", [
    (b"", "empty"), (b"   \n", "empty"), (b"5\n5\n5\n", "two different values"),
    (b"x\n1\n2\nabc\n", "row 4 holds 'abc'"), (b"1\nnan\n", "row 2"), (b"\x00\x01\x02\x03", "binary"),
    ("caf\xe9\n1\n".encode("latin-1"), "not UTF-8"), (b"1\n" * 3_000_000, "MB"),
])
def test_bad_numbers_are_named(raw, message):
    with pytest.raises(ValueError, match=message):
        numbers_from_bytes(raw)


def test_too_many_numbers_are_refused():
    with pytest.raises(ValueError, match="limit is 1,000,000"):
        numbers_from_bytes(("\n".join(["1", "2"] * 600_001)).encode())


def test_a_custom_world_of_gaussian_numbers_behaves_like_the_gaussian_world():
    data = np.random.default_rng(0).normal(50, 8, size=200_000)
    world = EmpiricalWorld(data)
    assert world.tail_mass(2) == pytest.approx(0.0455, abs=4 * np.sqrt(0.0455 * 0.9545 / data.size))
    R, M, G, s = 2000, 20, 30, 0.5
    custom = simulate(Scenario(world="custom", synthetic_fraction=s, sample_size=M, generations=G, replicates=R),
                      world=world)
    v, D = theory.moments_with_fresh_data(G, M, s)
    for n in (1, 10, G):
        for values, expected in ((custom.var[n], v[n]), (custom.mean[n] ** 2, D[n])):
            assert abs(values.mean() - expected) < 4 * values.std(ddof=1) / np.sqrt(R)


def test_smoothed_sampling_keeps_mean_zero_and_sd_one():
    world = EmpiricalWorld(numbers_from_bytes((EXAMPLES / "iris_petal_length.csv").read_bytes()), "smoothed")
    draws = world.sample(400_000, np.random.default_rng(1))
    assert abs(draws.mean()) < 4 / np.sqrt(draws.size) and draws.std() == pytest.approx(1, abs=0.01)
    assert 0 < world.bandwidth < 0.5
    assert world.cdf(world.ppf(np.array([0.1, 0.5, 0.9]))) == pytest.approx([0.1, 0.5, 0.9], abs=2e-3)


def test_a_texts_vocabulary_and_its_collapse():
    text = text_from_bytes((EXAMPLES / "gettysburg_and_declaration.txt").read_bytes())
    vocabulary = text_vocabulary(text, 5000)
    assert vocabulary.words[0] == "the" and "liberty" in set(vocabulary.words) and vocabulary.size > 200
    results = run(Scenario(world="custom_text", model="categorical", sample_size=300, generations=20, replicates=3),
                  text)
    last = results[results.generation == 20]
    assert (last.surviving_words < vocabulary.size).all() and (last.extinct_real_mass > 0).all()
    with pytest.raises(ValueError, match="two different words"):
        text_from_bytes(b"... !!! ...")


def test_cli_reads_data_files(capsys):
    assert main(["run", "--data", str(EXAMPLES / "iris_petal_length.csv"), "--generations", "3",
                 "--replicates", "2"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert frame.loc[frame.generation == 0, "std"].eq(1).all() and len(frame) == 8
    assert main(["run", "--data", str(EXAMPLES / "gettysburg_and_declaration.txt"), "--generations", "2",
                 "--replicates", "1"]) == 0
    assert "surviving_words" in capsys.readouterr().out
    for argv in (["run", "--world", "custom"], ["run", "--data", "/no/such/file.csv"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2 and capsys.readouterr().err.count("\n") == 1
