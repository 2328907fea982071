"""The Trainer: a ``pytorch_lightning.Trainer`` that knows how to feed a pina solver."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback, ModelCheckpoint, ProgressBar
from pytorch_lightning.plugins.io import CheckpointIO, TorchCheckpointIO

from ._checkpoint import AtomicCheckpointIO, TimedCheckpoint
from ._errors import ArgumentTypeError
from ._progress import TimedProgressBar
from ._spawn import strategy_for
from .data import PinaDataModule
from .solvers.solver import SolverInterface

__all__ = ["Trainer"]


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
    With ``strategy='ddp_spawn'`` (``'ddp_fork'``, ``'ddp_notebook'``), this
    process holds after :meth:`train` what rank 0 holds after ``'ddp'``: loop
    progress, metrics, callback states, points and weights.

    The points are taken from the problem when the Trainer is built (the
    sampled ``input_pts`` of physics conditions, the data of data conditions)
    into a :class:`~pina.data.PinaDataModule` (:attr:`datamodule`), which
    splits every condition's points at random into ``train_size``,
    ``val_size`` and ``test_size`` fractions. Lightning's validation loop runs
    on the validation split during :meth:`train` (``check_val_every_n_epoch``,
    ``val_check_interval``, ``limit_val_batches``, ``num_sanity_val_steps``
    as in Lightning), and :meth:`validate` and :meth:`test` run on their
    splits. :meth:`update_points` makes it train on points changed later.
    Splitting and shuffling (with ``batch_size``) use the data module's own
    generator, seeded from torch's global generator here; its state, the
    splits and the points replaced with :meth:`update_points` are saved in
    checkpoints and restored by ``train(ckpt_path=...)``, so a resumed run
    continues exactly.

    Args:
        solver: The solver to train.
        batch_size: ``None`` for one step per epoch over all points, or the
            number of points per step (per process); validation and test
            batches have the same size.
        train_size: Fraction of every condition's points to train on.
        val_size: Fraction of every condition's points to validate on.
        test_size: Fraction of every condition's points to test on.
        **kwargs: Any ``pytorch_lightning.Trainer`` keyword (``accelerator``,
            ``devices``, ``strategy``, ``max_epochs``, ``logger``, ``callbacks``,
            ``precision``, ``gradient_clip_val``, ...).

    Raises:
        TypeError: If ``solver`` is not a solver, ``batch_size`` not an int,
            or a split size not a number.
        ValueError: If ``batch_size`` is not positive, or the split sizes are
            outside ``[0, 1]`` or add up to more than 1.
        RuntimeError: If some conditions have no points yet.
    """

    def __init__(
        self,
        solver: SolverInterface,
        batch_size: int | None = None,
        train_size: float = 1.0,
        val_size: float = 0.0,
        test_size: float = 0.0,
        **kwargs: Any,
    ) -> None:
        if not isinstance(solver, SolverInterface):
            raise ArgumentTypeError(
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
        self._datamodule = PinaDataModule(
            problem,
            batch_size=batch_size,
            train_size=train_size,
            val_size=val_size,
            test_size=test_size,
        )
        self.batch_size = batch_size
        # Without a validation (test) split there is nothing to evaluate: Lightning's loop
        # is switched off (no per-epoch cost, no "zero length" warning) unless asked for.
        if not self._datamodule.has_split("val"):
            kwargs.setdefault("limit_val_batches", 0)
        if not self._datamodule.has_split("test"):
            kwargs.setdefault("limit_test_batches", 0)
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
        # The solvers log once per epoch, so Lightning's warning about epochs shorter
        # than log_every_n_steps does not apply.
        kwargs.setdefault("log_every_n_steps", 1)
        plugins = kwargs.get("plugins")
        plugin_list = plugins if isinstance(plugins, (list, tuple)) else [plugins]
        own_io = any(isinstance(p, CheckpointIO) for p in plugin_list)
        if "strategy" in kwargs:  # 'ddp_spawn' & co. give their results back (pina._spawn)
            kwargs["strategy"] = strategy_for(kwargs["strategy"])
        super().__init__(callbacks=callbacks, **kwargs)
        # Only Lightning's default writer is replaced (not a user's, nor e.g. XLA's).
        if not own_io and type(self.strategy.checkpoint_io) is TorchCheckpointIO:
            self.strategy.checkpoint_io = AtomicCheckpointIO()
        self._solver = solver
        # Lightning's attribute; fitting, validating and testing attach it again.
        self.datamodule = self._datamodule

    def train(self, **kwargs: Any) -> None:
        """Fit the solver (``ckpt_path=...`` resumes from a checkpoint).

        Args:
            **kwargs: Passed to ``pytorch_lightning.Trainer.fit``.
        """
        return self.fit(self._solver, datamodule=self._datamodule, **kwargs)

    def validate(  # type: ignore[override]
        self, model: pl.LightningModule | None = None, **kwargs: Any
    ) -> list[Mapping[str, float]]:
        """Run Lightning's validation loop on the validation split; return its metrics.

        Args:
            model: The solver (default: the Trainer's).
            **kwargs: Passed to ``pytorch_lightning.Trainer.validate``
                (``ckpt_path``, ``verbose``, or other ``dataloaders``/``datamodule``).

        Returns:
            One dict per dataloader: ``val_loss``, ``<condition>_val_loss`` and,
            when the problem defines ``truth_solution``, ``val_rel_l2``.
        """
        return super().validate(*self._evaluation_args(model, kwargs), **kwargs)

    def test(  # type: ignore[override]
        self, model: pl.LightningModule | None = None, **kwargs: Any
    ) -> list[Mapping[str, float]]:
        """Run Lightning's test loop on the test split; return its metrics.

        Args:
            model: The solver (default: the Trainer's).
            **kwargs: Passed to ``pytorch_lightning.Trainer.test``.

        Returns:
            One dict per dataloader: ``test_loss``, ``<condition>_test_loss``
            and, when the problem defines ``truth_solution``, ``test_rel_l2``.
        """
        return super().test(*self._evaluation_args(model, kwargs), **kwargs)

    def _evaluation_args(
        self, model: pl.LightningModule | None, kwargs: dict[str, Any]
    ) -> tuple[pl.LightningModule]:
        if kwargs.get("dataloaders") is None and kwargs.get("datamodule") is None:
            kwargs.pop("dataloaders", None)
            kwargs["datamodule"] = self._datamodule
        return (self._solver if model is None else model,)

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
        self._datamodule.replace_points({n: points[n] for n in selected}, fixed_steps=self.training)
