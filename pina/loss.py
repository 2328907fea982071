r"""Losses on batches of vectors: :class:`LpLoss` and :class:`PowerLoss`.

Both compare two tensors of shape ``(*, D)`` sample by sample: each of the ``*``
leading entries is one sample, a vector of its ``D`` last-dimension entries,
and gets one loss value; the reduction then combines those values.

Argument order and relative losses
    As in PINA 0.1, ``loss(input, target)`` treats ``input`` as the reference
    data and a relative loss divides by the size of ``input``. This is how the
    solvers call a loss on a physics condition, ``loss(torch.zeros_like(r), r)``:
    the reference is zero and the residual ``r`` is compared with it. Where a
    sample's reference is exactly zero its relative error is undefined, and
    that sample's loss is the absolute loss instead (see :class:`LossInterface`).
"""

from __future__ import annotations

import math
import numbers
from abc import ABCMeta, abstractmethod

import torch
from torch import Tensor
from torch.nn.modules.loss import _Loss

from pina._errors import ArgumentTypeError

__all__ = ["LossInterface", "LpLoss", "PowerLoss"]

_REDUCTIONS = ("mean", "none", "sum")


class LossInterface(_Loss, metaclass=ABCMeta):
    r"""Base class of the pina losses: a per-sample loss followed by a reduction.

    A subclass implements :meth:`forward`, computing one value :math:`l_n` per
    sample (the last dimension holds a sample's entries), and returns
    ``self._reduction(l)``. The reduction of the per-sample losses
    :math:`L = (l_1, \dots, l_N)` is

    .. math::
        \ell = \begin{cases}
            \frac{1}{N}\sum_{n} l_n & \text{reduction = 'mean'},\\
            \sum_{n} l_n & \text{reduction = 'sum'},\\
            L & \text{reduction = 'none'},
        \end{cases}

    where :math:`N` is the number of samples, the product of the leading
    dimensions (so ``'mean'`` and ``'sum'`` return a 0-d tensor whatever the
    rank of the inputs, as ``torch.nn.MSELoss`` does).

    **Relative losses and zero references.** A relative loss divides the
    per-sample error by the size of the sample's reference, ``input``. When that
    size is exactly zero (a physics condition compares the residual with
    ``torch.zeros_like(residual)``, so every sample's reference is zero), the
    relative error is undefined and the sample's loss falls back to the
    absolute loss (the numerator alone). We use this fallback rather than
    adding a small :math:`\varepsilon` to the denominator because it leaves
    every well-defined relative error exact, introduces no scale-dependent
    constant, and turns a relative loss used on a PINN residual into the
    absolute residual loss, whose gradients are informative; dividing by an
    :math:`\varepsilon` would instead scale the residual loss by
    :math:`1/\varepsilon` and wreck the balance between conditions. The
    gradient is finite too (the division is masked, not just its result).

    Args:
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``, as above. As
            with torch's own losses it is checked when the loss is called, so
            it may also be set or changed after construction.

    Raises:
        ValueError: When the loss is called with a ``reduction`` that is not
            one of the three choices.
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__(size_average=None, reduce=None, reduction=reduction)

    @abstractmethod
    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            input: The reference data, shape ``(*, D)``.
            target: The values compared with it (e.g. a model output or a
                residual), shape ``(*, D)`` (or broadcastable to a common shape
                with ``input``).

        Returns:
            The reduced loss: a 0-d tensor for ``'mean'``/``'sum'``, shape
            ``(*)`` for ``'none'``.
        """

    def _reduction(self, loss: Tensor) -> Tensor:
        """Reduce per-sample losses ``(*)`` according to ``self.reduction``.

        Raises:
            ValueError: If ``self.reduction`` is not one of the choices.
        """
        _check_reduction(self.reduction)
        if self.reduction == "mean":
            return loss.mean()
        if self.reduction == "sum":
            return loss.sum()
        return loss


class LpLoss(LossInterface):
    r"""The :math:`L^p` distance between samples, optionally relative.

    For samples :math:`x_n, y_n \in \mathbb{R}^D` (the last dimension of
    ``input`` and ``target``) the per-sample loss is the :math:`p`-norm of
    their difference (with the :math:`p`-th root, as ``torch.linalg.vector_norm``),

    .. math::
        l_n = \lVert x_n - y_n \rVert_p
            = \Big(\sum_{i=1}^{D} |x_n^i - y_n^i|^p\Big)^{1/p},

    and with ``relative=True``

    .. math::
        l_n = \begin{cases}
            \lVert x_n - y_n \rVert_p \,/\, \lVert x_n \rVert_p
                & \lVert x_n \rVert_p > 0,\\
            \lVert x_n - y_n \rVert_p & \lVert x_n \rVert_p = 0,
        \end{cases}

    i.e. relative to the reference ``input`` (PINA 0.1's definition) and
    absolute where the reference is zero (see :class:`LossInterface`). Then the
    reduction is applied. ``p = float('inf')`` gives the max-norm.

    Args:
        p: The order :math:`p > 0` of the norm (``float('inf')`` allowed).
            Default 2, the Euclidean norm.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``; see
            :class:`LossInterface`.
        relative: Whether to divide by the norm of the reference ``input``.

    Raises:
        TypeError: If ``p`` is not a real number or ``relative`` not a bool.
        ValueError: If ``p <= 0`` or NaN; when called, if ``reduction`` is
            unknown.

    Example:
        >>> loss = LpLoss(p=2, relative=True)
        >>> residual = torch.tensor([[3.0, 4.0]])
        >>> loss(torch.zeros_like(residual), residual)  # zero reference: absolute
        tensor(5.)
    """

    def __init__(self, p: float = 2, reduction: str = "mean", relative: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.p: float = _check_order(p, allow_inf=True)
        self.relative: bool = _check_bool(relative, "relative")

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Per-sample :math:`L^p` error, reduced; see :meth:`LossInterface.forward`."""
        input, target = _as_samples(input, target)
        loss = torch.linalg.vector_norm(input - target, ord=self.p, dim=-1)
        if self.relative:
            loss = _relative(loss, torch.linalg.vector_norm(input, ord=self.p, dim=-1))
        return self._reduction(loss)

    def extra_repr(self) -> str:
        return f"p={self.p}, reduction={self.reduction!r}, relative={self.relative}"


class PowerLoss(LossInterface):
    r"""The mean :math:`p`-th power of the error of each sample, optionally relative.

    For samples :math:`x_n, y_n \in \mathbb{R}^D` (the last dimension of
    ``input`` and ``target``) the per-sample loss is

    .. math::
        l_n = \frac{1}{D} \sum_{i=1}^{D} |x_n^i - y_n^i|^p

    (no root: ``PowerLoss(p=2)`` with ``reduction='mean'`` is the mean squared
    error, ``torch.nn.MSELoss``), and with ``relative=True``

    .. math::
        l_n = \begin{cases}
            \dfrac{\sum_{i} |x_n^i - y_n^i|^p}{\sum_{i} |x_n^i|^p}
                & \sum_{i} |x_n^i|^p > 0,\\[1ex]
            \dfrac{1}{D}\sum_{i} |x_n^i - y_n^i|^p & \text{otherwise},
        \end{cases}

    i.e. relative to the reference ``input`` (PINA 0.1's definition: the
    :math:`1/D` factors cancel) and absolute where the reference is zero (see
    :class:`LossInterface`). Then the reduction is applied.

    Args:
        p: The power :math:`p > 0` (finite). Default 2.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``; see
            :class:`LossInterface`.
        relative: Whether to divide by the mean :math:`p`-th power of the
            reference ``input``.

    Raises:
        TypeError: If ``p`` is not a real number or ``relative`` not a bool.
        ValueError: If ``p`` is not a positive finite number; when called, if
            ``reduction`` is unknown.
    """

    def __init__(self, p: float = 2, reduction: str = "mean", relative: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.p: float = _check_order(p, allow_inf=False)
        self.relative: bool = _check_bool(relative, "relative")

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Per-sample mean :math:`p`-th power error, reduced; see :meth:`LossInterface.forward`."""
        input, target = _as_samples(input, target)
        loss = (input - target).abs().pow(self.p).mean(dim=-1)
        if self.relative:
            loss = _relative(loss, input.abs().pow(self.p).mean(dim=-1))
        return self._reduction(loss)

    def extra_repr(self) -> str:
        return f"p={self.p}, reduction={self.reduction!r}, relative={self.relative}"


# --------------------------------------------------------------------- helpers
def _relative(error: Tensor, reference: Tensor) -> Tensor:
    """``error / reference`` where ``reference > 0``, else ``error`` (finite gradients too)."""
    defined = reference > 0
    safe = torch.where(defined, reference, torch.ones_like(reference))
    return torch.where(defined, error / safe, error)


def _as_samples(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """Check the arguments and broadcast them to one shape ``(*, D)`` (at least 1-D)."""
    for name, value in (("input", input), ("target", target)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor of shape (*, D); got {type(value).__name__}. "
                "Wrap numbers with torch.as_tensor or use torch.zeros_like(target)."
            )
    input = input.as_subclass(Tensor)
    target = target.as_subclass(Tensor)
    try:
        input, target = torch.broadcast_tensors(input, target)
    except RuntimeError as error:
        raise ValueError(
            f"input of shape {tuple(input.shape)} and target of shape {tuple(target.shape)} "
            "do not broadcast to a common shape (*, D)."
        ) from error
    if input.ndim == 0:
        input, target = input.reshape(1), target.reshape(1)
    return input, target


def _check_reduction(reduction: object) -> None:
    """Raise a ValueError unless ``reduction`` is one of the choices (checked at call time)."""
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(
            f"reduction={reduction!r} is not supported; choose one of {list(_REDUCTIONS)}."
        )


def _check_order(p: object, allow_inf: bool) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise ArgumentTypeError(f"p must be a real number; got {p!r} of type {type(p).__name__}.")
    value = float(p)
    if math.isnan(value) or value <= 0 or (math.isinf(value) and not allow_inf):
        expected = "a positive number or float('inf')" if allow_inf else "a positive finite number"
        raise ValueError(f"p={p!r} is not valid; p must be {expected}.")
    return value


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ArgumentTypeError(
            f"{name} must be a bool; got {value!r} of type {type(value).__name__}."
        )
    return value
