r"""A Kolmogorov-Arnold network: :class:`KolmogorovArnoldNetwork`, a stack of :class:`KANBlock`."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .._errors import ArgumentTypeError
from ._validation import _check_int
from .feed_forward import ActivationLike
from .layers.kan_block import KANBlock

__all__ = ["KolmogorovArnoldNetwork"]


class KolmogorovArnoldNetwork(nn.Module):
    r"""A Kolmogorov-Arnold network (Liu et al. 2024): KAN layers one after another.

    With widths ``layers = [n_0, n_1, ..., n_L]`` the network is
    :math:`u = \Phi_L \circ \dots \circ \Phi_1`, each :math:`\Phi_l` a
    :class:`~pina.model.layers.KANBlock` from :math:`n_{l-1}` to :math:`n_l`
    columns with learnable B-spline functions on its edges (see that class for
    the maths). All layers share ``spline_order``, ``n_knots``, ``grid_range``
    and ``base_function``. The grid is fixed: inputs of a hidden layer outside
    ``grid_range`` pass through the base term only, so scale the inputs into
    ``grid_range``.

    References:
        Liu, Z. et al. (2024). *KAN: Kolmogorov-Arnold Networks*. arXiv:2404.19756.

    Args:
        layers: The widths ``[input_dimensions, hidden..., output_dimensions]``,
            at least two positive ints.
        spline_order: Degree of the B-splines of every layer (3: cubic).
        n_knots: Number of grid intervals over ``grid_range`` in every layer.
        grid_range: The interval ``(low, high)`` the grids cover.
        base_function: The base function of every layer (see
            :class:`~pina.model.layers.KANBlock`).

    Attributes:
        blocks (torch.nn.ModuleList): The ``len(layers) - 1`` KAN layers.

    Raises:
        TypeError: If ``layers`` is not a list/tuple of ints, or another
            argument has the wrong type (see ``KANBlock``).
        ValueError: If ``layers`` has fewer than two entries or one below 1, or
            another argument has a wrong value (see ``KANBlock``).

    Example:
        >>> net = KolmogorovArnoldNetwork([2, 8, 1])
        >>> net(torch.rand(5, 2)).shape
        torch.Size([5, 1])
    """

    def __init__(
        self,
        layers: Sequence[int],
        spline_order: int = 3,
        n_knots: int = 10,
        grid_range: tuple[float, float] = (-1, 1),
        base_function: ActivationLike = torch.nn.SiLU,
    ) -> None:
        super().__init__()
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
            raise ArgumentTypeError(
                "layers must be a list or tuple of positive ints, the widths "
                f"[input_dimensions, hidden..., output_dimensions]; got {layers!r}."
            )
        if len(layers) < 2:
            raise ValueError(
                f"layers={list(layers)!r} must have at least two widths "
                "[input_dimensions, ..., output_dimensions], e.g. [2, 16, 1]."
            )
        widths = [_check_int(width, f"layers[{i}]", 1) for i, width in enumerate(layers)]
        self.layers = widths
        self.input_dimensions = widths[0]
        self.output_dimensions = widths[-1]
        self.blocks = nn.ModuleList(
            KANBlock(
                n_in,
                n_out,
                spline_order=spline_order,
                n_knots=n_knots,
                grid_range=grid_range,
                base_function=base_function,
            )
            for n_in, n_out in zip(widths[:-1], widths[1:])
        )

    def forward(self, x: Tensor) -> Tensor:
        """Apply the network.

        Args:
            x: Input of shape ``(*, layers[0])`` (a ``LabelTensor`` is accepted).

        Returns:
            A plain tensor of shape ``(*, layers[-1])``.
        """
        out = x.as_subclass(Tensor)
        for block in self.blocks:
            out = block(out)
        return out
