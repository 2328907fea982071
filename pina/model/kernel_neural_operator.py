r"""Neural operators as lifting, integral kernels and projection: :class:`KernelNeuralOperator`."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

__all__ = ["KernelNeuralOperator"]

#: The three parts of the operator, in order; each is stored as ``_{name}``.
_PARTS = ("lifting_operator", "integral_kernels", "projection_operator")


# --------------------------------------------------------------------------- widths
def _is_parameter_free(module: nn.Module) -> bool:
    """Whether ``module`` holds no parameter and no buffer (e.g. an activation)."""
    return next(module.parameters(), None) is None and next(module.buffers(), None) is None


def _positive_int_attribute(module: nn.Module, name: str) -> int | None:
    value = getattr(module, name, None)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _output_width(net: nn.Module) -> int | None:
    """The size of the last dimension of ``net``'s output, when ``net`` exposes it.

    Read from, in order: an int attribute ``output_dimension`` (as on
    :class:`~pina.model.FeedForward`), ``out_features`` of a ``torch.nn.Linear``,
    or, for a ``torch.nn.Sequential``, its last child that exposes a width, after
    skipping trailing children without parameters or buffers (activations).
    ``None`` when the width cannot be read this way; nothing is run.
    """
    width = _positive_int_attribute(net, "output_dimension")
    if width is not None:
        return width
    if isinstance(net, nn.Linear):
        return _positive_int_attribute(net, "out_features")
    if isinstance(net, nn.Sequential):
        for child in reversed(net):
            width = _output_width(child)
            if width is not None or not _is_parameter_free(child):
                return width
    return None


def _input_width(net: nn.Module) -> int | None:
    """The size of the last dimension ``net`` expects as input, when ``net`` exposes it.

    The mirror of :func:`_output_width`: ``input_dimension``, ``in_features`` of a
    ``torch.nn.Linear`` (``None`` for an uninitialised ``LazyLinear``), or the first
    child of a ``torch.nn.Sequential`` that exposes a width, after skipping leading
    children without parameters or buffers.
    """
    width = _positive_int_attribute(net, "input_dimension")
    if width is not None:
        return width
    if isinstance(net, nn.Linear):
        return _positive_int_attribute(net, "in_features")
    if isinstance(net, nn.Sequential):
        for child in net:
            width = _input_width(child)
            if width is not None or not _is_parameter_free(child):
                return width
    return None


def _check_module(value: object, name: str) -> nn.Module:
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module; got {value!r}.")
    return value


def _check_widths(lifting: nn.Module, kernels: nn.Module, projection: nn.Module) -> None:
    """Check the widths the three modules expose agree (see :class:`KernelNeuralOperator`)."""
    lifted = _output_width(lifting)
    kernel_in = _positive_int_attribute(kernels, "input_numb_fields")
    if lifted is not None and kernel_in is not None and lifted != kernel_in:
        raise ValueError(
            f"lifting_operator outputs {lifted} channels but integral_kernels expects "
            f"input_numb_fields={kernel_in}; make the lifting output width equal to the "
            "kernels' input width."
        )
    kernel_out = _positive_int_attribute(kernels, "output_numb_fields")
    projected = _input_width(projection)
    if kernel_out is not None and projected is not None and kernel_out != projected:
        raise ValueError(
            f"projection_operator takes inputs of width {projected} but integral_kernels "
            f"outputs output_numb_fields={kernel_out} channels; make the projection input "
            "width equal to the kernels' output width."
        )


# --------------------------------------------------------------------------- operator
class KernelNeuralOperator(nn.Module):
    r"""A neural operator built as lifting, integral kernels, projection.

    Following Kovachki et al. (2023, Figure 2), the operator is the composition

    .. math::

        G_\theta = P \circ K_m \circ \dots \circ K_1 \circ L,

    where :math:`L` (``lifting_operator``) maps the input function, pointwise,
    from its :math:`d_{in}` channels to an embedding of :math:`d_{emb}` channels,
    the integral kernels :math:`K_1, \dots, K_m` (``integral_kernels``, one
    module applying them all) map embeddings to embeddings, and :math:`P`
    (``projection_operator``) maps the last embedding to the :math:`d_{out}`
    output channels. ``forward(x)`` is ``projection(kernels(lifting(x)))``; the
    input layout is the one the three modules agree on (channels-last,
    ``(batch, *grid, channels)`` or ``(batch, n_points, channels)``, for the
    operators of :mod:`pina.model`). ``x`` is passed to ``lifting_operator`` as
    given, a :class:`~pina.label_tensor.LabelTensor` included.

    At construction and on each assignment through the properties, widths are
    checked where the modules expose them: the output width of the lifting
    operator (``output_dimension``, ``torch.nn.Linear.out_features``, or the
    last such layer of a ``torch.nn.Sequential``) against the kernels'
    ``input_numb_fields``, and the kernels' ``output_numb_fields`` against the
    input width of the projection operator (``input_dimension``, ``in_features``).

    Reference:
        Kovachki, N., Li, Z., Liu, B., Azizzadenesheli, K., Bhattacharya, K.,
        Stuart, A. and Anandkumar, A. (2023). *Neural operator: learning maps
        between function spaces with applications to PDEs*. Journal of Machine
        Learning Research 24(89), 1-97.

    Args:
        lifting_operator: :math:`L`, from ``(..., d_in)`` to ``(..., d_emb)``.
        integral_kernels: :math:`K_m \circ \dots \circ K_1`.
        projection_operator: :math:`P`, from ``(..., d_emb)`` to ``(..., d_out)``.

    Attributes:
        lifting_operator (torch.nn.Module): :math:`L` (stored as ``_lifting_operator``).
        integral_kernels (torch.nn.Module): The kernels (stored as ``_integral_kernels``).
        projection_operator (torch.nn.Module): :math:`P` (stored as
            ``_projection_operator``). The three can be reassigned; the new module
            is type- and width-checked and replaces the old one in ``state_dict``.

    Raises:
        TypeError: If an argument is not a ``torch.nn.Module``.
        ValueError: If exposed widths do not match.
    """

    def __init__(
        self,
        lifting_operator: nn.Module,
        integral_kernels: nn.Module,
        projection_operator: nn.Module,
    ) -> None:
        super().__init__()
        _check_widths(
            _check_module(lifting_operator, "lifting_operator"),
            _check_module(integral_kernels, "integral_kernels"),
            _check_module(projection_operator, "projection_operator"),
        )
        self._lifting_operator = lifting_operator
        self._integral_kernels = integral_kernels
        self._projection_operator = projection_operator

    def __setattr__(self, name: str, value: Any) -> None:
        # torch.nn.Module.__setattr__ registers a module under the attribute name
        # before a property setter can run; route the three properties to theirs.
        prop = getattr(type(self), name, None)
        if isinstance(prop, property) and prop.fset is not None:
            prop.fset(self, value)
        else:
            super().__setattr__(name, value)

    @property
    def lifting_operator(self) -> nn.Module:
        """The lifting operator :math:`L`."""
        return self._lifting_operator

    @lifting_operator.setter
    def lifting_operator(self, value: nn.Module) -> None:
        self._replace("lifting_operator", value)

    @property
    def integral_kernels(self) -> nn.Module:
        r"""The integral kernels :math:`K_m \circ \dots \circ K_1`."""
        return self._integral_kernels

    @integral_kernels.setter
    def integral_kernels(self, value: nn.Module) -> None:
        self._replace("integral_kernels", value)

    @property
    def projection_operator(self) -> nn.Module:
        """The projection operator :math:`P`."""
        return self._projection_operator

    @projection_operator.setter
    def projection_operator(self, value: nn.Module) -> None:
        self._replace("projection_operator", value)

    def _replace(self, name: str, value: nn.Module) -> None:
        """Set the part ``name`` (one of :data:`_PARTS`) to ``value`` after checking the widths."""
        parts = {part: getattr(self, f"_{part}") for part in _PARTS}
        parts[name] = _check_module(value, name)
        _check_widths(*parts.values())
        super().__setattr__(f"_{name}", value)

    def forward(self, x: Tensor) -> Tensor:
        r"""Apply :math:`P \circ K \circ L`.

        Args:
            x: Input in the layout the lifting operator takes, e.g.
                ``(batch, *grid, d_in)`` (a ``LabelTensor`` is passed on as given).

        Returns:
            ``projection_operator(integral_kernels(lifting_operator(x)))``, e.g. of
            shape ``(batch, *grid, d_out)``.
        """
        return self._projection_operator(self._integral_kernels(self._lifting_operator(x)))
