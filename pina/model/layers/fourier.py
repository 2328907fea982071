r"""Fourier layers: :class:`FourierBlock1D`, :class:`FourierBlock2D`, :class:`FourierBlock3D`.

A Fourier block is one layer of a Fourier Neural Operator (Li et al., 2020): a
spectral convolution (global, in Fourier space) plus a pointwise linear map (a
convolution with kernel size 1), followed by an activation,

.. math::

    v = \sigma\big(\mathcal{K}u + W u + b\big),

where :math:`\mathcal{K}` is the spectral convolution of
:mod:`pina.model.layers.spectral` and :math:`(Wu + b)(x) = W u(x) + b` acts on
the channels at every grid point. The blocks work channels-first: input
``(batch, input_numb_fields, *grid)``, output ``(batch, output_numb_fields, *grid)``.

Reference:
    Li, Z., Kovachki, N., Azizzadenesheli, K., Liu, B., Bhattacharya, K.,
    Stuart, A. and Anandkumar, A. (2021). *Fourier neural operator for
    parametric partial differential equations*. ICLR 2021. arXiv:2010.08895.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor, nn

from ..feed_forward import ActivationLike, _build_activation, _check_activation
from .spectral import (
    ModesLike,
    SpectralConvBlock1D,
    SpectralConvBlock2D,
    SpectralConvBlock3D,
    _SpectralConvBlock,
)

__all__ = ["FourierBlock1D", "FourierBlock2D", "FourierBlock3D"]


def _activation_module(activation: ActivationLike) -> nn.Module:
    """Build the block's activation from ``activation`` (``None`` gives the identity)."""
    _check_activation(activation, "activation")
    module = _build_activation("activation", activation, copy_instance=False)
    return nn.Identity() if module is None else module


class _FourierBlock(nn.Module):
    """Spectral convolution + pointwise linear map + activation (the shared implementation)."""

    _spectral_class: ClassVar[type[_SpectralConvBlock]]
    _linear_class: ClassVar[type[nn.Conv1d] | type[nn.Conv2d] | type[nn.Conv3d]]

    def __init__(
        self,
        input_numb_fields: int,
        output_numb_fields: int,
        n_modes: ModesLike,
        activation: ActivationLike = torch.nn.Tanh,
    ) -> None:
        super().__init__()
        self._spectral_conv = self._spectral_class(
            input_numb_fields=input_numb_fields,
            output_numb_fields=output_numb_fields,
            n_modes=n_modes,
        )
        self._activation = _activation_module(activation)
        self._linear = self._linear_class(input_numb_fields, output_numb_fields, 1)

    @property
    def input_numb_fields(self) -> int:
        """Number of input channels."""
        return self._spectral_conv.input_numb_fields

    @property
    def output_numb_fields(self) -> int:
        """Number of output channels."""
        return self._spectral_conv.output_numb_fields

    @property
    def n_modes(self) -> tuple[int, ...]:
        """Number of kept Fourier modes along each spatial dimension."""
        return self._spectral_conv.n_modes

    def forward(self, x: Tensor) -> Tensor:
        """Apply the block.

        Args:
            x: Input of shape ``(batch, input_numb_fields, *grid)``.

        Returns:
            Output of shape ``(batch, output_numb_fields, *grid)``.

        Raises:
            ValueError: If ``x`` has the wrong shape, or ``n_modes`` does not fit its grid.
        """
        return self._activation(self._spectral_conv(x) + self._linear(x))


class FourierBlock1D(_FourierBlock):
    r"""Fourier block on 1 spatial dimension.

    Computes :math:`v = \sigma\big(\mathcal{K} u + W u + b\big)` for an input
    :math:`u` of shape ``(batch, c_in, N)``, with :math:`\mathcal{K}` a
    :class:`~pina.model.layers.spectral.SpectralConvBlock1D` (``_spectral_conv``),
    :math:`W, b` a ``torch.nn.Conv1d`` with kernel size 1 (``_linear``, weight
    of shape ``(c_out, c_in, 1)``) and :math:`\sigma` the activation
    (``_activation``). The output has shape ``(batch, c_out, N)``.

    Args:
        input_numb_fields: Number of input channels :math:`c_{in}`.
        output_numb_fields: Number of output channels :math:`c_{out}`.
        n_modes: Number of kept Fourier modes, an int or one int per spatial
            dimension; see :class:`~pina.model.layers.spectral.SpectralConvBlock1D`.
        activation: :math:`\sigma`: a ``torch.nn.Module`` subclass (instantiated
            once), a module instance (used as is), a zero-argument callable
            returning a module, or ``None`` for the identity.

    Raises:
        TypeError: If a size or ``n_modes`` has the wrong type, or ``activation``
            is none of the accepted kinds.
        ValueError: If a size or number of modes is below 1, or ``n_modes`` has the
            wrong length.
    """

    _spectral_class = SpectralConvBlock1D
    _linear_class = nn.Conv1d


class FourierBlock2D(_FourierBlock):
    r"""Fourier block on 2 spatial dimensions.

    Computes :math:`v = \sigma\big(\mathcal{K} u + W u + b\big)` for an input
    :math:`u` of shape ``(batch, c_in, Nx, Ny)``, with :math:`\mathcal{K}` a
    :class:`~pina.model.layers.spectral.SpectralConvBlock2D` (``_spectral_conv``),
    :math:`W, b` a ``torch.nn.Conv2d`` with kernel size 1 (``_linear``, weight
    of shape ``(c_out, c_in, 1, 1)``) and :math:`\sigma` the activation
    (``_activation``). The output has shape ``(batch, c_out, Nx, Ny)``.

    Args:
        input_numb_fields: Number of input channels :math:`c_{in}`.
        output_numb_fields: Number of output channels :math:`c_{out}`.
        n_modes: Number of kept Fourier modes, an int or one int per spatial
            dimension; see :class:`~pina.model.layers.spectral.SpectralConvBlock2D`.
        activation: :math:`\sigma`: a ``torch.nn.Module`` subclass (instantiated
            once), a module instance (used as is), a zero-argument callable
            returning a module, or ``None`` for the identity.

    Raises:
        TypeError: If a size or ``n_modes`` has the wrong type, or ``activation``
            is none of the accepted kinds.
        ValueError: If a size or number of modes is below 1, or ``n_modes`` has the
            wrong length.
    """

    _spectral_class = SpectralConvBlock2D
    _linear_class = nn.Conv2d


class FourierBlock3D(_FourierBlock):
    r"""Fourier block on 3 spatial dimensions.

    Computes :math:`v = \sigma\big(\mathcal{K} u + W u + b\big)` for an input
    :math:`u` of shape ``(batch, c_in, Nx, Ny, Nz)``, with :math:`\mathcal{K}` a
    :class:`~pina.model.layers.spectral.SpectralConvBlock3D` (``_spectral_conv``),
    :math:`W, b` a ``torch.nn.Conv3d`` with kernel size 1 (``_linear``, weight
    of shape ``(c_out, c_in, 1, 1, 1)``) and :math:`\sigma` the activation
    (``_activation``). The output has shape ``(batch, c_out, Nx, Ny, Nz)``.

    Args:
        input_numb_fields: Number of input channels :math:`c_{in}`.
        output_numb_fields: Number of output channels :math:`c_{out}`.
        n_modes: Number of kept Fourier modes, an int or one int per spatial
            dimension; see :class:`~pina.model.layers.spectral.SpectralConvBlock3D`.
        activation: :math:`\sigma`: a ``torch.nn.Module`` subclass (instantiated
            once), a module instance (used as is), a zero-argument callable
            returning a module, or ``None`` for the identity.

    Raises:
        TypeError: If a size or ``n_modes`` has the wrong type, or ``activation``
            is none of the accepted kinds.
        ValueError: If a size or number of modes is below 1, or ``n_modes`` has the
            wrong length.
    """

    _spectral_class = SpectralConvBlock3D
    _linear_class = nn.Conv3d
