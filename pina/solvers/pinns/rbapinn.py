r"""Physics-informed neural network with residual-based attention weights."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import ConstantLR, LRScheduler

from ...equation.equation_interface import EquationInterface
from ...label_tensor import LabelTensor
from ...problem import AbstractProblem
from ._pointwise import PointWeights, check_one_batch_one_process, plain_value
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

    Weights belong to the rows of each condition's point set, so training must
    see every point each step on one process: ``Trainer(batch_size=None)``
    (the default) and one device; otherwise fitting stops with a
    ``ValueError`` before the first step. With LBFGS the weights are updated at
    every evaluation of its closure.

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
        """Give conditions sampled or resampled since the solver was built fresh weights."""
        self._weights.match_points(self.problem)

    def on_train_start(self) -> None:
        """Check that every step holds every point, on one process."""
        check_one_batch_one_process(self, getattr(self.trainer, "batch_size", None))

    def update_weights(self, name: str, residual: Tensor) -> Tensor:
        r"""Apply the update :math:`\lambda \leftarrow \gamma\lambda + \eta\|r\|/\max\|r\|`.

        Args:
            name: The condition.
            residual: Its residual ``(n, q)`` or ``(n,)`` at all its points, in order.

        Returns:
            The updated weights ``(n, 1)`` (the buffer itself).

        Raises:
            RuntimeError: If the residual has another number of rows than the weights.
        """
        weights = self._weights[name]
        n = residual.shape[0]
        if weights.shape[0] != n:
            raise RuntimeError(
                f"RBAPINN has {weights.shape[0]} weights for condition {name!r} but the step "
                f"holds {n} of its points; the points changed after fitting started."
            )
        with torch.no_grad():
            size = torch.linalg.vector_norm(residual.detach().reshape(n, -1), dim=1, keepdim=True)
            tiny = torch.finfo(size.dtype).tiny
            weights.mul_(self.gamma).add_(self.eta * size / size.max().clamp(min=tiny))
        return weights

    def loss_phys(self, samples: LabelTensor, equation: EquationInterface) -> Tensor:
        """PINN's loss in value, the attention-weighted loss in gradient (see the class doc)."""
        residual = self.compute_residual(samples, equation)
        zeros = torch.zeros_like(residual)
        plain = self.loss(zeros, residual)
        name = self.current_condition_name
        if name is None:  # called outside a training step: no weights to use
            return plain
        weights = self.update_weights(name, residual)
        rows = residual.reshape(residual.shape[0], -1)
        return plain_value(plain, self.loss(torch.zeros_like(rows), weights * rows))

    def loss_data(self, input_tensor: LabelTensor, output_tensor: LabelTensor) -> Tensor:
        """PINN's data loss in value, the attention-weighted one in gradient."""
        prediction = self._output_at(input_tensor)
        if prediction.labels != output_tensor.labels:
            prediction = prediction.extract(output_tensor.labels)
        predicted, target = prediction.tensor, output_tensor.tensor
        plain = self.loss(predicted, target)
        name = self.current_condition_name
        if name is None:
            return plain
        weights = self.update_weights(name, predicted - target)
        return plain_value(plain, self.loss(weights * predicted, weights * target))
