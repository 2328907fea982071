"""Callbacks that record what happens during training."""

from __future__ import annotations

import copy

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback
from torch import Tensor

__all__ = ["MetricTracker"]


class MetricTracker(Callback):
    """Record every logged metric once per epoch.

    After training, :attr:`metrics` maps each metric name (``mean_loss`` and
    every ``<condition>_loss`` for the PINN solvers) to a tensor of its values,
    one per epoch.

    Example:
        >>> tracker = MetricTracker()
        >>> trainer = Trainer(pinn, callbacks=[tracker], max_epochs=100)
        >>> trainer.train()
        >>> tracker.metrics['mean_loss'].shape
        torch.Size([100])
    """

    def __init__(self) -> None:
        super().__init__()
        self._collection: list[dict[str, Tensor]] = []

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._collection.append(copy.deepcopy(dict(trainer.logged_metrics)))

    @property
    def metrics(self) -> dict[str, Tensor]:
        """Metric name -> tensor of its values, one per recorded epoch."""
        if not self._collection:
            return {}
        names = list(self._collection[-1])
        return {
            name: torch.stack([torch.as_tensor(e[name]) for e in self._collection if name in e])
            for name in names
        }
