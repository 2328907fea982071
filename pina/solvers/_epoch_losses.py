"""Per-condition losses of an epoch: accumulated on the device, logged once per epoch."""

from __future__ import annotations

import math
from typing import Any

import pytorch_lightning as pl
import torch
from torch import Tensor

from ._epoch_metrics import EpochMetricsPublisher


class EpochLosses:
    r"""Turn the condition losses of each step into the step loss and the epoch metrics.

    Each step, :meth:`step_total` stacks the condition losses, adds them (detached)
    to per-condition sums kept on the device, and returns the weighted sum
    :math:`\sum_c w_c \mathcal{L}_c` to minimise. At the last step of the epoch
    it publishes ``<condition>_loss`` (the mean over the epoch's steps of the unweighted
    loss) and ``mean_loss`` (their mean), averaged over processes under a
    multi-process strategy (see :class:`EpochMetricsPublisher` for where they
    go), after raising ``FloatingPointError`` naming the condition and the epoch
    if one is not finite.

    Args:
        condition_names: The problem's condition names, in order.
        data_weights: Each condition's ``data_weight``.
    """

    def __init__(self, condition_names: list[str], data_weights: list[float]) -> None:
        self.names = list(condition_names)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.weights = list(data_weights)
        self._unit_weights = all(w == 1.0 for w in self.weights)
        self._sum: Tensor | None = None
        self._count = [0] * len(self.names)
        self.publisher = EpochMetricsPublisher()

    @classmethod
    def of(cls, problem: Any) -> EpochLosses:
        """The epoch losses of ``problem``'s conditions, with their ``data_weight``."""
        conditions = problem.conditions
        return cls(list(conditions), [c.data_weight for c in conditions.values()])

    def step_total(
        self,
        solver: pl.LightningModule,
        losses: list[Tensor],
        names: list[str],
        batch: dict[str, Any],
        batch_idx: int,
    ) -> Tensor:
        """Record the step's condition losses and return their weighted sum.

        Args:
            solver: The solver (for logging and the trainer's state).
            losses: Scalar loss of each condition computed in the step.
            names: The condition of each loss.
            batch: The step's batch (its keys are the conditions present in the step).
            batch_idx: Index of the step in the epoch.

        Returns:
            The scalar loss to minimise.
        """
        indices = [self.index[name] for name in names]
        zero: Tensor | None = None
        if losses:
            stacked = torch.stack(losses)
        else:
            # No point of this process in this step (small shards under a multi-process
            # strategy): a zero loss on the graph of every parameter keeps the gradient
            # all-reduce of the other processes in step.
            zero = torch.zeros((), device=solver.device)
            for param in solver.parameters():
                if param.requires_grad:
                    zero = zero + 0.0 * param.sum()
            stacked = zero.detach().new_zeros(0)
        self._accumulate(stacked.detach(), indices, batch)
        if batch_idx == solver.trainer.num_training_batches - 1:
            self._log(solver, batch_idx)
        if zero is not None:
            return zero
        if self._unit_weights:
            return stacked.sum()
        weights = torch.tensor(
            [self.weights[i] for i in indices], dtype=stacked.dtype, device=stacked.device
        )
        return (stacked * weights).sum()

    def _accumulate(self, losses: Tensor, indices: list[int], batch: dict[str, Any]) -> None:
        n = len(self.names)
        if self._sum is None or self._sum.device != losses.device:
            self._sum = torch.zeros(
                n,
                dtype=torch.float64 if losses.dtype == torch.float64 else torch.float32,
                device=losses.device,
            )
        if indices == list(range(n)):
            self._sum += losses
        elif indices:
            index = torch.tensor(indices, dtype=torch.long, device=losses.device)
            self._sum.index_add_(0, index, losses.to(self._sum.dtype))
        for name in batch:
            self._count[self.index[name]] += 1

    def _log(self, solver: pl.LightningModule, batch_idx: int) -> None:
        """Publish each condition's mean loss over the epoch, and their mean, then reset."""
        assert self._sum is not None
        present = [i for i, c in enumerate(self._count) if c > 0]
        counts = torch.tensor(
            [self._count[i] for i in present], dtype=self._sum.dtype, device=self._sum.device
        )
        means = self._sum[present] / counts
        if solver.trainer.world_size > 1:
            means = solver.trainer.strategy.reduce(means, reduce_op="mean")
        values = torch.cat([means, means.mean().reshape(1)])
        floats = values.tolist()  # the one host synchronisation of the epoch
        for i, value in zip(present, floats):
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"The loss of condition {self.names[i]!r} is {value} at epoch "
                    f"{solver.current_epoch}; training stopped. Check the condition's equation "
                    "and data, or lower the learning rate / use gradient_clip_val."
                )
        names = [f"{self.names[i]}_loss" for i in present] + ["mean_loss"]
        self.publisher.publish(solver, names, values, batch_idx, floats)
        self._sum.zero_()
        self._count = [0] * len(self.names)
