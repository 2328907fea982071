"""Callbacks that record what happens during training."""

from __future__ import annotations

import copy
from typing import Any

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

    The history is the callback's ``state_dict``: it is saved in checkpoints
    (``train(ckpt_path=...)`` continues it) and, with
    ``strategy='ddp_spawn'``, sent back to the main process. As for any
    stateful Lightning callback, a Trainer takes one ``MetricTracker``.

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
        self._train_epochs: list[float] = []
        self._validation_epochs: list[float] = []
        self._batches = 0

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._batches = 0

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, *args: Any
    ) -> None:
        self._batches += 1

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        metrics = {
            k: v for k, v in trainer.logged_metrics.items() if k not in self._validation_names
        }
        self._collection.append(copy.deepcopy(metrics))
        self._train_epochs.append(float(trainer.current_epoch + 1))

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._before = dict(trainer.logged_metrics)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or trainer.state.fn != TrainerFn.FITTING:
            return  # the sanity check and a stand-alone trainer.validate() are not recorded
        # The metrics this run logged: new entries, or new values (new tensor objects).
        logged = {k: v for k, v in trainer.logged_metrics.items() if self._before.get(k) is not v}
        self._validation_names.update(logged)
        self._validation.append(copy.deepcopy(logged))
        batches = trainer.num_training_batches
        fraction = self._batches / batches if batches and batches != float("inf") else 1.0
        self._validation_epochs.append(trainer.current_epoch + min(fraction, 1.0))

    def state_dict(self) -> dict[str, Any]:
        """The history: ``{'train': [...], 'validation': [...], 'validation_names': [...]}``.

        Lightning saves it in checkpoints (so a resumed run continues the
        history) and ``strategy='ddp_spawn'`` sends it back to the main process.
        """
        return {
            "train": [dict(e) for e in self._collection],
            "validation": [dict(e) for e in self._validation],
            "validation_names": sorted(self._validation_names),
            "train_epochs": list(self._train_epochs),
            "validation_epochs": list(self._validation_epochs),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the history given by :meth:`state_dict`."""
        self._collection = [dict(e) for e in state_dict.get("train", [])]
        self._validation = [dict(e) for e in state_dict.get("validation", [])]
        self._validation_names = set(state_dict.get("validation_names", []))
        self._train_epochs = list(state_dict.get("train_epochs", []))
        self._validation_epochs = list(state_dict.get("validation_epochs", []))

    @property
    def epochs(self) -> dict[str, Tensor]:
        """Metric name -> the epoch of each of its values in :attr:`metrics`.

        Training values are at the number of epochs completed (1, 2, ...);
        validation values at the epochs completed when the run happened
        (fractional for runs inside an epoch, e.g. ``val_check_interval=0.5``
        gives 0.5, 1.0, 1.5, ...).
        """
        result: dict[str, Tensor] = {}
        for collection, epochs in (
            (self._collection, self._train_epochs),
            (self._validation, self._validation_epochs),
        ):
            if len(epochs) != len(collection):  # a history saved before epochs were recorded
                epochs = [float(i + 1) for i in range(len(collection))]
            names = [n for e in collection for n in e]
            for name in dict.fromkeys(names):
                result[name] = torch.tensor(
                    [t for e, t in zip(collection, epochs) if name in e], dtype=torch.float64
                )
        return result

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
