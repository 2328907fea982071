"""Per-condition losses of an epoch, one accumulator per stage (train, val, test)."""

from __future__ import annotations

import math
from typing import Any

import pytorch_lightning as pl
import torch
from torch import Tensor

#: Stage -> (suffix of a condition's metric, name of the mean metric).
METRIC_NAMES = {
    "train": ("_loss", "mean_loss"),
    "val": ("_val_loss", "val_loss"),
    "test": ("_test_loss", "test_loss"),
}


class EpochLosses:
    r"""The condition losses of the steps of one epoch of one stage.

    :meth:`reset` (called by the solver's ``on_*_epoch_start`` hooks) clears the
    sums. For training, :meth:`add` adds a step's condition losses (detached)
    to per-condition sums kept on the device, and :meth:`metrics` gives each
    condition's mean over the epoch's steps in which it had points (averaged
    over processes under a multi-process strategy), as PINA 0.1 logs it. For
    validation and test, :meth:`add_points` adds each condition's mean loss
    weighted by its number of points, and :meth:`metrics` gives the mean over
    every point of the split (summed over processes), so the metric is the
    loss over the split's points whatever the batches. Each stage also gives
    the mean of the condition metrics, under the stage's names:
    ``<condition>_loss`` and ``mean_loss`` for training (PINA 0.1's names),
    ``<condition>_val_loss`` and ``val_loss`` for validation,
    ``<condition>_test_loss`` and ``test_loss`` for testing. A non-finite value
    raises ``FloatingPointError`` naming the condition and the epoch.

    Args:
        condition_names: The problem's condition names, in order.
        data_weights: Each condition's ``data_weight`` (used by :meth:`total`).
        stage: ``'train'``, ``'val'`` or ``'test'``.
    """

    def __init__(
        self, condition_names: list[str], data_weights: list[float], stage: str = "train"
    ) -> None:
        self.names = list(condition_names)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.weights = list(data_weights)
        self.stage = stage
        self._unit_weights = all(w == 1.0 for w in self.weights)
        self._every = list(range(len(self.names)))
        self._sum: Tensor | None = None
        self._count = [0] * len(self.names)

    @classmethod
    def of(cls, problem: Any, stage: str = "train") -> EpochLosses:
        """The epoch losses of ``problem``'s conditions, with their ``data_weight``."""
        conditions = problem.conditions
        return cls(list(conditions), [c.data_weight for c in conditions.values()], stage)

    def reset(self) -> None:
        """Forget the sums (at the start of every epoch of the stage)."""
        if self._sum is not None:
            self._sum.zero_()
        self._count = [0] * len(self.names)

    def add_points(self, losses: list[Tensor], names: list[str], rows: list[int]) -> None:
        """Add the mean losses of conditions over ``rows`` points each (validation, test).

        Args:
            losses: Scalar mean loss of each condition over its points in the batch
                on this process (not multiplied by a multi-process scale).
            names: The condition of each loss.
            rows: The number of points of each.
        """
        n = len(self.names)
        for loss, name, count in zip(losses, names, rows):
            value = loss.detach()
            if self._sum is None or self._sum.device != value.device:
                self._sum = torch.zeros(
                    2,
                    n,
                    dtype=torch.float64 if value.dtype == torch.float64 else torch.float32,
                    device=value.device,
                )
            i = self.index[name]
            self._sum[0, i] += value.to(self._sum.dtype) * count
            self._sum[1, i] += count

    def add(self, losses: list[Tensor], names: list[str], present: Any) -> Tensor:
        """Add a step's condition losses to the sums; return them stacked.

        Args:
            losses: Scalar loss of each condition computed in the step.
            names: The condition of each loss.
            present: The conditions with points in the step on some process
                (the batch's keys): each counts one step.

        Returns:
            The stacked losses ``(len(losses),)`` (on the graph).
        """
        if not losses:
            stacked = torch.zeros(0)
        else:
            stacked = torch.stack(losses)
        detached = stacked.detach()
        n = len(self.names)
        if self._sum is None or self._sum.device != detached.device:
            self._sum = torch.zeros(
                n,
                dtype=torch.float64 if detached.dtype == torch.float64 else torch.float32,
                device=detached.device,
            )
        indices = [self.index[name] for name in names]
        if indices == self._every:
            self._sum += detached
        elif indices:
            index = torch.tensor(indices, dtype=torch.long, device=detached.device)
            self._sum.index_add_(0, index, detached.to(self._sum.dtype))
        for name in present:
            self._count[self.index[name]] += 1
        return stacked

    def total(self, stacked: Tensor, names: list[str]) -> Tensor:
        r"""The weighted sum :math:`\sum_c w_c \mathcal{L}_c` of a step's stacked losses."""
        if self._unit_weights:
            return stacked.sum()
        weights = torch.tensor(
            [self.weights[self.index[n]] for n in names], dtype=stacked.dtype, device=stacked.device
        )
        return (stacked * weights).sum()

    def metrics(self, solver: pl.LightningModule) -> tuple[list[str], Tensor, list[float]]:
        """The epoch's metrics: names, values ``(m,)`` on the device, and the values as floats.

        Raises:
            FloatingPointError: If a condition's mean loss is not finite.
        """
        suffix, mean_name = METRIC_NAMES[self.stage]
        if self.stage != "train":
            return self._point_metrics(solver, suffix, mean_name)
        present = [i for i, c in enumerate(self._count) if c > 0]
        if self._sum is None or not present:
            return [], torch.zeros(0), []
        counts = torch.tensor(
            [self._count[i] for i in present], dtype=self._sum.dtype, device=self._sum.device
        )
        means = self._sum[present] / counts
        if solver.trainer.world_size > 1:
            means = solver.trainer.strategy.reduce(means, reduce_op="mean")
        values = torch.cat([means, means.mean().reshape(1)])
        floats = values.tolist()  # the one host synchronisation of the epoch
        return self._named(solver, present, values, floats, suffix, mean_name)

    def _point_metrics(
        self, solver: pl.LightningModule, suffix: str, mean_name: str
    ) -> tuple[list[str], Tensor, list[float]]:
        sums = self._sum
        if sums is None:  # nothing on this process: it still joins the collective
            sums = torch.zeros(2, len(self.names), device=solver.device)
        if solver.trainer.world_size > 1:
            sums = solver.trainer.strategy.reduce(sums, reduce_op="sum")
        counts = sums[1].tolist()
        present = [i for i, c in enumerate(counts) if c > 0]
        if not present:
            return [], torch.zeros(0), []
        means = sums[0, present] / sums[1, present]
        values = torch.cat([means, means.mean().reshape(1)])
        return self._named(solver, present, values, values.tolist(), suffix, mean_name)

    def _named(
        self,
        solver: pl.LightningModule,
        present: list[int],
        values: Tensor,
        floats: list[float],
        suffix: str,
        mean_name: str,
    ) -> tuple[list[str], Tensor, list[float]]:
        for i, value in zip(present, floats):
            if not math.isfinite(value):
                what = "training" if self.stage == "train" else f"{self.stage} loop"
                raise FloatingPointError(
                    f"The {self.stage} loss of condition {self.names[i]!r} is {value} at epoch "
                    f"{solver.current_epoch}; {what} stopped. Check the condition's equation "
                    "and data, or lower the learning rate / use gradient_clip_val."
                )
        names = [f"{self.names[i]}{suffix}" for i in present] + [mean_name]
        return names, values, floats


class RelativeL2:
    r"""Relative L2 error against the truth over an epoch's points.

    :math:`\lVert u - u^* \rVert_2 / \lVert u^* \rVert_2` over every point
    added during the epoch (all output columns together; summed over
    processes under a multi-process strategy).
    """

    def __init__(self) -> None:
        self._sums: Tensor | None = None

    def reset(self) -> None:
        """Forget the sums."""
        self._sums = None

    def add(self, prediction: Tensor, truth: Tensor) -> None:
        """Add points: ``prediction`` and ``truth`` of the same shape ``(n, m)``."""
        error = (prediction - truth).pow(2).sum()
        norm = truth.pow(2).sum()
        pair = torch.stack([error, norm]).detach()
        self._sums = pair if self._sums is None else self._sums + pair.to(self._sums.dtype)

    def value(self, solver: pl.LightningModule) -> Tensor | None:
        """The relative error of the epoch (a 0-d tensor), or ``None`` if nothing was added."""
        sums = self._sums
        if solver.trainer.world_size > 1:
            # Every process joins the collective, with zeros if it had no point.
            if sums is None:
                sums = torch.zeros(2, device=solver.device)
            sums = solver.trainer.strategy.reduce(sums, reduce_op="sum")
        if sums is None or float(sums[1]) == 0.0:
            return None
        return torch.sqrt(sums[0] / sums[1])
