"""A progress bar whose cost does not grow with the number of epochs."""

from __future__ import annotations

import math
import time
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import TQDMProgressBar


class TimedProgressBar(TQDMProgressBar):
    """Lightning's TQDM bar, redrawn at most every ``refresh_interval`` seconds.

    Lightning's bar redraws several times per epoch, which dominates the epoch
    time of small problems (thousands of one-step epochs). This bar shows the
    same content (epoch, step in the epoch, steps per second, the logged
    metrics) but draws only when ``refresh_interval`` seconds have passed since
    the last drawing, and always draws the final state when training ends.
    The speed shown is a running average over the recent steps.

    Args:
        refresh_interval: Seconds between redraws (default 0.25).
    """

    def __init__(self, refresh_interval: float = 0.25) -> None:
        super().__init__(refresh_rate=1)
        self.refresh_interval = refresh_interval
        self._last_draw = -math.inf
        self._last_step: float | None = None
        self._step_time = 0.0
        self._epoch = 0
        self._batch = 0

    def on_train_epoch_start(self, trainer: pl.Trainer, *args: Any) -> None:
        self._epoch = trainer.current_epoch

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        now = time.monotonic()
        if self._last_step is not None:
            dt = now - self._last_step
            self._step_time = dt if self._step_time == 0.0 else 0.9 * self._step_time + 0.1 * dt
        self._last_step = now
        self._batch = batch_idx + 1
        if now - self._last_draw >= self.refresh_interval:
            self._last_draw = now
            self._draw(trainer, pl_module)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Nothing to do: the metrics of the epoch are shown at the next drawing."""

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._last_step is not None:
            self._draw(trainer, pl_module)
        super().on_train_end(trainer, pl_module)

    def _draw(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        bar = self.train_progress_bar
        if bar.disable:
            return
        total = self.total_train_batches
        bar.total = int(total) if math.isfinite(total) else None
        bar.smoothing = 0
        bar.n = self._batch
        # Make tqdm's rate (n / elapsed) show the running average step time.
        bar.start_t = bar._time() - self._batch * self._step_time
        bar.set_description(f"Epoch {self._epoch}", refresh=False)
        bar.set_postfix(self.get_metrics(trainer, pl_module), refresh=False)
        bar.refresh()
        # tqdm ends the line on close only if it believes it printed since start_t.
        bar.last_print_t = bar._time()
