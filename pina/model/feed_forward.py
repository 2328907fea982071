r"""Fully connected networks: :class:`FeedForward` and :class:`ResidualFeedForward`.

Both map inputs of shape ``(*, input_dimensions)`` to outputs of shape
``(*, output_dimensions)``, where ``*`` is any number of leading (batch)
dimensions, including none. A :class:`~pina.label_tensor.LabelTensor` input is
accepted and a plain :class:`torch.Tensor` comes out (torch operations on a
``LabelTensor`` return plain tensors), so no conversion is done in ``forward``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from .._errors import ArgumentRuntimeError, ArgumentTypeError
from ._validation import _check_int, _note_on_error, _run_on_zeros

__all__ = ["FeedForward", "ResidualFeedForward"]

#: What one activation may be given as: a module class, a module instance, a
#: zero-argument callable returning a module, or ``None`` (no activation).
ActivationLike = type[nn.Module] | nn.Module | Callable[[], nn.Module] | None

_ACTIVATION_CHOICES = (
    "a torch.nn.Module subclass (e.g. torch.nn.Tanh, not the function torch.tanh), "
    "a torch.nn.Module instance, a zero-argument callable returning one, or None"
)


# --------------------------------------------------------------------------- helpers
def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ArgumentTypeError(f"{name} must be True or False; got {value!r}.")
    return value


def _hidden_widths(layers: object) -> list[int]:
    """Validate ``layers`` (a list/tuple of positive ints) and return it as a list."""
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise ArgumentTypeError(
            f"layers must be a list or tuple of positive ints (the hidden widths); got {layers!r}."
        )
    return [_check_int(width, f"layers[{i}]", 1) for i, width in enumerate(layers)]


def _activation_specs(func: object, n_hidden: int) -> list[tuple[str, Any]]:
    """Return one ``(argument name, spec)`` per hidden layer, with the types checked.

    A single spec is repeated for every hidden layer; a list/tuple must have one
    entry per hidden layer.
    """
    if isinstance(func, (list, tuple)):
        if len(func) != n_hidden:
            raise ArgumentRuntimeError(
                f"func has {len(func)} entries but the network has {n_hidden} hidden layers; "
                "give one activation per hidden layer, or a single activation for all of them."
            )
        given = [(f"func[{i}]", spec) for i, spec in enumerate(func)]
    else:
        given = [("func", func)]  # checked even when there is no hidden layer
    for name, spec in given:
        _check_activation(spec, name)
    return given if isinstance(func, (list, tuple)) else given * n_hidden


def _check_activation(spec: object, name: str) -> None:
    """Check ``spec`` is one of the accepted kinds of activation (see ``ActivationLike``)."""
    not_a_module_class = isinstance(spec, type) and not issubclass(spec, nn.Module)
    if not_a_module_class or (spec is not None and not callable(spec)):
        raise ArgumentTypeError(f"{name} must be {_ACTIVATION_CHOICES}; got {spec!r}.")


def _build_activation(name: str, spec: ActivationLike, copy_instance: bool) -> nn.Module | None:
    """Build the activation module of one hidden layer from a checked ``spec``."""
    if spec is None:
        return None
    if isinstance(spec, nn.Module):
        return copy.deepcopy(spec) if copy_instance else spec
    with _note_on_error(
        f"while calling {name}={spec!r} with no arguments to build an activation module; "
        f"{name} must be {_ACTIVATION_CHOICES}."
    ):
        module = spec()
    if not isinstance(module, nn.Module):
        raise ArgumentTypeError(
            f"{name}={spec!r} returned {module!r} of type {type(module).__name__}, "
            f"not a torch.nn.Module; {name} must be {_ACTIVATION_CHOICES}."
        )
    return module


def _build_activations(specs: list[tuple[str, Any]]) -> list[nn.Module | None]:
    # A single instance shared by all layers is copied per layer (independent
    # parameters); instances given one per layer in a list are used as they are.
    return [_build_activation(name, spec, copy_instance=name == "func") for name, spec in specs]


# --------------------------------------------------------------------------- FeedForward
class FeedForward(nn.Module):
    r"""A multilayer perceptron.

    With hidden widths :math:`n_1, \dots, n_L` and activations
    :math:`\sigma_1, \dots, \sigma_L`, the network computes

    .. math::

        h_0 = x, \qquad h_k = \sigma_k(W_k h_{k-1} + b_k) \quad (k = 1, \dots, L),
        \qquad y = W_{L+1} h_L + b_{L+1},

    with :math:`W_k \in \mathbb{R}^{n_k \times n_{k-1}}`, :math:`n_0 = d_{in}`,
    :math:`n_{L+1} = d_{out}`. There is no activation after the last layer.
    With ``L = 0`` (``n_layers=0`` or ``layers=[]``) it is the affine map
    :math:`y = W_1 x + b_1`.

    Args:
        input_dimensions: :math:`d_{in}`, the size of the last input dimension.
        output_dimensions: :math:`d_{out}`, the size of the last output dimension.
        inner_size: Width of every hidden layer; ignored when ``layers`` is given.
        n_layers: Number of hidden layers (``>= 0``); ignored when ``layers`` is given.
        func: Activation after each hidden layer. One of: a ``torch.nn.Module``
            subclass (instantiated once per hidden layer); a ``torch.nn.Module``
            instance (deep-copied once per hidden layer, so trainable
            activations get independent parameters); a zero-argument callable
            returning a module, e.g. ``functools.partial(torch.nn.Softplus,
            beta=10)`` (called once per hidden layer); ``None`` (no activation);
            or a list/tuple of these with exactly one entry per hidden layer
            (instances in a list are used as given, not copied).
        layers: Hidden widths :math:`[n_1, \dots, n_L]`; overrides ``inner_size``
            and ``n_layers``.
        bias: Whether the linear layers have a bias :math:`b_k`.

    Attributes:
        input_dimension (int): ``input_dimensions``.
        output_dimension (int): ``output_dimensions``.
        layers (list[torch.nn.Linear]): The :math:`L + 1` linear layers, in order
            (the same modules as in ``model``).
        functions (list[torch.nn.Module | None]): The activation of each hidden layer.
        model (torch.nn.Sequential): Linear layers interleaved with the
            activations; ``forward`` is ``model(x)``. Its parameters are named
            ``model.{i}.weight`` / ``model.{i}.bias`` in ``state_dict``, as in PINA 0.1.

    Raises:
        TypeError: If a dimension or width is not an int, ``layers`` is not a
            list/tuple, ``bias`` is not a bool, or an activation is none of the
            accepted kinds.
        ValueError: If a dimension or width is below 1, ``n_layers`` is negative,
            or ``func`` is a list whose length is not the number of hidden layers.

    Example:
        >>> net = FeedForward(2, 1, layers=[16, 8], func=[torch.nn.Tanh, torch.nn.ReLU])
        >>> net(torch.rand(10, 2)).shape
        torch.Size([10, 1])
    """

    def __init__(
        self,
        input_dimensions: int,
        output_dimensions: int,
        inner_size: int = 20,
        n_layers: int = 2,
        func: ActivationLike | Sequence[ActivationLike] = nn.Tanh,
        layers: Sequence[int] | None = None,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.input_dimension = _check_int(input_dimensions, "input_dimensions", 1)
        self.output_dimension = _check_int(output_dimensions, "output_dimensions", 1)
        if layers is None:
            width = _check_int(inner_size, "inner_size", 1)
            hidden = [width] * _check_int(n_layers, "n_layers", 0)
        else:
            hidden = _hidden_widths(layers)
        _check_bool(bias, "bias")
        specs = _activation_specs(func, len(hidden))

        widths = [self.input_dimension, *hidden, self.output_dimension]
        self.layers: list[nn.Linear] = [
            nn.Linear(n_in, n_out, bias=bias) for n_in, n_out in zip(widths[:-1], widths[1:])
        ]
        self.functions: list[nn.Module | None] = _build_activations(specs)

        modules: list[nn.Module] = []
        for linear, activation in zip(self.layers, self.functions):
            modules.append(linear)
            if activation is not None:
                modules.append(activation)
        modules.append(self.layers[-1])
        self.model = nn.Sequential(*modules)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the network.

        Args:
            x: Input of shape ``(*, input_dimensions)`` (a ``LabelTensor`` is accepted).

        Returns:
            A plain tensor of shape ``(*, output_dimensions)``.
        """
        return self.model(x)


# --------------------------------------------------------------------------- ResidualFeedForward
class _Dense(nn.Module):
    """``activation(layer(x))``, with the parameter names of PINA 0.1's ``EnhancedLinear``.

    The layers are stored as ``_model`` so parameters are named ``_model.0.weight``
    and ``_model.0.bias`` in ``state_dict``.
    """

    def __init__(self, layer: nn.Module, activation: nn.Module | None = None) -> None:
        super().__init__()
        self._model = (
            nn.Sequential(layer) if activation is None else nn.Sequential(layer, activation)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self._model(x)


def _check_encoder(net: object, index: int, input_dimensions: int, inner_size: int) -> nn.Module:
    """Check ``transformer_nets[index]`` is a module mapping ``(*, d_in)`` to ``(*, inner_size)``.

    The module is run once on zeros of shape ``(2, input_dimensions)``, as
    :func:`~pina.model._validation._run_on_zeros` does (no state changes). An
    error raised by the module itself comes out unchanged.
    """
    name = f"transformer_nets[{index}]"
    if not isinstance(net, nn.Module):
        raise ArgumentTypeError(f"{name} must be a torch.nn.Module; got {net!r}.")
    out = _run_on_zeros(
        net,
        input_dimensions,
        f"while checking {name} on an input of shape (2, {input_dimensions}): "
        f"each transformer net must map (*, input_dimensions={input_dimensions}) "
        f"to (*, inner_size={inner_size}).",
    )
    if not isinstance(out, Tensor) or tuple(out.shape) != (2, inner_size):
        got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(
            f"{name} maps an input of shape (2, {input_dimensions}) to {got}; each transformer "
            f"net must map (*, input_dimensions={input_dimensions}) to "
            f"(*, inner_size={inner_size}), here (2, {inner_size})."
        )
    return net


class ResidualFeedForward(nn.Module):
    r"""The modified MLP of Wang, Teng and Perdikaris (2021).

    Two encoders ("transformer networks") embed the input,
    :math:`U = \sigma(W_u x + b_u)` and :math:`V = \sigma(W_v x + b_v)`, and every
    hidden layer mixes them with a gate:

    .. math::

        H_0 = x, \qquad
        Z_k = \sigma_k(W_k H_k + b_k), \qquad
        H_{k+1} = (1 - Z_k) \odot U + Z_k \odot V \quad (k = 0, \dots, L - 1),

    .. math::

        y = W_L H_L + b_L,

    with :math:`U, V, Z_k, H_{k+1} \in \mathbb{R}^{n}` (``n = inner_size``,
    ``L = n_layers``). As in PINA 0.1, the first gate acts on :math:`x` itself
    (the paper's first hidden layer is :math:`H_1 = \sigma(W_0 x + b_0)` without
    gating), and the default encoders are ``Linear(input_dimensions,
    inner_size)`` followed by ``Tanh`` whatever ``func`` is, always with a bias;
    pass ``transformer_nets`` for other encoders. ``forward`` computes the mix
    as :math:`U + Z_k \odot (V - U)`, equal up to rounding.

    Reference:
        Wang, S., Teng, Y. and Perdikaris, P. (2021). *Understanding and
        mitigating gradient flow pathologies in physics-informed neural
        networks*. SIAM Journal on Scientific Computing 43(5), A3055-A3081.
        DOI: 10.1137/20M1318043.

    Args:
        input_dimensions: :math:`d_{in}`, the size of the last input dimension.
        output_dimensions: :math:`d_{out}`, the size of the last output dimension.
        inner_size: Width :math:`n` of the encoders and of every hidden layer.
        n_layers: Number :math:`L \ge 1` of gated hidden layers.
        func: Gate activation :math:`\sigma_k`, given as for :class:`FeedForward`
            (a module class, instance, zero-argument factory, ``None``, or a
            list/tuple with one entry per hidden layer).
        bias: Whether the gate and output layers have a bias.
        transformer_nets: The two encoders ``[U_net, V_net]`` (a list or tuple
            of exactly two ``torch.nn.Module``), each mapping
            ``(*, input_dimensions)`` to ``(*, inner_size)``. Each is run once at
            construction, without gradients and in eval mode, on zeros of shape
            ``(2, input_dimensions)`` to check this.

    Attributes:
        input_dimension (int): ``input_dimensions``.
        output_dimension (int): ``output_dimensions``.
        transformer_nets (torch.nn.ModuleList): The encoders of :math:`U` and :math:`V`.
        layers (list[torch.nn.Linear]): The gate layers :math:`W_k, b_k`.
        functions (list[torch.nn.Module | None]): The gate activations :math:`\sigma_k`.
        inner_layers (torch.nn.Sequential): The gates :math:`\sigma_k(W_k \cdot + b_k)`.
        last_layer (torch.nn.Linear): The output layer :math:`W_L, b_L`.

    Raises:
        TypeError: If a size is not an int, ``bias`` is not a bool, an activation
            is none of the accepted kinds, ``transformer_nets`` is not a
            list/tuple, or one of its entries is not a ``torch.nn.Module``.
        ValueError: If a size is below 1, ``func`` is a list of the wrong
            length, ``transformer_nets`` does not have two entries, or an
            encoder's output shape is not ``(*, inner_size)``.
    """

    def __init__(
        self,
        input_dimensions: int,
        output_dimensions: int,
        inner_size: int = 20,
        n_layers: int = 2,
        func: ActivationLike | Sequence[ActivationLike] = nn.Tanh,
        bias: bool = True,
        transformer_nets: Sequence[nn.Module] | None = None,
    ) -> None:
        super().__init__()
        self.input_dimension = _check_int(input_dimensions, "input_dimensions", 1)
        self.output_dimension = _check_int(output_dimensions, "output_dimensions", 1)
        width = _check_int(inner_size, "inner_size", 1)
        depth = _check_int(n_layers, "n_layers", 1)
        _check_bool(bias, "bias")
        specs = _activation_specs(func, depth)

        if transformer_nets is None:
            encoders: list[nn.Module] = [
                _Dense(nn.Linear(self.input_dimension, width), nn.Tanh()) for _ in range(2)
            ]
        elif isinstance(transformer_nets, (list, tuple, nn.ModuleList)):
            if len(transformer_nets) != 2:
                raise ValueError(
                    f"transformer_nets has {len(transformer_nets)} entries; it must hold exactly "
                    "two torch.nn.Module, the encoders of U and V."
                )
            encoders = [
                _check_encoder(net, i, self.input_dimension, width)
                for i, net in enumerate(transformer_nets)
            ]
        else:
            raise TypeError(
                "transformer_nets must be None or a list/tuple of two torch.nn.Module; "
                f"got {transformer_nets!r}."
            )
        self.transformer_nets = nn.ModuleList(encoders)

        widths = [self.input_dimension] + [width] * depth
        self.layers: list[nn.Linear] = [
            nn.Linear(n_in, n_out, bias=bias) for n_in, n_out in zip(widths[:-1], widths[1:])
        ]
        self.last_layer = nn.Linear(width, self.output_dimension, bias=bias)
        self.functions: list[nn.Module | None] = _build_activations(specs)
        self.inner_layers = nn.Sequential(
            *(_Dense(layer, activation) for layer, activation in zip(self.layers, self.functions))
        )

    def forward(self, x: Tensor) -> Tensor:
        """Apply the network.

        Args:
            x: Input of shape ``(*, input_dimensions)`` (a ``LabelTensor`` is accepted).

        Returns:
            A plain tensor of shape ``(*, output_dimensions)``.
        """
        encoder_u, encoder_v = self.transformer_nets
        u = encoder_u(x)
        v_minus_u = encoder_v(x) - u
        h = x
        for gate in self.inner_layers:
            h = torch.addcmul(u, gate(h), v_minus_u)  # (1 - z) * u + z * v
        return self.last_layer(h)
