"""Checks of the solvers' constructor arguments, with the messages users see."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.optim.lr_scheduler import LRScheduler

from pina._errors import ArgumentTypeError

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
        raise ArgumentTypeError(
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
        raise ArgumentTypeError(
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
        raise ArgumentTypeError(
            f"{name} must be a torch.optim.lr_scheduler class such as ConstantLR; "
            f"got {scheduler!r}."
        )
    if kwargs is None:
        kwargs = dict(CONSTANT_LR_KWARGS)
    if not isinstance(kwargs, dict):
        raise ArgumentTypeError(f"{name}_kwargs must be a dict; got {kwargs!r}.")
    check_kwargs(f"{name}_kwargs", scheduler, kwargs, positional="optimizer")
    with naming_kwargs(f"{name}_kwargs", scheduler, kwargs):
        return scheduler(optimizer, **kwargs)


@contextmanager
def naming_kwargs(name: str, cls: type, kwargs: dict[str, Any]) -> Iterator[None]:
    """Re-raise a ``TypeError``/``ValueError`` of ``cls(..., **kwargs)`` naming ``name``.

    The optimizer or scheduler checks its own values (``lr=-1``, ...); its
    message is kept, after the argument and the value the user gave.
    """
    try:
        yield
    except (TypeError, ValueError) as err:
        kind = TypeError if isinstance(err, TypeError) else ValueError
        raise kind(f"{name}={kwargs!r} is not valid for {cls.__name__}: {err}") from err


def check_kwargs(name: str, cls: type, kwargs: dict[str, Any], positional: str) -> None:
    """Raise ``TypeError`` for a key of ``kwargs`` that ``cls(<first>, **kwargs)`` does not take.

    The valid keys are read once from the signature of ``cls`` (a class whose
    ``__init__`` takes ``**kwargs`` accepts any key).

    Args:
        name: The argument's name in the message (e.g. ``'optimizer_kwargs'``).
        cls: The optimizer or scheduler class.
        kwargs: The keyword arguments received.
        positional: Name of the first argument, which the solver passes itself
            (``'params'`` for an optimizer, ``'optimizer'`` for a scheduler).
    """
    for key in kwargs:
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be str; got {key!r} in {name}={kwargs!r}.")
    try:
        parameters = inspect.signature(cls).parameters
    except (TypeError, ValueError):  # no signature to read (e.g. a C extension): let it check
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        valid = None
    else:
        valid = [
            p
            for p, v in parameters.items()
            if p != positional
            and v.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        ]
    class_name = cls.__name__
    for key in kwargs:
        if key == positional:
            raise TypeError(
                f"{name} must not contain {key!r}: the solver passes it to {class_name} itself; "
                f"got {name}={kwargs!r}."
            )
        if valid is not None and key not in valid:
            raise TypeError(
                f"{name} has the key {key!r}, which {class_name} does not take; "
                f"valid keys: {valid!r}."
            )
