r"""Self-adaptive physics-informed neural network: per-point weights trained by ascent."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import ConstantLR, LRScheduler

from ..._errors import ArgumentTypeError
from ...label_tensor import LabelTensor
from ...problem import AbstractProblem
from .._condition_term import ConditionTerm
from .._validation import check_optimizer_class
from ._minmax import MinMaxPINN
from ._pointwise import PointWeights, per_point, plain_value, pointwise_loss

__all__ = ["SAPINN"]


def _uniform(n: int) -> Tensor:
    return torch.rand(n, 1)


class SAPINN(MinMaxPINN):
    r"""Self-adaptive PINN (McClenny and Braga-Neto, 2023).

    Every training point :math:`i` of every condition :math:`c` has a
    trainable weight :math:`\lambda_i` (initially uniform in :math:`[0, 1)`,
    drawn from torch's global generator when the solver is built), passed
    through a mask :math:`m` (default the sigmoid). The model minimises and the
    weights maximise

    .. math::
        G = \sum_c w_c \, \frac{1}{n_c}\sum_{i=1}^{n_c} m(\lambda_i)\, \ell_i,

    where :math:`\ell_i` is the loss of point :math:`i` (for the mean squared
    error, :math:`\ell_i = \frac{1}{q}\sum_k r_{ik}^2` with :math:`r` the
    residual of a physics condition or :math:`u(x_i) - y_i` for data; a sum
    instead of the mean for a loss with ``reduction='sum'``) and :math:`w_c`
    the ``data_weight``. Since :math:`\partial G / \partial \lambda_i = w_c
    m'(\lambda_i)\ell_i / n_c \ge 0` for an increasing mask, gradient ascent
    raises the weights fastest where the loss is largest, and the model is
    pushed to fit those points. One step is a simultaneous descent/ascent step
    (see :class:`~pina.solvers.pinns._minmax.MinMaxPINN`): ``global_step``
    advances by 2 per training step.

    The weights are parameters of the solver (``solver.weights[condition]``,
    shape ``(n_c, 1)``, one row per point of the condition's full point set),
    saved in checkpoints and restored by ``load_from_checkpoint`` and
    ``ckpt_path=``. Each batch carries its points' row indices, so with
    ``Trainer(batch_size=...)`` and under multi-process strategies every
    point keeps its own weight (only the rows of the step's points get a
    gradient). A condition whose number of points changed (resampling) gets
    fresh weights, and their optimizer state is dropped, when the next fit
    or epoch starts.

    The logged ``<condition>_loss`` is PINN's loss of the condition (no
    weights), so runs compare with PINN's.

    Args:
        problem: The problem.
        model: The network.
        weights_function: The mask :math:`m` (a module applied elementwise;
            default ``torch.nn.Sigmoid()``). Its own parameters, if any, are
            not trained.
        extra_features: See :class:`~pina.solvers.pinns.pinn.PINN`.
        loss: The loss (default ``torch.nn.MSELoss()``); ``reduction`` must be
            ``'mean'`` or ``'sum'``.
        optimizer_model: Optimizer class of the model (default Adam; not LBFGS).
        optimizer_model_kwargs: Its keyword arguments (default ``{'lr': 0.001}``).
        optimizer_weights: Optimizer class of the weights (default Adam; not LBFGS).
        optimizer_weights_kwargs: Its keyword arguments (default ``{'lr': 0.001}``).
        scheduler_model: Scheduler class of the model's optimizer (default ConstantLR).
        scheduler_model_kwargs: Its keyword arguments (default
            ``{'factor': 1, 'total_iters': 0}``).
        scheduler_weights: Scheduler class of the weights' optimizer.
        scheduler_weights_kwargs: Its keyword arguments.

    Raises:
        TypeError: For arguments of the wrong type.
        ValueError: For LBFGS, a loss without a mean/sum reduction, or a
            condition name containing ``'.'``.
    """

    def __init__(
        self,
        problem: AbstractProblem,
        model: nn.Module,
        weights_function: nn.Module | None = None,
        extra_features: list[nn.Module] | None = None,
        loss: nn.Module | None = None,
        optimizer_model: type[torch.optim.Optimizer] = torch.optim.Adam,
        optimizer_model_kwargs: dict[str, Any] | None = None,
        optimizer_weights: type[torch.optim.Optimizer] = torch.optim.Adam,
        optimizer_weights_kwargs: dict[str, Any] | None = None,
        scheduler_model: type[LRScheduler] = ConstantLR,
        scheduler_model_kwargs: dict[str, Any] | None = None,
        scheduler_weights: type[LRScheduler] = ConstantLR,
        scheduler_weights_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if weights_function is None:
            weights_function = nn.Sigmoid()
        if not isinstance(weights_function, nn.Module):
            raise ArgumentTypeError(
                "weights_function must be a torch.nn.Module instance such as "
                f"torch.nn.Sigmoid(); got {weights_function!r}."
            )
        check_optimizer_class("optimizer_weights", optimizer_weights)
        if optimizer_weights_kwargs is None:
            optimizer_weights_kwargs = {"lr": 0.001}
        if not isinstance(optimizer_weights_kwargs, dict):
            raise ArgumentTypeError(
                f"optimizer_weights_kwargs must be a dict; got {optimizer_weights_kwargs!r}."
            )
        super().__init__(
            models=[model],
            problem=problem,
            optimizers=[optimizer_model],
            optimizers_kwargs=[
                {"lr": 0.001} if optimizer_model_kwargs is None else optimizer_model_kwargs
            ],
            extra_features=extra_features,
            loss=loss,
        )
        self._loss_none, self._reduction = pointwise_loss(self.loss, "SAPINN")
        self.weights_function = weights_function
        self._weights = PointWeights(problem, _uniform, trainable=True)
        self._pina_optimizers.append(
            optimizer_weights(list(self._weights.parameters()), **optimizer_weights_kwargs)
        )
        self._set_schedulers(
            ["scheduler_model", "scheduler_weights"],
            [scheduler_model, scheduler_weights],
            [scheduler_model_kwargs, scheduler_weights_kwargs],
        )

    @property
    def neural_net(self) -> nn.Module:
        """The network (wrapped in :class:`~pina.model.network.Network`)."""
        return self.models[0]

    @property
    def weights(self) -> PointWeights:
        r"""The weights :math:`\lambda`: ``weights[condition]`` is a parameter ``(n_c, 1)``."""
        return self._weights

    @property
    def optimizer_model(self) -> torch.optim.Optimizer:
        """The model's optimizer (it also holds the unknown parameters of an inverse problem)."""
        return self.optimizers[0]

    @property
    def optimizer_weights(self) -> torch.optim.Optimizer:
        """The weights' optimizer (gradient ascent)."""
        return self.optimizers[1]

    @property
    def scheduler_model(self) -> LRScheduler:
        """The model's learning-rate scheduler."""
        return self._schedulers[0]

    @property
    def scheduler_weights(self) -> LRScheduler:
        """The weights' learning-rate scheduler."""
        return self._schedulers[1]

    def forward(self, x: LabelTensor) -> LabelTensor:
        """Solution at the points ``x`` (``(n, *)``), labelled with the output variables."""
        return self.neural_net(x)

    def on_fit_start(self) -> None:
        """Give conditions sampled or resampled since the last fit fresh weights."""
        self._weights.match_points(self.problem, [self.optimizer_weights])

    def on_train_epoch_start(self) -> None:
        """Reset the epoch metrics; resize weights of conditions whose points changed."""
        super().on_train_epoch_start()
        self._weights.match_points(self.problem, [self.optimizer_weights])

    def condition_loss(self, term: ConditionTerm) -> Tensor:
        """PINN's loss in value, the mask-weighted point losses in gradient (see the class doc)."""
        plain = self.plain_loss(term)
        if term.is_physics:
            values = term.residual
            reference = torch.zeros_like(values)
        else:
            assert term.target is not None
            prediction = term.output
            if prediction._labels != term.target._labels:
                prediction = prediction.extract(term.target._labels)
            reference, values = prediction.tensor, term.target.tensor
        weights = self._weights[term.name][term.indices]
        points = per_point(self._loss_none, reference, values, self._reduction)
        weighted = self.weights_function(weights).reshape(-1) * points
        objective = weighted.mean() if self._reduction == "mean" else weighted.sum()
        return plain_value(plain, objective)
