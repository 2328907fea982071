"""Publish a solver's epoch metrics: one adapter, a fast path and ``self.log``."""

from __future__ import annotations

import math
import time

import pytorch_lightning as pl
from pytorch_lightning.trainer.states import TrainerFn
from torch import Tensor


class EpochMetricsPublisher:
    r"""Publish epoch metrics where Lightning's epoch-level ``self.log`` puts them.

    Training metrics, and validation metrics during ``fit``, take the fast
    path below when the trainer offers what it relies on
    (:func:`fast_path_available`), and ``self.log`` otherwise. Those of the
    sanity check are not published (Lightning discards them too). Those of
    a stand-alone ``trainer.validate()``/``trainer.test()`` go through
    ``self.log`` (from the ``on_*_epoch_end`` hooks), so Lightning returns
    and prints them.

    The fast path writes the training metrics

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
        self._fast: bool | None = None

    def publish(
        self,
        solver: pl.LightningModule,
        names: list[str],
        values: Tensor,
        batch_idx: int,
        floats: list[float] | None = None,
        stage: str = "train",
    ) -> None:
        """Publish ``values[i]`` under ``names[i]``.

        Call training metrics at the epoch's last step, the others from the
        ``on_validation_epoch_end``/``on_test_epoch_end`` hooks. Under
        ``fit``, validation metrics are logged at Lightning's step for them,
        that of the last training batch (for manual optimization, assuming
        validation at the end of the epoch).

        Args:
            solver: The solver being trained.
            names: Metric names, one per value.
            values: The metric values, shape ``(len(names),)``, on the training device.
            batch_idx: Index of the current (last) step in the epoch.
            floats: ``values.tolist()`` if the caller already has it (it is the
                epoch's one host synchronisation).
            stage: ``'train'``, ``'val'`` or ``'test'``.
        """
        if not names:
            return
        trainer = solver.trainer
        if stage != "train" and trainer.sanity_checking:
            return
        if self._fast is None:
            self._fast = fast_path_available(trainer)
        fitting = trainer.state.fn == TrainerFn.FITTING
        if not self._fast or (stage != "train" and not fitting):
            for name, value in zip(names, values.unbind(0)):
                solver.log(name, value, prog_bar=True, on_step=False, on_epoch=True, batch_size=1)
            return
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
            step = _log_step(solver, batch_idx) if stage == "train" else _eval_log_step(solver)
            now = time.monotonic()
            save = now - self._last_save >= self.save_interval
            for logger in loggers:
                logger.log_metrics(scalars, step=step)
                if save:
                    logger.save()
            if save:
                self._last_save = now


def fast_path_available(trainer: pl.Trainer) -> bool:
    """Whether the trainer exposes the metric dictionaries the fast path writes to.

    ``callback_metrics``, ``logged_metrics`` and ``progress_bar_metrics``
    must be the dictionaries Lightning reads back (not copies): the contract
    test ``tests/test_solvers/test_epoch_metrics.py`` fails if a Lightning
    release changes that, and this check sends the metrics through
    ``self.log`` if the properties stop being dicts.
    """
    return all(
        isinstance(getattr(type(trainer), name, None), property)
        and isinstance(getattr(trainer, name), dict)
        and getattr(trainer, name) is getattr(trainer, name)
        for name in ("callback_metrics", "logged_metrics", "progress_bar_metrics")
    )


def _eval_log_step(solver: pl.LightningModule) -> int:
    """The logger step of validation metrics during ``fit`` (see :meth:`publish`)."""
    trainer = solver.trainer
    # Lightning validates inside the epoch's last batch, after its optimizer step and
    # before counting the batch: the step of that batch's training metrics.
    if solver.automatic_optimization:
        return max(int(trainer.global_step) - 1, 0)
    return int((trainer.current_epoch + 1) * trainer.num_training_batches - 1)


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
