r"""The gated residual block of PirateNets: :class:`PirateNetBlock`."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from ..._errors import ArgumentTypeError
from .._validation import _check_int
from ..feed_forward import _build_activation as _build_feed_forward_activation
from ..feed_forward import _check_activation

__all__ = ["PirateNetBlock"]

#: An activation: a module class, a module instance (deep-copied) or a
#: zero-argument callable returning a module.
PirateActivationLike = type[nn.Module] | nn.Module | Callable[[], nn.Module]


def _build_activation(spec: object, name: str = "activation") -> nn.Module:
    """Build one activation module from ``spec`` (an instance is deep-copied; no ``None``)."""
    if spec is None:
        raise ArgumentTypeError(f"{name} must be an activation (e.g. torch.nn.Tanh); got None.")
    _check_activation(spec, name)
    module = _build_feed_forward_activation(name, spec, copy_instance=True)  # type: ignore[arg-type]
    assert module is not None
    return module


class PirateNetBlock(nn.Module):
    r"""One gated residual block of a PirateNet.

    Given the block input :math:`x` and the gates :math:`U, V` (all of shape
    ``(*, inner_size)``), with :math:`\sigma` the activation,

    .. math::
        f &= \sigma(W_1 x + b_1), & z_1 &= f \odot U + (1 - f) \odot V, \\
        g &= \sigma(W_2 z_1 + b_2), & z_2 &= g \odot U + (1 - g) \odot V, \\
        h &= \sigma(W_3 z_2 + b_3), & x_{\text{next}} &= \alpha h + (1 - \alpha) x,

    with a trainable scalar :math:`\alpha` initialised at 0, so that at
    initialisation the block is the identity :math:`x_{\text{next}} = x`.

    References:
        Wang, S., Sankaran, S., Wang, H. and Perdikaris, P. (2024). *PirateNets:
        Physics-informed deep learning with residual adaptive networks*. JMLR 25(402).

    Args:
        inner_size: The width of :math:`x`, :math:`U`, :math:`V` and of every layer.
        activation: The activation :math:`\sigma`: a ``torch.nn.Module``
            subclass, an instance (deep-copied), or a zero-argument callable
            returning a module.

    Attributes:
        linear1, linear2, linear3 (torch.nn.Linear): :math:`(W_k, b_k)`.
        alpha (torch.nn.Parameter): :math:`\alpha`, of shape ``()``.
        activation (torch.nn.Module): :math:`\sigma`.

    Raises:
        TypeError: If ``inner_size`` is not an int or ``activation`` none of the accepted kinds.
        ValueError: If ``inner_size`` is below 1.
    """

    def __init__(self, inner_size: int, activation: PirateActivationLike = torch.nn.Tanh) -> None:
        super().__init__()
        self.inner_size = _check_int(inner_size, "inner_size")
        self.linear1 = nn.Linear(self.inner_size, self.inner_size)
        self.linear2 = nn.Linear(self.inner_size, self.inner_size)
        self.linear3 = nn.Linear(self.inner_size, self.inner_size)
        self.alpha = nn.Parameter(torch.zeros(()))
        self.activation = _build_activation(activation)

    def forward(self, x: Tensor, U: Tensor, V: Tensor) -> Tensor:  # noqa: N803 (the paper's names)
        r"""Apply the block.

        Args:
            x: The block input, ``(*, inner_size)``.
            U: The first gate, ``(*, inner_size)``.
            V: The second gate, ``(*, inner_size)``.

        Returns:
            :math:`x_{\text{next}}`, of shape ``(*, inner_size)``.
        """
        f = self.activation(self.linear1(x))
        z1 = f * U + (1 - f) * V
        g = self.activation(self.linear2(z1))
        z2 = g * U + (1 - g) * V
        h = self.activation(self.linear3(z2))
        return self.alpha * h + (1 - self.alpha) * x
