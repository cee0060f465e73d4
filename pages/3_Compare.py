"""Compare: two to four scenarios side by side, on the same charts, with the same seed.

Replace against accumulate against accumulate-with-a-budget, several
synthetic fractions, or any share links pasted in.
"""

from urllib.parse import parse_qsl

import streamlit as st

from collapse import app
from collapse.budget import BUDGET_SECONDS, check, estimate_seconds
from collapse.knobs import MODELS_1D, WORLDS_1D, ScenarioError
from collapse.presets import page_default
from collapse.scenario import Scenario, parse_query_params

COMPARISONS = {
    "modes": "Replace, accumulate, or accumulate with a fixed budget",
    "fractions": "Synthetic fractions 100 %, 90 %, 50 % and 0 %",
    "links": "Share links pasted below",
}
LINKS = ("link_1", "link_2", "link_3", "link_4")
KNOBS = app.PageKnobs(
    page="compare",
    base=page_default("Compare"),
    headline=("synthetic_fraction", "generations", "sample_size"),
    more=("world", "tail_index", "model", "temperature", "tail_thresholds", "replicates", "seed"),
    choices={"world": WORLDS_1D, "model": MODELS_1D},
    extra={"compare": "modes", **{link: "" for link in LINKS}},
)
app.start_page(KNOBS)

st.title("Compare scenarios")
st.markdown("The same seed, the same charts: see what one choice changes.")

if st.session_state.get("compare") not in COMPARISONS:
    st.warning(f"URL parameter `compare`: must be one of {', '.join(COMPARISONS)}. Using modes instead.")
    st.session_state["compare"] = "modes"
st.radio("What to compare", list(COMPARISONS), format_func=COMPARISONS.get, key="compare", horizontal=True)

st.sidebar.header("Knobs")
app.knob_panel(KNOBS)
scenario, refusal = app.current_scenario(KNOBS)

runs: dict[str, Scenario] = {}
try:
    if st.session_state["compare"] == "modes":
        runs = {m.replace("_", "-"): scenario.replace(mode=m) for m in ("replace", "accumulate", "accumulate_subsample")}
    elif st.session_state["compare"] == "fractions":
        runs = {f"{s:.0%} synthetic": scenario.replace(synthetic_fraction=s) for s in (1.0, 0.9, 0.5, 0.0)}
    for variant in runs.values():
        check(variant)
except ScenarioError as err:  # one of the variants is over the work budget on its own
    refusal, runs = str(err), {}
if st.session_state["compare"] == "links":
    st.caption("Paste two to four share links from the dashboard (or their part after the ?).")
    for number, key in enumerate(LINKS, start=1):
        text = st.text_input(f"Share link {number}", key=key, placeholder="http://…/?synthetic_fraction=0.5&…")
        if not text.strip():
            continue
        params = dict(parse_qsl(text.split("?", 1)[-1]))
        linked, problems = parse_query_params(params, KNOBS.base)
        if problems or linked.is_vocabulary or linked.data_source != "mix":
            reason = "; ".join(problems.values()) or "compare takes dashboard scenarios (1-D worlds)"
            st.warning(f"Share link {number} was not used: {reason}.")
            continue
        runs[f"link {number}"] = linked
    if len(runs) < 2:
        st.info("Paste at least two valid share links to compare them.")

total = sum(estimate_seconds(s.to_dict()) for s in runs.values())
if runs and total > BUDGET_SECONDS:
    refusal = (f"together these scenarios need about {total:.0f} s of computing (the limit is "
               f"{BUDGET_SECONDS:g} s): lower replicates, generations or sample_size")
    runs = {}
app.write_url(scenario, KNOBS)
app.show_problems(scenario, refusal)
app.share_and_download(scenario, KNOBS)

if len(runs) >= 2:
    for metric, chart in app.compare_charts(runs).items():  # full width, one under the other: room for the legends
        app.show_chart(*chart, metric, scenario)
