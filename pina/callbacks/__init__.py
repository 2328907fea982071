"""Callbacks for pina solvers.

They work with any Lightning Trainer, except R3Refinement and DataNormalizer, which need a
:class:`pina.trainer.Trainer`.
"""

from .adaptive_refinment_callbacks import R3Refinement
from .data_normalizer import DataNormalizer
from .optimizer_callbacks import SwitchOptimizer
from .processing_callbacks import MetricTracker
from .progress_bar import PINAProgressBar
from .scheduler_callbacks import SwitchScheduler

__all__ = [
    "DataNormalizer",
    "MetricTracker",
    "PINAProgressBar",
    "R3Refinement",
    "SwitchOptimizer",
    "SwitchScheduler",
]
