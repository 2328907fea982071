"""Callbacks for pina solvers (they work with any Lightning Trainer, except R3Refinement)."""

from .adaptive_refinment_callbacks import R3Refinement
from .optimizer_callbacks import SwitchOptimizer
from .processing_callbacks import MetricTracker

__all__ = ["MetricTracker", "R3Refinement", "SwitchOptimizer"]
