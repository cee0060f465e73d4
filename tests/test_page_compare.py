"""The compare page, run headless with Streamlit's AppTest."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "3_Compare.py")


def open_page(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_modes_side_by_side_with_differences_in_the_caption():
    at = open_page()
    assert not at.exception and not at.warning
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert len(specs) == 3
    names = {t.get("name") for t in specs[0]["data"]}
    assert {"replace: median", "accumulate: median", "accumulate-subsample: median", "real world"} <= names
    caption = next(c.value for c in at.caption if "median spread" in c.value)
    assert caption.startswith("At the last generation the median spread is")
    replace = float(caption.split("is ")[1].split(" with replace")[0])
    accumulate = float(caption.split(", ")[1].split(" with accumulate")[0])
    assert replace < 0.3 < 0.9 < accumulate


def test_fractions_and_pasted_links():
    at = open_page(compare="fractions")
    assert not at.exception and len(at.get("plotly_chart")) == 3
    caption = next(c.value for c in at.caption if "median spread" in c.value)
    assert "100% synthetic" in caption and "0% synthetic" in caption
    at = open_page(compare="links", link_1="/?synthetic_fraction=1&generations=50",
                   link_2="http://host/?synthetic_fraction=0.2&generations=50", link_3="?world=mars")
    assert not at.exception
    assert len(at.get("plotly_chart")) == 3
    assert any("Share link 3 was not used" in w.value and "world" in w.value for w in at.warning)
    caption = next(c.value for c in at.caption if "median spread" in c.value)
    assert "with link 1" in caption and "with link 2" in caption


def test_over_budget_comparisons_are_refused():
    # replacing fits in the budget, accumulating with a subsample of a growing pool does not
    at = open_page(world="heavy_tailed", synthetic_fraction="0", sample_size="2000", generations="100",
                   replicates="50")
    assert not at.exception
    assert at.error and "would need about" in at.error[0].value
    assert len(at.get("plotly_chart")) == 0


def test_bad_compare_value_warns():
    at = open_page(compare="everything")
    assert not at.exception and any("`compare`" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 3


def test_the_budget_counts_every_compared_scenario():
    # each synthetic fraction alone fits in the budget; the four together do not
    at = open_page(compare="fractions", world="heavy_tailed", sample_size="2000", generations="100", replicates="50")
    assert not at.exception
    assert at.error and "together these scenarios need" in at.error[0].value
