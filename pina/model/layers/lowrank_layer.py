r"""The layer of the low-rank neural operator: :class:`LowRankBlock`."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from .._validation import _check_int
from ..feed_forward import FeedForward

__all__ = ["LowRankBlock"]

#: The activation: a module class, a module instance or a zero-argument
#: callable returning a module.
FuncLike = type[nn.Module] | nn.Module | Callable[[], nn.Module]


class LowRankBlock(nn.Module):
    r"""One layer of the low-rank neural operator.

    The kernel of the integral operator is written with :math:`r` pairs of
    basis functions, :math:`\kappa(x, y) = \sum_{k=1}^{r} \phi_k(x)\,
    \psi_k(y)^\top` with :math:`\phi_k, \psi_k : \mathbb{R}^{d} \to
    \mathbb{R}^{e}`, all computed by one network of the coordinates (the
    :class:`~pina.model.feed_forward.FeedForward` ``_basis``, with
    :math:`2 r e` outputs). For a field :math:`v` sampled at :math:`N` points
    :math:`x_1, \dots, x_N` with values :math:`v(x_n) \in \mathbb{R}^{e}`,

    .. math::

        c_k = \frac{1}{N} \sum_{j=1}^{N} \psi_k(x_j)^\top v(x_j), \qquad
        K(v)(x_n) = \sigma\Big(W v(x_n) + b + \sum_{k=1}^{r} c_k\, \phi_k(x_n)\Big),

    where :math:`c_k` approximates :math:`\frac{1}{|D|}\int_D
    \psi_k(y)^\top v(y)\,dy` and :math:`W \in \mathbb{R}^{e \times e}`,
    :math:`b \in \mathbb{R}^e` are the trainable ``torch.nn.Linear``
    ``_nn``. The basis output at a point, of width :math:`2 r e`, is read as
    an :math:`e \times 2r` matrix (row-major) whose first :math:`r` columns
    are :math:`\psi_1, \dots, \psi_r` and last :math:`r` are
    :math:`\phi_1, \dots, \phi_r`, the layout of PINA 0.1.

    .. note::
        PINA 0.1.1 took :math:`c_k = \psi_k(x_n)^\top v(x_n)` at each point
        without the average over points, so its layer was pointwise and no
        information moved between points; here :math:`c_k` is the quadrature
        of the integral, as in the reference below. The parameters have the
        same names and shapes.

    Reference:
        Kovachki, N., Li, Z., Liu, B., Azizzadenesheli, K., Bhattacharya, K.,
        Stuart, A. and Anandkumar, A. (2023). *Neural operator: learning maps
        between function spaces with applications to PDEs*. Journal of
        Machine Learning Research 24(89), 1-97.

    Args:
        input_dimensions: :math:`d`, the number of coordinates.
        embedding_dimenion: :math:`e`, the width of the field (the spelling
            of PINA 0.1).
        rank: :math:`r \ge 1`, the number of basis pairs.
        inner_size: Hidden width of the basis network.
        n_layers: Number of hidden layers of the basis network.
        func: The activation :math:`\sigma` of the layer, also used in the
            basis network: a module class, instance or zero-argument factory
            (see :class:`~pina.model.feed_forward.FeedForward`).
        bias: Whether the basis network has biases.

    Raises:
        TypeError: If ``rank`` or a size is not an int or ``func`` is not an
            accepted activation.
        ValueError: If ``rank`` or a size is below 1.

    Example:
        >>> block = LowRankBlock(input_dimensions=2, embedding_dimenion=8, rank=3)
        >>> block(torch.rand(4, 100, 8), torch.rand(4, 100, 2)).shape
        torch.Size([4, 100, 8])
    """

    def __init__(
        self,
        input_dimensions: int,
        embedding_dimenion: int,
        rank: int,
        inner_size: int = 20,
        n_layers: int = 2,
        func: FuncLike | Sequence[FuncLike] = nn.Tanh,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self._rank = _check_int(rank, "rank")
        width = _check_int(embedding_dimenion, "embedding_dimenion")
        if isinstance(func, (list, tuple)):
            raise TypeError(
                f"func must be a single activation (module class, instance or factory) since "
                f"it is also the activation of the layer; got the sequence {func!r}."
            )
        self._basis = FeedForward(
            input_dimensions=input_dimensions,
            output_dimensions=2 * self._rank * width,
            inner_size=inner_size,
            n_layers=n_layers,
            func=func,
            bias=bias,
        )
        self._nn = nn.Linear(width, width)
        self._func = _make_activation(func)

    @property
    def rank(self) -> int:
        """The number :math:`r` of basis pairs."""
        return self._rank

    def forward(self, x: Tensor, coords: Tensor) -> Tensor:
        """Apply the layer.

        Args:
            x: Field values of shape ``(*, N, embedding_dimenion)``.
            coords: The coordinates of the ``N`` points, shape ``(*, N, d)``
                (leading dimensions broadcast with those of ``x``, so one
                ``(N, d)`` grid can serve a batch of fields).

        Returns:
            A plain tensor of shape ``(*, N, embedding_dimenion)``.

        Raises:
            ValueError: If the shapes of ``x`` and ``coords`` do not fit.
        """
        width, n_coords = self._nn.in_features, self._basis.input_dimension
        if (
            x.ndim < 2
            or coords.ndim < 2
            or x.shape[-1] != width
            or coords.shape[-1] != n_coords
            or x.shape[-2] != coords.shape[-2]
        ):
            raise ValueError(
                f"x must have shape (*, n_points, embedding_dimenion={width}) and coords shape "
                f"(*, n_points, input_dimensions={n_coords}) with the same n_points; got "
                f"x of shape {tuple(x.shape)} and coords of shape {tuple(coords.shape)}."
            )
        basis = self._basis(coords)
        basis = basis.reshape(*basis.shape[:-1], width, 2 * self._rank)  # (*, N, e, 2r)
        psi, phi = basis[..., : self._rank], basis[..., self._rank :]
        coefficients = torch.einsum("...ner,...ne->...r", psi, x) / x.shape[-2]  # (*, r)
        expansion = torch.einsum("...r,...ner->...ne", coefficients, phi)  # (*, N, e)
        return self._func(self._nn(x) + expansion)


def _make_activation(func: object) -> nn.Module:
    """The layer's own activation module (FeedForward has checked ``func``)."""
    if isinstance(func, nn.Module):
        return copy.deepcopy(func)
    module = func() if callable(func) else None
    if not isinstance(module, nn.Module):
        raise TypeError(
            f"func must be a torch.nn.Module class, instance or a zero-argument callable "
            f"returning one; got {func!r}."
        )
    return module
