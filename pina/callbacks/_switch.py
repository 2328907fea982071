"""Argument checks shared by the callbacks that switch something at an epoch."""

from __future__ import annotations

from typing import Any

from pina._errors import ArgumentTypeError


def kwargs_per_item(name: str, value: Any, items: list[Any], what: str) -> list[dict[str, Any]]:
    """One keyword dict per item: ``value`` as a list of dicts (a single dict means one).

    Args:
        name: The argument's name (e.g. ``'new_optimizers_kwargs'``).
        value: A dict, a list of dicts, or ``None`` (an empty dict per item).
        items: The classes the dicts go with.
        what: What an item is, for the message (``'optimizer'``).

    Raises:
        TypeError: If an entry is not a dict.
        ValueError: If the numbers of items and of dicts differ.
    """
    if value is None:
        kwargs: list[Any] = [{} for _ in items]
    elif isinstance(value, (list, tuple)):
        kwargs = list(value)
    else:
        kwargs = [value]
    for i, options in enumerate(kwargs):
        if not isinstance(options, dict):
            raise ArgumentTypeError(f"{name}[{i}] must be a dict; got {options!r}.")
    if len(items) != len(kwargs):
        raise ValueError(
            f"Give one {name} dict per {what}; got {len(items)} {what}(s) and "
            f"{len(kwargs)} dict(s)."
        )
    return kwargs


def check_epoch_switch(epoch_switch: Any, what: str) -> int:
    """``epoch_switch``, checked: an int >= 1 (``what`` is what changes, for the message)."""
    if isinstance(epoch_switch, bool) or not isinstance(epoch_switch, int):
        raise ArgumentTypeError(f"epoch_switch must be an int >= 1; got {epoch_switch!r}.")
    if epoch_switch < 1:
        raise ValueError(
            f"epoch_switch must be >= 1 (the epoch at whose start the {what} change; "
            f"epoch 0 would never use the solver's own); got {epoch_switch!r}."
        )
    return epoch_switch
