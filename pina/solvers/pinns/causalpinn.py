r"""Causal physics-informed neural network: train earlier times first."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import ConstantLR, LRScheduler

from ..._errors import ArgumentTypeError
from ...equation.equation_interface import EquationInterface
from ...label_tensor import LabelTensor
from ...problem import AbstractProblem, TimeDependentProblem
from .._condition_term import ConditionTerm
from ._pointwise import per_point, plain_value, pointwise_loss
from .pinn import PINN

__all__ = ["CausalPINN"]


class CausalPINN(PINN):
    r"""Causal PINN (Wang, Sankaran and Perdikaris, 2024).

    A PINN can fit the residual at late times before the solution at early
    times is right, converging to a wrong solution. CausalPINN groups the
    points of each physics condition into time chunks :math:`t_1 < \dots < t_K`
    (the distinct values of the time variable among the condition's points in
    the step: sample time on a grid, e.g. ``discretise_domain(n, 'grid',
    variables='t')``, to get chunks with many points each) and weighs each
    chunk's loss by how well all earlier chunks are already fitted:

    .. math::
        \mathcal{L}_c = \frac{1}{K}\sum_{k=1}^{K} w_k \mathcal{L}(t_k), \qquad
        w_k = \exp\Big(-\varepsilon \sum_{i=1}^{k-1} \mathcal{L}(t_i)\Big),

    with :math:`\mathcal{L}(t_k) = \ell(0, r)` over the points of chunk
    :math:`k` (the mean of their point losses; the sum for a loss with
    ``reduction='sum'``, with a sum over chunks too) and the weights treated as
    constants (no gradient flows through them). :math:`w_1 = 1`; later chunks
    count only once the earlier residuals are small compared with
    :math:`1/\varepsilon`. The chunks are found without host synchronisation
    (sort, then cumulative counts). Data conditions keep PINN's loss.

    The logged ``<condition>_loss`` is PINN's :math:`\ell(0, r)`, so runs
    compare with PINN's; the optimizer minimises :math:`\sum_c w_c
    \mathcal{L}_c` (the returned step loss has the value of the logged
    losses and the gradient of that objective). PINA 0.1.1 included chunk
    :math:`k`'s own loss in :math:`w_k`; this follows the paper.

    Args:
        problem: A :class:`~pina.problem.TimeDependentProblem` (one time variable).
        model: See :class:`~pina.solvers.pinns.pinn.PINN`.
        extra_features: See :class:`~pina.solvers.pinns.pinn.PINN`.
        loss: See :class:`~pina.solvers.pinns.pinn.PINN`; its ``reduction``
            must be ``'mean'`` or ``'sum'``.
        optimizer: See :class:`~pina.solvers.pinns.pinn.PINN`.
        optimizer_kwargs: See :class:`~pina.solvers.pinns.pinn.PINN`.
        scheduler: See :class:`~pina.solvers.pinns.pinn.PINN`.
        scheduler_kwargs: See :class:`~pina.solvers.pinns.pinn.PINN`.
        eps: The causality parameter :math:`\varepsilon \ge 0` (default 100;
            0 gives PINN). It can be changed during training (``solver.eps =
            ...``, e.g. from a callback, to anneal it).

    Raises:
        TypeError: If ``problem`` is not a ``TimeDependentProblem`` or ``eps``
            not a real number.
        ValueError: If ``eps`` is negative or not finite, the problem has
            several time variables, or the loss has no mean/sum reduction.
    """

    _eps: float

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
        eps: float = 100,
    ) -> None:
        if not isinstance(problem, TimeDependentProblem):
            raise ArgumentTypeError(
                "CausalPINN weighs the residual over time, so problem must be a "
                f"TimeDependentProblem; got {type(problem).__name__}."
            )
        if len(problem.temporal_variable) != 1:
            raise ValueError(
                f"CausalPINN needs one time variable; {type(problem).__name__}.temporal_domain "
                f"has {problem.temporal_variable!r}."
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
        self.eps = eps
        self._time = problem.temporal_variable[0]
        self._loss_none, self._reduction = pointwise_loss(self.loss, "CausalPINN")

    @property
    def eps(self) -> float:
        r"""The causality parameter :math:`\varepsilon`."""
        return self._eps

    @eps.setter
    def eps(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, Real):
            raise ArgumentTypeError(f"eps must be a real number; got {value!r}.")
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"eps must be finite and >= 0; got {value!r}.")
        self._eps = float(value)

    def time_chunk_losses(self, samples: LabelTensor, residual: Tensor) -> tuple[Tensor, Tensor]:
        r"""The loss :math:`\mathcal{L}(t_k)` of each time chunk, in increasing time.

        Args:
            samples: Points ``(n, k)`` with the time variable among their labels.
            residual: Residual ``(n, q)`` or ``(n,)`` at ``samples``.

        Returns:
            ``(losses, count)``: ``losses`` of shape ``(n,)`` whose first
            ``count`` entries are the chunk losses (the rest are zero), and
            ``count``, the number :math:`K` of chunks (a 0-d tensor, so that no
            value is copied to the host).
        """
        n = samples.shape[0]
        time = samples.tensor[:, samples.labels.index(self._time)].detach()
        order = torch.argsort(time)
        sorted_time = time[order]
        starts = torch.ones(n, dtype=torch.long, device=time.device)
        starts[1:] = (sorted_time[1:] != sorted_time[:-1]).long()
        chunk = torch.empty_like(starts)
        chunk[order] = torch.cumsum(starts, 0) - 1  # chunk index of each point
        points = per_point(self._loss_none, torch.zeros_like(residual), residual, self._reduction)
        losses = points.new_zeros(n).index_add(0, chunk, points)
        if self._reduction == "mean":
            counts = points.new_zeros(n).index_add(0, chunk, torch.ones_like(points))
            losses = losses / counts.clamp(min=1)
        return losses, starts.sum()

    def causal_weights(self, chunk_losses: Tensor) -> Tensor:
        r""":math:`w_k = \exp(-\varepsilon \sum_{i<k} \mathcal{L}(t_i))`, without gradient.

        Args:
            chunk_losses: Chunk losses ``(K,)`` in increasing time.

        Returns:
            The weights ``(K,)``.
        """
        with torch.no_grad():
            before = torch.cat([chunk_losses.new_zeros(1), torch.cumsum(chunk_losses, 0)[:-1]])
            return torch.exp(-self._eps * before)

    def loss_phys(self, samples: LabelTensor, equation: EquationInterface) -> Tensor:
        """PINN's loss in value, the causal loss in gradient at ``samples``."""
        return self.condition_loss(self.term_at(samples, equation))

    def condition_loss(self, term: ConditionTerm) -> Tensor:
        """PINN's loss in value, the causal loss in gradient (see the class doc)."""
        plain = self.plain_loss(term)
        if not term.is_physics:
            return plain
        losses, count = self.time_chunk_losses(term.points, term.residual)
        weighted = (self.causal_weights(losses) * losses).sum()
        objective = weighted / count.to(weighted.dtype) if self._reduction == "mean" else weighted
        return plain_value(plain, objective)
