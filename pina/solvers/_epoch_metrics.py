"""Publish a solver's epoch metrics where Lightning's epoch-level ``self.log`` puts them."""

from __future__ import annotations

import math
import time

import pytorch_lightning as pl
from torch import Tensor


class EpochMetricsPublisher:
    r"""Write epoch metrics to the trainer's metric dictionaries and to its loggers.

    The solvers log metrics that are already epoch means (and already averaged
    over processes). Lightning's ``LightningModule.log`` costs about 0.3 ms per
    call whatever the metric (it inspects the training step's signature and
    traverses and deep-copies the metric's bookkeeping on every call): with one
    metric per condition that is more than half of an epoch of a small PINN.
    This class puts the values exactly where an epoch-level ``self.log(name,
    value, prog_bar=True, on_step=False, on_epoch=True)`` ends up, through the
    trainer's public properties and the public ``Logger`` API:

    * ``trainer.callback_metrics`` and ``trainer.logged_metrics``: 0-dim tensors
      (what ``EarlyStopping``, ``ModelCheckpoint(monitor=...)`` and user
      callbacks read);
    * ``trainer.progress_bar_metrics``: floats;
    * each of ``trainer.loggers``: ``log_metrics`` with the values and
      ``epoch``, at the step Lightning uses for epoch metrics, and ``save()``
      at most every ``save_interval`` seconds (Lightning saves the loggers
      again when training ends, so nothing is lost).

    Unlike Lightning, ``trainer.logged_metrics`` is filled even without a logger.

    Args:
        save_interval: Least number of seconds between two ``logger.save()``.
    """

    def __init__(self, save_interval: float = 1.0) -> None:
        self.save_interval = save_interval
        self._last_save = -math.inf

    def publish(
        self,
        solver: pl.LightningModule,
        names: list[str],
        values: Tensor,
        batch_idx: int,
        floats: list[float] | None = None,
    ) -> None:
        """Publish ``values[i]`` under ``names[i]``; call at the epoch's last step.

        Args:
            solver: The solver being trained.
            names: Metric names, one per value.
            values: The metric values, shape ``(len(names),)``, on the training device.
            batch_idx: Index of the current (last) step in the epoch.
            floats: ``values.tolist()`` if the caller already has it (it is the
                epoch's one host synchronisation).
        """
        trainer = solver.trainer
        if floats is None:
            floats = values.tolist()
        tensors = dict(zip(names, values.unbind(0)))
        trainer.callback_metrics.update(tensors)
        trainer.logged_metrics.update(tensors)
        trainer.progress_bar_metrics.update(zip(names, floats))
        loggers = trainer.loggers
        if loggers:
            scalars: dict[str, float] = dict(zip(names, floats))
            scalars["epoch"] = trainer.current_epoch
            step = _log_step(solver, batch_idx)
            now = time.monotonic()
            save = now - self._last_save >= self.save_interval
            for logger in loggers:
                logger.log_metrics(scalars, step=step)
                if save:
                    logger.save()
            if save:
                self._last_save = now


def _log_step(solver: pl.LightningModule, batch_idx: int) -> int:
    """The logger step of epoch-level metrics: batches that stepped before this one.

    With automatic optimization that is the trainer's ``global_step`` during the
    step (one optimizer step per stepping batch); with manual optimization every
    batch counts once, whatever the number of optimizers.
    """
    trainer = solver.trainer
    if solver.automatic_optimization:
        return int(trainer.global_step)
    return int(trainer.current_epoch * trainer.num_training_batches + batch_idx)
