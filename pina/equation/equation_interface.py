"""The interface every equation implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from torch import Tensor

from ..label_tensor import LabelTensor

__all__ = ["EquationInterface"]


class EquationInterface(ABC):
    r"""An equation :math:`\mathcal{A}[u](x) = 0` evaluated as a residual.

    Subclasses implement :meth:`residual`; the solver minimises a loss of the
    residual at the condition's points.
    """

    #: Whether :meth:`residual` uses the unknown parameters of an inverse problem.
    takes_params: bool = False

    @abstractmethod
    def residual(
        self,
        input_: LabelTensor,
        output_: LabelTensor,
        params_: Mapping[str, Any] | None = None,
    ) -> Tensor:
        """Residual of the equation at the points.

        Args:
            input_: Points, shape ``(n, k)``, labelled with the input variables.
            output_: Model output at those points, shape ``(n, m)``, labelled
                with the output variables.
            params_: Unknown parameters of an inverse problem (name -> tensor),
                or ``None``.

        Returns:
            The residual, shape ``(n, r)`` (or ``(n,)``); zero where the
            equation holds.
        """
