"""Argument checks and error notes shared by the models and layers of :mod:`pina.model`."""

from __future__ import annotations

import numbers
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from pina._errors import ArgumentTypeError


def _add_note(err: BaseException, note: str) -> None:
    """Add ``note`` to the traceback of ``err`` (Python >= 3.11; a no-op before)."""
    if sys.version_info >= (3, 11):
        err.add_note(note)


@contextmanager
def _note_on_error(note: str) -> Iterator[None]:
    """Re-raise any error unchanged, with ``note`` added to its traceback (Python >= 3.11)."""
    try:
        yield
    except Exception as err:
        _add_note(err, note)
        raise


def _check_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(
            f"{name} must be an int; got {value!r} of type {type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(f"{name}={value!r} must be an int >= {minimum}.")
    return int(value)


def _run_on_zeros(net: nn.Module, n_in: int, note: str) -> object:
    """Run ``net`` once on zeros of shape ``(2, n_in)`` and return what it returns.

    The zeros take the dtype and device of the first parameter (or buffer) of
    ``net``. The module runs without gradients and in eval mode (its training
    flags are restored afterwards), so no state changes and no random numbers
    are drawn. An error raised by the module itself comes out unchanged, with
    ``note`` added.
    """
    reference: Tensor | None = next(net.parameters(), None)
    if reference is None:
        reference = next(net.buffers(), None)
    probe = torch.zeros(
        2,
        n_in,
        dtype=reference.dtype if reference is not None else None,
        device=reference.device if reference is not None else None,
    )
    modes = [(module, module.training) for module in net.modules()]
    net.eval()
    try:
        with _note_on_error(note), torch.no_grad():
            return net(probe)
    finally:
        for module, mode in modes:
            module.training = mode
