"""A checkpoint callback that saves by time and at the end of training."""

from __future__ import annotations

import time
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint


class TimedCheckpoint(ModelCheckpoint):
    """Lightning's ``ModelCheckpoint`` writing at most every ``save_interval`` seconds.

    Lightning's default checkpoint writes a file at the end of every epoch,
    which costs more than a whole epoch of a small PINN. This callback keeps
    Lightning's file name and place (``epoch=E-step=S.ckpt`` in
    ``<log dir>/checkpoints``, one file, the latest) but writes when
    ``save_interval`` seconds have passed since the last write, and always
    after the last epoch (``max_epochs`` reached, or a callback such as
    ``EarlyStopping`` or ``Timer`` stopping training), so the final state can
    always be resumed or loaded.

    Args:
        save_interval: Seconds between writes during training (default 60).
        **kwargs: Passed to ``ModelCheckpoint``.
    """

    def __init__(self, save_interval: float = 60.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.save_interval = save_interval
        self._last_save = time.monotonic()

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._last_save = time.monotonic()
        super().on_train_start(trainer, pl_module)

    @staticmethod
    def _last_epoch(trainer: pl.Trainer) -> bool:
        if trainer.should_stop:
            return True
        max_epochs = trainer.max_epochs
        if max_epochs is not None and max_epochs >= 0 and trainer.current_epoch + 1 >= max_epochs:
            return True
        max_steps = trainer.max_steps
        return max_steps is not None and max_steps >= 0 and trainer.global_step >= max_steps

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        now = time.monotonic()
        if self._last_epoch(trainer) or now - self._last_save >= self.save_interval:
            super().on_train_epoch_end(trainer, pl_module)
            self._last_save = now
