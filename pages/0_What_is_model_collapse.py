"""What is model collapse? A guided tour in six steps, one knob each.

Each step is a live chart from a small scenario, one knob to try and one
sentence on what to notice, computed from the numbers. The steps are in
``collapse/app/tour.py``, their words in ``collapse/app/text/tour.md``. The
address bar holds the step and its knob (``?step=3&synthetic_fraction=0.5``),
so a teacher can link straight to a step.
"""

import streamlit as st

from collapse import app
from collapse.app import prose, tour

app.start_view()
problems = tour.arrive()
st.title("What is model collapse?")
st.markdown(prose.text("tour", "intro"))
for problem in problems:
    st.warning(problem, icon="⚠️")

number = tour.step_picker()
step = tour.STEPS[number]
st.header(f"Step {number} of {tour.LAST}: {step.title}")
st.markdown(step.intro(step.base))
value = step.knob.widget()
scenario = step.base.replace(**{step.knob.name: value})
tour.write_url(number, step.knob, value)

with st.spinner("Simulating…"):
    run, charts = app.run_and_charts(scenario)
for column, name in zip(st.columns(len(step.charts)), step.charts):
    with column:
        app.show_chart(charts[name][0], "", name, scenario)  # no caption: the sentence below says it
st.info(f"**What to notice:** {step.notice(run, charts, scenario)}", icon="👀")
tour.link(step, scenario)

with st.expander("The exact settings of this step"):
    tour.settings(scenario)

back, _, forward = st.columns([1, 4, 1])
back.button("← Back", key="back", on_click=tour.move, args=(-1,), disabled=number == 1, width="stretch")
forward.button("Next →", key="next", on_click=tour.move, args=(1,), disabled=number == tour.LAST, width="stretch")
