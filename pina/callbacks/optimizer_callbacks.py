"""Callbacks that change how a solver is optimised during training."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback

from ..solvers._validation import check_optimizer_class
from ._switch import check_epoch_switch, kwargs_per_item

__all__ = ["SwitchOptimizer"]

OptimizerClass = type[torch.optim.Optimizer]


class SwitchOptimizer(Callback):
    """Replace the solver's optimizers by new ones at a given epoch (e.g. Adam, then LBFGS).

    At the start of epoch ``epoch_switch`` every optimizer of the Trainer is
    replaced by a new one of the given class, over the same parameters: the
    new optimizer ``i`` trains exactly what optimizer ``i`` trained (model
    ``i``, and for the first one the unknown parameters of an
    :class:`~pina.problem.InverseProblem`). A new optimizer keeps the old
    one's parameter groups, with the new keyword arguments for all of them
    (so options set on a group, such as its own learning rate, are not
    carried over), except ``torch.optim.LBFGS``, which allows a single group
    and gets all the parameters in it. Optimizer states (e.g. Adam's moments)
    start afresh.

    The learning-rate schedulers are removed at the switch: they are bound to
    the old optimizers (a ``StochasticWeightAveraging`` starting later adds
    its own ``SWALR`` on the new optimizer). LBFGS runs under Lightning's
    automatic optimization, which gives it the closure it evaluates several
    times per step (up to ``max_eval``, 25 by default).

    Training resumed from a checkpoint written after the switch switches
    again when fitting starts, before the optimizer states are restored, so
    the new optimizers get their saved state. The solver's own
    ``optimizers`` property keeps listing the optimizers it was built with;
    ``trainer.optimizers`` lists the ones in use.

    Works with automatic optimization and strategies that leave optimizers
    unwrapped (single device, DDP); the number of new optimizers must equal
    the number of the solver's models.

    Args:
        new_optimizers: An optimizer class (e.g. ``torch.optim.LBFGS``) or one
            per model.
        new_optimizers_kwargs: Keyword arguments of each new optimizer (a
            dict, or one per optimizer).
        epoch_switch: The epoch (counted from 0) at whose start the switch
            happens; at least 1. A run starting after it (resumed from a
            checkpoint written without this callback) switches at its first
            epoch.

    Raises:
        TypeError: For an argument of the wrong type.
        ValueError: If ``epoch_switch < 1`` or the numbers of optimizers and
            of keyword dicts differ; when fitting starts, if the number of
            optimizers differs from the number of models.

    Example:
        >>> switch = SwitchOptimizer(torch.optim.LBFGS, {'lr': 1.0}, epoch_switch=500)
        >>> Trainer(pinn, max_epochs=600, callbacks=[switch]).train()
    """

    def __init__(
        self,
        new_optimizers: OptimizerClass | Sequence[OptimizerClass],
        new_optimizers_kwargs: dict[str, Any] | Sequence[dict[str, Any]],
        epoch_switch: int,
    ) -> None:
        super().__init__()
        optimizers: list[Any] = (
            list(new_optimizers) if isinstance(new_optimizers, (list, tuple)) else [new_optimizers]
        )
        for i, optimizer in enumerate(optimizers):
            check_optimizer_class(f"new_optimizers[{i}]", optimizer, "torch.optim.LBFGS")
        kwargs = kwargs_per_item(
            "new_optimizers_kwargs", new_optimizers_kwargs, optimizers, "optimizer"
        )
        epoch_switch = check_epoch_switch(epoch_switch, "optimizers")
        self._new_optimizers: list[OptimizerClass] = optimizers
        self._new_optimizers_kwargs: list[dict[str, Any]] = kwargs
        self._epoch_switch = epoch_switch
        self._switched = False

    @property
    def epoch_switch(self) -> int:
        """The epoch at whose start the optimizers are replaced."""
        return self._epoch_switch

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage != "fit":
            return
        models = getattr(pl_module, "models", None)
        if not isinstance(models, torch.nn.ModuleList):
            raise TypeError(
                "SwitchOptimizer needs a pina solver (one optimizer per model in "
                f"`solver.models`); got {type(pl_module).__name__}."
            )
        if len(models) != len(self._new_optimizers):
            raise ValueError(
                f"SwitchOptimizer has {len(self._new_optimizers)} optimizer(s) but "
                f"{type(pl_module).__name__} has {len(models)} model(s); give one optimizer "
                "(and one kwargs dict) per model."
            )
        if not pl_module.automatic_optimization:
            raise ValueError(
                f"SwitchOptimizer works with automatic optimization; {type(pl_module).__name__} "
                "steps its optimizers itself (automatic_optimization=False)."
            )
        self._switched = False  # a new fit; a checkpoint's state may set it back

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Resumed after the switch: switch now, before Lightning restores the saved
        # (new) optimizer states into trainer.optimizers.
        if self._switched:
            self._switch(trainer)

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not self._switched and trainer.current_epoch >= self._epoch_switch:
            self._switch(trainer)
            self._switched = True

    def _switch(self, trainer: pl.Trainer) -> None:
        old_optimizers = trainer.optimizers
        if len(old_optimizers) != len(self._new_optimizers):
            raise ValueError(
                f"SwitchOptimizer has {len(self._new_optimizers)} optimizer(s) but the Trainer "
                f"has {len(old_optimizers)}; give one per optimizer of the solver."
            )
        trainer.optimizers = [
            _rebuild(old, cls, options)
            for old, cls, options in zip(
                old_optimizers, self._new_optimizers, self._new_optimizers_kwargs
            )
        ]
        trainer.strategy.lr_scheduler_configs = []

    def state_dict(self) -> dict[str, Any]:
        return {"switched": self._switched}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._switched = bool(state_dict.get("switched", False))


def _rebuild(
    old: torch.optim.Optimizer, cls: OptimizerClass, options: dict[str, Any]
) -> torch.optim.Optimizer:
    """A ``cls`` optimizer over the parameters of ``old``, group by group (one group for LBFGS)."""
    groups = [list(group["params"]) for group in old.param_groups]
    if issubclass(cls, torch.optim.LBFGS) or len(groups) == 1:
        return cls([p for group in groups for p in group], **options)
    return cls([{"params": group} for group in groups], **options)
