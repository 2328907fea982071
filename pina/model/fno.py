r"""The Fourier Neural Operator: :class:`FourierIntegralKernel` and :class:`FNO`.

Both work channels-last, as in PINA 0.1: an input function sampled on a
uniform grid is a tensor of shape ``(batch, *grid, channels)`` with
``len(grid) == dimensions`` (1, 2 or 3), e.g. ``(batch, Nx, Ny, channels)`` in
2-D. The Fourier blocks inside work channels-first; the kernel moves the
channel dimension, pads the grid, applies the blocks, crops and moves it back.

Reference:
    Li, Z., Kovachki, N., Azizzadenesheli, K., Liu, B., Bhattacharya, K.,
    Stuart, A. and Anandkumar, A. (2021). *Fourier neural operator for
    parametric partial differential equations*. ICLR 2021. arXiv:2010.08895.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from torch import Tensor, nn
from torch.nn import functional as F

from .._errors import ArgumentTypeError, UnsupportedValueError
from ..label_tensor import LabelTensor
from ._validation import _add_note, _check_int
from .feed_forward import ActivationLike, _activation_specs, _build_activations, _hidden_widths
from .kernel_neural_operator import (
    KernelNeuralOperator,
    _check_module,
    _input_width,
    _output_width,
)
from .layers.fourier import FourierBlock1D, FourierBlock2D, FourierBlock3D, _FourierBlock
from .layers.spectral import ModesLike, _modes_error, _parse_modes

__all__ = ["FNO", "FourierIntegralKernel"]

_BLOCKS: dict[int, type[_FourierBlock]] = {1: FourierBlock1D, 2: FourierBlock2D, 3: FourierBlock3D}
_PADDING_TYPES = ("circular", "constant", "reflect", "replicate")

#: ``n_modes`` of the kernel: one int, one int per dimension, or one of these per block.
KernelModesLike = ModesLike | Sequence[ModesLike]


# --------------------------------------------------------------------------- checks
def _check_dimensions(dimensions: object) -> int:
    value = _check_int(dimensions, "dimensions", 1)
    if value not in _BLOCKS:
        raise UnsupportedValueError(
            f"dimensions={dimensions!r} is not supported; choose one of {sorted(_BLOCKS)} "
            "(the number of spatial dimensions of the grid)."
        )
    return value


def _block_widths(
    inner_size: object, n_layers: object, layers: object
) -> tuple[list[int], str, str]:
    """Output width of each Fourier block, and the names of the first and last width.

    Returns:
        ``(widths, first_name, last_name)``, e.g. ``([20, 20], 'inner_size', 'inner_size')``
        or ``([16, 32], 'layers[0]', 'layers[-1]')``.
    """
    if layers is None:
        width = _check_int(inner_size, "inner_size", 1)
        return [width] * _check_int(n_layers, "n_layers", 1), "inner_size", "inner_size"
    widths = _hidden_widths(layers)
    if not widths:
        raise ValueError("layers=[] gives no Fourier block; give at least one block width.")
    return widths, "layers[0]", "layers[-1]"


def _modes_per_block(n_modes: object, dimensions: int, n_blocks: int) -> list[tuple[int, ...]]:
    """Modes of each block: ``n_modes`` is shared unless it is a list with a list inside."""
    if not (
        isinstance(n_modes, (list, tuple)) and any(isinstance(m, (list, tuple)) for m in n_modes)
    ):
        return [_parse_modes(n_modes, dimensions)] * n_blocks
    if len(n_modes) != n_blocks:
        raise ValueError(
            f"n_modes={n_modes!r} gives modes for {len(n_modes)} Fourier blocks but there are "
            f"{n_blocks}; give one entry per block, or one int (or one int per spatial "
            "dimension) shared by all blocks."
        )
    return [_parse_modes(m, dimensions, f"n_modes[{i}]") for i, m in enumerate(n_modes)]


def _padding_per_dimension(padding: object, dimensions: int) -> tuple[int, ...]:
    if isinstance(padding, (list, tuple)):
        if len(padding) != dimensions:
            raise ValueError(
                f"padding={padding!r} has {len(padding)} entries but dimensions={dimensions}; "
                "give one int per spatial dimension, or one int for all of them."
            )
        return tuple(_check_int(p, f"padding[{i}]", 0) for i, p in enumerate(padding))
    if isinstance(padding, bool) or not isinstance(padding, int):
        raise ArgumentTypeError(
            f"padding must be an int or a list/tuple of {dimensions} ints; got {padding!r}."
        )
    return (_check_int(padding, "padding", 0),) * dimensions


def _block_activations(func: object, n_blocks: int) -> list[nn.Module | None]:
    """One activation per block: ``func`` after every block but the last, or one each."""
    if isinstance(func, (list, tuple)):
        if len(func) != n_blocks:
            raise ValueError(
                f"func has {len(func)} entries but there are {n_blocks} Fourier blocks; give "
                "one activation per block, or a single activation (used after every block "
                "but the last)."
            )
        return _build_activations(_activation_specs(func, n_blocks))
    return [*_build_activations(_activation_specs(func, n_blocks - 1)), None]


# --------------------------------------------------------------------------- kernel
class FourierIntegralKernel(nn.Module):
    r"""The stack of Fourier blocks of an FNO, on channels-last grids.

    For an input :math:`u` of shape ``(batch, *grid, c_in)`` the kernel

    1. moves the channels first and pads every spatial dimension at its end
       with ``padding`` points (``torch.nn.functional.pad`` with
       ``mode=padding_type``), so that the non-periodic input is not wrapped
       around by the FFT;
    2. applies the Fourier blocks :math:`h_{k+1} = \sigma_k(\mathcal{K}_k h_k + W_k h_k + b_k)`
       (:class:`~pina.model.layers.fourier.FourierBlock1D` / ``2D`` / ``3D``) with
       output widths ``layers`` (or ``n_layers`` times ``inner_size``);
    3. crops the padding and moves the channels back last.

    The output has shape ``(batch, *grid, output_numb_fields)``. As in PINA 0.1,
    a single ``func`` is applied after every block but the last, which has
    none; a list gives one activation per block.

    Args:
        input_numb_fields: Channels :math:`c_{in}` of the input (the width of the
            first block's input).
        output_numb_fields: Channels of the output; it must equal the last block
            width (``layers[-1]``, or ``inner_size``).
        n_modes: Fourier modes kept by the spectral convolutions: an int, one int
            per spatial dimension (a flat list of ``dimensions`` ints), or one of
            these per block (a list of ``len(layers)`` entries, at least one of them
            a list). At run time they must fit the padded grid: at most
            ``N // 2 + 1`` along the last spatial dimension and ``N // 2`` along the
            others, with ``N`` the number of points after padding.
        dimensions: Number of spatial dimensions: 1, 2 or 3.
        padding: Points added at the end of every spatial dimension (an int), or
            one int per dimension; ``0`` for no padding.
        padding_type: The ``mode`` of ``torch.nn.functional.pad``: one of
            ``'constant'`` (zeros), ``'reflect'``, ``'replicate'``, ``'circular'``.
        inner_size: Width of every block; ignored when ``layers`` is given.
        n_layers: Number of blocks (``>= 1``); ignored when ``layers`` is given.
        func: Activation as for :class:`~pina.model.FeedForward` (a module class,
            instance, zero-argument factory or ``None``), used after every block
            but the last; or a list/tuple with one entry per block.
        layers: Output width of each block; overrides ``inner_size`` and ``n_layers``.

    Attributes:
        input_numb_fields (int): :math:`c_{in}`.
        output_numb_fields (int): The output channels.
        dimensions (int): The number of spatial dimensions.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If a size is out of range, ``dimensions`` is not 1, 2 or 3,
            ``output_numb_fields`` is not the last block width, a list argument
            has the wrong length, or ``padding_type`` is unknown (at construction);
            if the input shape is wrong, or ``n_modes`` does not fit the padded
            grid (in ``forward``).
    """

    def __init__(
        self,
        input_numb_fields: int,
        output_numb_fields: int,
        n_modes: KernelModesLike,
        dimensions: int = 3,
        padding: int | Sequence[int] = 8,
        padding_type: str = "constant",
        inner_size: int = 20,
        n_layers: int = 2,
        func: ActivationLike | Sequence[ActivationLike] = nn.Tanh,
        layers: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        self._input_numb_fields = _check_int(input_numb_fields, "input_numb_fields", 1)
        self._output_numb_fields = _check_int(output_numb_fields, "output_numb_fields", 1)
        self._dimensions = _check_dimensions(dimensions)
        widths, _, last_name = _block_widths(inner_size, n_layers, layers)
        if widths[-1] != self._output_numb_fields:
            raise ValueError(
                f"output_numb_fields={output_numb_fields!r} but the last Fourier block outputs "
                f"{last_name}={widths[-1]} channels; the kernel outputs the last block width, "
                f"so make {last_name} equal to output_numb_fields."
            )
        modes = _modes_per_block(n_modes, self._dimensions, len(widths))
        self._padding = _padding_per_dimension(padding, self._dimensions)
        if padding_type not in _PADDING_TYPES:
            raise ValueError(
                f"padding_type={padding_type!r} is not supported; choose one of "
                f"{list(_PADDING_TYPES)}."
            )
        self._padding_type = padding_type
        activations = _block_activations(func, len(widths))

        self._block_modes = tuple(modes)
        block = _BLOCKS[self._dimensions]
        inputs = [self._input_numb_fields, *widths[:-1]]
        self._layers = nn.Sequential(
            *(
                block(c_in, c_out, m, activation=activation)
                for c_in, c_out, m, activation in zip(inputs, widths, modes, activations)
            )
        )
        # torch.nn.functional.pad takes (before, after) pairs from the last dimension back.
        self._pad = [amount for pad in reversed(self._padding) for amount in (0, pad)]

    @property
    def input_numb_fields(self) -> int:
        """Number of input channels."""
        return self._input_numb_fields

    @property
    def output_numb_fields(self) -> int:
        """Number of output channels (the last block width)."""
        return self._output_numb_fields

    @property
    def dimensions(self) -> int:
        """Number of spatial dimensions."""
        return self._dimensions

    def forward(self, x: Tensor) -> Tensor:
        """Apply the Fourier blocks to a channels-last input.

        Args:
            x: Input of shape ``(batch, *grid, input_numb_fields)`` with
                ``len(grid) == dimensions`` (a ``LabelTensor`` is read as a plain tensor).

        Returns:
            A plain tensor of shape ``(batch, *grid, output_numb_fields)``.

        Raises:
            ValueError: If ``x`` has the wrong shape, or the modes of a block do not
                fit the padded grid.
        """
        if isinstance(x, LabelTensor):
            x = x.as_subclass(Tensor)
        d = self._dimensions
        if x.ndim != d + 2 or x.shape[-1] != self._input_numb_fields:
            grid_names = ", ".join(("Nx", "Ny", "Nz")[:d])
            raise ValueError(
                f"FourierIntegralKernel with dimensions={d} expects an input of shape "
                f"(batch, {grid_names}, input_numb_fields={self._input_numb_fields}), channels "
                f"last; got {tuple(x.shape)}."
            )
        grid = tuple(x.shape[1:-1])
        padded = tuple(n + pad for n, pad in zip(grid, self._padding))
        for index, modes in enumerate(self._block_modes):
            problem = _modes_error(modes, padded)
            if problem is not None:
                raise ValueError(
                    f"n_modes={modes} of Fourier block {index} does not fit the grid "
                    f"{grid} padded to {padded} (padding={self._padding}): {problem}. Lower "
                    "n_modes, or use a finer grid or more padding."
                )
        h = x.movedim(-1, 1)
        if any(self._padding):
            h = F.pad(h, self._pad, mode=self._padding_type)
        h = self._layers(h)
        h = h[(slice(None), slice(None), *(slice(None, n) for n in grid))]
        return h.movedim(1, -1)

    def extra_repr(self) -> str:
        return f"padding={self._padding}, padding_type={self._padding_type!r}"


# --------------------------------------------------------------------------- FNO
class FNO(KernelNeuralOperator):
    r"""The Fourier Neural Operator of Li et al. (2020).

    .. math::

        G_\theta = P \circ K_L \circ \dots \circ K_1 \circ L,

    with the pointwise lifting :math:`L` (``lifting_net``), the Fourier blocks
    :math:`K_k` of a :class:`FourierIntegralKernel` and the pointwise
    projection :math:`P` (``projecting_net``). An input function on a uniform
    grid is given channels-last, ``x`` of shape ``(batch, *grid, d_in)`` with
    ``len(grid) == dimensions``: ``(batch, N, d_in)``, ``(batch, Nx, Ny, d_in)``
    or ``(batch, Nx, Ny, Nz, d_in)``; the output has shape
    ``(batch, *grid, d_out)``. The lifting and projecting nets act on the last
    dimension (e.g. :class:`~pina.model.FeedForward` or ``torch.nn.Linear``);
    ``x`` is passed to ``lifting_net`` as given, so a
    :class:`~pina.label_tensor.LabelTensor` labelled on its channels works when
    the lifting net accepts it.

    The first block takes as many channels as ``lifting_net`` outputs, read at
    construction without running it: from an int attribute
    ``output_dimension`` (as on :class:`~pina.model.FeedForward`), from
    ``out_features`` of a ``torch.nn.Linear``, or from the last such layer of a
    ``torch.nn.Sequential``. When ``lifting_net`` exposes none of these, the first
    block takes ``layers[0]`` (or ``inner_size``) channels and the first forward
    checks that the lifting net outputs that many. The last block outputs
    ``layers[-1]`` (or ``inner_size``) channels, which is what ``projecting_net``
    must take: checked at construction when it exposes its input width
    (``input_dimension``, ``in_features``, first layer of a
    ``torch.nn.Sequential``), else an error in ``projecting_net`` at run time
    carries a note with the width it was given (Python >= 3.11).

    Args:
        lifting_net: :math:`L`, from ``(..., d_in)`` to ``(..., d_emb)``.
        projecting_net: :math:`P`, from ``(..., layers[-1])`` to ``(..., d_out)``.
        n_modes: Fourier modes per block, as for :class:`FourierIntegralKernel`.
        dimensions: Number of spatial dimensions: 1, 2 or 3.
        padding: Points added at the end of each spatial dimension (int or one
            per dimension), removed after the blocks.
        padding_type: ``'constant'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        inner_size: Width of every Fourier block; ignored when ``layers`` is given.
        n_layers: Number of Fourier blocks; ignored when ``layers`` is given.
        func: Activation after every block but the last, or one per block.
        layers: Output width of each Fourier block.

    Attributes:
        lifting_operator (torch.nn.Module): ``lifting_net``.
        integral_kernels (FourierIntegralKernel): The Fourier blocks.
        projection_operator (torch.nn.Module): ``projecting_net``.

    Raises:
        TypeError: If a net is not a ``torch.nn.Module`` or an argument has the
            wrong type.
        ValueError: If ``projecting_net``'s exposed input width is not the last
            block width, ``dimensions`` is not 1, 2 or 3, or another argument is
            out of range (at construction); if ``x`` does not have
            ``dimensions + 2`` dimensions, ``lifting_net`` outputs a width other
            than the first block's input width, or ``n_modes`` does not fit the
            padded grid (in ``forward``).

    Example:
        >>> fno = FNO(torch.nn.Linear(3, 20), torch.nn.Linear(20, 1), n_modes=8, dimensions=2)
        >>> fno(torch.rand(4, 32, 32, 3)).shape
        torch.Size([4, 32, 32, 1])
    """

    def __init__(
        self,
        lifting_net: nn.Module,
        projecting_net: nn.Module,
        n_modes: KernelModesLike,
        dimensions: int = 3,
        padding: int | Sequence[int] = 8,
        padding_type: str = "constant",
        inner_size: int = 20,
        n_layers: int = 2,
        func: ActivationLike | Sequence[ActivationLike] = nn.Tanh,
        layers: Sequence[int] | None = None,
    ) -> None:
        _check_module(lifting_net, "lifting_net")
        _check_module(projecting_net, "projecting_net")
        widths, first_name, last_name = _block_widths(inner_size, n_layers, layers)
        projected = _input_width(projecting_net)
        if projected is not None and projected != widths[-1]:
            raise ValueError(
                f"projecting_net takes inputs of width {projected} but the last Fourier block "
                f"outputs {last_name}={widths[-1]} channels; make projecting_net take "
                f"{widths[-1]} inputs or set {last_name}={projected}."
            )
        lifted = _output_width(lifting_net)
        kernels = FourierIntegralKernel(
            input_numb_fields=widths[0] if lifted is None else lifted,
            output_numb_fields=widths[-1],
            n_modes=n_modes,
            dimensions=dimensions,
            padding=padding,
            padding_type=padding_type,
            inner_size=inner_size,
            n_layers=n_layers,
            func=func,
            layers=layers,
        )
        super().__init__(lifting_net, kernels, projecting_net)
        self._first_width_name = first_name

    def forward(self, x: Tensor) -> Tensor:
        """Apply the FNO.

        Args:
            x: Input of shape ``(batch, *grid, d_in)``, channels last, with
                ``len(grid) == dimensions`` (a ``LabelTensor`` is passed to
                ``lifting_net`` as given).

        Returns:
            A tensor of shape ``(batch, *grid, d_out)``.

        Raises:
            ValueError: If ``x`` does not have ``dimensions + 2`` dimensions, the
                lifting net's output width is not the first block's input width,
                or ``n_modes`` does not fit the padded grid.
        """
        kernels = cast(FourierIntegralKernel, self._integral_kernels)
        d = kernels.dimensions
        if x.ndim != d + 2:
            grid_names = ", ".join(("Nx", "Ny", "Nz")[:d])
            raise ValueError(
                f"FNO with dimensions={d} expects x of shape (batch, {grid_names}, channels), "
                f"channels last; got {tuple(x.shape)}."
            )
        lifted = self._lifting_operator(x)
        if lifted.ndim != x.ndim or lifted.shape[-1] != kernels.input_numb_fields:
            raise ValueError(self._lifting_error(tuple(x.shape), tuple(lifted.shape)))
        hidden = kernels(lifted)
        try:
            return self._projection_operator(hidden)
        except Exception as err:
            _add_note(
                err,
                f"while applying projecting_net to the output of the Fourier blocks, of shape "
                f"{tuple(hidden.shape)}: projecting_net must take inputs of width "
                f"{hidden.shape[-1]} in their last dimension.",
            )
            raise

    def _lifting_error(self, x_shape: tuple[int, ...], lifted_shape: tuple[int, ...]) -> str:
        expected = self._integral_kernels.input_numb_fields
        if len(lifted_shape) != len(x_shape):
            return (
                f"lifting_net must act on the last (channel) dimension and keep the others; "
                f"it mapped x of shape {x_shape} to {lifted_shape}."
            )
        if _output_width(self._lifting_operator) is None:
            reason = (
                f"FNO could not read lifting_net's output width at construction (no int "
                f"attribute output_dimension, not a torch.nn.Linear nor a torch.nn.Sequential "
                f"ending in one) and took {self._first_width_name}={expected}. Make lifting_net "
                f"output {expected} channels, or give it an attribute output_dimension so the "
                "first block is sized from it"
            )
        else:
            reason = f"make lifting_net output {expected} channels"
        return (
            f"lifting_net outputs {lifted_shape[-1]} channels but the first Fourier block takes "
            f"{expected}: {reason}."
        )
