r"""Gradient-enhanced physics-informed neural network (gPINN)."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import ConstantLR, LRScheduler

from ..._autodiff import gradient
from ..._errors import ArgumentTypeError
from ...condition import Condition
from ...equation.equation_interface import EquationInterface
from ...geometry import Location, OperationInterface
from ...label_tensor import LabelTensor
from ...problem import AbstractProblem, SpatialProblem
from .._condition_term import ConditionTerm
from ._pointwise import plain_value
from .pinn import PINN

__all__ = ["GPINN"]


class GPINN(PINN):
    r"""Gradient-enhanced PINN (Yu, Lu, Meng and Karniadakis, 2022).

    A residual that vanishes on the domain has vanishing derivatives too, so
    gPINN adds, for each physics condition :math:`c` with residual
    :math:`r = \mathcal{A}_c[u]` (shape ``(n, q)``), the loss of the residual's
    derivatives along the spatial variables :math:`x_j` the condition's points
    span:

    .. math::
        \mathcal{L}_c = \ell\big(0, r(x_i)\big)
        + w_g \sum_{j \in S_c} \ell\Big(0, \frac{\partial r}{\partial x_j}(x_i)\Big),

    where :math:`w_g` is ``gradient_weight`` and :math:`\ell` is the solver's
    loss (mean squared error by default, so :math:`\ell(0, v) = \frac{1}{nq}
    \sum_{i,k} v_{ik}^2`). :math:`S_c` is the
    set of spatial variables the condition's location varies along: on a
    boundary such as ``CartesianDomain({'x': 0, 'y': [0, 1]})`` only ``y``
    (the residual of a boundary condition holds along the boundary, not
    across it), none on a surface-sampled ellipsoid or simplex, and every
    spatial variable on an interior domain. Conditions given by
    ``input_points`` (whose points may lie on a boundary) and data conditions
    keep PINN's loss.

    The logged ``<condition>_loss`` is PINN's :math:`\ell(0, r)`, so runs
    compare with PINN's; the optimizer minimises :math:`\sum_c w_c
    \mathcal{L}_c` (the returned step loss has the value of the logged
    losses and the gradient of that objective).

    Unlike PINA 0.1.1, which differentiates the scalar mean loss with respect to
    each point (a term :math:`\frac{2}{n} r_i \nabla r_i` that vanishes with the
    residual), this is the paper's loss on :math:`\nabla r` itself.

    Args:
        problem: A :class:`~pina.problem.SpatialProblem`.
        model: See :class:`~pina.solvers.pinns.pinn.PINN`.
        extra_features: See :class:`~pina.solvers.pinns.pinn.PINN`.
        loss: See :class:`~pina.solvers.pinns.pinn.PINN`.
        optimizer: See :class:`~pina.solvers.pinns.pinn.PINN`.
        optimizer_kwargs: See :class:`~pina.solvers.pinns.pinn.PINN`.
        scheduler: See :class:`~pina.solvers.pinns.pinn.PINN`.
        scheduler_kwargs: See :class:`~pina.solvers.pinns.pinn.PINN`.
        gradient_weight: The weight :math:`w_g \ge 0` of the gradient terms
            (default 1; the paper uses values from 0.01 to 1).

    Raises:
        TypeError: If ``problem`` is not a ``SpatialProblem`` or
            ``gradient_weight`` not a real number, or as for PINN.
        ValueError: If ``gradient_weight`` is negative or not finite.
    """

    def __init__(
        self,
        problem: AbstractProblem,
        model: nn.Module,
        extra_features: list[nn.Module] | None = None,
        loss: nn.Module | None = None,
        optimizer: type[torch.optim.Optimizer] = torch.optim.Adam,
        optimizer_kwargs: dict[str, Any] | None = None,
        scheduler: type[LRScheduler] = ConstantLR,
        scheduler_kwargs: dict[str, Any] | None = None,
        gradient_weight: float = 1.0,
    ) -> None:
        if isinstance(gradient_weight, bool) or not isinstance(gradient_weight, Real):
            raise TypeError(f"gradient_weight must be a real number; got {gradient_weight!r}.")
        if not (math.isfinite(gradient_weight) and gradient_weight >= 0):
            raise ValueError(f"gradient_weight must be finite and >= 0; got {gradient_weight!r}.")
        if not isinstance(problem, SpatialProblem):
            raise ArgumentTypeError(
                "GPINN differentiates the residual with respect to the spatial variables, so "
                f"problem must be a SpatialProblem; got {type(problem).__name__}."
            )
        super().__init__(
            problem,
            model,
            extra_features=extra_features,
            loss=loss,
            optimizer=optimizer,
            optimizer_kwargs=optimizer_kwargs,
            scheduler=scheduler,
            scheduler_kwargs=scheduler_kwargs,
        )
        self.gradient_weight: float = float(gradient_weight)
        spatial = list(problem.spatial_variables)
        self._spatial: list[str] = spatial
        self._spatial_of_condition: dict[str, list[str]] = {
            name: _spanned(condition, spatial) for name, condition in problem.conditions.items()
        }

    def spatial_variables_of(self, condition_name: str) -> list[str]:
        """The spatial variables :math:`S_c` whose residual derivatives a condition penalises."""
        return list(self._spatial_of_condition[condition_name])

    def gradient_loss(self, samples: LabelTensor, residual: Tensor, variables: list[str]) -> Tensor:
        r""":math:`\sum_{j} \ell(0, \partial r / \partial x_j)` over ``variables``.

        Args:
            samples: Points ``(n, k)`` requiring gradients, labelled with the
                input variables; ``residual`` must be computed from them.
            residual: Residual ``(n, q)`` or ``(n,)``.
            variables: Labels of ``samples`` to differentiate along.

        Returns:
            A scalar tensor (zero if ``variables`` is empty).
        """
        if not variables:
            return residual.new_zeros(())
        rows = residual.reshape(residual.shape[0], -1)
        columns = [samples.labels.index(v) for v in variables]
        # (n, q * s), component-major: column a * s + j is d r_a / d x_j
        derivatives = gradient(rows, samples, list(range(rows.shape[1])), columns)
        derivatives = derivatives.reshape(rows.shape[0], rows.shape[1], len(columns))
        total = residual.new_zeros(())
        for j in range(len(columns)):
            d_j = derivatives[:, :, j]
            total = total + self.loss(torch.zeros_like(d_j), d_j)
        return total

    def loss_phys(self, samples: LabelTensor, equation: EquationInterface) -> Tensor:
        """PINN's loss in value, the gradient-enhanced loss in gradient at ``samples``."""
        return self.condition_loss(self.term_at(samples, equation))

    def condition_loss(self, term: ConditionTerm) -> Tensor:
        """PINN's loss in value, the gradient-enhanced loss in gradient (see the class doc)."""
        plain = self.plain_loss(term)
        if not term.is_physics:
            return plain
        variables = self._spatial_of_condition.get(term.name, self._spatial)
        gradient_term = self.gradient_loss(term.points, term.residual, variables)
        return plain_value(plain, plain + self.gradient_weight * gradient_term)


def _spanned(condition: Condition, spatial: list[str]) -> list[str]:
    """The spatial variables a condition's points vary along (see :class:`GPINN`)."""
    if condition.location is None:
        return []
    return [v for v in spatial if v in _ranged(condition.location)]


def _ranged(location: Location) -> set[str]:
    """The variables a location's points vary along.

    A fixed coordinate (``CartesianDomain({'x': 0})``) or a sampled surface
    gives no direction; a set operation spans what all its geometries span.
    """
    if isinstance(location, OperationInterface):
        spans = [_ranged(g) for g in location.geometries]
        return set.intersection(*spans) if spans else set()
    if getattr(location, "sample_surface", False):
        return set()
    fixed = getattr(location, "fixed_", {})
    return {v for v in location.variables if v not in fixed}
