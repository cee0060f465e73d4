"""Model Collapse Lab: retrain a generative model on its own output and watch it forget.

The engine behind the app; it never imports streamlit.
"""

from .loop import run, simulate
from .scenario import Scenario, ScenarioError

__all__ = ["Scenario", "ScenarioError", "run", "simulate"]
