"""The Trainer: a ``pytorch_lightning.Trainer`` that knows how to feed a pina solver."""

from __future__ import annotations

from typing import Any, cast

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback, ModelCheckpoint, ProgressBar

from ._checkpoint import TimedCheckpoint
from ._progress import TimedProgressBar
from .dataset import DataPointDataset, SamplePointDataset, SamplePointLoader
from .solvers.solver import SolverInterface

__all__ = ["Trainer"]


class _PlacePoints(Callback):
    """Move the training points to the solver's device and dtype, once, when fitting starts."""

    def __init__(self, loader: SamplePointLoader) -> None:
        self.loader = loader

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        dtype = pl_module.dtype
        self.loader.setup(
            pl_module.device,
            cast(torch.dtype, dtype) if isinstance(dtype, torch.dtype) else None,
            trainer.global_rank,
            trainer.world_size,
        )


class Trainer(pl.Trainer):
    """Train a pina solver; every ``pytorch_lightning.Trainer`` keyword works.

    Differences from a plain Lightning Trainer are only in the defaults that
    make small problems slow:

    * the progress bar redraws by time (at most every 0.25 s) instead of
      several times per epoch, and always shows the final state;
    * the default checkpoint is written by time (at most every 60 s) and after
      the last epoch, instead of after every epoch; it keeps Lightning's place
      and name (``lightning_logs/version_N/checkpoints/epoch=E-step=S.ckpt``).

    A ``ProgressBar`` or ``ModelCheckpoint`` of your own in ``callbacks``
    replaces ours, as in Lightning. Lightning's default of 1000 epochs applies.

    Args:
        solver: The solver to train.
        batch_size: ``None`` for one step per epoch over all points, or the
            number of points per step (per process).
        **kwargs: Any ``pytorch_lightning.Trainer`` keyword (``accelerator``,
            ``devices``, ``strategy``, ``max_epochs``, ``logger``, ``callbacks``,
            ``precision``, ``gradient_clip_val``, ...).

    Raises:
        TypeError: If ``solver`` is not a solver or ``batch_size`` not an int.
        ValueError: If ``batch_size`` is not positive.
        RuntimeError: If some conditions have no points yet.
    """

    def __init__(
        self, solver: SolverInterface, batch_size: int | None = None, **kwargs: Any
    ) -> None:
        if not isinstance(solver, SolverInterface):
            raise TypeError(
                f"solver must be a pina solver (SolverInterface), e.g. PINN(problem, model); "
                f"got {type(solver).__name__}."
            )
        problem = solver.problem
        if not problem.have_sampled_points:
            missing = problem.not_sampled_points
            raise RuntimeError(
                f"The conditions {missing!r} have no (or incomplete) points. Sample them before "
                f"training, e.g. problem.discretise_domain(n=20, mode='random', "
                f"locations={missing!r})."
            )
        self._loader = SamplePointLoader(
            SamplePointDataset(problem),
            DataPointDataset(problem),
            batch_size=batch_size,
            shuffle=True,
        )
        self.batch_size = batch_size
        callbacks = kwargs.pop("callbacks", None)
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback):
            callbacks = [callbacks]
        else:
            callbacks = list(callbacks)
        if kwargs.get("enable_progress_bar", True) and not any(
            isinstance(c, ProgressBar) for c in callbacks
        ):
            callbacks.append(TimedProgressBar())
        if kwargs.get("enable_checkpointing", True) and not any(
            isinstance(c, ModelCheckpoint) for c in callbacks
        ):
            callbacks.append(TimedCheckpoint())
        callbacks.append(_PlacePoints(self._loader))
        # The solvers log once per epoch, so Lightning's warning about epochs shorter
        # than log_every_n_steps does not apply.
        kwargs.setdefault("log_every_n_steps", 1)
        super().__init__(callbacks=callbacks, **kwargs)
        self._solver = solver

    def train(self, **kwargs: Any) -> None:
        """Fit the solver (``ckpt_path=...`` resumes from a checkpoint).

        Args:
            **kwargs: Passed to ``pytorch_lightning.Trainer.fit``.
        """
        return self.fit(self._solver, train_dataloaders=self._loader, **kwargs)

    @property
    def solver(self) -> SolverInterface:
        """The solver being trained."""
        return self._solver
