"""Callbacks that record what happens during training."""

from __future__ import annotations

import copy

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback
from pytorch_lightning.trainer.states import TrainerFn
from torch import Tensor

__all__ = ["MetricTracker"]


class MetricTracker(Callback):
    """Record every logged metric once per epoch, and validation metrics once per validation run.

    After training, :attr:`metrics` maps each metric name (``mean_loss`` and
    every ``<condition>_loss`` for the PINN solvers) to a tensor of its values,
    one per epoch; metrics logged by the validation loop (``val_loss``,
    ``<condition>_val_loss``, ``val_rel_l2``, ...) have one value per
    validation run during training (the sanity check and stand-alone
    ``trainer.validate()`` calls excluded), so with
    ``check_val_every_n_epoch=k`` they have a value every ``k`` epochs.

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
        self._validation: list[dict[str, Tensor]] = []
        self._validation_names: set[str] = set()
        self._before: dict[str, Tensor] = {}

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        metrics = {
            k: v for k, v in trainer.logged_metrics.items() if k not in self._validation_names
        }
        self._collection.append(copy.deepcopy(metrics))

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._before = dict(trainer.logged_metrics)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or trainer.state.fn != TrainerFn.FITTING:
            return  # the sanity check and a stand-alone trainer.validate() are not recorded
        # The metrics this run logged: new entries, or new values (new tensor objects).
        logged = {k: v for k, v in trainer.logged_metrics.items() if self._before.get(k) is not v}
        self._validation_names.update(logged)
        self._validation.append(copy.deepcopy(logged))

    @property
    def metrics(self) -> dict[str, Tensor]:
        """Metric name -> tensor of its values, one per recorded epoch (or validation run)."""
        result: dict[str, Tensor] = {}
        for collection in (self._collection, self._validation):
            if not collection:
                continue
            names = [n for e in collection for n in e]
            for name in dict.fromkeys(names):
                result[name] = torch.stack(
                    [torch.as_tensor(e[name]) for e in collection if name in e]
                )
        return result
