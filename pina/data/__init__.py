"""Training data: the data module, its splits and the typed batches it yields."""

from .batch import Batch, ConditionBatch
from .data_module import ConditionData, PinaDataModule

__all__ = ["Batch", "ConditionBatch", "ConditionData", "PinaDataModule"]
