"""Equation defined by a user function."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from torch import Tensor

from ..label_tensor import LabelTensor
from .equation_interface import EquationInterface

__all__ = ["Equation"]


def _takes_three_arguments(function: Callable[..., Any]) -> bool:
    """Whether ``function`` accepts a third positional argument (``params_``)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # builtins without a signature: two arguments
        return False
    positional = 0
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return True
        if parameter.kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            positional += 1
    return positional >= 3


class Equation(EquationInterface):
    """An equation given by a function of the points and the model output.

    Args:
        equation: ``f(input_, output_)`` returning the residual, or
            ``f(input_, output_, params_)`` for inverse problems (the number of
            arguments is read from the signature once, here).

    Raises:
        ValueError: If ``equation`` is not callable.

    Example:
        >>> def ode(input_, output_):
        ...     return grad(output_, input_, d='x') - output_.extract('u')
        >>> eq = Equation(ode)
    """

    def __init__(self, equation: Callable[..., Tensor]) -> None:
        if not callable(equation):
            raise ValueError(
                f"equation must be a callable f(input_, output_) or "
                f"f(input_, output_, params_); got {equation!r}."
            )
        self.__equation = equation
        self.takes_params = _takes_three_arguments(equation)

    @property
    def function(self) -> Callable[..., Tensor]:
        """The user function."""
        return self.__equation

    def residual(
        self,
        input_: LabelTensor,
        output_: LabelTensor,
        params_: Mapping[str, Any] | None = None,
    ) -> Tensor:
        """Evaluate the user function; see :meth:`EquationInterface.residual`."""
        if self.takes_params:
            return self.__equation(input_, output_, params_)
        return self.__equation(input_, output_)
