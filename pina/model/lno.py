r"""The low-rank neural operator: :class:`LowRankNeuralOperator`."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ._validation import _check_int
from .avno import _check_fields_and_coordinates, _lifting_and_projection_widths, _split_input
from .kernel_neural_operator import KernelNeuralOperator
from .layers.lowrank_layer import FuncLike, LowRankBlock

__all__ = ["LowRankNeuralOperator"]


class LowRankNeuralOperator(KernelNeuralOperator):
    r"""The low-rank neural operator of Kovachki et al.

    The input is a field :math:`a` sampled at :math:`N` points :math:`y_n`,
    given as a :class:`~pina.label_tensor.LabelTensor` of shape ``(*, N, D)``
    with the field components (``field_indices``) and the coordinates
    (``coordinates_indices``) among its labels. With :math:`L` the lifting
    network, :math:`K_1, \dots, K_m` the :class:`~pina.model.layers.LowRankBlock`
    layers (each with its own rank-:math:`r` kernel
    :math:`\kappa_i(x, y) = \sum_k \phi_{i,k}(x) \psi_{i,k}(y)^\top`) and
    :math:`P` the projecting network,

    .. math::

        v_0(y_n) = L\big(a(y_n), y_n\big), \qquad
        v_i(y_n) = \sigma\Big(W_i v_{i-1}(y_n) + b_i
            + \sum_{k=1}^{r} \Big[\frac{1}{N}\sum_{j=1}^{N}
            \psi_{i,k}(y_j)^\top v_{i-1}(y_j)\Big] \phi_{i,k}(y_n)\Big),

    .. math::

        G(a)(y_n) = P\big(v_m(y_n), y_n\big),

    where :math:`(\cdot, \cdot)` is concatenation along the last dimension,
    fields first. The embedding width :math:`e` is the output width of the
    lifting network.

    .. note::
        PINA 0.1.1 lifted the input columns in the order of the input tensor
        and left ``field_indices`` unused; here the lifting network receives
        the fields then the coordinates, as for
        :class:`~pina.model.avno.AveragingNeuralOperator`. See
        :class:`~pina.model.layers.LowRankBlock` for the average over points.

    Reference:
        Kovachki, N., Li, Z., Liu, B., Azizzadenesheli, K., Bhattacharya, K.,
        Stuart, A. and Anandkumar, A. (2023). *Neural operator: learning maps
        between function spaces with applications to PDEs*. Journal of
        Machine Learning Research 24(89), 1-97.

    Args:
        lifting_net: :math:`L`, mapping ``(*, len(field_indices) +
            len(coordinates_indices))`` to ``(*, e)``.
        projecting_net: :math:`P`, mapping ``(*, e + len(coordinates_indices))``
            to the output ``(*, d_out)``.
        field_indices: Labels of the field components of the input.
        coordinates_indices: Labels of the coordinates of the input.
        n_kernel_layers: Number :math:`m \ge 1` of low-rank layers.
        rank: Rank :math:`r \ge 1` of each kernel.
        inner_size: Hidden width of the basis networks of the layers.
        n_layers: Number of hidden layers of the basis networks.
        func: Activation :math:`\sigma` of the layers and of their basis
            networks (a module class, instance or zero-argument factory).
        bias: Whether the basis networks have biases.

    Attributes:
        field_indices (list[str]): The field labels.
        coordinates_indices (list[str]): The coordinate labels.

    Raises:
        TypeError: If a network is not a module, indices are not labels, a
            size is not an int or ``func`` is not an activation.
        ValueError: If indices are empty, repeat or overlap, a size is below
            1, or the widths of the networks do not fit (read where the
            networks expose them; the lifting width is otherwise found by
            running ``lifting_net`` once on zeros in eval mode).

    Example:
        >>> model = LowRankNeuralOperator(
        ...     lifting_net=FeedForward(3, 16),      # (u, x, y) -> 16
        ...     projecting_net=FeedForward(18, 1),   # 16 + (x, y) -> 1
        ...     field_indices=['u'],
        ...     coordinates_indices=['x', 'y'],
        ...     n_kernel_layers=2,
        ...     rank=4,
        ... )
        >>> x = LabelTensor(torch.rand(4, 100, 3), ['x', 'y', 'u'])
        >>> model(x).shape
        torch.Size([4, 100, 1])
    """

    def __init__(
        self,
        lifting_net: nn.Module,
        projecting_net: nn.Module,
        field_indices: Sequence[str],
        coordinates_indices: Sequence[str],
        n_kernel_layers: int,
        rank: int,
        inner_size: int = 20,
        n_layers: int = 2,
        func: FuncLike = nn.Tanh,
        bias: bool = True,
    ) -> None:
        fields, coords = _check_fields_and_coordinates(field_indices, coordinates_indices)
        depth = _check_int(n_kernel_layers, "n_kernel_layers")
        embedding = _lifting_and_projection_widths(
            lifting_net, projecting_net, len(fields), len(coords)
        )
        kernels = nn.Sequential(
            *(
                LowRankBlock(
                    input_dimensions=len(coords),
                    embedding_dimenion=embedding,
                    rank=rank,
                    inner_size=inner_size,
                    n_layers=n_layers,
                    func=func,
                    bias=bias,
                )
                for _ in range(depth)
            )
        )
        super().__init__(lifting_net, kernels, projecting_net)
        self.field_indices = fields
        self.coordinates_indices = coords

    def forward(self, x: Tensor) -> Tensor:
        """Apply the operator.

        Args:
            x: ``LabelTensor`` of shape ``(*, N, D)`` whose labels include
                ``field_indices`` and ``coordinates_indices``.

        Returns:
            A plain tensor of shape ``(*, N, d_out)``.

        Raises:
            TypeError: If ``x`` is not a ``LabelTensor``.
            ValueError: If a label is missing or ``x`` has no point dimension.
        """
        fields, coords = _split_input(x, self.field_indices, self.coordinates_indices)
        hidden = self._lifting_operator(torch.cat((fields, coords), dim=-1))
        for block in self._integral_kernels.children():
            hidden = block(hidden, coords)
        return self._projection_operator(torch.cat((hidden, coords), dim=-1))
