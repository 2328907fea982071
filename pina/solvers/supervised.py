r"""Supervised learning of a map from input data to output data."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import ConstantLR, LRScheduler

from ..data.batch import Batch
from ..label_tensor import LabelTensor
from ..problem import AbstractProblem
from ._validation import build_scheduler, loss_module
from .solver import SolverInterface, data_loss

__all__ = ["SupervisedSolver"]


class SupervisedSolver(SolverInterface):
    r"""Fit a model :math:`\mathcal{M}` to input/output pairs.

    Every condition of the problem must be a data condition
    (``input_points`` + ``output_points``). Each step minimises

    .. math::
        \mathcal{L} = \sum_c w_c \, \ell\big(\mathcal{M}(v_c), u_c\big),

    over the pairs :math:`(v_c, u_c)` of each condition in the batch, with
    :math:`w_c` its ``data_weight`` and :math:`\ell` the loss (mean squared
    error by default). Inputs may be point sets ``(n, k)`` or discretised fields
    ``(n, *grid, k)`` (neural operators): the first dimension indexes samples,
    which is what ``batch_size`` batches and what multi-process strategies shard.

    Logged metrics are those of the PINN solvers: ``<condition>_loss`` for every
    condition and ``mean_loss``, once per epoch.

    Args:
        problem: A problem with data conditions only.
        model: The model; its output's last dimension must match the problem's
            ``output_variables``.
        extra_features: Modules whose outputs are appended to the inputs.
        loss: The loss (default ``torch.nn.MSELoss()``).
        optimizer: Optimizer class (default ``torch.optim.Adam``).
        optimizer_kwargs: Its keyword arguments (default ``{'lr': 0.001}``).
        scheduler: Learning-rate scheduler class (default ``ConstantLR``).
        scheduler_kwargs: Its keyword arguments (default ``{'factor': 1, 'total_iters': 0}``).

    Raises:
        ValueError: If a condition is not a data condition.
        TypeError: For arguments of the wrong type.
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
    ) -> None:
        super().__init__(
            models=[model],
            problem=problem,
            optimizers=[optimizer],
            optimizers_kwargs=[{"lr": 0.001} if optimizer_kwargs is None else optimizer_kwargs],
            extra_features=extra_features,
        )
        not_data = [n for n, c in problem.conditions.items() if c.output_points is None]
        if not_data:
            raise ValueError(
                f"SupervisedSolver trains on data conditions (input_points + output_points) "
                f"only; the conditions {not_data!r} are not. Use PINN for physics conditions."
            )
        self._loss = loss_module(loss, nn.MSELoss, "torch.nn.MSELoss()")
        self._scheduler = build_scheduler(
            "scheduler", scheduler, scheduler_kwargs, self.optimizers[0]
        )

    @property
    def neural_net(self) -> nn.Module:
        """The model (wrapped in :class:`~pina.model.network.Network`)."""
        return self.models[0]

    @property
    def scheduler(self) -> LRScheduler:
        """The learning-rate scheduler."""
        return self._scheduler

    @property
    def loss(self) -> nn.Module:
        """The loss."""
        return self._loss

    def forward(self, x: LabelTensor) -> LabelTensor:
        """Model output at ``x`` (``(n, ..., k)`` labelled with the input variables)."""
        return self.neural_net(x)

    def loss_data(self, input_pts: LabelTensor, output_pts: LabelTensor) -> Tensor:
        """``loss(model(input_pts), output_pts)`` for one condition's batch.

        Args:
            input_pts: Inputs ``(n, ..., k)``.
            output_pts: Expected outputs ``(n, ..., m)``, labelled with output variables.

        Returns:
            A scalar tensor.
        """
        return data_loss(self.loss, self.forward(input_pts), output_pts)

    def training_step(self, batch: Batch, batch_idx: int) -> Tensor:
        """Weighted sum of the data losses of the batch's conditions."""
        names, losses = self._data_losses(batch)
        scaled = [v * batch[n].scale if batch[n].scale != 1.0 else v for n, v in zip(names, losses)]
        return self._training_total(scaled, names, batch, batch_idx)

    def evaluation_losses(self, batch: Batch, stage: str) -> tuple[list[str], list[Tensor]]:
        """:meth:`loss_data` of each condition of a validation or test batch."""
        return self._data_losses(batch)

    def _data_losses(self, batch: Batch) -> tuple[list[str], list[Tensor]]:
        """:meth:`loss_data` of each condition with points in the batch on this process."""
        names: list[str] = []
        losses: list[Tensor] = []
        for name, part in batch.items():
            if part.input.shape[0] == 0 or part.target is None:
                continue
            losses.append(self.loss_data(part.input, part.target))
            names.append(name)
        return names, losses

    def configure_optimizers(self) -> tuple[list[torch.optim.Optimizer], list[LRScheduler]]:
        """The optimizer and its scheduler."""
        return self.optimizers, [self.scheduler]
