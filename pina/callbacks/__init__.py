"""Callbacks for pina solvers (they work with any Lightning Trainer)."""

from .processing_callbacks import MetricTracker

__all__ = ["MetricTracker"]
