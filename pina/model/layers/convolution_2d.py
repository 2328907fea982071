r"""Continuous convolution on unstructured point clouds: :class:`ContinuousConvBlock`."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from ..._errors import ArgumentTypeError
from .._validation import _check_int
from ._stride import Stride

__all__ = ["ContinuousConvBlock"]

# Per channel, the (batch, window, point) indices of every point lying in a window.
_Windows = list[tuple[Tensor, Tensor, Tensor]]


class _DefaultKernel(nn.Module):
    """The default filter network: ``d -> 20 -> 20 -> 1`` with ReLU (as PINA 0.1)."""

    def __init__(self, input_dim: int, output_dim: int = 1) -> None:
        super().__init__()
        self._model = nn.Sequential(
            nn.Linear(input_dim, 20),
            nn.ReLU(),
            nn.Linear(20, 20),
            nn.ReLU(),
            nn.Linear(20, output_dim),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self._model(x)


class ContinuousConvBlock(nn.Module):
    r"""The continuous convolution of Coscia et al. for fields on unstructured points.

    **Layout.** A batch of :math:`B` samples of :math:`N_{in}` scalar fields, each
    given at :math:`N` points of :math:`\mathbb{R}^d`, is a tensor ``X`` of shape
    ``(B, N_in, N, d + 1)``: ``X[b, i, p, :d]`` are the coordinates of point
    :math:`p` of field :math:`i` (each field may have its own points) and
    ``X[b, i, p, -1]`` is the field value :math:`f_i(x_p)` there. For example a
    2-D problem has ``d + 1 = 3`` columns ``[x, y, value]``.

    **Windows.** The ``stride`` dict defines :math:`S` window positions
    :math:`s \in \mathbb{R}^d` (lower corners), see below; window :math:`s` is the
    half-open box :math:`W_s = [s, s + h)` with :math:`h` = ``filter_dim``. Each
    pair (output field :math:`o`, input field :math:`i`) has its own filter
    network :math:`k_{oi} : [0, h) \to \mathbb{R}`, evaluated at the coordinates
    of a point relative to the window, :math:`x - s`.

    **Forward.** The output has one value per window and output field,

    .. math::
        y_o(s) = \sum_{i=1}^{N_{in}} \sum_{p:\, x_{i,p} \in W_s}
            k_{oi}(x_{i,p} - s)\, f_i(x_{i,p}),

    a discrete (sum) approximation of :math:`\int_{W_s} k(x - s) f(x)\,dx`,
    returned in the same layout, shape ``(B, N_out, S, d + 1)``, with the
    window centres :math:`s + h/2` as coordinates. A window with no point gives 0.

    **Transpose.** :meth:`transpose` goes back from window values to points:
    given values :math:`c_i(s)` (``integrals``, shape ``(B, N_in, S)``, e.g. the
    last column of a forward output) and the points of ``X`` (shape
    ``(B, N_out, M, d + 1)``, whose value column is ignored),

    .. math::
        z_o(x_{o,m}) = \sum_{s:\, x_{o,m} \in W_s} \sum_{i=1}^{N_{in}}
            k_{oi}(x_{o,m} - s)\, c_i(s),

    returned as ``(B, N_out, M, d + 1)`` with the coordinates of ``X``: each point
    collects the filter-weighted values of every window it lies in (windows may
    overlap). This is the transposed convolution in the sense of PINA 0.1 (it
    uses the same filters in the same ``N_in -> N_out`` direction as the forward
    pass).

    **Stride.** ``stride = {'domain': [...], 'start': [...], 'jumps': [...],
    'direction': [...]}``, one number per dimension each. Along axis :math:`j`
    the window corners are :math:`\text{start}_j + \text{direction}_j\, k\,
    \text{jumps}_j` for the :math:`k \ge 0` with :math:`k\, \text{jumps}_j <
    \text{domain}_j`; ``jumps = direction = 0`` on an axis means a single window
    there. ``direction`` is 1 or -1 otherwise. The windows are the Cartesian
    product of the axes, the last axis varying fastest. For example
    ``{'domain': [1, 1], 'start': [0, 0], 'jumps': [0.5, 0.5], 'direction': [1, 1]}``
    gives the corners ``(0, 0), (0, 0.5), (0.5, 0), (0.5, 0.5)``.

    **Cost.** Points are assigned to windows with one vectorised comparison per
    axis (memory :math:`O(B\,N_{in}\,S\,N)` booleans); each of the
    :math:`N_{in} N_{out}` filter networks is then called once on all (point,
    window) pairs of its input field. There is no Python loop over points,
    windows or batch samples.

    References:
        Coscia, D., Meneghetti, L., Demo, N., Stabile, G. and Rozza, G. (2023).
        *A continuous convolutional trainable filter for modelling unstructured
        data*. Computational Mechanics 72, 253-265.
        DOI: 10.1007/s00466-023-02291-1.

    Args:
        input_numb_field: Number of input fields :math:`N_{in}`.
        output_numb_field: Number of output fields :math:`N_{out}`.
        filter_dim: Window size :math:`h`, one positive number per dimension
            (a list or tuple of length :math:`d`).
        stride: The window grid (see above).
        model: A class (or zero-argument factory) of ``torch.nn.Module`` filter
            networks mapping relative coordinates ``(n, d)`` to values ``(n, 1)``;
            it is called :math:`N_{in} N_{out}` times, once per filter. ``None``
            (default) uses an MLP ``d -> 20 -> 20 -> 1`` with ReLU.
        optimize: If ``True``, the assignment of points to windows is computed
            on the first call in training mode and reused by later training
            calls (one cache for :meth:`forward`, one for :meth:`transpose`),
            which is valid only when the points stay the same during training;
            it is recomputed when the input shape or device changes, and always
            in eval mode. Default ``False``.
        no_overlap: Declare that the windows do not overlap (checked here), as
            in PINA 0.1. The transpose is the same computation either way;
            default ``False``.

    Attributes:
        net (torch.nn.ModuleList): The :math:`N_{in} N_{out}` filter networks;
            ``net[o * N_in + i]`` is :math:`k_{oi}`.

    Raises:
        TypeError: If a field count is not an int, ``filter_dim`` is not a list
            of numbers, ``stride`` is not a dict of lists of numbers,
            ``optimize``/``no_overlap`` is not a bool, or ``model`` is not a
            class (or factory) of ``torch.nn.Module``.
        ValueError: If a field count is below 1, a window size is not positive,
            ``filter_dim`` and ``stride`` have different dimensions, the stride
            dict is invalid (see :class:`~pina.model.layers._stride.Stride`), or
            ``no_overlap=True`` while neighbouring windows overlap.

    Example:
        >>> stride = {'domain': [1, 1], 'start': [0, 0], 'jumps': [0.25, 0.25],
        ...           'direction': [1, 1]}
        >>> conv = ContinuousConvBlock(1, 2, [0.25, 0.25], stride)
        >>> X = torch.rand(8, 1, 200, 3)  # 8 samples, 1 field, 200 points [x, y, f]
        >>> conv(X).shape  # 16 windows
        torch.Size([8, 2, 16, 3])
        >>> conv.transpose(conv(X)[..., -1][:, :1], torch.rand(8, 2, 50, 3)).shape
        torch.Size([8, 2, 50, 3])
    """

    _positions: Tensor  # buffer (S, d), float64: window corners
    _dim: Tensor  # buffer (d,), float64: window size

    def __init__(
        self,
        input_numb_field: int,
        output_numb_field: int,
        filter_dim: Sequence[float],
        stride: Mapping[str, Sequence[float]],
        model: Callable[[], nn.Module] | None = None,
        optimize: bool = False,
        no_overlap: bool = False,
    ) -> None:
        super().__init__()
        self._input_numb_field = _check_int(input_numb_field, "input_numb_field")
        self._output_numb_field = _check_int(output_numb_field, "output_numb_field")
        size = _check_filter_dim(filter_dim)
        grid = Stride.from_dict(stride)
        if grid.dimension != len(size):
            raise ValueError(
                f"filter_dim={list(filter_dim)!r} has {len(size)} entries but the stride has "
                f"{grid.dimension} (one per spatial dimension); give both the same dimension."
            )
        self._optimize = _check_bool(optimize, "optimize")
        self._no_overlap = _check_bool(no_overlap, "no_overlap")
        if self._no_overlap:
            axes = grid.overlapping_axes(size)
            if axes:
                raise ValueError(
                    f"no_overlap=True but neighbouring windows overlap along axes {axes}: "
                    f"stride jumps {list(grid.jumps)} are smaller than filter_dim {size}. "
                    "Use jumps >= filter_dim, or no_overlap=False."
                )
        # Non-persistent: the state_dict holds only the filter networks, as in PINA 0.1.
        self.register_buffer("_positions", grid.positions(), persistent=False)
        self.register_buffer("_dim", torch.tensor(size, dtype=torch.float64), persistent=False)
        self._stride_dict = grid
        self._net = self._spawn_networks(model, len(size))
        self._window_cache: dict[str, tuple[tuple[int, ...], torch.device, _Windows]] = {}

    def _spawn_networks(self, model: object, dimension: int) -> nn.ModuleList:
        count = self._input_numb_field * self._output_numb_field
        if model is None:
            return nn.ModuleList(_DefaultKernel(dimension) for _ in range(count))
        if isinstance(model, nn.Module) or not callable(model):
            raise TypeError(
                "model must be a class (or zero-argument factory) of torch.nn.Module filter "
                f"networks, e.g. model=MyFilter, not an instance; got {model!r}. One network "
                "is built per (input field, output field) pair."
            )
        nets = [model() for _ in range(count)]
        for net in nets:
            if not isinstance(net, nn.Module):
                raise TypeError(
                    f"model() must return a torch.nn.Module; got {type(net).__name__} from "
                    f"{model!r}."
                )
        return nn.ModuleList(nets)

    # ------------------------------------------------------------ properties
    @property
    def net(self) -> nn.ModuleList:
        """The filter networks; ``net[o * input_numb_field + i]`` maps field i to field o."""
        return self._net

    @property
    def stride(self) -> Tensor:
        """Window corners :math:`s`, shape ``(S, d)`` (default dtype)."""
        return self._positions.to(torch.get_default_dtype())

    @property
    def filter_dim(self) -> Tensor:
        """Window size :math:`h`, shape ``(d,)`` (default dtype)."""
        return self._dim.to(torch.get_default_dtype())

    @property
    def input_numb_field(self) -> int:
        """Number of input fields :math:`N_{in}`."""
        return self._input_numb_field

    @property
    def output_numb_field(self) -> int:
        """Number of output fields :math:`N_{out}`."""
        return self._output_numb_field

    # ------------------------------------------------------------ forward
    def forward(self, X: Tensor) -> Tensor:  # noqa: N803 (PINA 0.1's argument name)
        """Convolve the fields of ``X`` over the windows (see the class doc).

        Args:
            X: Fields at points, shape ``(B, N_in, N, d + 1)``: coordinates in
                the first ``d`` columns, the value in the last.

        Returns:
            A plain tensor ``(B, N_out, S, d + 1)``: window centres and the
            convolution values :math:`y_o(s)` in the last column.

        Raises:
            TypeError: If ``X`` is not a tensor.
            ValueError: If ``X`` does not have shape ``(B, N_in, N, d + 1)``, or a
                filter network does not return one value per point.
        """
        x = self._check_points(X, "X", self._input_numb_field, "N_in")
        batch, _, _, columns = x.shape
        positions = self._positions.to(dtype=x.dtype, device=x.device)
        n_windows = positions.shape[0]
        coords, values = x[..., :-1], x[..., -1]
        result = x.new_zeros(self._output_numb_field, batch * n_windows)
        for i, (b, s, p) in enumerate(self._windows(x, "forward")):
            if b.numel() == 0:
                continue
            relative = coords[b, i, p] - positions[s]  # (P, d)
            kernels = torch.stack(
                [self._filter(o, i, relative) for o in range(self._output_numb_field)]
            )  # (N_out, P)
            result = result.index_add(1, b * n_windows + s, kernels * values[b, i, p])
        conv = result.reshape(self._output_numb_field, batch, n_windows).transpose(0, 1)
        centres = positions + 0.5 * self._dim.to(dtype=x.dtype, device=x.device)
        centres = centres.expand(batch, self._output_numb_field, n_windows, columns - 1)
        return torch.cat([centres, conv.unsqueeze(-1)], dim=-1)

    def transpose(self, integrals: Tensor, X: Tensor) -> Tensor:  # noqa: N803
        """Transposed convolution: from window values back to the points of ``X``.

        Calls :meth:`transpose_no_overlap` if the block was built with
        ``no_overlap=True``, else :meth:`transpose_overlap`; see the class doc
        for the formula.

        Args:
            integrals: Values per window, shape ``(B, N_in, S)``.
            X: The points to evaluate at, shape ``(B, N_out, M, d + 1)``; the
                last column is ignored.

        Returns:
            A plain tensor ``(B, N_out, M, d + 1)``: the coordinates of ``X``
            and the values :math:`z_o` in the last column.

        Raises:
            TypeError: If ``integrals`` or ``X`` is not a tensor.
            ValueError: If the shapes are not as above.
        """
        if self._no_overlap:
            return self.transpose_no_overlap(integrals, X)
        return self.transpose_overlap(integrals, X)

    def transpose_overlap(self, integrals: Tensor, X: Tensor) -> Tensor:  # noqa: N803
        """Transposed convolution for windows that may overlap; see :meth:`transpose`."""
        x = self._check_points(X, "X", self._output_numb_field, "N_out")
        batch, _, n_points, _ = x.shape
        n_windows = self._positions.shape[0]
        if not isinstance(integrals, Tensor):
            raise TypeError(
                f"integrals must be a torch.Tensor of shape (B, N_in, S) = ({batch}, "
                f"{self._input_numb_field}, {n_windows}); got {type(integrals).__name__}."
            )
        integrals = integrals.as_subclass(Tensor)
        expected = (batch, self._input_numb_field, n_windows)
        if tuple(integrals.shape) != expected:
            raise ValueError(
                f"integrals must have shape (B, N_in, S) = {expected} (B from X, "
                f"input_numb_field, number of windows); got {tuple(integrals.shape)}."
            )
        positions = self._positions.to(dtype=x.dtype, device=x.device)
        coords = x[..., :-1]
        rows = []
        for o, (b, s, m) in enumerate(self._windows(x, "transpose")):
            row = x.new_zeros(batch * n_points)
            if b.numel() > 0:
                relative = coords[b, o, m] - positions[s]  # (P, d)
                kernels = torch.stack(
                    [self._filter(o, i, relative) for i in range(self._input_numb_field)],
                    dim=1,
                )  # (P, N_in)
                weights = integrals[b, :, s]  # (P, N_in)
                row = row.index_add(0, b * n_points + m, (kernels * weights).sum(dim=1))
            rows.append(row)
        values = torch.stack(rows).reshape(self._output_numb_field, batch, n_points)
        return torch.cat([coords, values.transpose(0, 1).unsqueeze(-1)], dim=-1)

    def transpose_no_overlap(self, integrals: Tensor, X: Tensor) -> Tensor:  # noqa: N803
        """Transposed convolution for non-overlapping windows; see :meth:`transpose`.

        Each point lies in at most one window (checked when the block was
        built with ``no_overlap=True``); the vectorised computation is the
        same as :meth:`transpose_overlap`, which it calls.
        """
        return self.transpose_overlap(integrals, X)

    # ------------------------------------------------------------ helpers
    def _filter(self, out_field: int, in_field: int, relative: Tensor) -> Tensor:
        """Values ``(P,)`` of the filter ``k_{oi}`` at relative coordinates ``(P, d)``."""
        value = self._net[out_field * self._input_numb_field + in_field](relative)
        n = relative.shape[0]
        if not isinstance(value, Tensor) or tuple(value.shape) not in ((n, 1), (n,)):
            shape = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
            raise ValueError(
                f"the filter network must map relative coordinates (n, d) = "
                f"{tuple(relative.shape)} to one value per point, shape (n, 1); got {shape}."
            )
        return value.reshape(n)

    def _windows(self, x: Tensor, mode: str) -> _Windows:
        """Per channel of ``x``, the (batch, window, point) indices of points inside windows."""
        use_cache = self._optimize and self.training
        if use_cache:
            cached = self._window_cache.get(mode)
            if cached is not None and cached[0] == tuple(x.shape) and cached[1] == x.device:
                return cached[2]
        windows = _find_windows(
            x[..., :-1].detach(),
            self._positions.to(dtype=x.dtype, device=x.device),
            self._dim.to(dtype=x.dtype, device=x.device),
        )
        if use_cache:
            self._window_cache[mode] = (tuple(x.shape), x.device, windows)
        return windows

    def _check_points(self, points: Any, name: str, fields: int, fields_name: str) -> Tensor:
        """Check ``points`` has shape ``(B, fields, N, d + 1)``; return it as a plain tensor."""
        columns = self._dim.shape[0] + 1
        expected = f"(B, {fields_name}, N, d + 1) = (B, {fields}, N, {columns})"
        if not isinstance(points, Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor of shape {expected}; got {type(points).__name__}."
            )
        if points.ndim != 4 or points.shape[1] != fields or points.shape[-1] != columns:
            raise ValueError(
                f"{name} must have shape {expected} (fields, points, coordinates + value); "
                f"got {tuple(points.shape)}."
            )
        return points.as_subclass(Tensor)

    def extra_repr(self) -> str:
        grid = self._stride_dict
        return (
            f"input_numb_field={self._input_numb_field}, "
            f"output_numb_field={self._output_numb_field}, "
            f"filter_dim={self._dim.tolist()}, stride={{'domain': {list(grid.domain)}, "
            f"'start': {list(grid.start)}, 'jumps': {list(grid.jumps)}, "
            f"'direction': {list(grid.direction)}}}, optimize={self._optimize}, "
            f"no_overlap={self._no_overlap}"
        )


def _find_windows(coords: Tensor, positions: Tensor, size: Tensor) -> _Windows:
    """Assign points to windows.

    Args:
        coords: Point coordinates ``(B, C, N, d)``.
        positions: Window corners ``(S, d)``.
        size: Window size ``(d,)``.

    Returns:
        For each channel ``c``, three index tensors ``(b, s, n)`` of equal length
        listing every (point, window) pair with ``positions[s] <= coords[b, c, n]
        < positions[s] + size`` on every axis.
    """
    channel_major = coords.transpose(0, 1)  # (C, B, N, d)
    upper = positions + size
    inside = torch.ones(
        channel_major.shape[:2] + (positions.shape[0], channel_major.shape[2]),
        dtype=torch.bool,
        device=coords.device,
    )  # (C, B, S, N)
    for j in range(coords.shape[-1]):
        axis = channel_major[..., j].unsqueeze(2)  # (C, B, 1, N)
        inside &= axis >= positions[:, j, None]
        inside &= axis < upper[:, j, None]
    counts = inside.sum(dim=(1, 2, 3)).tolist()
    pairs = inside.nonzero()  # (P, 4), sorted by channel first
    return [(chunk[:, 1], chunk[:, 2], chunk[:, 3]) for chunk in pairs.split(counts)]


def _check_filter_dim(filter_dim: object) -> list[float]:
    if isinstance(filter_dim, (str, bytes)) or not isinstance(filter_dim, Sequence):
        raise ArgumentTypeError(
            "filter_dim must be a list or tuple of window sizes, one per spatial dimension; "
            f"got {filter_dim!r} of type {type(filter_dim).__name__}."
        )
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in filter_dim):
        raise TypeError(
            f"filter_dim={filter_dim!r} must hold one real number per spatial dimension."
        )
    if len(filter_dim) == 0:
        raise ValueError("filter_dim=[] is empty; give one window size per spatial dimension.")
    size = [float(v) for v in filter_dim]
    if not all(0 < v < float("inf") for v in size):
        raise ValueError(f"filter_dim={list(filter_dim)!r} must hold positive finite sizes.")
    return size


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ArgumentTypeError(
            f"{name} must be a bool; got {value!r} of type {type(value).__name__}."
        )
    return value
