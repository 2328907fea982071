r"""Physics-informed residual adaptive networks: :class:`PirateNet`."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .._errors import ArgumentTypeError
from ._validation import _check_int, _run_on_zeros
from .layers.fourier_embedding import FourierFeatureEmbedding
from .layers.pirate_block import PirateActivationLike, PirateNetBlock, _build_activation

__all__ = ["PirateNet"]


class PirateNet(nn.Module):
    r"""A PirateNet: an input embedding, gated residual blocks, and a linear readout.

    With :math:`\phi` the embedding and :math:`\sigma` the activation,

    .. math::
        x_0 = \phi(x), \quad U = \sigma(W_u x_0 + b_u), \quad V = \sigma(W_v x_0 + b_v),
        \quad x_{k} = \mathrm{block}_k(x_{k-1}, U, V) \ (k = 1, \dots, L),
        \quad y = W_o x_L + b_o,

    each block a :class:`~pina.model.layers.PirateNetBlock`. The blocks' skip
    weights :math:`\alpha_k` start at 0, so at initialisation
    :math:`y = W_o \phi(x) + b_o` (a linear model of the embedding) and depth
    is brought in by training.

    References:
        Wang, S., Sankaran, S., Wang, H. and Perdikaris, P. (2024). *PirateNets:
        Physics-informed deep learning with residual adaptive networks*. JMLR 25(402).

    Args:
        input_dimension: The number of input columns.
        inner_size: The width of the embedding and of every block.
        output_dimension: The number of output columns.
        embedding: A module mapping ``(*, input_dimension)`` to
            ``(*, inner_size)``; ``None`` (default) builds
            ``FourierFeatureEmbedding(input_dimension, inner_size, sigma=2.0)``
            (``inner_size`` must then be even).
        n_layers: The number of blocks :math:`L \ge 1`.
        activation: :math:`\sigma`, as for :class:`~pina.model.layers.PirateNetBlock`.

    Attributes:
        embedding (torch.nn.Module): :math:`\phi`.
        linear_u, linear_v (torch.nn.Linear): The gate layers.
        blocks (torch.nn.ModuleList): The :math:`L` blocks.
        output_layer (torch.nn.Linear): The readout :math:`(W_o, b_o)`.
        activation (torch.nn.Module): :math:`\sigma` of the gates.

    Raises:
        TypeError: If a size is not an int, ``embedding`` is not a ``torch.nn.Module``
            or ``activation`` none of the accepted kinds.
        ValueError: If a size is below 1, or ``embedding`` does not output
            ``inner_size`` columns (for the default embedding: ``inner_size`` is odd).

    Example:
        >>> net = PirateNet(input_dimension=2, inner_size=64, output_dimension=1)
        >>> net(torch.rand(10, 2)).shape
        torch.Size([10, 1])
    """

    def __init__(
        self,
        input_dimension: int,
        inner_size: int,
        output_dimension: int,
        embedding: nn.Module | None = None,
        n_layers: int = 3,
        activation: PirateActivationLike = torch.nn.Tanh,
    ) -> None:
        super().__init__()
        self.input_dimension = _check_int(input_dimension, "input_dimension")
        self.inner_size = _check_int(inner_size, "inner_size")
        self.output_dimension = _check_int(output_dimension, "output_dimension")
        n_blocks = _check_int(n_layers, "n_layers")
        if embedding is None:
            if self.inner_size % 2:
                raise ValueError(
                    f"inner_size={inner_size!r} must be even with the default embedding, "
                    "FourierFeatureEmbedding(input_dimension, inner_size, sigma=2.0) (half "
                    "cosines, half sines); use an even inner_size or pass embedding=."
                )
            embedding = FourierFeatureEmbedding(self.input_dimension, self.inner_size, sigma=2.0)
        elif not isinstance(embedding, nn.Module):
            raise ArgumentTypeError(
                f"embedding must be a torch.nn.Module mapping (*, {self.input_dimension}) to "
                f"(*, {self.inner_size}), or None; got {embedding!r}."
            )
        else:
            out = _run_on_zeros(
                embedding,
                self.input_dimension,
                f"while running embedding on zeros of shape (2, {self.input_dimension}) to "
                f"check its output width; embedding must map (*, {self.input_dimension}) to "
                f"(*, {self.inner_size}).",
            )
            if not isinstance(out, Tensor) or out.ndim < 1 or out.shape[-1] != self.inner_size:
                got = f"shape {tuple(out.shape)}" if isinstance(out, Tensor) else repr(out)
                raise ValueError(
                    f"embedding must map (*, {self.input_dimension}) to (*, inner_size="
                    f"{self.inner_size}); on zeros of shape (2, {self.input_dimension}) it "
                    f"returned {got}."
                )
        self.embedding = embedding
        self.activation = _build_activation(activation)
        self.linear_u = nn.Linear(self.inner_size, self.inner_size)
        self.linear_v = nn.Linear(self.inner_size, self.inner_size)
        self.blocks = nn.ModuleList(
            [PirateNetBlock(self.inner_size, activation) for _ in range(n_blocks)]
        )
        self.output_layer = nn.Linear(self.inner_size, self.output_dimension)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the network.

        Args:
            x: Input of shape ``(*, input_dimension)`` (a ``LabelTensor`` is accepted).

        Returns:
            A plain tensor of shape ``(*, output_dimension)``.
        """
        h = self.embedding(x)
        U = self.activation(self.linear_u(h))  # noqa: N806 (the paper's names)
        V = self.activation(self.linear_v(h))  # noqa: N806
        for block in self.blocks:
            h = block(h, U, V)
        return self.output_layer(h)
