r"""Random Fourier features: :class:`FourierFeatureEmbedding`."""

from __future__ import annotations

import math
import numbers

import torch
from torch import Tensor, nn

from ..._errors import ArgumentTypeError
from .._validation import _check_int

__all__ = ["FourierFeatureEmbedding"]


def _check_sigma(value: object) -> float:
    """Return ``value`` as a float after checking it is a finite number ``> 0``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(
            f"sigma must be a positive number; got {value!r} of type {type(value).__name__}."
        )
    sigma = float(value)
    if not math.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma={value!r} must be a finite number > 0.")
    return sigma


class FourierFeatureEmbedding(nn.Module):
    r"""Embed the inputs in random Fourier features.

    For an input :math:`x \in \mathbb{R}^{d}` (a row) the output is

    .. math::
        \gamma(x) = \big[\cos(x B),\; \sin(x B)\big] \in \mathbb{R}^{m},
        \qquad B_{ij} \sim \mathcal{N}(0, \sigma^2),\quad B \in \mathbb{R}^{d \times m/2},

    the cosines in the first :math:`m/2` columns and the sines in the last
    :math:`m/2`. :math:`B` is drawn once, at construction, from torch's global
    generator (seed it with ``torch.manual_seed`` for reproducibility), and is
    fixed: a buffer, not a parameter, saved in ``state_dict`` (so in
    checkpoints) as ``_matrix``. A larger :math:`\sigma` lets the network that
    follows fit higher frequencies, of order :math:`\sigma`.

    References:
        Tancik, M. et al. (2020). *Fourier features let networks learn high
        frequency functions in low dimensional domains*. NeurIPS 33.
        Wang, S., Wang, H. and Perdikaris, P. (2021). *On the eigenvector bias
        of Fourier feature networks*. CMAME 384, 113938.

    Args:
        input_dimension: :math:`d`, the number of input columns.
        output_dimension: :math:`m`, the number of output columns (even).
        sigma: :math:`\sigma > 0`, the standard deviation of the entries of :math:`B`.

    Attributes:
        sigma (float): ``sigma``.
        matrix (torch.Tensor): :math:`B`, of shape ``(input_dimension, output_dimension // 2)``.

    Raises:
        TypeError: If a dimension is not an int or ``sigma`` is not a number.
        ValueError: If a dimension is below 1, ``output_dimension`` is odd, or
            ``sigma`` is not finite and positive.

    Example:
        >>> embedding = FourierFeatureEmbedding(input_dimension=2, output_dimension=64, sigma=1.0)
        >>> embedding(torch.rand(10, 2)).shape
        torch.Size([10, 64])
    """

    _matrix: Tensor  # buffer (input_dimension, output_dimension // 2)

    def __init__(self, input_dimension: int, output_dimension: int, sigma: float) -> None:
        super().__init__()
        self.input_dimension = _check_int(input_dimension, "input_dimension")
        self.output_dimension = _check_int(output_dimension, "output_dimension")
        if self.output_dimension % 2:
            raise ValueError(
                f"output_dimension={output_dimension!r} must be even: half the columns are "
                f"cosines and half sines; use {output_dimension + 1} or {output_dimension - 1}."
            )
        self._sigma = _check_sigma(sigma)
        matrix = torch.randn(self.input_dimension, self.output_dimension // 2) * self._sigma
        self.register_buffer("_matrix", matrix)

    @property
    def sigma(self) -> float:
        """The standard deviation of the entries of :math:`B`."""
        return self._sigma

    @property
    def matrix(self) -> Tensor:
        """:math:`B`, of shape ``(input_dimension, output_dimension // 2)``."""
        return self._matrix

    def forward(self, x: Tensor) -> Tensor:
        """Embed ``x``.

        Args:
            x: Input of shape ``(*, input_dimension)`` (a ``LabelTensor`` is accepted).

        Returns:
            A plain tensor of shape ``(*, output_dimension)``, in the dtype of ``x``:
            ``[cos(x B), sin(x B)]``.

        Raises:
            ValueError: If the last dimension of ``x`` is not ``input_dimension``.
        """
        if x.ndim < 1 or x.shape[-1] != self.input_dimension:
            raise ValueError(
                f"FourierFeatureEmbedding(input_dimension={self.input_dimension}) needs an input "
                f"of shape (*, {self.input_dimension}); got shape {tuple(x.shape)}."
            )
        projected = x.as_subclass(Tensor) @ self._matrix.to(dtype=x.dtype)
        return torch.cat([torch.cos(projected), torch.sin(projected)], dim=-1)

    def extra_repr(self) -> str:
        return (
            f"input_dimension={self.input_dimension}, "
            f"output_dimension={self.output_dimension}, sigma={self._sigma}"
        )
