r"""Blocks of fully connected networks: :class:`ResidualBlock` and :class:`EnhancedLinear`.

Both map inputs of shape ``(*, d_{in})`` to outputs of shape ``(*, d_{out})``,
where ``*`` is any number of leading (batch) dimensions, including none. A
:class:`~pina.label_tensor.LabelTensor` input is accepted and a plain
:class:`torch.Tensor` comes out.
"""

from __future__ import annotations

import numbers

from torch import Tensor, nn

from ..._errors import ArgumentTypeError
from .._validation import _check_int

__all__ = ["EnhancedLinear", "ResidualBlock"]

#: An activation given as a module instance or a module class (instantiated
#: with no arguments).
ActivationLike = nn.Module | type[nn.Module]


def _build_activation(value: object, name: str) -> nn.Module:
    """Return ``value`` as a module: instances as given, module classes instantiated."""
    if isinstance(value, nn.Module):
        return value
    if isinstance(value, type) and issubclass(value, nn.Module):
        return value()
    raise ArgumentTypeError(
        f"{name} must be a torch.nn.Module instance (e.g. torch.nn.ReLU()) or a "
        f"torch.nn.Module subclass (e.g. torch.nn.ReLU); got {value!r}."
    )


class ResidualBlock(nn.Module):
    r"""A residual block with a learned linear shortcut.

    .. math::

        y = W_2\, \sigma(W_1 x + b_1) + b_2 + W_3 x + b_3,

    with :math:`W_1 \in \mathbb{R}^{h \times d_{in}}`,
    :math:`W_2 \in \mathbb{R}^{d_{out} \times h}` and
    :math:`W_3 \in \mathbb{R}^{d_{out} \times d_{in}}` (the shortcut, so
    :math:`d_{in}` and :math:`d_{out}` may differ).

    With ``spectral_norm=True`` each of the three linear layers is wrapped by
    :func:`torch.nn.utils.spectral_norm`, which divides its weight by an
    estimate of its largest singular value (one power iteration per forward
    pass in training mode); the parameters are then named ``weight_orig`` and
    the power-iteration vectors ``weight_u``/``weight_v``, as in PINA 0.1.

    Reference:
        He, K., Zhang, X., Ren, S. and Sun, J. (2016). *Deep residual learning
        for image recognition*. Proceedings of the IEEE Conference on Computer
        Vision and Pattern Recognition, 770-778. arXiv:1512.03385.

    Args:
        input_dim: :math:`d_{in}`, the size of the last input dimension.
        output_dim: :math:`d_{out}`, the size of the last output dimension.
        hidden_dim: :math:`h`, the width of the inner layer.
        spectral_norm: Whether to apply spectral normalisation to the three
            linear layers.
        activation: :math:`\sigma`, a ``torch.nn.Module`` instance or class;
            ``None`` (default) means ``torch.nn.ReLU()``.

    Raises:
        TypeError: If a dimension is not an int, ``spectral_norm`` is not a
            bool or ``activation`` is not a module instance or class.
        ValueError: If a dimension is below 1.

    Example:
        >>> block = ResidualBlock(input_dim=3, output_dim=2, hidden_dim=8)
        >>> block(torch.rand(5, 3)).shape
        torch.Size([5, 2])
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        hidden_dim: int,
        spectral_norm: bool = False,
        activation: ActivationLike | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(spectral_norm, bool):
            raise ArgumentTypeError(f"spectral_norm must be True or False; got {spectral_norm!r}.")
        self._input_dim = _check_int(input_dim, "input_dim")
        self._output_dim = _check_int(output_dim, "output_dim")
        self._hidden_dim = _check_int(hidden_dim, "hidden_dim")
        self._spectral_norm = spectral_norm
        self._activation = (
            nn.ReLU() if activation is None else _build_activation(activation, "activation")
        )
        self._l1 = self._spect_norm(nn.Linear(self._input_dim, self._hidden_dim))
        self._l2 = self._spect_norm(nn.Linear(self._hidden_dim, self._output_dim))
        self._l3 = self._spect_norm(nn.Linear(self._input_dim, self._output_dim))

    def _spect_norm(self, layer: nn.Linear) -> nn.Linear:
        """Return ``layer``, spectrally normalised when ``spectral_norm`` is set."""
        return nn.utils.spectral_norm(layer) if self._spectral_norm else layer

    def forward(self, x: Tensor) -> Tensor:
        """Apply the block.

        Args:
            x: Input of shape ``(*, input_dim)``.

        Returns:
            A plain tensor of shape ``(*, output_dim)``.
        """
        return self._l2(self._activation(self._l1(x))) + self._l3(x)


class EnhancedLinear(nn.Module):
    r"""A layer followed by an optional activation and an optional dropout.

    .. math::

        y = \operatorname{dropout}_p\big(\sigma(\mathrm{layer}(x))\big),

    where a missing activation is the identity and a missing dropout keeps
    every entry. The modules are stored in order in the ``torch.nn.Sequential``
    ``_model`` (parameters named ``_model.0.weight``, ... as in PINA 0.1).

    Args:
        layer: The layer to enhance, any ``torch.nn.Module`` (usually a
            ``torch.nn.Linear``).
        activation: :math:`\sigma`, a ``torch.nn.Module`` instance or class,
            or ``None`` for no activation.
        dropout: Dropout probability :math:`p \in [0, 1)` (a
            ``torch.nn.Dropout`` after the activation, active in training
            mode only), or ``None`` for no dropout.

    Raises:
        TypeError: If ``layer`` is not a module, ``activation`` is not a
            module instance or class, or ``dropout`` is not a real number.
        ValueError: If ``dropout`` is outside ``[0, 1)``.

    Example:
        >>> layer = EnhancedLinear(torch.nn.Linear(10, 20), torch.nn.ReLU(), dropout=0.5)
        >>> layer(torch.rand(4, 10)).shape
        torch.Size([4, 20])
    """

    def __init__(
        self,
        layer: nn.Module,
        activation: ActivationLike | None = None,
        dropout: float | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(layer, nn.Module):
            raise ArgumentTypeError(f"layer must be a torch.nn.Module; got {layer!r}.")
        modules: list[nn.Module] = [layer]
        if activation is not None:
            modules.append(_build_activation(activation, "activation"))
        if dropout is not None:
            if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real):
                raise TypeError(
                    f"dropout must be None or a probability in [0, 1); got {dropout!r}."
                )
            if not 0.0 <= float(dropout) < 1.0:
                raise ValueError(f"dropout={dropout!r} must be a probability in [0, 1).")
            modules.append(nn.Dropout(float(dropout)))
        self._model = nn.Sequential(*modules)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the layer, then the activation and the dropout if any.

        Args:
            x: Input of the shape ``layer`` expects, e.g. ``(*, in_features)``.

        Returns:
            The output of the last module, e.g. of shape ``(*, out_features)``.
        """
        return self._model(x)
