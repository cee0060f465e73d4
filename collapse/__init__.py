"""Model Collapse Lab: retrain a generative model on its own output and watch it forget.

The engine behind the app; it never imports streamlit.
"""

from .knobs import ScenarioError
from .runner import run, simulate
from .scenario import Scenario
from .sweep import sweep

__all__ = ["Scenario", "ScenarioError", "run", "simulate", "sweep"]
