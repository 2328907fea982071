r"""Input embeddings that build properties into a network: :class:`PeriodicBoundaryEmbedding`."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import torch
from torch import Tensor, nn

from ..._errors import ArgumentTypeError
from ...label_tensor import LabelTensor
from .._validation import _check_int

__all__ = ["PeriodicBoundaryEmbedding"]

PeriodsLike = float | int | Mapping[int, float] | Mapping[str, float] | Mapping[int | str, float]


class PeriodicBoundaryEmbedding(nn.Module):
    r"""Embed periodic inputs so that a network built on them is exactly periodic.

    Each periodic input :math:`x_j` with period :math:`P_j` is replaced by the
    features :math:`\big(1, \cos(\omega_j x_j), \sin(\omega_j x_j)\big)`,
    :math:`\omega_j = 2\pi / P_j`. For :math:`k` periodic inputs the output is

    .. math::
        \tilde{x} = \big[\,1, \dots, 1,\;
        \cos(\omega_1 x_1), \dots, \cos(\omega_k x_k),\;
        \sin(\omega_1 x_1), \dots, \sin(\omega_k x_k)\,\big] \in \mathbb{R}^{3k},

    (the layout of PINA 0.1), optionally followed by a ``torch.nn.Linear``
    layer to ``output_dimension`` columns. Any function of :math:`\tilde{x}`,
    such as ``FeedForward(3 * k, ...)`` stacked after this layer, satisfies
    :math:`u(x + P_j e_j) = u(x)` exactly, and so periodic boundary
    conditions hold without any loss term (the derivatives are periodic too,
    as compositions of periodic smooth maps).

    Only the periodic inputs are embedded; the other input columns are not
    part of the output (append them yourself if the network needs them, e.g.
    time in a space-periodic evolution problem). A negative period
    :math:`P_j` gives the same features as :math:`|P_j|` with the sines
    negated, so the network is periodic with period :math:`|P_j|`.

    References:
        Dong, S. and Ni, N. (2021). *A method for representing periodic
        functions and enforcing exactly periodic boundary conditions with deep
        neural networks*. Journal of Computational Physics 435, 110242.
        DOI: 10.1016/j.jcp.2021.110242.

    Args:
        input_dimension: Number of input columns :math:`d` that a number
            ``periods`` makes periodic: the columns ``0, ..., d - 1`` (usually
            every column of the input; the input may have more, which are not
            embedded). It is not used when ``periods`` is a dict.
        periods: The periods. A nonzero finite number: each of the first
            ``d`` columns is periodic with that period. A dict: only the
            columns it names are periodic, each with its own period; a key is
            a column position (``int``, negative counts from the end as in
            Python indexing; for plain tensors or ``LabelTensor``) or a label
            (``str``, the input must then be a ``LabelTensor`` with that
            label). Keys are not limited by ``input_dimension``; the columns
            they name must exist in the input. The dict order is the order of
            the output features.
        output_dimension: If given, a ``torch.nn.Linear(3 * k,
            output_dimension)`` maps the embedding to that width; if ``None``
            (default) the embedding is returned as it is.

    Attributes:
        period (dict): Column index or label -> period, in output order.

    Raises:
        TypeError: If ``input_dimension`` or ``output_dimension`` is not an
            int, ``periods`` is neither a number nor a dict, or the dict has
            keys that are neither int nor str, or non-numeric periods.
        ValueError: If a dimension is below 1, a period is zero, NaN or
            infinite, or the dict is empty.

    Example:
        >>> model = torch.nn.Sequential(
        ...     PeriodicBoundaryEmbedding(input_dimension=1, periods=2.0),
        ...     FeedForward(input_dimensions=3, output_dimensions=1),
        ... )
        >>> x = torch.rand(5, 1)
        >>> torch.allclose(model(x), model(x + 2.0), atol=1e-5)
        True
    """

    _omega: Tensor  # buffer, (k,): the angular frequencies 2 pi / P_j

    def __init__(
        self,
        input_dimension: int,
        periods: PeriodsLike,
        output_dimension: int | None = None,
    ) -> None:
        super().__init__()
        self._input_dimension = _check_int(input_dimension, "input_dimension")
        self._period: dict[int | str, float] = _check_periods(periods, self._input_dimension)
        width = 3 * len(self._period)
        self._layer: nn.Module
        if output_dimension is None:
            self._layer = nn.Identity()
        else:
            self._layer = nn.Linear(width, _check_int(output_dimension, "output_dimension"))
        self._output_dimension = width if output_dimension is None else output_dimension
        # Angular frequencies, computed in float64 and cast to the input's dtype in forward.
        # Not persistent: the state_dict holds only the optional linear layer, as in PINA 0.1.
        omega = torch.tensor(
            [2.0 * math.pi / p for p in self._period.values()], dtype=torch.float64
        )
        self.register_buffer("_omega", omega, persistent=False)
        self._keys: list[int | str] = list(self._period)
        self._by_label = any(isinstance(key, str) for key in self._keys)

    @property
    def period(self) -> dict[int | str, float]:
        """Column index or label -> period, in the order of the output features."""
        return dict(self._period)

    @property
    def input_dimension(self) -> int:
        """Number of input columns."""
        return self._input_dimension

    @property
    def output_dimension(self) -> int:
        """Number of output columns: ``output_dimension`` if given, else ``3 * k``."""
        return self._output_dimension

    def forward(self, x: Tensor) -> Tensor:
        """Embed the periodic columns of ``x``.

        Args:
            x: Input of shape ``(*, D)``, with the periodic columns among its
                ``D`` columns: a plain tensor or a ``LabelTensor`` (required
                when some periods are given by label).

        Returns:
            A plain tensor of shape ``(*, 3 * k)``, or ``(*, output_dimension)``
            when ``output_dimension`` was given.

        Raises:
            TypeError: If some periods are given by label and ``x`` is not a
                ``LabelTensor``.
            ValueError: If a periodic column is not in ``x`` (a position out of
                range, or a label ``x`` does not have).
        """
        plain = x.tensor if isinstance(x, LabelTensor) else x
        columns = plain[..., self._positions(x)]
        omega = self._omega.to(dtype=columns.dtype, device=columns.device)
        angle = columns * omega
        embedded = torch.cat([torch.ones_like(angle), torch.cos(angle), torch.sin(angle)], dim=-1)
        return self._layer(embedded)

    def _positions(self, x: Tensor) -> list[int]:
        """The column positions of the periodic inputs in ``x``, in output order."""
        width = x.shape[-1] if x.ndim > 0 else 0
        labels: list[str] = []
        if self._by_label:
            if not isinstance(x, LabelTensor):
                names = [key for key in self._keys if isinstance(key, str)]
                raise TypeError(
                    f"Some periods are given by label ({names!r}), so the input must be a "
                    f"LabelTensor with those labels; got {type(x).__name__}. Give the periods "
                    "by column index instead, e.g. {0: 2.0}, to embed plain tensors."
                )
            labels = list(x.labels)
        positions = []
        for key in self._keys:
            if isinstance(key, str):
                if key not in labels:
                    raise ValueError(
                        f"periods has the label {key!r}, but the input has labels {labels!r}."
                    )
                positions.append(labels.index(key))
            elif -width <= key < width:
                positions.append(key % width)
            else:
                raise ValueError(
                    f"periods has the column index {key!r}, but the input of shape "
                    f"{tuple(x.shape)} has {width} columns (last dimension)."
                )
        return positions

    def extra_repr(self) -> str:
        return f"input_dimension={self._input_dimension}, periods={self._period}"


def _check_period(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a positive number (a period); got {value!r} of type "
            f"{type(value).__name__}."
        )
    period = float(value)
    if not (math.isfinite(period) and period != 0):
        raise ValueError(
            f"{name}={value!r} is not a period; it must be a nonzero finite number "
            "(usually positive)."
        )
    return period


def _check_periods(periods: object, input_dimension: int) -> dict[int | str, float]:
    """Validate ``periods`` and return it as an ordered dict column -> period."""
    if not isinstance(periods, Mapping):
        if isinstance(periods, bool) or not isinstance(periods, numbers.Real):
            raise ArgumentTypeError(
                "periods must be a number (the period of every input column) or a dict "
                "{column index or label: period}; got "
                f"{periods!r} of type {type(periods).__name__}."
            )
        period = _check_period(periods, "periods")
        return {j: period for j in range(input_dimension)}
    if len(periods) == 0:
        raise ValueError(
            "periods={} names no periodic column; give at least one, e.g. {0: 2.0} or {'x': 2.0}."
        )
    checked: dict[int | str, float] = {}
    for key, value in periods.items():
        if isinstance(key, str):
            column: int | str = key
        elif isinstance(key, numbers.Integral) and not isinstance(key, bool):
            column = int(key)
        else:
            raise TypeError(
                "The keys of periods must be column indices (int) or labels (str); got "
                f"{key!r} of type {type(key).__name__}."
            )
        checked[column] = _check_period(value, f"periods[{key!r}]")
    return checked
