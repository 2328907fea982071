r"""Spectral convolutions: :class:`SpectralConvBlock1D`, `2D` and `3D`.

A spectral convolution block multiplies the lowest Fourier modes of its input by
learned complex matrices and discards the others, the global convolution at the
heart of the Fourier Neural Operator (Li et al., 2020). The blocks work
channels-first: input ``(batch, input_numb_fields, *grid)``, output
``(batch, output_numb_fields, *grid)``, with ``grid`` of 1, 2 or 3 spatial
dimensions sampled on a uniform, periodic grid.

Reference:
    Li, Z., Kovachki, N., Azizzadenesheli, K., Liu, B., Bhattacharya, K.,
    Stuart, A. and Anandkumar, A. (2021). *Fourier neural operator for
    parametric partial differential equations*. ICLR 2021. arXiv:2010.08895.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from ..._errors import ArgumentTypeError
from .._validation import _check_int

__all__ = ["SpectralConvBlock1D", "SpectralConvBlock2D", "SpectralConvBlock3D"]

#: What ``n_modes`` may be given as: one int for every spatial dimension, or one
#: int per spatial dimension.
ModesLike = int | Sequence[int]


def _parse_modes(n_modes: object, dimensions: int, name: str = "n_modes") -> tuple[int, ...]:
    """Return ``n_modes`` as one positive int per spatial dimension.

    Args:
        n_modes: An int (the same number of modes along every dimension) or a
            list/tuple of ``dimensions`` ints.
        dimensions: The number of spatial dimensions.
        name: The argument name used in error messages.

    Raises:
        TypeError: If ``n_modes`` is neither an int nor a list/tuple of ints.
        ValueError: If a number of modes is below 1 or the list has the wrong length.
    """
    if isinstance(n_modes, (list, tuple)):
        if len(n_modes) != dimensions:
            raise ValueError(
                f"{name}={n_modes!r} has {len(n_modes)} entries but the block has "
                f"{dimensions} spatial dimension(s); give one int per dimension, or a single "
                "int for all of them."
            )
        return tuple(_check_int(m, f"{name}[{i}]", 1) for i, m in enumerate(n_modes))
    if isinstance(n_modes, bool) or not isinstance(n_modes, int):
        raise ArgumentTypeError(
            f"{name} must be an int or a list/tuple of {dimensions} int(s) (modes per spatial "
            f"dimension); got {n_modes!r}."
        )
    return (_check_int(n_modes, name, 1),) * dimensions


def _max_modes(grid: Sequence[int]) -> tuple[int, ...]:
    r"""The largest number of modes each dimension of ``grid`` can keep.

    Along the last dimension the real FFT keeps the frequencies
    :math:`0, \dots, \lfloor N/2 \rfloor`, so at most :math:`\lfloor N/2 \rfloor + 1`
    modes. Along every other dimension the block keeps the frequencies
    :math:`0, \dots, m-1` and :math:`-m, \dots, -1`, which do not overlap only
    when :math:`m \le \lfloor N/2 \rfloor`.
    """
    *leading, last = grid
    return (*(n // 2 for n in leading), last // 2 + 1)


def _modes_error(modes: Sequence[int], grid: Sequence[int]) -> str | None:
    """Describe why ``modes`` do not fit ``grid``, or return ``None`` when they do."""
    limits = _max_modes(grid)
    for axis, (m, limit) in enumerate(zip(modes, limits)):
        if m > limit:
            return (
                f"along spatial dimension {axis} ({grid[axis]} points) at most {limit} modes fit "
                f"(N // 2 for every dimension but the last, N // 2 + 1 for the last), got {m}"
            )
    return None


class _SpectralConvBlock(nn.Module):
    r"""Spectral convolution on ``d`` spatial dimensions (the shared implementation).

    With :math:`\hat u = \mathcal{F}(u)` the real FFT over the spatial dimensions,
    the block computes

    .. math::

        \hat v_{o}(k) = \sum_{i} W_{i o}(k)\, \hat u_{i}(k) \quad
        \text{for every kept mode } k, \qquad \hat v_o(k) = 0 \text{ otherwise},
        \qquad v = \mathcal{F}^{-1}(\hat v),

    where the kept modes are :math:`0 \le k_{d} < m_{d}` along the last
    dimension and :math:`k_j \in \{0, \dots, m_j - 1\} \cup \{-m_j, \dots, -1\}`
    along every other one. Each sign pattern of the leading frequencies (a
    "corner" of the spectrum) has its own weight tensor of shape
    ``(input_numb_fields, output_numb_fields, *n_modes)``. Since the input is
    real, the output is real: the negative frequencies of the last dimension
    get the complex conjugate multipliers, so mode :math:`k` of a real input
    :math:`\sin(2\pi k x)` comes out as :math:`|W| \sin(2\pi k x + \arg W)`.

    The complex weights are stored as real parameters with a trailing
    dimension of size 2 (real and imaginary parts, as in
    :func:`torch.view_as_real`), so ``module.double()``, ``module.to(dtype)``,
    optimisers and mixed precision treat them like any other parameter.
    """

    #: Number of spatial dimensions.
    _dimensions: ClassVar[int]
    #: Parameter names of the corner weights, in the order of :attr:`weights`.
    _weight_names: ClassVar[tuple[str, ...]]

    def __init__(self, input_numb_fields: int, output_numb_fields: int, n_modes: ModesLike) -> None:
        super().__init__()
        self._input_channels = _check_int(input_numb_fields, "input_numb_fields", 1)
        self._output_channels = _check_int(output_numb_fields, "output_numb_fields", 1)
        self._modes = _parse_modes(n_modes, self._dimensions)

        # One slice per corner: (+ or -) frequencies along each leading dimension,
        # the first m frequencies along the last (halved) one.
        leading = [(slice(None, m), slice(-m, None)) for m in self._modes[:-1]]
        self._corners: tuple[tuple[slice, ...], ...] = tuple(
            (slice(None), slice(None), *corner, slice(None, self._modes[-1]))
            for corner in itertools.product(*leading)
        )

        scale = 1.0 / (self._input_channels * self._output_channels)
        shape = (self._input_channels, self._output_channels, *self._modes, 2)
        for name in self._weight_names:
            self.register_parameter(name, nn.Parameter(scale * torch.rand(shape)))

    # ------------------------------------------------------------------ properties
    @property
    def input_numb_fields(self) -> int:
        """Number of input channels."""
        return self._input_channels

    @property
    def output_numb_fields(self) -> int:
        """Number of output channels."""
        return self._output_channels

    @property
    def n_modes(self) -> tuple[int, ...]:
        """Number of kept modes along each spatial dimension."""
        return self._modes

    @property
    def weights(self) -> tuple[Tensor, ...]:
        """The complex multipliers, one per corner, as complex views of the parameters.

        Each has shape ``(input_numb_fields, output_numb_fields, *n_modes)``. Along
        every leading spatial dimension, the index ``j`` of a "+" corner is the
        frequency ``j`` and that of a "-" corner is the frequency ``j - m``; the
        corners come in the order of ``itertools.product(['+', '-'], ...)`` over
        the leading dimensions (``+`` first). They share memory with the
        parameters, so writing into them under ``torch.no_grad()`` sets the weights.
        """
        return tuple(torch.view_as_complex(getattr(self, name)) for name in self._weight_names)

    # ------------------------------------------------------------------ forward
    def forward(self, x: Tensor) -> Tensor:
        """Apply the spectral convolution.

        Args:
            x: Real input of shape ``(batch, input_numb_fields, *grid)``, with
                ``len(grid)`` spatial dimensions, sampled on a uniform periodic grid.

        Returns:
            Real output of shape ``(batch, output_numb_fields, *grid)``.

        Raises:
            ValueError: If ``x`` does not have that shape, or ``n_modes`` does not
                fit its grid.
        """
        d = self._dimensions
        if x.ndim != d + 2 or x.shape[1] != self._input_channels:
            grid = ", ".join(f"N{i}" for i in range(d))
            raise ValueError(
                f"{type(self).__name__} expects an input of shape (batch, "
                f"input_numb_fields={self._input_channels}, {grid}); got {tuple(x.shape)}."
            )
        grid_shape = tuple(x.shape[2:])
        problem = _modes_error(self._modes, grid_shape)
        if problem is not None:
            raise ValueError(
                f"n_modes={self._modes} does not fit the grid {grid_shape} of the input of "
                f"shape {tuple(x.shape)}: {problem}. Lower n_modes or use a finer grid."
            )
        dims = tuple(range(-d, 0))
        x_ft = torch.fft.rfftn(x, dim=dims)
        out_ft = x_ft.new_zeros((x.shape[0], self._output_channels, *x_ft.shape[2:]))
        for index, weight in zip(self._corners, self.weights):
            out_ft[index] = torch.einsum("bi...,io...->bo...", x_ft[index], weight)
        return torch.fft.irfftn(out_ft, s=grid_shape, dim=dims)

    # ------------------------------------------------------------------ checkpoints
    def _load_from_state_dict(
        self, state_dict: dict[str, Any], prefix: str, *args: Any, **kwargs: Any
    ) -> None:
        # PINA 0.1 stores the weights as complex tensors of shape (in, out, *modes):
        # accept those too, as their real view of shape (in, out, *modes, 2).
        for name in self._weight_names:
            value = state_dict.get(prefix + name)
            if isinstance(value, Tensor) and value.is_complex():
                state_dict[prefix + name] = torch.view_as_real(value)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self) -> str:
        return (
            f"input_numb_fields={self._input_channels}, "
            f"output_numb_fields={self._output_channels}, n_modes={self._modes}"
        )


class SpectralConvBlock1D(_SpectralConvBlock):
    r"""Spectral convolution on one spatial dimension.

    For an input :math:`u` of shape ``(batch, c_in, N)`` with real DFT
    :math:`\hat u_i(k) = \sum_{j=0}^{N-1} u_i(x_j)\, e^{-2\pi \mathrm{i} jk/N}`,

    .. math::

        \hat v_o(k) = \sum_{i=1}^{c_{in}} W_{io}(k)\, \hat u_i(k) \quad (0 \le k < m),
        \qquad \hat v_o(k) = 0 \quad (k \ge m),

    and the output ``(batch, c_out, N)`` is the inverse real DFT of
    :math:`\hat v`. The weight :math:`W` is the parameter ``_weights`` of shape
    ``(c_in, c_out, m, 2)`` (real and imaginary parts); :attr:`weights` gives its
    complex view. The imaginary part of :math:`W(0)` (and of :math:`W(N/2)`
    for even ``N``) has no effect, as the output is real.

    Args:
        input_numb_fields: Number of input channels :math:`c_{in}`.
        output_numb_fields: Number of output channels :math:`c_{out}`.
        n_modes: Number of kept modes, one int for all spatial dimensions or a
            list/tuple with one int per dimension. At run time it must
            be at most ``N // 2 + 1``.

    Raises:
        TypeError: If a size is not an int, or ``n_modes`` is neither an int nor a
            list/tuple of ints.
        ValueError: If a size is below 1, or ``n_modes`` has the wrong length
            (at construction); if the input shape is wrong, or ``n_modes`` does
            not fit the input grid (in ``forward``).
    """

    _dimensions = 1
    _weight_names = ("_weights",)


class SpectralConvBlock2D(_SpectralConvBlock):
    r"""Spectral convolution on two spatial dimensions.

    Input ``(batch, c_in, Nx, Ny)``, output ``(batch, c_out, Nx, Ny)``. The kept
    modes are :math:`k_y \in \{0, \dots, m_y - 1\}` and
    :math:`k_x \in \{0, \dots, m_x - 1\}` (weights ``_weights1``) or
    :math:`k_x \in \{-m_x, \dots, -1\}` (weights ``_weights2``), each of shape
    ``(c_in, c_out, m_x, m_y, 2)``:

    .. math::

        \hat v_o(k_x, k_y) = \sum_i W_{io}(k_x, k_y)\, \hat u_i(k_x, k_y).

    Args:
        input_numb_fields: Number of input channels :math:`c_{in}`.
        output_numb_fields: Number of output channels :math:`c_{out}`.
        n_modes: Number of kept modes, one int for all spatial dimensions or a
            list/tuple with one int per dimension. At run time it must
            be at most ``N // 2 + 1`` along the last spatial dimension and
            ``N // 2`` along the others (``N`` points each).

    Raises:
        TypeError: If a size is not an int, or ``n_modes`` is neither an int nor a
            list/tuple of ints.
        ValueError: If a size is below 1, or ``n_modes`` has the wrong length
            (at construction); if the input shape is wrong, or ``n_modes`` does
            not fit the input grid (in ``forward``).
    """

    _dimensions = 2
    _weight_names = ("_weights1", "_weights2")


class SpectralConvBlock3D(_SpectralConvBlock):
    r"""Spectral convolution on three spatial dimensions.

    Input ``(batch, c_in, Nx, Ny, Nz)``, output ``(batch, c_out, Nx, Ny, Nz)``.
    The kept modes are :math:`0 \le k_z < m_z` and, along ``x`` and ``y``, the
    ``m`` lowest non-negative or the ``m`` highest negative frequencies; the
    four sign patterns :math:`(k_x, k_y) = (+,+), (+,-), (-,+), (-,-)` have the
    weights ``_weights1`` to ``_weights4``, each of shape
    ``(c_in, c_out, m_x, m_y, m_z, 2)``:

    .. math::

        \hat v_o(k) = \sum_i W_{io}(k)\, \hat u_i(k).

    Args:
        input_numb_fields: Number of input channels :math:`c_{in}`.
        output_numb_fields: Number of output channels :math:`c_{out}`.
        n_modes: Number of kept modes, one int for all spatial dimensions or a
            list/tuple with one int per dimension. At run time it must
            be at most ``N // 2 + 1`` along the last spatial dimension and
            ``N // 2`` along the others (``N`` points each).

    Raises:
        TypeError: If a size is not an int, or ``n_modes`` is neither an int nor a
            list/tuple of ints.
        ValueError: If a size is below 1, or ``n_modes`` has the wrong length
            (at construction); if the input shape is wrong, or ``n_modes`` does
            not fit the input grid (in ``forward``).
    """

    _dimensions = 3
    _weight_names = ("_weights1", "_weights2", "_weights3", "_weights4")
