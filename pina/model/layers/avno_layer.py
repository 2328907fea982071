r"""The layer of the averaging neural operator: :class:`AVNOBlock`."""

from __future__ import annotations

from torch import Tensor, nn

from .._validation import _check_int
from .residual import ActivationLike, _build_activation

__all__ = ["AVNOBlock"]


class AVNOBlock(nn.Module):
    r"""One layer of the averaging neural operator.

    For a field :math:`v` sampled at :math:`N` points :math:`x_1, \dots, x_N`,
    with values :math:`v(x_n) \in \mathbb{R}^{e}`, the layer returns

    .. math::

        K(v)(x_n) = \sigma\Big(W v(x_n) + b + \frac{1}{N}\sum_{j=1}^{N} v(x_j)\Big),

    with :math:`W \in \mathbb{R}^{e \times e}` and :math:`b \in \mathbb{R}^e`
    trainable (the ``torch.nn.Linear`` ``_nn``). The average over the points
    approximates :math:`\frac{1}{|D|}\int_D v(y)\,dy`, the only non-local
    term: it is what lets each point see the whole field.

    Reference:
        Lanthaler, S., Li, Z. and Stuart, A. M. (2023). *The nonlocal neural
        operator: universal approximation*. arXiv:2304.13221.

    Args:
        hidden_size: The embedding width :math:`e`.
        func: The activation :math:`\sigma`, a ``torch.nn.Module`` class
            (instantiated once) or instance.

    Raises:
        TypeError: If ``hidden_size`` is not an int or ``func`` not a module
            class or instance.
        ValueError: If ``hidden_size`` is below 1.

    Example:
        >>> block = AVNOBlock(hidden_size=8)
        >>> block(torch.rand(4, 100, 8)).shape
        torch.Size([4, 100, 8])
    """

    def __init__(self, hidden_size: int = 100, func: ActivationLike = nn.GELU) -> None:
        super().__init__()
        width = _check_int(hidden_size, "hidden_size")
        self._nn = nn.Linear(width, width)
        self._func = _build_activation(func, "func")

    def forward(self, x: Tensor) -> Tensor:
        """Apply the layer.

        Args:
            x: Field values of shape ``(*, N, hidden_size)``: ``N`` points,
                with any leading (batch) dimensions; the average is over ``N``.

        Returns:
            A plain tensor of shape ``(*, N, hidden_size)``.

        Raises:
            ValueError: If ``x`` has fewer than two dimensions or its last
                dimension is not ``hidden_size``.
        """
        width = self._nn.in_features
        if x.ndim < 2 or x.shape[-1] != width:
            raise ValueError(
                f"x must have shape (*, n_points, hidden_size={width}); got shape {tuple(x.shape)}."
            )
        return self._func(self._nn(x) + x.mean(dim=-2, keepdim=True))
