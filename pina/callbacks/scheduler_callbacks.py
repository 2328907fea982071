"""Callbacks that change the learning-rate schedule during training."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback
from pytorch_lightning.utilities.types import LRSchedulerConfig
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from ._switch import check_epoch_switch, kwargs_per_item
from .optimizer_callbacks import SwitchOptimizer

__all__ = ["SwitchScheduler"]

SchedulerClass = type[LRScheduler]


class SwitchScheduler(Callback):
    """Replace the learning-rate schedulers of the solver's optimizers at a given epoch.

    At the start of epoch ``epoch_switch`` the scheduler of every optimizer
    of the Trainer (``trainer.optimizers``, so after a
    :class:`SwitchOptimizer` the new optimizers) is replaced by a new one,
    ``new_schedulers[i](trainer.optimizers[i], **new_schedulers_kwargs[i])``.
    A new scheduler starts from the optimizer's current learning rates (they
    are its ``base_lrs``) and Lightning steps it at the end of every epoch,
    as it stepped the solver's. The old schedulers are no longer stepped.

    Training resumed from a checkpoint written after the switch switches
    again when fitting starts, before Lightning restores the saved optimizer
    and scheduler states, so the new schedulers continue where they were.
    The solver's own scheduler attributes keep the schedulers it was built
    with; ``trainer.lr_scheduler_configs`` lists the ones in use.

    Solvers with manual optimization (SAPINN, CompetitivePINN, GAROM) step
    their own schedulers, which a callback cannot replace through their
    public API: they are refused (give such a solver a scheduler that changes
    at the epoch, e.g. ``LambdaLR``). ``ReduceLROnPlateau``, which needs a
    monitored metric, is refused too. Used with a :class:`SwitchOptimizer`
    switching at the same epoch or earlier, list the ``SwitchOptimizer``
    first, so the schedulers are built on its new optimizers (a
    ``SwitchOptimizer`` switching later removes these schedulers, see its
    documentation).

    Args:
        new_schedulers: A ``torch.optim.lr_scheduler.LRScheduler`` subclass
            (e.g. ``torch.optim.lr_scheduler.StepLR``) or one per optimizer.
        epoch_switch: The epoch (counted from 0) at whose start the switch
            happens; at least 1. A run starting after it (resumed from a
            checkpoint written without this callback) switches at its first
            epoch.
        new_schedulers_kwargs: Keyword arguments of each new scheduler but the
            optimizer (a dict, or one per scheduler); default ``{}`` for each.

    Raises:
        TypeError: For an argument of the wrong type, or keyword arguments
            that the scheduler does not take (or lacking a required one).
        ValueError: If ``epoch_switch < 1`` or the numbers of schedulers and
            of keyword dicts differ; when fitting starts, for manual
            optimization, a number of optimizers different from that of the
            schedulers, or a ``SwitchOptimizer`` listed after this callback.

    Example:
        >>> switch = SwitchScheduler(StepLR, epoch_switch=500,
        ...                          new_schedulers_kwargs={'step_size': 100, 'gamma': 0.5})
        >>> Trainer(pinn, max_epochs=1000, callbacks=[switch]).train()
    """

    def __init__(
        self,
        new_schedulers: SchedulerClass | Sequence[SchedulerClass],
        epoch_switch: int,
        new_schedulers_kwargs: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        schedulers: list[Any] = (
            list(new_schedulers) if isinstance(new_schedulers, (list, tuple)) else [new_schedulers]
        )
        if not schedulers:
            raise ValueError("new_schedulers must hold at least one scheduler class; got [].")
        for i, scheduler in enumerate(schedulers):
            _check_scheduler_class(f"new_schedulers[{i}]", scheduler)
        kwargs = kwargs_per_item(
            "new_schedulers_kwargs", new_schedulers_kwargs, schedulers, "scheduler"
        )
        epoch_switch = check_epoch_switch(epoch_switch, "schedulers")
        for i, (scheduler, options) in enumerate(zip(schedulers, kwargs)):
            _check_scheduler_kwargs(i, scheduler, options)
        self._new_schedulers: list[SchedulerClass] = schedulers
        self._new_schedulers_kwargs: list[dict[str, Any]] = kwargs
        self._epoch_switch = epoch_switch
        self._switched = False

    @property
    def epoch_switch(self) -> int:
        """The epoch at whose start the schedulers are replaced."""
        return self._epoch_switch

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage != "fit":
            return
        if not pl_module.automatic_optimization:
            raise ValueError(
                f"SwitchScheduler works with automatic optimization; {type(pl_module).__name__} "
                "steps its schedulers itself (automatic_optimization=False). Give the solver a "
                "scheduler that changes at the epoch instead, e.g. "
                "torch.optim.lr_scheduler.LambdaLR with "
                "lr_lambda=lambda epoch: 1.0 if epoch < 500 else 0.5 ** (epoch - 500)."
            )
        self._switched = False  # a new fit; a checkpoint's state may set it back

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        n_optimizers = len(trainer.optimizers)
        if n_optimizers != len(self._new_schedulers):
            raise ValueError(
                f"SwitchScheduler has {len(self._new_schedulers)} scheduler(s) but the Trainer "
                f"has {n_optimizers} optimizer(s); give one scheduler (and one kwargs dict) per "
                "optimizer."
            )
        # Lightning sets trainer.callbacks (public) without declaring it.
        callbacks: list[Callback] = trainer.callbacks  # type: ignore[attr-defined]
        for callback in callbacks[callbacks.index(self) + 1 :]:
            if (
                isinstance(callback, SwitchOptimizer)
                and callback.epoch_switch <= self._epoch_switch
            ):
                raise ValueError(
                    f"SwitchOptimizer(epoch_switch={callback.epoch_switch}) is listed after "
                    f"SwitchScheduler(epoch_switch={self._epoch_switch}) in callbacks, so the "
                    "new schedulers would be built on the old optimizers and then removed; "
                    "list the SwitchOptimizer first."
                )
        # Resumed after the switch: switch now, before Lightning restores the saved
        # (new) scheduler states into trainer.lr_scheduler_configs.
        if self._switched:
            self._switch(trainer)

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not self._switched and trainer.current_epoch >= self._epoch_switch:
            self._switch(trainer)
            self._switched = True

    def _switch(self, trainer: pl.Trainer) -> None:
        configs = []
        for optimizer, cls, options in zip(
            trainer.optimizers, self._new_schedulers, self._new_schedulers_kwargs
        ):
            _start_from_current_lr(optimizer)
            configs.append(LRSchedulerConfig(cls(optimizer, **options), interval="epoch"))
        trainer.strategy.lr_scheduler_configs = configs

    def state_dict(self) -> dict[str, Any]:
        return {"switched": self._switched}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._switched = bool(state_dict.get("switched", False))


def _check_scheduler_class(name: str, scheduler: Any) -> None:
    """Raise ``TypeError`` unless ``scheduler`` is an epoch-stepped ``LRScheduler`` class."""
    if not (isinstance(scheduler, type) and issubclass(scheduler, LRScheduler)):
        raise TypeError(
            f"{name} must be a torch.optim.lr_scheduler.LRScheduler class such as "
            f"torch.optim.lr_scheduler.StepLR (not an instance); got {scheduler!r}."
        )
    if issubclass(scheduler, ReduceLROnPlateau):
        raise TypeError(
            f"{name}={scheduler.__name__} is not supported: it needs a monitored metric, which "
            "SwitchScheduler does not give; choose a scheduler stepped by epoch, such as "
            "torch.optim.lr_scheduler.StepLR or ExponentialLR."
        )


def _check_scheduler_kwargs(index: int, scheduler: SchedulerClass, options: dict[str, Any]) -> None:
    """Raise ``TypeError`` unless ``scheduler(optimizer, **options)`` fits its signature."""
    signature = inspect.signature(scheduler)
    try:
        signature.bind(None, **options)
    except TypeError as error:
        raise TypeError(
            f"new_schedulers_kwargs[{index}]={options!r} does not fit "
            f"{scheduler.__name__}{signature}: {error}."
        ) from None


def _start_from_current_lr(optimizer: torch.optim.Optimizer) -> None:
    """Make a scheduler built next take the optimizer's current learning rates as base."""
    for group in optimizer.param_groups:
        lr = group["lr"]
        group["initial_lr"] = lr.clone() if isinstance(lr, torch.Tensor) else lr
