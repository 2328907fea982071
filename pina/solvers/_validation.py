"""Checks of the solvers' constructor arguments, with the messages users see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.optim.lr_scheduler import LRScheduler

#: Keyword arguments of the default ``ConstantLR`` scheduler: a constant learning rate.
CONSTANT_LR_KWARGS = {"factor": 1, "total_iters": 0}


def check_optimizer_class(name: str, optimizer: Any, example: str = "torch.optim.Adam") -> None:
    """Raise ``TypeError`` unless ``optimizer`` is a ``torch.optim.Optimizer`` class.

    Args:
        name: The argument's name in the message (e.g. ``'optimizers[0]'``).
        optimizer: The value received.
        example: An optimizer class to suggest.
    """
    if not (isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer)):
        raise TypeError(
            f"{name} must be a torch.optim.Optimizer class such as {example} "
            f"(not an instance); got {optimizer!r}."
        )


def loss_module(loss: Any, default: Callable[[], nn.Module], example: str) -> nn.Module:
    """``loss``, or ``default()`` for ``None``; ``TypeError`` if it is not a module.

    Args:
        loss: The value received for ``loss``.
        default: Builds the default loss.
        example: Losses to suggest in the message.
    """
    if loss is None:
        return default()
    if not isinstance(loss, nn.Module):
        raise TypeError(
            f"loss must be a torch loss module instance such as {example}; got {loss!r}."
        )
    return loss


def build_scheduler(
    name: str,
    scheduler: Any,
    kwargs: dict[str, Any] | None,
    optimizer: torch.optim.Optimizer,
) -> LRScheduler:
    """The scheduler ``scheduler(optimizer, **kwargs)``, after checking the arguments.

    Args:
        name: The scheduler argument's name (its kwargs are ``f'{name}_kwargs'``).
        scheduler: A ``torch.optim.lr_scheduler`` class.
        kwargs: Its keyword arguments; ``None`` for :data:`CONSTANT_LR_KWARGS`.
        optimizer: The optimizer it schedules.

    Raises:
        TypeError: If ``scheduler`` is not a scheduler class or ``kwargs`` not a dict.
    """
    if not (isinstance(scheduler, type) and issubclass(scheduler, LRScheduler)):
        raise TypeError(
            f"{name} must be a torch.optim.lr_scheduler class such as ConstantLR; "
            f"got {scheduler!r}."
        )
    if kwargs is None:
        kwargs = dict(CONSTANT_LR_KWARGS)
    if not isinstance(kwargs, dict):
        raise TypeError(f"{name}_kwargs must be a dict; got {kwargs!r}.")
    return scheduler(optimizer, **kwargs)
