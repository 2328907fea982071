r"""Operator networks built from products of sub-networks: :class:`MIONet` and :class:`DeepONet`."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence

import torch
from torch import Tensor, nn

from .._errors import ArgumentTypeError
from ..label_tensor import LabelTensor
from .kernel_neural_operator import _input_width, _output_width

__all__ = ["DeepONet", "MIONet"]

#: Input columns of one sub-network: labels (the input must then be a
#: ``LabelTensor``) or integer positions in the last input dimension.
IndicesLike = str | int | Sequence[str] | Sequence[int]
#: How to combine tensors along their last dimension: one of the symbols
#: ``'+'``, ``'*'``, ``'mean'``, ``'min'``, ``'max'``, or a callable (a
#: ``torch.nn.Module`` is registered as a submodule, so its parameters train).
CombineLike = str | Callable[[Tensor], Tensor]

_COMBINATIONS: dict[str, Callable[..., Tensor]] = {
    "+": torch.sum,
    "*": torch.prod,
    "mean": torch.mean,
    "min": torch.amin,
    "max": torch.amax,
}


class _Combine:
    """A built-in aggregator/reduction: ``op(x, dim=-1, keepdim=keepdim)`` (picklable)."""

    def __init__(self, symbol: str, keepdim: bool) -> None:
        self.symbol = symbol
        self.keepdim = keepdim

    def __call__(self, x: Tensor) -> Tensor:
        return _COMBINATIONS[self.symbol](x, dim=-1, keepdim=self.keepdim)

    def __repr__(self) -> str:
        return f"{self.symbol!r}"


def _check_combine(value: object, name: str, keepdim: bool) -> Callable[[Tensor], Tensor]:
    """Return the callable for an aggregator/reduction given as a symbol or a callable."""
    if isinstance(value, str):
        if value not in _COMBINATIONS:
            raise ValueError(
                f"{name}={value!r} is not supported; choose one of {sorted(_COMBINATIONS)} "
                "or pass a callable (function or torch.nn.Module)."
            )
        return _Combine(value, keepdim)
    if callable(value):
        return value
    raise TypeError(
        f"{name} must be one of {sorted(_COMBINATIONS)} or a callable (function or "
        f"torch.nn.Module); got {value!r}."
    )


def _check_indices(value: object, name: str) -> list[str] | list[int]:
    """Return ``value`` as a non-empty list of unique labels or of unique ints."""
    if isinstance(value, str) or (
        isinstance(value, numbers.Integral) and not isinstance(value, bool)
    ):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"{name} must be a list of str (labels) or a list of int (column positions); "
            f"got {value!r}."
        )
    if len(value) == 0:
        raise ValueError(f"{name} is empty; give at least one input column.")
    if len(set(value)) != len(value):
        raise ValueError(f"{name}={value!r} has repeated entries; each column is taken once.")
    if all(isinstance(i, str) for i in value):
        return list(value)
    if all(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in value):
        return [int(i) for i in value]
    raise ArgumentTypeError(
        f"{name}={value!r} must be all str (labels) or all int (column positions), not a mix "
        "or other types."
    )


def _broadcast_shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """The common broadcast shape of ``shapes``, or ``None`` if they do not broadcast."""
    ndim = max(len(shape) for shape in shapes)
    out = []
    for axis in range(-ndim, 0):
        sizes = {shape[axis] for shape in shapes if len(shape) >= -axis} - {1}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


class MIONet(nn.Module):
    r"""Multiple-input operator network.

    Network :math:`i` reads the input columns :math:`I_i` and returns
    :math:`b_i = \mathrm{net}_i(x_{I_i}) \in \mathbb{R}^p` (all :math:`m`
    networks must return the same width :math:`p`). The outputs are stacked
    into a tensor of shape ``(*, p, m)``, combined over the networks by the
    aggregator :math:`A` (into ``(*, p)``), over the :math:`p` features by the
    reduction :math:`R` (into ``(*, 1)``), then scaled and translated:

    .. math::

        G(x) = s\, R\Big(A\big(b_1, \dots, b_m\big)\Big) + t,
        \qquad\text{by default}\qquad
        G(x) = s \sum_{k=1}^{p} \prod_{i=1}^{m} b_{i,k} + t.

    Built-in aggregators and reductions act on the last dimension:
    ``'+'`` (sum), ``'*'`` (product), ``'mean'``, ``'min'``, ``'max'``. A
    callable aggregator receives the stacked ``(*, p, m)`` tensor and a
    callable reduction the aggregated tensor; a reduction returning ``(*,)``
    gives ``(*, 1)`` and one returning ``(*, q)`` (e.g. ``torch.nn.Linear(p,
    q)``) gives ``q`` outputs. Leading dimensions of the network outputs are
    broadcast against each other, so a branch output of shape ``(B, 1, p)``
    and a trunk output of shape ``(N, p)`` give ``(B, N, 1)``.

    :math:`s` and :math:`t` are trainable ``torch.nn.Parameter`` of shape
    ``(1,)`` (named ``_scale`` and ``_trasl`` in ``state_dict``, as in PINA
    0.1), starting at :math:`s = 1`, :math:`t = 0`. When ``scale`` or
    ``translation`` is False the value stays fixed at 1 or 0, stored as a
    non-persistent buffer (it moves with ``.to()``/``.double()`` but is not
    in ``state_dict``, as in PINA 0.1, whose files therefore load).

    Columns are selected on the last input dimension, by label (``x`` must be
    a :class:`~pina.label_tensor.LabelTensor`; each network then receives a
    ``LabelTensor`` labelled with its columns) or by integer position (any
    tensor). The output is a plain tensor.

    Reference:
        Jin, P., Meng, S. and Lu, L. (2022). *MIONet: Learning multiple-input
        operators via tensor product*. SIAM Journal on Scientific Computing
        44(6), A3490-A3514. DOI: 10.1137/22M1477751.

    Args:
        networks: Mapping from each network (a ``torch.nn.Module``) to its
            input columns: a list of labels or a list of int positions (a
            single label or position is accepted). Dict order is the order of
            the networks in :attr:`models`.
        aggregator: :math:`A`, a symbol or a callable, see above.
        reduction: :math:`R`, a symbol or a callable, see above.
        scale: Whether :math:`s` is trainable (else fixed at 1).
        translation: Whether :math:`t` is trainable (else fixed at 0).

    Attributes:
        models (torch.nn.ModuleList): The networks, in order.

    Raises:
        TypeError: If ``networks`` is not a mapping of modules to indices,
            indices mix labels and ints, ``aggregator``/``reduction`` is
            neither a symbol nor callable, or ``scale``/``translation`` is not
            a bool.
        ValueError: If ``networks`` or indices are empty, indices repeat, a
            symbol is unknown, a network's input width differs from the
            number of its columns, or the networks' output widths differ.
            Widths are checked here when
            the networks expose them (``input_dimension``/``output_dimension``
            as on :class:`~pina.model.feed_forward.FeedForward`, a
            ``torch.nn.Linear``, or the first/last such layer of a
            ``torch.nn.Sequential``); nothing is run. The output widths are
            checked again at every forward.

    Example:
        >>> branch_1 = FeedForward(input_dimensions=1, output_dimensions=10)
        >>> branch_2 = FeedForward(input_dimensions=2, output_dimensions=10)
        >>> trunk = FeedForward(input_dimensions=1, output_dimensions=10)
        >>> model = MIONet({branch_1: ['x'], branch_2: ['x', 'y'], trunk: ['z']})
        >>> x = LabelTensor(torch.rand(5, 3), ['x', 'y', 'z'])
        >>> model(x).shape
        torch.Size([5, 1])
    """

    _scale: Tensor
    _trasl: Tensor

    def __init__(
        self,
        networks: Mapping[nn.Module, IndicesLike],
        aggregator: CombineLike = "*",
        reduction: CombineLike = "+",
        scale: bool = True,
        translation: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(networks, Mapping):
            raise ArgumentTypeError(
                "networks must be a dict mapping each torch.nn.Module to its input indices "
                f"(list of str or list of int); got {networks!r}."
            )
        if len(networks) == 0:
            raise ValueError("networks is empty; give at least one network and its indices.")
        nets = list(networks)
        net_names = [f"networks entry {i} ({type(net).__name__})" for i, net in enumerate(nets)]
        self._setup(
            nets,
            list(networks.values()),
            [f"the indices of {net_name}" for net_name in net_names],
            net_names,
            aggregator,
            reduction,
            scale,
            translation,
        )

    def _setup(
        self,
        nets: list[nn.Module],
        indices: list[IndicesLike],
        names: list[str],
        net_names: list[str],
        aggregator: CombineLike,
        reduction: CombineLike,
        scale: bool,
        translation: bool,
    ) -> None:
        """Validate and store everything; shared by MIONet and DeepONet.

        ``names`` name the indices argument of each network and ``net_names``
        the network itself, in error messages.
        """
        for net, net_name in zip(nets, net_names):
            if not isinstance(net, nn.Module):
                raise ArgumentTypeError(f"{net_name} must be a torch.nn.Module; got {net!r}.")
        self._indeces: list[list[str] | list[int]] = [
            _check_indices(value, name) for value, name in zip(indices, names)
        ]
        self._index_names = names
        self._net_names = net_names
        for net, cols, name, net_name in zip(nets, self._indeces, names, net_names):
            n_in = _input_width(net)
            if n_in is not None and n_in != len(cols):
                raise ValueError(
                    f"{name}={cols!r} selects {len(cols)} column(s) but {net_name} takes inputs "
                    f"of width {n_in}; select {n_in} column(s) or resize the network."
                )
        widths = [(n, _output_width(net)) for net, n in zip(nets, net_names)]
        known = [(net_name, width) for net_name, width in widths if width is not None]
        if len({width for _, width in known}) > 1:
            listing = ", ".join(f"{net_name}: {width}" for net_name, width in known)
            raise ValueError(
                "All networks must return the same number of features p for the aggregator "
                f"to combine; got output widths {listing}."
            )
        for name, flag in (("scale", scale), ("translation", translation)):
            if not isinstance(flag, bool):
                raise ArgumentTypeError(f"{name} must be True or False; got {flag!r}.")

        self.models = nn.ModuleList(nets)
        self._aggregator = _check_combine(aggregator, "aggregator", keepdim=False)
        self._reduction = _check_combine(reduction, "reduction", keepdim=True)
        for attribute, trainable, start in (("_scale", scale, 1.0), ("_trasl", translation, 0.0)):
            value = torch.full((1,), start)
            if trainable:
                self.register_parameter(attribute, nn.Parameter(value))
            else:
                self.register_buffer(attribute, value, persistent=False)

    # ------------------------------------------------------------------ forward
    def _select(self, x: Tensor, i: int) -> Tensor:
        """The input columns of network ``i``."""
        cols, name = self._indeces[i], self._index_names[i]
        if isinstance(cols[0], str):
            if not isinstance(x, LabelTensor):
                raise TypeError(
                    f"{name}={cols!r} selects columns by label, so the input must be a "
                    f"LabelTensor; got a {type(x).__name__} of shape {tuple(x.shape)}. Label "
                    "the input, or give int column positions for plain tensors."
                )
            labels = x.labels
            missing = [label for label in cols if label not in labels]
            if missing:
                raise ValueError(
                    f"{name}={cols!r}: {missing!r} not found among the input labels {labels!r}."
                )
            return x.extract(cols)
        n_cols = x.shape[-1]
        outside = [j for j in cols if not -n_cols <= j < n_cols]
        if outside:
            raise ValueError(
                f"{name}={cols!r}: column(s) {outside!r} out of range for an input with "
                f"{n_cols} column(s) (shape {tuple(x.shape)}); valid positions are "
                f"0..{n_cols - 1}."
            )
        return x[..., cols]

    def forward(self, x: Tensor) -> Tensor:
        """Evaluate the operator network.

        Args:
            x: Input of shape ``(*, d)``: a ``LabelTensor`` when indices are
                labels, any tensor when they are int positions.

        Returns:
            A plain tensor of shape ``(*, 1)`` (or ``(*, q)`` for a callable
            reduction returning ``q`` features).

        Raises:
            TypeError: If labels are used on a plain tensor, or an aggregator
                or reduction returns something other than a tensor.
            ValueError: If a label or position is not in the input, or the
                network outputs differ in width or do not broadcast.
        """
        outputs = [net(self._select(x, i)) for i, net in enumerate(self.models)]
        shapes = [tuple(out.shape) for out in outputs]
        if len({shape[-1] if shape else None for shape in shapes}) > 1 or (
            _broadcast_shape(shapes) is None
        ):
            listing = ", ".join(f"{n}: {shape}" for n, shape in zip(self._net_names, shapes))
            raise ValueError(
                "All networks must return outputs of the same width p (last dimension), with "
                f"leading dimensions that broadcast; got output shapes {listing}."
            )
        stacked = torch.stack(torch.broadcast_tensors(*outputs), dim=-1)  # (*, p, m)
        aggregated = _checked_call(self._aggregator, stacked, "aggregator")
        reduced = _checked_call(self._reduction, aggregated, "reduction")
        if reduced.ndim == aggregated.ndim - 1:
            reduced = reduced.unsqueeze(-1)
        return reduced * self._scale + self._trasl

    # ------------------------------------------------------------------ properties
    @property
    def aggregator(self) -> Callable[[Tensor], Tensor]:
        """The aggregator :math:`A`, mapping ``(*, p, m)`` to ``(*, p)``."""
        return self._aggregator

    @property
    def reduction(self) -> Callable[[Tensor], Tensor]:
        """The reduction :math:`R`, mapping ``(*, p)`` to ``(*, 1)``."""
        return self._reduction

    @property
    def scale(self) -> Tensor:
        """The scale factor :math:`s`, shape ``(1,)``."""
        return self._scale

    @property
    def translation(self) -> Tensor:
        """The translation :math:`t`, shape ``(1,)``."""
        return self._trasl

    @property
    def indeces_variables_extracted(self) -> list[list[str] | list[int]]:
        """The input columns of each network, in the order of :attr:`models`."""
        return [list(cols) for cols in self._indeces]  # type: ignore[misc]

    @property
    def model(self) -> nn.ModuleList:
        """The networks, in order (the same as :attr:`models`)."""
        return self.models


def _checked_call(func: Callable[[Tensor], Tensor], x: Tensor, name: str) -> Tensor:
    out = func(x)
    if not isinstance(out, Tensor):
        raise TypeError(
            f"the {name} must return a torch.Tensor; {func!r} returned {type(out).__name__}."
        )
    return out


class DeepONet(MIONet):
    r"""Deep operator network: one branch network and one trunk network.

    With branch features :math:`b(x_B) \in \mathbb{R}^p` (typically the input
    function sampled at sensors) and trunk features :math:`\tau(x_T) \in
    \mathbb{R}^p` (typically the query coordinates), the default output is

    .. math::

        G(x) = s \sum_{k=1}^{p} b_k(x_B)\, \tau_k(x_T) + t,

    and in general :math:`s\, R(A(b, \tau)) + t` with the aggregator
    :math:`A` and reduction :math:`R` of :class:`MIONet`, of which this is
    the two-network case (the branch network comes first).

    Reference:
        Lu, L., Jin, P., Pang, G., Zhang, Z. and Karniadakis, G. E. (2021).
        *Learning nonlinear operators via DeepONet based on the universal
        approximation theorem of operators*. Nature Machine Intelligence 3,
        218-229. DOI: 10.1038/s42256-021-00302-5.

    Args:
        branch_net: The branch network, mapping ``(*, len(input_indeces_branch_net))``
            to ``(*, p)``.
        trunk_net: The trunk network, mapping ``(*, len(input_indeces_trunk_net))``
            to ``(*, p)``.
        input_indeces_branch_net: Input columns of the branch network: labels
            (for a ``LabelTensor`` input) or int positions.
        input_indeces_trunk_net: Input columns of the trunk network, likewise.
        aggregator: See :class:`MIONet`.
        reduction: See :class:`MIONet`.
        scale: See :class:`MIONet`.
        translation: See :class:`MIONet`.

    Raises:
        TypeError: As :class:`MIONet`.
        ValueError: As :class:`MIONet`; messages name
            ``input_indeces_branch_net``/``input_indeces_trunk_net``.

    Example:
        >>> model = DeepONet(
        ...     branch_net=FeedForward(input_dimensions=1, output_dimensions=10),
        ...     trunk_net=FeedForward(input_dimensions=1, output_dimensions=10),
        ...     input_indeces_branch_net=['a'],
        ...     input_indeces_trunk_net=['x'],
        ... )
        >>> model(LabelTensor(torch.rand(5, 2), ['x', 'a'])).shape
        torch.Size([5, 1])
    """

    def __init__(
        self,
        branch_net: nn.Module,
        trunk_net: nn.Module,
        input_indeces_branch_net: IndicesLike,
        input_indeces_trunk_net: IndicesLike,
        aggregator: CombineLike = "*",
        reduction: CombineLike = "+",
        scale: bool = True,
        translation: bool = True,
    ) -> None:
        # Not MIONet.__init__: a dict would merge a branch and trunk that are
        # the same module, and the messages name DeepONet's own arguments.
        nn.Module.__init__(self)
        self._setup(
            [branch_net, trunk_net],
            [input_indeces_branch_net, input_indeces_trunk_net],
            ["input_indeces_branch_net", "input_indeces_trunk_net"],
            ["branch_net", "trunk_net"],
            aggregator,
            reduction,
            scale,
            translation,
        )

    @property
    def branch_net(self) -> nn.Module:
        """The branch network."""
        return self.models[0]

    @property
    def trunk_net(self) -> nn.Module:
        """The trunk network."""
        return self.models[1]
