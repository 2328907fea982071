"""A progress bar whose cost does not grow with the number of epochs."""

from __future__ import annotations

import time
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import TQDMProgressBar


class TimedProgressBar(TQDMProgressBar):
    """Lightning's TQDM bar, redrawn at most every ``refresh_interval`` seconds.

    Lightning's bar redraws several times per epoch, which dominates the epoch
    time of small problems (thousands of one-step epochs). This bar shows the
    same content (epoch, steps, speed, the logged metrics) but only draws when
    ``refresh_interval`` seconds have passed, and always draws the final state
    when training ends.

    Args:
        refresh_interval: Seconds between redraws (default 0.25).
    """

    def __init__(self, refresh_interval: float = 0.25) -> None:
        super().__init__(refresh_rate=1)
        self.refresh_interval = refresh_interval
        self._last_draw = -float("inf")
        self._epoch_drawn = False
        self._epoch = 0

    def _due(self) -> bool:
        now = time.monotonic()
        if now - self._last_draw >= self.refresh_interval:
            self._last_draw = now
            return True
        return False

    def on_train_epoch_start(self, trainer: pl.Trainer, *args: Any) -> None:
        self._epoch = trainer.current_epoch
        self._epoch_drawn = self._due()
        if self._epoch_drawn:
            super().on_train_epoch_start(trainer, *args)

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        if not self._epoch_drawn and self._due():
            super().on_train_epoch_start(trainer, pl_module)
            self._epoch_drawn = True
        if self._epoch_drawn:
            super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._epoch_drawn:
            super().on_train_epoch_end(trainer, pl_module)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        bar = self.train_progress_bar
        if not bar.disable:
            total = self.total_train_batches
            bar.total = total if isinstance(total, int) else None
            bar.n = bar.total or bar.n
            bar.set_description(f"Epoch {self._epoch}", refresh=False)
            bar.set_postfix(self.get_metrics(trainer, pl_module), refresh=True)
        super().on_train_end(trainer, pl_module)
