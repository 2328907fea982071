r"""Input embeddings that build properties into a network: :class:`PeriodicBoundaryEmbedding`."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import torch
from torch import Tensor, nn

from ...label_tensor import LabelTensor
from .._validation import _check_int

__all__ = ["PeriodicBoundaryEmbedding"]

PeriodsLike = float | int | Mapping[int, float] | Mapping[str, float]


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
    time in a space-periodic evolution problem).

    References:
        Dong, S. and Ni, N. (2021). *A method for representing periodic
        functions and enforcing exactly periodic boundary conditions with deep
        neural networks*. Journal of Computational Physics 435, 110242.
        DOI: 10.1016/j.jcp.2021.110242.

    Args:
        input_dimension: Number of input columns :math:`d` (the size of the
            last dimension of the input).
        periods: The periods. A positive number: every one of the ``d``
            columns is periodic with that period. A dict: only the columns it
            names are periodic, each with its own period; keys are either all
            column indices (``int`` in ``[0, d)``, for plain tensors or
            ``LabelTensor``) or all labels (``str``, the input must then be a
            ``LabelTensor`` with those labels). The dict order is the order
            of the output features.
        output_dimension: If given, a ``torch.nn.Linear(3 * k,
            output_dimension)`` maps the embedding to that width; if ``None``
            (default) the embedding is returned as it is.

    Attributes:
        period (dict): Column index or label -> period, in output order.

    Raises:
        TypeError: If ``input_dimension`` or ``output_dimension`` is not an
            int, ``periods`` is neither a number nor a dict, or the dict mixes
            key types or has non-numeric periods.
        ValueError: If a dimension is below 1, a period is not a positive
            finite number, the dict is empty, or an index key is out of
            ``[0, input_dimension)``.

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
        # The keys are all labels or all indices (checked above).
        self._labels = [key for key in self._period if isinstance(key, str)]
        self._indices = [key for key in self._period if isinstance(key, int)]

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
            x: Input of shape ``(*, input_dimension)``: a plain tensor or a
                ``LabelTensor`` (required when the periods are given by label).

        Returns:
            A plain tensor of shape ``(*, 3 * k)``, or ``(*, output_dimension)``
            when ``output_dimension`` was given.

        Raises:
            TypeError: If the periods are given by label and ``x`` is not a
                ``LabelTensor``.
            ValueError: If ``x`` does not have ``input_dimension`` columns.
        """
        if x.shape[-1] != self._input_dimension:
            raise ValueError(
                f"PeriodicBoundaryEmbedding expects inputs with input_dimension="
                f"{self._input_dimension} columns (last dimension); got shape {tuple(x.shape)}."
            )
        if self._labels:
            if not isinstance(x, LabelTensor):
                raise TypeError(
                    f"The periods are given by label ({self._labels!r}), so the input must be a "
                    f"LabelTensor with those labels; got {type(x).__name__}. Give the periods "
                    "by column index instead, e.g. {0: 2.0}, to embed plain tensors."
                )
            columns = x.extract(self._labels).tensor
        else:
            plain = x.tensor if isinstance(x, LabelTensor) else x
            columns = plain[..., self._indices]
        omega = self._omega.to(dtype=columns.dtype, device=columns.device)
        angle = columns * omega
        embedded = torch.cat([torch.ones_like(angle), torch.cos(angle), torch.sin(angle)], dim=-1)
        return self._layer(embedded)

    def extra_repr(self) -> str:
        return f"input_dimension={self._input_dimension}, periods={self._period}"


def _check_period(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a positive number (a period); got {value!r} of type "
            f"{type(value).__name__}."
        )
    period = float(value)
    if not (math.isfinite(period) and period > 0):
        raise ValueError(f"{name}={value!r} must be a positive finite number (a period).")
    return period


def _check_periods(periods: object, input_dimension: int) -> dict[int | str, float]:
    """Validate ``periods`` and return it as an ordered dict column -> period."""
    if not isinstance(periods, Mapping):
        if isinstance(periods, bool) or not isinstance(periods, numbers.Real):
            raise TypeError(
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
    keys = list(periods)
    all_int = all(isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in keys)
    all_str = all(isinstance(k, str) for k in keys)
    if not (all_int or all_str):
        raise TypeError(
            f"The keys of periods must be all column indices (int) or all labels (str); "
            f"got {keys!r}."
        )
    checked: dict[int | str, float] = {}
    for key, value in periods.items():
        if all_int and not 0 <= key < input_dimension:
            raise ValueError(
                f"periods has the column index {key!r}, outside [0, {input_dimension}) "
                f"(input_dimension={input_dimension})."
            )
        checked[int(key) if all_int else key] = _check_period(value, f"periods[{key!r}]")
    return checked
