r"""Physics-informed neural network with residual-based attention weights."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import ConstantLR, LRScheduler

from ...problem import AbstractProblem
from .._condition_term import ConditionTerm
from ._pointwise import PointWeights, plain_value
from .pinn import PINN

__all__ = ["RBAPINN"]


def _ones(n: int) -> Tensor:
    return torch.ones(n, 1)


class RBAPINN(PINN):
    r"""PINN with residual-based attention (Anagnostopoulos et al., 2024).

    Reference: S. J. Anagnostopoulos, J. D. Toscano, N. Stergiopulos and G. E.
    Karniadakis, "Residual-based attention in physics-informed neural
    networks", Computer Methods in Applied Mechanics and Engineering 421 (2024).

    Every training point :math:`i` of every condition has a weight
    :math:`\lambda_i` (initially 1). At each step, before the loss, the weights
    are updated from the current residual :math:`r` without gradient,

    .. math::
        \lambda_i \leftarrow \gamma \lambda_i
        + \eta \frac{\lVert r_i \rVert}{\max_j \lVert r_j \rVert},

    (:math:`\lVert r_i \rVert` the Euclidean norm of point :math:`i`'s residual
    row, :math:`|r_i|` for a scalar equation; for a data condition
    :math:`r_i = u(x_i) - y_i`) and the condition's loss is that of the
    weighted residual,

    .. math::
        \mathcal{L}_c = \ell(0, \lambda \odot r)
        = \frac{1}{n}\sum_i \lambda_i^2 r_i^2 \quad \text{(mean squared error)}.

    The weights are a running, decaying memory of where the residual is
    largest; they stay in :math:`[0, \max(1, \eta/(1-\gamma))]`, with
    :math:`\eta/(1-\gamma) = 1` for the defaults. They are buffers of the
    solver (``solver.weights[condition]``, shape ``(n_c, 1)``), so they are
    saved in checkpoints and restored by ``load_from_checkpoint`` and
    ``ckpt_path=``.

    The logged ``<condition>_loss`` is PINN's :math:`\ell(0, r)`, so runs
    compare with PINN's; the optimizer minimises :math:`\sum_c w_c
    \mathcal{L}_c` (the returned step loss has the value of the logged
    losses and the gradient of that objective).

    Weights belong to the rows of each condition's full point set; each batch
    carries its points' row indices, so with ``Trainer(batch_size=...)`` each
    step updates the weights of its points (the maximum then runs over the
    step's points), and under a multi-process strategy the processes add up
    their updates so all keep the same weights. With ``batch_size`` equal to
    the number of points the run is the full-batch one. With LBFGS the
    weights are updated at every evaluation of its closure.

    Args:
        problem: See :class:`~pina.solvers.pinns.pinn.PINN`.
        model: See :class:`~pina.solvers.pinns.pinn.PINN`.
        extra_features: See :class:`~pina.solvers.pinns.pinn.PINN`.
        loss: See :class:`~pina.solvers.pinns.pinn.PINN`.
        optimizer: See :class:`~pina.solvers.pinns.pinn.PINN`.
        optimizer_kwargs: See :class:`~pina.solvers.pinns.pinn.PINN`.
        scheduler: See :class:`~pina.solvers.pinns.pinn.PINN`.
        scheduler_kwargs: See :class:`~pina.solvers.pinns.pinn.PINN`.
        eta: The learning rate :math:`\eta > 0` of the weights (default 0.001).
        gamma: The memory :math:`\gamma \in [0, 1)` of the weights (default 0.999).

    Raises:
        TypeError: If ``eta`` or ``gamma`` is not a real number, or as for PINN.
        ValueError: If ``eta`` or ``gamma`` is out of range.
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
        eta: float = 0.001,
        gamma: float = 0.999,
    ) -> None:
        for name, value in (("eta", eta), ("gamma", gamma)):
            if isinstance(value, bool) or not isinstance(value, Real):
                raise TypeError(f"{name} must be a real number; got {value!r}.")
        if not (math.isfinite(eta) and eta > 0):
            raise ValueError(f"eta must be finite and > 0; got {eta!r}.")
        if not 0 <= gamma < 1:
            raise ValueError(f"gamma must be in [0, 1); got {gamma!r}.")
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
        self.eta = float(eta)
        self.gamma = float(gamma)
        self._weights = PointWeights(problem, _ones, trainable=False)

    @property
    def weights(self) -> PointWeights:
        r"""The weights :math:`\lambda`: ``weights[condition]`` is a tensor ``(n_c, 1)``."""
        return self._weights

    def on_fit_start(self) -> None:
        """Give conditions sampled or resampled since the last fit fresh weights."""
        self._weights.match_points(self.problem)

    def on_train_epoch_start(self) -> None:
        """Reset the epoch metrics; resize weights of conditions whose points changed."""
        super().on_train_epoch_start()
        self._weights.match_points(self.problem)

    def update_weights(self, name: str, indices: Tensor, residual: Tensor) -> Tensor:
        r"""Apply :math:`\lambda_i \leftarrow \gamma\lambda_i + \eta\|r_i\|/\max_j\|r_j\|`.

        The update touches the rows ``indices`` of the condition's weights; the
        maximum runs over the step's points (over every process's, under a
        multi-process strategy, where the processes also exchange their
        updates so every process keeps the same weights).

        Args:
            name: The condition.
            indices: ``LongTensor`` ``(b,)``: the rows of the step's points.
            residual: Their residual ``(b, q)`` or ``(b,)``.

        Returns:
            The updated weights of those points ``(b, 1)``.
        """
        weights = self._weights[name]
        n = residual.shape[0]
        with torch.no_grad():
            rows = residual.detach().reshape(n, -1) if n else residual.detach().reshape(0, 1)
            size = torch.linalg.vector_norm(rows, dim=1, keepdim=True)
            tiny = torch.finfo(size.dtype).tiny
            largest = size.max() if n else size.new_zeros(())
            distributed = self.trainer is not None and self.trainer.world_size > 1
            if distributed:
                largest = self.trainer.strategy.reduce(largest, reduce_op="max")
            old = weights[indices]
            new = old.mul(self.gamma).add_(self.eta * size / largest.clamp(min=tiny))
            if distributed:
                delta = torch.zeros_like(weights)
                delta[indices] = new - old
                weights.add_(self.trainer.strategy.reduce(delta, reduce_op="sum"))
                new = weights[indices]
            else:
                weights[indices] = new
        return new

    def condition_absent(self, name: str) -> None:
        """Join the other processes' weight update of ``name`` with no point of this one."""
        weights = self._weights[name]
        empty = torch.zeros(0, dtype=torch.long, device=weights.device)
        self.update_weights(name, empty, weights.new_zeros(0, 1))

    def condition_loss(self, term: ConditionTerm) -> Tensor:
        """PINN's loss in value, the attention-weighted loss in gradient (see the class doc)."""
        plain = self.plain_loss(term)
        if term.is_physics:
            residual = term.residual
            weights = self.update_weights(term.name, term.indices, residual)
            rows = residual.reshape(residual.shape[0], -1)
            return plain_value(plain, self.loss(torch.zeros_like(rows), weights * rows))
        assert term.target is not None
        prediction = term.output
        if prediction._labels != term.target._labels:
            prediction = prediction.extract(term.target._labels)
        predicted, target = prediction.tensor, term.target.tensor
        weights = self.update_weights(term.name, term.indices, predicted - target)
        return plain_value(plain, self.loss(weights * predicted, weights * target))
