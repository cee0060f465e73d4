"""Model Collapse Lab: watch a generative model retrained on its own output forget the world.

The entry point (``streamlit run dashboard.py``): the explicit list of pages,
each at the address it has always had.
"""

import streamlit as st

from collapse import app

st.set_page_config(page_title="Model Collapse Lab", page_icon="🌀", layout="wide")

PAGES = [  # flat: Streamlit draws sections as <div>s inside its <ul> (an invalid list for screen readers)
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/0_What_is_model_collapse.py", title="What is model collapse?", icon=":material/school:",
            url_path="What_is_model_collapse"),
    st.Page("pages/6_Chatbot.py", title="A chatbot learns from chatbots", icon=":material/forum:",
            url_path="Chatbot"),
    st.Page("pages/1_Vocabulary.py", title="Words that vanish", icon=":material/chat:", url_path="Vocabulary"),
    st.Page("pages/2_The_polluted_web.py", title="The polluted web", icon=":material/public:",
            url_path="The_polluted_web"),
    st.Page("pages/4_Shapes.py", title="Shapes", icon=":material/scatter_plot:", url_path="Shapes"),
    st.Page("pages/5_Digits.py", title="Digits", icon=":material/draw:", url_path="Digits"),
    st.Page("pages/3_Compare.py", title="Compare", icon=":material/compare_arrows:", url_path="Compare"),
    st.Page("pages/7_Phase_diagram.py", title="Phase diagram", icon=":material/grid_on:",
            url_path="Phase_diagram"),
    st.Page("pages/9_About_the_model.py", title="About the model", icon=":material/menu_book:",
            url_path="About_the_model"),
]

with app.visitor():  # the cache warmer waits while a visitor's script runs
    st.navigation(PAGES).run()
