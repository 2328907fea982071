"""Datasets of condition points and the loader that batches them for training.

The loader keeps every tensor on the training device (it is moved once, when
training starts) and yields, each step, a dict ``condition name -> (input,
output, scale)``:

* ``input``: ``LabelTensor`` ``(b, k)`` labelled with the problem's input
  variables, in that order;
* ``output``: ``LabelTensor`` ``(b, m)`` for data conditions, ``None`` for
  physics conditions;
* ``scale``: a float, 1.0 on one process. Under a multi-process strategy each
  process holds a disjoint shard of every condition's points, and ``scale``
  (``world_size * local_rows / global_rows``) makes the average over processes
  of the scaled local mean losses equal the mean loss over all the points of the
  step, so averaged gradients and logged losses are the global ones.

A condition with no point in a step on this process (possible when it has fewer
points than there are steps or processes) appears with an empty ``input`` and
``scale`` 0.0; the solver skips it.

With ``batch_size=None`` one step per epoch holds every point. With an int,
the number of steps per epoch is ``ceil(points on this process / batch_size)``
and every condition's points are split evenly over the steps, so each step
holds points of every condition (when it has enough), each point is used
exactly once per epoch, and ``batch_size`` counts points per process per step
(as in Lightning, the global batch is ``batch_size * world_size``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import Tensor

from .label_tensor import LabelTensor
from .problem import AbstractProblem

__all__ = ["SamplePointDataset", "DataPointDataset", "SamplePointLoader"]

Batch = dict[str, tuple[LabelTensor, LabelTensor | None, float]]


def _ordered(points: LabelTensor, labels: list[str]) -> LabelTensor:
    """``points`` detached, with exactly the columns ``labels`` in that order."""
    points = points.detach()
    return points if points.labels == labels else points.extract(labels)


class SamplePointDataset:
    """Points of the physics conditions (those with an ``equation``).

    Args:
        problem: A problem whose conditions are all sampled.
        device: Where to keep the points (default: where they are).

    Attributes:
        condition_names: Names of the physics conditions, in problem order.
        input_pts: Condition name -> ``LabelTensor`` ``(n_c, k)`` labelled with
            the problem's input variables.
    """

    def __init__(self, problem: AbstractProblem, device: torch.device | str | None = None) -> None:
        variables = problem.input_variables
        self.condition_names = [
            name for name, c in problem.conditions.items() if c.equation is not None
        ]
        self.input_pts: dict[str, LabelTensor] = {
            name: _ordered(problem.input_pts[name], variables).to(device)
            for name in self.condition_names
        }

    def __len__(self) -> int:
        return sum(pts.shape[0] for pts in self.input_pts.values())


class DataPointDataset:
    """Input/output pairs of the data conditions (``input_points`` + ``output_points``).

    Args:
        problem: The problem.
        device: Where to keep the points (default: where they are).

    Attributes:
        condition_names: Names of the data conditions, in problem order.
        input_pts: Condition name -> inputs ``(n_c, k)`` labelled with the
            problem's input variables.
        output_pts: Condition name -> outputs ``(n_c, j)`` (their own labels).
    """

    def __init__(self, problem: AbstractProblem, device: torch.device | str | None = None) -> None:
        variables = problem.input_variables
        self.condition_names = [
            name for name, c in problem.conditions.items() if c.output_points is not None
        ]
        self.input_pts: dict[str, LabelTensor] = {}
        self.output_pts: dict[str, LabelTensor] = {}
        for name in self.condition_names:
            condition = problem.conditions[name]
            assert condition.input_points is not None and condition.output_points is not None
            self.input_pts[name] = _ordered(condition.input_points, variables).to(device)
            self.output_pts[name] = condition.output_points.detach().to(device)

    def __len__(self) -> int:
        return sum(pts.shape[0] for pts in self.input_pts.values())


class SamplePointLoader:
    """Yield training batches from the physics and data datasets.

    Args:
        sample_dataset: Points of the physics conditions.
        data_dataset: Pairs of the data conditions.
        batch_size: ``None`` for one batch of every point per epoch, or the
            number of points per step (per process).
        shuffle: Reshuffle each condition's points every epoch (only matters
            with ``batch_size``).

    Raises:
        TypeError: If ``batch_size`` is not ``None`` or an int.
        ValueError: If ``batch_size`` is not positive.
    """

    def __init__(
        self,
        sample_dataset: SamplePointDataset,
        data_dataset: DataPointDataset,
        batch_size: int | None = None,
        shuffle: bool = True,
    ) -> None:
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int)
        ):
            raise TypeError(f"batch_size must be None or a positive int; got {batch_size!r}.")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be None or a positive int; got {batch_size!r}.")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.condition_names = sample_dataset.condition_names + data_dataset.condition_names
        self._inputs: dict[str, LabelTensor] = {
            **sample_dataset.input_pts,
            **data_dataset.input_pts,
        }
        self._outputs: dict[str, LabelTensor | None] = {
            name: data_dataset.output_pts.get(name) for name in self.condition_names
        }
        self._global_rows = {name: pts.shape[0] for name, pts in self._inputs.items()}
        self._local_inputs = dict(self._inputs)
        self._local_outputs = dict(self._outputs)
        self._rank, self._world_size = 0, 1
        self._plan()

    # ---------------------------------------------------------------- set-up
    def setup(
        self,
        device: torch.device | str,
        dtype: torch.dtype | None = None,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        """Move the points to ``device``/``dtype`` and keep this process's shard.

        Called once when training starts (by the Trainer), so no step copies
        points between devices.

        Args:
            device: The training device.
            dtype: Floating dtype of the model (``None`` keeps the points' dtype).
            rank: This process's global rank.
            world_size: Number of processes.
        """
        self._rank, self._world_size = rank, world_size
        for name in self.condition_names:
            rows = _shard(self._global_rows[name], world_size)[rank]
            self._local_inputs[name] = _move(self._inputs[name][rows], device, dtype)
            output = self._outputs[name]
            self._local_outputs[name] = (
                None if output is None else _move(output[rows], device, dtype)
            )
        self._plan()

    def _plan(self) -> None:
        """Work out the steps per epoch and each condition's rows and scale per step."""
        world = self._world_size
        # Rows of every condition on every process: shard sizes (world,).
        shard_sizes = {
            name: [s.stop - s.start for s in _shard(n, world)]
            for name, n in self._global_rows.items()
        }
        largest = max(
            (sum(sizes[r] for sizes in shard_sizes.values()) for r in range(world)), default=0
        )
        self._n_batches = (
            1 if self.batch_size is None else max(1, math.ceil(largest / self.batch_size))
        )
        # chunk[name][r][b]: rows of condition `name` on process r in step b.
        self._chunks: dict[str, list[int]] = {}
        self._scales: dict[str, list[float]] = {}
        self._present: dict[str, list[bool]] = {}
        # Each condition's leftover rows (n mod steps) go to the steps after the previous
        # condition's, so no step holds more than ceil(rows / steps) <= batch_size rows.
        offsets = [0] * world
        for name, sizes in shard_sizes.items():
            per_rank = [_split(n, self._n_batches, offsets[r]) for r, n in enumerate(sizes)]
            offsets = [(offsets[r] + n) % self._n_batches for r, n in enumerate(sizes)]
            local = per_rank[self._rank]
            totals = [sum(per_rank[r][b] for r in range(world)) for b in range(self._n_batches)]
            self._chunks[name] = local
            self._present[name] = [t > 0 for t in totals]
            self._scales[name] = [
                world * local[b] / totals[b] if totals[b] else 0.0 for b in range(self._n_batches)
            ]
        self._full_batch: Batch | None = None
        if self._n_batches == 1:
            self._full_batch = {
                name: (self._local_inputs[name], self._local_outputs[name], self._scales[name][0])
                for name in self.condition_names
                if self._global_rows[name] > 0
            }

    # --------------------------------------------------------------- iterate
    def __len__(self) -> int:
        return self._n_batches

    def __iter__(self) -> Iterator[Batch]:
        if self._full_batch is not None:
            yield self._full_batch
            return
        orders: dict[str, Tensor | None] = {}
        for name in self.condition_names:
            n = self._local_inputs[name].shape[0]
            device = self._local_inputs[name].device
            orders[name] = torch.randperm(n, device=device) if self.shuffle else None
        starts = dict.fromkeys(self.condition_names, 0)
        for b in range(self._n_batches):
            batch: Batch = {}
            for name in self.condition_names:
                if not self._present[name][b]:
                    continue
                size = self._chunks[name][b]
                scale = self._scales[name][b]
                start = starts[name]
                starts[name] = start + size
                order = orders[name]
                inputs, outputs = self._local_inputs[name], self._local_outputs[name]
                if order is None:
                    rows: slice | Tensor = slice(start, start + size)
                else:
                    rows = order[start : start + size]
                batch[name] = (
                    inputs[rows],
                    None if outputs is None else outputs[rows],
                    scale,
                )
            yield batch


def _shard(n: int, parts: int) -> list[slice]:
    """Split ``range(n)`` into ``parts`` contiguous slices whose sizes differ by at most one."""
    base, extra = divmod(n, parts)
    bounds = [0]
    for p in range(parts):
        bounds.append(bounds[-1] + base + (1 if p < extra else 0))
    return [slice(bounds[p], bounds[p + 1]) for p in range(parts)]


def _split(n: int, parts: int, offset: int) -> list[int]:
    """Sizes of ``parts`` chunks of ``n`` rows, as even as possible.

    Each chunk gets ``n // parts`` rows; the ``n % parts`` chunks starting at
    ``offset`` (cyclically) get one more.
    """
    base, extra = divmod(n, parts)
    sizes = [base] * parts
    for i in range(extra):
        sizes[(offset + i) % parts] += 1
    return sizes


def _move(
    points: LabelTensor, device: torch.device | str, dtype: torch.dtype | None
) -> LabelTensor:
    """``points`` on ``device``, floating values cast to ``dtype``."""
    if dtype is not None and points.is_floating_point():
        return points.to(device=device, dtype=dtype)
    return points.to(device=device)
