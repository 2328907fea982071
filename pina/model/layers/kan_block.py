r"""The layer of a Kolmogorov-Arnold network: :class:`KANBlock`."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..._errors import ArgumentTypeError
from .._validation import _check_int
from ..feed_forward import ActivationLike, _build_activation, _check_activation

__all__ = ["KANBlock"]


def _check_grid_range(grid_range: object) -> tuple[float, float]:
    """Return ``grid_range`` as ``(low, high)``, checked: two finite numbers, low < high."""
    if isinstance(grid_range, (str, bytes)) or not isinstance(grid_range, Sequence):
        raise ArgumentTypeError(
            f"grid_range must be a tuple (low, high) of two numbers; got {grid_range!r}."
        )
    if len(grid_range) != 2:
        raise ValueError(
            f"grid_range must have exactly two entries (low, high); got {grid_range!r} "
            f"with {len(grid_range)}."
        )
    for bound in grid_range:
        if isinstance(bound, bool) or not isinstance(bound, numbers.Real):
            raise ArgumentTypeError(
                f"grid_range must be a tuple (low, high) of two numbers; got {grid_range!r}, "
                f"whose entry {bound!r} is of type {type(bound).__name__}."
            )
    low, high = float(grid_range[0]), float(grid_range[1])
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise ValueError(
            f"grid_range={tuple(grid_range)!r} must be two finite numbers with low < high, "
            "e.g. (-1, 1)."
        )
    return low, high


class KANBlock(nn.Module):
    r"""One layer of a Kolmogorov-Arnold network: a learnable function on each edge.

    For an input :math:`x \in \mathbb{R}^{d_{in}}` the output
    :math:`y \in \mathbb{R}^{d_{out}}` is

    .. math::
        y_j = \sum_{i=1}^{d_{in}} \Big( w_{ji}\, b(x_i)
        + \sum_{k=0}^{n_b - 1} c_{jik}\, B_k(x_i) \Big),

    with :math:`b` the base function, :math:`w` the base weights (shape
    ``(d_out, d_in)``, Xavier-uniform initialised), :math:`c` the spline
    coefficients (shape ``(d_out, d_in, n_b)``, drawn from
    :math:`\mathcal{N}(0, (0.1/\sqrt{n_b})^2)`) and :math:`B_k` the B-splines of
    degree :math:`p` = ``spline_order`` on the uniform knots

    .. math::
        t_m = a + (m - p)\, h, \quad h = \frac{b - a}{n}, \quad m = 0, \dots, n + 2p,

    where ``grid_range`` is :math:`(a, b)` and ``n_knots`` is the number
    :math:`n` of grid intervals: the grid over :math:`[a, b]` extended by
    :math:`p` knots on each side, giving :math:`n_b = n + p` basis functions.
    They are computed for all points at once by the Cox-de Boor recursion

    .. math::
        B_m^{0}(x) = \mathbb{1}[t_m \le x < t_{m+1}], \qquad
        B_m^{d}(x) = \frac{x - t_m}{t_{m+d} - t_m} B_m^{d-1}(x)
        + \frac{t_{m+d+1} - x}{t_{m+d+1} - t_{m+1}} B_{m+1}^{d-1}(x),

    so the layer is a piecewise polynomial in :math:`x` that autograd
    differentiates to any order (exact between knots; the spline part has
    :math:`p - 1` continuous derivatives). On :math:`[a, b]` the basis sums to
    one; outside it the spline part fades to zero beyond the extension knots
    and only the base term remains.

    Args:
        input_dimensions: Number of input columns :math:`d_{in}`.
        output_dimensions: Number of output columns :math:`d_{out}`.
        spline_order: Degree :math:`p \ge 1` of the B-splines (3: cubic).
        n_knots: Number :math:`n \ge 1` of grid intervals over ``grid_range``.
        grid_range: The interval :math:`(a, b)`, ``a < b``, that the grid covers.
        base_function: The base function :math:`b`: a ``torch.nn.Module``
            subclass (default ``torch.nn.SiLU``), an instance (copied), a
            zero-argument callable returning a module, or ``None`` (no base
            term and no base weights).

    Attributes:
        base_weight (torch.nn.Parameter | None): :math:`w`, shape ``(d_out, d_in)``.
        spline_weight (torch.nn.Parameter): :math:`c`, shape ``(d_out, d_in, n_b)``.

    Raises:
        TypeError: If a dimension, ``spline_order`` or ``n_knots`` is not an
            int, ``grid_range`` is not a pair of numbers, or ``base_function``
            is none of the accepted kinds.
        ValueError: If a dimension or ``n_knots`` is below 1, ``spline_order``
            is below 1, or ``grid_range`` does not have two finite entries with
            ``low < high``.

    Example:
        >>> block = KANBlock(2, 3, spline_order=3, n_knots=8)
        >>> block(torch.rand(5, 2)).shape
        torch.Size([5, 3])
    """

    def __init__(
        self,
        input_dimensions: int,
        output_dimensions: int,
        spline_order: int = 3,
        n_knots: int = 10,
        grid_range: tuple[float, float] = (-1, 1),
        base_function: ActivationLike = torch.nn.SiLU,
    ) -> None:
        super().__init__()
        self.input_dimensions = _check_int(input_dimensions, "input_dimensions", 1)
        self.output_dimensions = _check_int(output_dimensions, "output_dimensions", 1)
        self.spline_order = _check_int(spline_order, "spline_order", 1)
        self.n_knots = _check_int(n_knots, "n_knots", 1)
        low, high = _check_grid_range(grid_range)
        self.grid_range = (low, high)
        _check_activation(base_function, "base_function")
        self.base_function = _build_activation("base_function", base_function, copy_instance=True)

        self.spline_weight = nn.Parameter(
            torch.randn(self.output_dimensions, self.input_dimensions, self.n_basis)
            * (0.1 / math.sqrt(self.n_basis))
        )
        self.base_weight: nn.Parameter | None
        if self.base_function is None:
            self.register_parameter("base_weight", None)
        else:
            self.base_weight = nn.Parameter(
                torch.empty(self.output_dimensions, self.input_dimensions)
            )
            nn.init.xavier_uniform_(self.base_weight)

    @property
    def n_basis(self) -> int:
        """Number of B-spline basis functions per input, ``n_knots + spline_order``."""
        return self.n_knots + self.spline_order

    def knots(self, dtype: torch.dtype | None = None, device: torch.device | None = None) -> Tensor:
        """Return the knots :math:`t_m`, shape ``(n_knots + 2 * spline_order + 1,)``.

        They are computed from the arguments in the requested dtype (default: torch's
        default dtype), so float64 inputs get float64 knots, not rounded float32 ones.
        """
        low, high = self.grid_range
        p, n = self.spline_order, self.n_knots
        steps = torch.arange(-p, n + p + 1, dtype=dtype, device=device)
        return low + steps * ((high - low) / n)

    def basis(self, x: Tensor) -> Tensor:
        """Evaluate the B-spline basis on every entry of ``x``.

        Args:
            x: Tensor of any shape ``(*,)`` (a ``LabelTensor`` is accepted).

        Returns:
            A plain tensor of shape ``(*, n_basis)``: entry ``[..., k]`` is
            :math:`B_k(x[...])`.
        """
        x = x.as_subclass(Tensor).unsqueeze(-1)
        t = self.knots(dtype=x.dtype, device=x.device)
        bases = ((x >= t[:-1]) & (x < t[1:])).to(x.dtype)
        for d in range(1, self.spline_order + 1):
            left = (x - t[: -(d + 1)]) / (t[d:-1] - t[: -(d + 1)])
            right = (t[d + 1 :] - x) / (t[d + 1 :] - t[1:-d])
            bases = left * bases[..., :-1] + right * bases[..., 1:]
        return bases

    def forward(self, x: Tensor) -> Tensor:
        """Apply the layer.

        Args:
            x: Input of shape ``(*, input_dimensions)`` (a ``LabelTensor`` is accepted).

        Returns:
            A plain tensor of shape ``(*, output_dimensions)``.
        """
        x = x.as_subclass(Tensor)
        out = torch.einsum("...ik,jik->...j", self.basis(x), self.spline_weight)
        if self.base_function is not None and self.base_weight is not None:
            out = out + self.base_function(x) @ self.base_weight.T
        return out
