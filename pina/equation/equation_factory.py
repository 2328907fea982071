"""Ready-made equations: fixed values, gradients, fluxes and the Laplace equation."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from torch import Tensor

from ..label_tensor import LabelsLike, LabelTensor
from ..operators import div, grad, laplacian
from .equation import Equation

__all__ = ["FixedValue", "FixedGradient", "FixedFlux", "Laplace"]


class FixedValue(Equation):
    r"""Dirichlet-type condition :math:`u_c = \text{value}`.

    Args:
        value: The prescribed value (a number or a tensor broadcastable to the
            selected components).
        components: Output labels it applies to (default all).
    """

    def __init__(self, value: float | Tensor, components: LabelsLike | None = None) -> None:
        _check_value(value)
        _check_labels(components, "components")

        def equation(input_: LabelTensor, output_: LabelTensor) -> Tensor:
            selected = output_ if components is None else output_.extract(components)
            return selected.tensor - value

        super().__init__(equation)
        self.value = value
        self.components = components


class FixedGradient(Equation):
    r"""Condition on the gradient :math:`\partial u_c / \partial x_v = \text{value}`.

    Args:
        value: The prescribed value.
        components: Output labels to differentiate (default all).
        d: Input labels to differentiate with respect to (default all).
    """

    def __init__(
        self,
        value: float | Tensor,
        components: LabelsLike | None = None,
        d: LabelsLike | None = None,
    ) -> None:
        _check_value(value)
        _check_labels(components, "components")
        _check_labels(d, "d")
        super().__init__(_operator_residual(grad, value, components, d))
        self.value = value
        self.components = components
        self.d = d


class FixedFlux(Equation):
    r"""Condition on the divergence :math:`\nabla \cdot \mathbf{u} = \text{value}`.

    Args:
        value: The prescribed value.
        components: Output labels forming the vector field (default all).
        d: Input labels paired with ``components`` (default all).
    """

    def __init__(
        self,
        value: float | Tensor,
        components: LabelsLike | None = None,
        d: LabelsLike | None = None,
    ) -> None:
        _check_value(value)
        _check_labels(components, "components")
        _check_labels(d, "d")
        super().__init__(_operator_residual(div, value, components, d))
        self.value = value
        self.components = components
        self.d = d


class Laplace(Equation):
    r"""The Laplace equation :math:`\Delta u_c = 0`.

    Args:
        components: Output labels (default all).
        d: Input labels the Laplacian sums over (default all).
    """

    def __init__(self, components: LabelsLike | None = None, d: LabelsLike | None = None) -> None:
        _check_labels(components, "components")
        _check_labels(d, "d")
        super().__init__(_operator_residual(laplacian, None, components, d))
        self.components = components
        self.d = d


def _check_value(value: Any) -> None:
    """Raise ``TypeError`` unless ``value`` is a real number or a tensor."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Tensor, np.ndarray)):
        raise TypeError(f"value must be a number or a torch.Tensor; got {value!r}.")


def _check_labels(labels: Any, name: str) -> None:
    """Raise unless ``labels`` is ``None``, a label or a non-empty list/tuple of labels."""
    if labels is None or isinstance(labels, str):
        return
    if not isinstance(labels, (list, tuple)) or not all(isinstance(v, str) for v in labels):
        raise TypeError(f"{name} must be None, a label or a list of labels (str); got {labels!r}.")
    if len(labels) == 0:
        raise ValueError(f"{name}={labels!r} is empty; give None (all labels) or some labels.")


def _operator_residual(
    operator: Callable[..., LabelTensor],
    value: float | Tensor | None,
    components: LabelsLike | None,
    d: LabelsLike | None,
) -> Callable[[LabelTensor, LabelTensor], Tensor]:
    """The residual ``operator(output_, input_, components, d) - value`` as a plain tensor.

    Args:
        operator: One of :mod:`pina.operators` (``grad``, ``div``, ``laplacian``).
        value: The prescribed value, or ``None`` for zero (nothing is subtracted).
        components: Output labels passed to ``operator``.
        d: Input labels passed to ``operator``.

    Returns:
        ``f(input_, output_)`` giving a tensor of the operator's output shape ``(n, r)``.
    """

    def equation(input_: LabelTensor, output_: LabelTensor) -> Tensor:
        result = operator(output_, input_, components=components, d=d).tensor
        return result if value is None else result - value

    return equation
