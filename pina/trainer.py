"""The Trainer: a ``pytorch_lightning.Trainer`` that knows how to feed a pina solver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback, ModelCheckpoint, ProgressBar
from pytorch_lightning.plugins.io import CheckpointIO, TorchCheckpointIO

from ._checkpoint import AtomicCheckpointIO, TimedCheckpoint
from ._progress import TimedProgressBar
from .dataset import DataPointDataset, SamplePointDataset, SamplePointLoader
from .problem import AbstractProblem
from .solvers.solver import SolverInterface

__all__ = ["Trainer"]


class _TrainingPoints(Callback):
    """The loader's link with Lightning: device placement and checkpoint state.

    * When fitting starts, moves the training points to the solver's device and
      dtype and keeps this process's shard (once, so no step copies points).
    * Its checkpoint state is the loader's (shuffling generator, points replaced
      by :meth:`Trainer.update_points`). Lightning restores callback states
      before ``on_fit_start``, so a resumed run is placed with the restored
      points; they are also put back in the problem's ``input_pts``.
    """

    def __init__(self, loader: SamplePointLoader, problem: AbstractProblem) -> None:
        self.loader = loader
        self.problem = problem

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        dtype = pl_module.dtype
        self.loader.setup(
            pl_module.device,
            cast(torch.dtype, dtype) if isinstance(dtype, torch.dtype) else None,
            trainer.global_rank,
            trainer.world_size,
        )

    def state_dict(self) -> dict[str, Any]:
        return self.loader.get_state()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.loader.set_state(state_dict)
        for name in self.loader.replaced:
            self.problem.input_pts[name] = self.loader.points(name)


class Trainer(pl.Trainer):
    """Train a pina solver; every ``pytorch_lightning.Trainer`` keyword works.

    Differences from a plain Lightning Trainer are in a few defaults (those
    that make small problems slow, and how checkpoint files are written):

    * the progress bar redraws by time (at most every 0.25 s) instead of
      several times per epoch, and always shows the final state;
    * the default checkpoint is written by time (at most every 60 s) and after
      the last epoch, instead of after every epoch; it keeps Lightning's place
      and name (``lightning_logs/version_N/checkpoints/epoch=E-step=S.ckpt``);
    * checkpoint files are written atomically (a temporary file, ``fsync``,
      then ``os.replace``: see :class:`~pina._checkpoint.AtomicCheckpointIO`),
      unless ``plugins`` holds a ``CheckpointIO`` of your own.

    A ``ProgressBar`` or ``ModelCheckpoint`` of your own in ``callbacks``
    replaces ours, as in Lightning. Lightning's default of 1000 epochs applies.

    The training points are taken from ``problem.input_pts`` when the Trainer
    is built; :meth:`update_points` makes it train on points changed later.
    Shuffling (with ``batch_size``) uses the loader's own generator, seeded
    from torch's global generator here; its state and the points replaced with
    :meth:`update_points` are saved in checkpoints and restored by
    ``train(ckpt_path=...)``, so a resumed run continues exactly.

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
        callbacks.append(_TrainingPoints(self._loader, problem))
        # The solvers log once per epoch, so Lightning's warning about epochs shorter
        # than log_every_n_steps does not apply.
        kwargs.setdefault("log_every_n_steps", 1)
        plugins = kwargs.get("plugins")
        plugin_list = plugins if isinstance(plugins, (list, tuple)) else [plugins]
        own_io = any(isinstance(p, CheckpointIO) for p in plugin_list)
        super().__init__(callbacks=callbacks, **kwargs)
        # Only Lightning's default writer is replaced (not a user's, nor e.g. XLA's).
        if not own_io and type(self.strategy.checkpoint_io) is TorchCheckpointIO:
            self.strategy.checkpoint_io = AtomicCheckpointIO()
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

    def update_points(self, names: str | Sequence[str] | None = None) -> None:
        """Train on the problem's current points of physics conditions, from the next epoch on.

        After changing ``problem.input_pts[name]`` (assigning new points, or
        ``discretise_domain``/``add_points``), call this to make the Trainer
        use them; callbacks such as
        :class:`~pina.callbacks.R3Refinement` call it during training. The
        points are moved to the training device and dtype, and under a
        multi-process strategy each process keeps its shard (call it on every
        process, with the same points everywhere). The epoch running when it
        is called finishes on the old points. The new points are saved in
        checkpoints, and ``train(ckpt_path=...)`` trains on them again (and
        puts them back in ``problem.input_pts``).

        Args:
            names: A physics condition name, a list of them, or ``None`` for
                every physics condition (those with an ``equation``).

        Raises:
            TypeError: If ``names`` is not ``None``, a str or a list of str.
            ValueError: For a name that is not a physics condition, points
                without the input variables, or, while training, points that
                would change the number of steps per epoch.
        """
        physics = [n for n, c in self._solver.problem.conditions.items() if c.equation is not None]
        if names is None:
            selected = physics
        elif isinstance(names, str):
            selected = [names]
        elif isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names):
            selected = list(names)
        else:
            raise TypeError(
                f"names must be None, a condition name or a list of them; got {names!r}."
            )
        unknown = [n for n in selected if n not in physics]
        if unknown:
            raise ValueError(
                f"names={names!r}: {unknown!r} are not physics conditions; choose from {physics!r}."
            )
        points = self._solver.problem.input_pts
        self._loader.replace_points({n: points[n] for n in selected}, fixed_steps=self.training)
