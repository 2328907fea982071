"""Several equations that hold together on the same points."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

from .._errors import UnsupportedValueError
from ..label_tensor import LabelTensor
from .equation import Equation
from .equation_interface import EquationInterface

__all__ = ["SystemEquation"]

_REDUCTIONS = ("mean", "none", "sum")


class SystemEquation(EquationInterface):
    r"""A system of equations evaluated on the same points.

    The residuals of the equations are placed side by side (columns) and then
    reduced over the last dimension.

    Args:
        list_equation: A list of functions ``f(input_, output_)`` (or with
            ``params_``) or :class:`Equation` objects.
        reduction: ``'mean'`` or ``'sum'`` of the residual columns (shape
            ``(n,)``), or ``'none'`` to keep all columns ``(n, r)``.

    Raises:
        ValueError: If ``list_equation`` is not a list.
        NotImplementedError: For another ``reduction``.
    """

    def __init__(
        self,
        list_equation: list[Callable[..., Tensor] | Equation],
        reduction: str = "mean",
    ) -> None:
        if not isinstance(list_equation, list):
            raise ValueError(
                f"list_equation must be a list of functions or Equation objects; "
                f"got {type(list_equation).__name__}."
            )
        if reduction not in _REDUCTIONS:
            raise UnsupportedValueError(
                f"reduction={reduction!r} is not implemented; choose one of {list(_REDUCTIONS)}."
            )
        self.equations = [
            eq if isinstance(eq, EquationInterface) else Equation(eq) for eq in list_equation
        ]
        self.reduction = reduction
        self.takes_params = any(eq.takes_params for eq in self.equations)

    def residual(
        self,
        input_: LabelTensor,
        output_: LabelTensor,
        params_: Mapping[str, Any] | None = None,
    ) -> Tensor:
        """Residuals side by side, then reduced; see :class:`SystemEquation`."""
        columns = []
        for equation in self.equations:
            res = equation.residual(input_, output_, params_)
            if isinstance(res, LabelTensor):
                res = res.tensor
            columns.append(res.unsqueeze(-1) if res.ndim == 1 else res)
        stacked = torch.cat(columns, dim=-1)
        if self.reduction == "mean":
            return stacked.mean(dim=-1)
        if self.reduction == "sum":
            return stacked.sum(dim=-1)
        return stacked
