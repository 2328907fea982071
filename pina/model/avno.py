r"""The averaging neural operator: :class:`AveragingNeuralOperator`."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .._errors import ArgumentTypeError
from ..label_tensor import LabelTensor
from ._validation import _check_int, _run_on_zeros
from .kernel_neural_operator import KernelNeuralOperator, _input_width, _output_width
from .layers.avno_layer import AVNOBlock
from .layers.residual import ActivationLike

__all__ = ["AveragingNeuralOperator"]


# --------------------------------------------------------------------------- shared checks
def _check_labels(value: object, name: str) -> list[str]:
    """Return ``value`` (a label or a list of labels) as a non-empty list of unique str."""
    labels = [value] if isinstance(value, str) else value
    if not isinstance(labels, (list, tuple)) or not all(isinstance(i, str) for i in labels):
        raise ArgumentTypeError(f"{name} must be a label or a list of labels (str); got {value!r}.")
    if len(labels) == 0:
        raise ValueError(f"{name} is empty; give at least one label.")
    if len(set(labels)) != len(labels):
        raise ValueError(f"{name}={value!r} has repeated labels.")
    return list(labels)


def _check_fields_and_coordinates(
    field_indices: object, coordinates_indices: object
) -> tuple[list[str], list[str]]:
    """Check the field and coordinate labels of an operator: each valid, and disjoint."""
    fields = _check_labels(field_indices, "field_indices")
    coords = _check_labels(coordinates_indices, "coordinates_indices")
    shared = sorted(set(fields) & set(coords))
    if shared:
        raise ValueError(
            f"labels {shared!r} are in both field_indices and coordinates_indices; "
            "each input column is either a field or a coordinate."
        )
    return fields, coords


def _probe_output_width(net: nn.Module, name: str, n_in: int) -> int:
    """Run ``net`` once on zeros of shape ``(2, n_in)`` and return its output width.

    See :func:`~pina.model._validation._run_on_zeros`: no state changes, and an
    error raised by the module itself comes out unchanged, with a note.
    """
    out = _run_on_zeros(
        net,
        n_in,
        f"while running {name} on zeros of shape (2, {n_in}) to find its output width; "
        f"{name} must map (*, {n_in}) to (*, embedding width).",
    )
    if not isinstance(out, Tensor) or out.ndim < 1:
        raise TypeError(
            f"{name} must return a tensor of shape (*, embedding width); on an input of shape "
            f"(2, {n_in}) it returned {out!r}."
        )
    return int(out.shape[-1])


def _lifting_and_projection_widths(
    lifting_net: object,
    projecting_net: object,
    n_fields: int,
    n_coords: int,
) -> int:
    """Check the widths of the lifting and projecting networks; return the embedding width.

    The lifting network maps ``(*, n_fields + n_coords)`` to ``(*, e)`` and the
    projecting network ``(*, e + n_coords)`` to the output. Widths are read from
    the modules where they expose them (``input_dimension``/``output_dimension``,
    ``torch.nn.Linear``, ``torch.nn.Sequential``); the embedding width ``e`` of a
    lifting network that does not expose it is found by running it once.
    """
    if not isinstance(lifting_net, nn.Module):
        raise TypeError(f"lifting_net must be a torch.nn.Module; got {lifting_net!r}.")
    if not isinstance(projecting_net, nn.Module):
        raise TypeError(f"projecting_net must be a torch.nn.Module; got {projecting_net!r}.")
    n_in = n_fields + n_coords
    lifting_in = _input_width(lifting_net)
    if lifting_in is not None and lifting_in != n_in:
        raise ValueError(
            f"lifting_net takes inputs of width {lifting_in} but must take the fields and the "
            f"coordinates, len(field_indices) + len(coordinates_indices) = {n_fields} + "
            f"{n_coords} = {n_in}."
        )
    embedding = _output_width(lifting_net)
    if embedding is None:
        embedding = _probe_output_width(lifting_net, "lifting_net", n_in)
    projecting_in = _input_width(projecting_net)
    if projecting_in is not None and projecting_in != embedding + n_coords:
        raise ValueError(
            f"projecting_net takes inputs of width {projecting_in} but must take the embedding "
            f"and the coordinates, {embedding} (the output width of lifting_net) + "
            f"len(coordinates_indices) = {embedding} + {n_coords} = {embedding + n_coords}."
        )
    return embedding


def _split_input(x: Tensor, fields: list[str], coords: list[str]) -> tuple[Tensor, Tensor]:
    """The field and coordinate columns of a labelled input, as plain tensors."""
    if not isinstance(x, LabelTensor):
        raise TypeError(
            f"the input must be a LabelTensor of shape (*, n_points, d) labelled with the "
            f"fields {fields!r} and the coordinates {coords!r}; got a {type(x).__name__}."
        )
    labels = x.labels
    missing = [label for label in fields + coords if label not in labels]
    if missing:
        raise ValueError(
            f"the input has no column(s) {missing!r} (field_indices={fields!r}, "
            f"coordinates_indices={coords!r}); its labels are {labels!r}."
        )
    if x.ndim < 2:
        raise ValueError(f"the input must have shape (*, n_points, d); got shape {tuple(x.shape)}.")
    return x.extract(fields).tensor, x.extract(coords).tensor


# --------------------------------------------------------------------------- operator
class AveragingNeuralOperator(KernelNeuralOperator):
    r"""The averaging neural operator (ANO) of Lanthaler, Li and Stuart.

    The input is a field :math:`a` sampled at :math:`N` points :math:`y_n`,
    given as a :class:`~pina.label_tensor.LabelTensor` of shape ``(*, N, D)``
    with the field components (``field_indices``) and the coordinates
    (``coordinates_indices``) among its labels. With :math:`L` the lifting
    network, :math:`K_1, \dots, K_m` the :class:`~pina.model.layers.AVNOBlock`
    layers and :math:`P` the projecting network,

    .. math::

        v_0(y_n) = L\big(a(y_n), y_n\big), \qquad
        v_{i}(y_n) = \sigma\Big(W_i v_{i-1}(y_n) + b_i
            + \frac{1}{N}\sum_{j=1}^{N} v_{i-1}(y_j)\Big), \qquad
        G(a)(y_n) = P\big(v_m(y_n), y_n\big),

    where :math:`(\cdot, \cdot)` is concatenation along the last dimension,
    fields first. The embedding width :math:`e` is the output width of the
    lifting network.

    Reference:
        Lanthaler, S., Li, Z. and Stuart, A. M. (2023). *The nonlocal neural
        operator: universal approximation*. arXiv:2304.13221.

    Args:
        lifting_net: :math:`L`, mapping ``(*, len(field_indices) +
            len(coordinates_indices))`` to ``(*, e)``.
        projecting_net: :math:`P`, mapping ``(*, e + len(coordinates_indices))``
            to the output ``(*, d_out)``.
        field_indices: Labels of the field components of the input.
        coordinates_indices: Labels of the coordinates of the input.
        n_layers: Number :math:`m \ge 1` of averaging layers.
        func: Activation :math:`\sigma` of the layers, a ``torch.nn.Module``
            class (one instance per layer) or instance (copied per layer).

    Attributes:
        field_indices (list[str]): The field labels.
        coordinates_indices (list[str]): The coordinate labels.

    Raises:
        TypeError: If a network is not a module, indices are not labels,
            ``n_layers`` is not an int or ``func`` is not an activation.
        ValueError: If indices are empty, repeat or overlap, ``n_layers`` is
            below 1, or the widths of the networks do not fit (read where the
            networks expose them; the lifting width is otherwise found by
            running ``lifting_net`` once on zeros in eval mode).

    Example:
        >>> model = AveragingNeuralOperator(
        ...     lifting_net=FeedForward(3, 16),      # (u, x, y) -> 16
        ...     projecting_net=FeedForward(18, 1),   # 16 + (x, y) -> 1
        ...     field_indices=['u'],
        ...     coordinates_indices=['x', 'y'],
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
        n_layers: int = 4,
        func: ActivationLike = nn.GELU,
    ) -> None:
        fields, coords = _check_fields_and_coordinates(field_indices, coordinates_indices)
        depth = _check_int(n_layers, "n_layers")
        if not isinstance(func, nn.Module) and not (
            isinstance(func, type) and issubclass(func, nn.Module)
        ):
            raise TypeError(
                f"func must be a torch.nn.Module subclass (e.g. torch.nn.GELU) or instance; "
                f"got {func!r}."
            )
        embedding = _lifting_and_projection_widths(
            lifting_net, projecting_net, len(fields), len(coords)
        )
        kernels = nn.Sequential(*(AVNOBlock(embedding, _fresh(func)) for _ in range(depth)))
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
        hidden = self._integral_kernels(hidden)
        return self._projection_operator(torch.cat((hidden, coords), dim=-1))


def _fresh(func: ActivationLike) -> nn.Module:
    """A new activation module per layer: classes instantiated, instances deep-copied."""
    return copy.deepcopy(func) if isinstance(func, nn.Module) else func()
